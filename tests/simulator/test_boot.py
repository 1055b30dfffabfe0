"""Boot commands: machines run them after a deploy or a secrets restart; a crash fails the
deploy the way flyctl reports it, and the rolling strategy does not roll back."""

from __future__ import annotations

from typing import Any

from runner.simulator import state as st
from tests.simulator.conftest import Sim, write_toml

JSON = dict[str, Any]
MOUNT = '[env]\n  RAILS_ENV = "production"\n[mounts]\n  source = "data"\n  destination = "/data"\n'
MARK = 'echo "$RAILS_ENV $TOKEN $FLY_MACHINE_ID" >> /data/boots'
CRASHING = "the app appears to be crashing"


def set_boot(sim: Sim, command: str | list[str] | None, *, token: str | None = None) -> None:
    state = sim.load()
    st.set_boot_command(state, "shop", command)
    if token is not None:
        st.add_secret(state, "shop", "TOKEN", token, deployed=False)
    sim.save(state)


def app(sim: Sim) -> JSON:
    found: JSON = sim.load()["apps"]["shop"]
    return found


def boots(sim: Sim) -> list[str]:
    volume = app(sim)["volumes"][0]["id"]
    return st.read_volume_file(sim.state_path, "shop", volume, "boots").decode().splitlines()


def test_first_deploy_boots_with_env_secrets_and_volume(sim: Sim) -> None:
    set_boot(sim, MARK, token="t1")
    write_toml(sim.root, MOUNT)
    proc = sim.run("deploy")
    assert proc.returncode == 0, proc.stderr
    [machine] = app(sim)["machines"]
    assert machine["state"] == "started"
    assert boots(sim) == [f"production t1 {machine['id']}"]


def test_crash_of_a_new_machine_fails_the_first_deploy(sim: Sim) -> None:
    set_boot(sim, ["sh", "-c", "echo migrating; echo 'no such table' >&2; exit 1"])
    write_toml(sim.root, MOUNT)
    proc = sim.run("deploy")
    [machine] = app(sim)["machines"]
    mid = machine["id"]
    assert proc.returncode == 1
    assert f"  ✖ Failed: smoke checks for {mid} failed: {CRASHING}\n" in proc.stdout
    assert proc.stderr == (
        f"Error: smoke checks for {mid} failed: {CRASHING}\n"
        f"Smoke checks for {mid} failed: {CRASHING}\n"
        f"Check its logs: here's the last lines below, or run 'fly logs -i {mid}':\n"
        "migrating\nno such table\n\n\n"  # Println of a suggestion ending in \n, a blank line
    )
    assert machine["state"] == "stopped"  # it stays, crashed, with its volume
    assert app(sim)["volumes"][0]["attached_machine_id"] == mid


def two_machines(sim: Sim) -> list[JSON]:
    state = sim.load()
    machines = []
    for _ in range(2):
        volume = st.add_volume(state, "shop", "data", "iad", 1)
        machines.append(st.add_machine(state, "shop", "iad", mounts=[volume["id"]]))
    sim.save(state)
    write_toml(sim.root, MOUNT)
    return machines


def test_rolling_update_stops_at_the_crash_without_rollback(sim: Sim) -> None:
    first, _ = two_machines(sim)
    set_boot(sim, "echo booting; exit 3")
    proc = sim.run("deploy")
    assert proc.returncode == 1
    error = f"smoke checks for {first['id']} failed: {CRASHING}"
    assert f"  ✖ [1/2] Machine {first['id']} [app] update failed: {error}\n" in proc.stdout
    assert proc.stderr == (
        f"Error: {error}\nSmoke checks for {first['id']} failed: {CRASHING}\n"
        f"Check its logs: here's the last lines below, or run 'fly logs -i {first['id']}':\n"
        "booting\n\n\n"
    )
    crashed, untouched = app(sim)["machines"]
    assert crashed["state"] == "stopped"
    assert crashed["config"]["env"]["RAILS_ENV"] == "production"  # the new config stays
    assert crashed["config"]["metadata"]["fly_release_version"] == "2"
    assert untouched["state"] == "started" and "RAILS_ENV" not in untouched["config"]["env"]
    assert untouched["config"]["metadata"]["fly_release_version"] == "1"


def test_detach_skips_smoke_checks(sim: Sim) -> None:
    two_machines(sim)
    set_boot(sim, "exit 3")
    for flags in (("--detach",), ("--smoke-checks=false",)):
        proc = sim.run("deploy", *flags)
        assert proc.returncode == 0, proc.stderr
    assert {m["state"] for m in app(sim)["machines"]} == {"stopped"}


def test_stopped_machines_are_updated_but_not_started(sim: Sim) -> None:
    two_machines(sim)
    set_boot(sim, "exit 3")
    assert sim.run("deploy").returncode == 1
    set_boot(sim, MARK)
    assert sim.run("deploy").returncode == 0
    stopped, started = app(sim)["machines"]
    assert stopped["state"] == "stopped" and started["state"] == "started"
    assert stopped["config"]["metadata"]["fly_release_version"] == "3"
    assert len(boots_of(sim, started)) == 1 and boots_of(sim, stopped) == []
    ssh = sim.run("ssh", "console", "-a", "shop", "--machine", stopped["id"], "-C", "true")
    assert f'--machine="{stopped["id"]}" not found/started' in ssh.stderr


def boots_of(sim: Sim, machine: JSON) -> list[str]:
    volume = machine["config"]["mounts"][0]["volume"]
    try:
        data = st.read_volume_file(sim.state_path, "shop", volume, "boots")
    except FileNotFoundError:
        return []
    return data.decode().splitlines()


def test_secrets_restart_boots_and_reports_crashes_even_detached(sim: Sim) -> None:
    first, _ = two_machines(sim)
    set_boot(sim, 'test "$TOKEN" != bad && echo "$TOKEN" >> /data/boots')
    assert sim.run("secrets", "set", "TOKEN=good", "-a", "shop").returncode == 0
    assert boots_of(sim, first) == ["good"]
    proc = sim.run("secrets", "set", "TOKEN=bad", "--detach", "-a", "shop")
    assert proc.returncode == 1
    assert proc.stderr.startswith(f"Error: smoke checks for {first['id']} failed: {CRASHING}\n")


def test_boot_command_forms() -> None:
    state = st.new_state(["shop"])
    st.set_boot_command(state, "shop", "echo hi")
    assert state["apps"]["shop"]["boot_command"] == ["sh", "-c", "echo hi"]
    st.set_boot_command(state, "shop", ["/bin/true"])
    assert state["apps"]["shop"]["boot_command"] == ["/bin/true"]
    st.set_boot_command(state, "shop", None)
    assert state["apps"]["shop"]["boot_command"] is None


def test_machine_start_boots_a_stopped_machine_with_the_secrets_of_now(sim: Sim) -> None:
    """After a failed deploy the machine is stopped; `machine start` boots it with the
    current secrets and runs the boot command; flyctl does not wait for it to stay up."""
    first, second = two_machines(sim)
    set_boot(sim, 'test "$TOKEN" != bad && echo "$TOKEN" >> /data/boots', token="bad")
    assert sim.run("deploy").returncode == 1
    assert app(sim)["machines"][0]["state"] == "stopped"
    proc = sim.run("machine", "start", first["id"], "-a", "shop")
    assert proc.returncode == 0 and proc.stdout == f"{first['id']} has been started\n"
    assert app(sim)["machines"][0]["state"] == "stopped"  # crashed again, start still ok
    state = sim.load()
    st.add_secret(state, "shop", "TOKEN", "good", deployed=False)
    sim.save(state)
    assert sim.run("machine", "start", first["id"], "-a", "shop").returncode == 0
    assert app(sim)["machines"][0]["state"] == "started"
    assert boots_of(sim, first) == ["good"] and boots_of(sim, second) == []
    unknown = sim.run("machine", "start", "nope", "-a", "shop")
    assert unknown.returncode == 1 and "could not get machine nope" in unknown.stderr
