"""`deploy`, `machines list` and `status`: first deploy, later deploys, validation."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from runner.simulator import state as st
from tests.simulator.conftest import Call, Sim, fresh, write_toml

MOUNT = '[mounts]\n  source = "data"\n  destination = "/data"\n'
CREATING = (
    "Creating a 1 GB volume named 'data' for process group 'app'. Use 'fly vol extend' to "
    "increase its size\n"
)


def machines(call: Call, state: dict[str, Any]) -> list[dict[str, Any]]:
    out = call(state, "machines", "list", "-a", "shop", "--json")
    assert out.exit_code == 0, out.stderr
    result: list[dict[str, Any]] = json.loads(out.stdout)
    return result


def test_first_deploy_creates_volume_and_machine(sim: Sim) -> None:
    state = sim.load()
    st.add_secret(state, "shop", "DATABASE_URL", "x", deployed=False)
    sim.save(state)
    write_toml(sim.root, '[env]\n  RAILS_ENV = "production"\n' + MOUNT)
    proc = sim.run("deploy", "--app", "shop", "--config", "fly.toml")
    assert proc.returncode == 0, proc.stderr
    assert CREATING in proc.stdout
    assert proc.stdout.endswith("Visit your newly deployed app at https://shop.fly.dev/\n")
    app = sim.load()["apps"]["shop"]
    assert app["deployed"] is True and app["release_version"] == 1
    [volume] = app["volumes"]
    [machine] = json.loads(sim.run("machines", "list", "-a", "shop", "--json").stdout)
    assert volume["size_gb"] == 1 and volume["attached_machine_id"] == machine["id"]
    config = machine["config"]
    assert config["mounts"] == [
        {"encrypted": True, "path": "/data", "size_gb": 1, "volume": volume["id"], "name": "data"}
    ]
    assert config["metadata"]["fly_process_group"] == "app"
    assert config["metadata"]["fly_release_version"] == "1"
    assert config["env"] == {
        "FLY_PROCESS_GROUP": "app",
        "PRIMARY_REGION": "iad",
        "RAILS_ENV": "production",
    }
    listed = json.loads(sim.run("secrets", "list", "-a", "shop", "--json").stdout)
    assert listed[0]["status"] == "Deployed"


def test_first_deploy_reuses_unattached_volume(call: Call, tmp_path: Path) -> None:
    state = fresh()
    volume = st.add_volume(state, "shop", "data", "iad", 3)
    write_toml(tmp_path, MOUNT)
    out = call(state, "deploy")
    assert out.exit_code == 0 and "Creating a" not in out.stdout
    assert machines(call, state)[0]["config"]["mounts"][0]["volume"] == volume["id"]


def test_initial_size_and_version_default(call: Call, tmp_path: Path) -> None:
    write_toml(tmp_path, MOUNT + '  initial_size = "5gb"\n')
    state = fresh()
    assert call(state, "deploy").exit_code == 0
    assert state["apps"]["shop"]["volumes"][0]["size_gb"] == 5
    write_toml(tmp_path, MOUNT)
    old = fresh("0.2.0")
    assert "Creating a 3 GB volume" in call(old, "deploy").stdout


def test_validation_failures(call: Call, tmp_path: Path) -> None:
    cases = {
        '  initial_size = "0"\n': (
            "mount 'data' has an initial_size '0' value which is smaller than 1GB"
        ),
        "  snapshot_retention = 0\n": (
            "mount 'data' has a snapshot_retention value which is not between 1 and 60 days "
            "inclusive"
        ),
        "  auto_extend_size_threshold = 80\n": (
            "mount 'data' auto_extend_size_threshold, auto_extend_size_increment and "
            "auto_extend_size_limit must be all defined or none"
        ),
        '  auto_extend_size_threshold = 20\n  auto_extend_size_increment = "1GB"\n': (
            "mount 'data' auto_extend_size_threshold must be between 50 and 99"
        ),
        '[[mounts]]\n  source = "other"\n  destination = "/other"\n': (
            "group 'app' has more than one [[mounts]] section defined"
        ),
    }
    for extra, message in cases.items():
        path = write_toml(tmp_path, MOUNT.replace("[mounts]", "[[mounts]]") + extra)
        state = fresh()
        out = call(state, "deploy")
        assert out.exit_code == 1, extra
        assert out.stderr == "Error: App configuration is not valid\n"
        assert f"Validating {path}\n" in out.stdout and message + "\n" in out.stdout, extra
        assert out.stdout.endswith("\n   ✘invalid app configuration\n")
        assert state["apps"]["shop"]["volumes"] == [] and state["apps"]["shop"]["machines"] == []


def test_auto_extend_mount_fields(call: Call, tmp_path: Path) -> None:
    extend = (
        '  auto_extend_size_threshold = 80\n  auto_extend_size_increment = "1GB"\n'
        '  auto_extend_size_limit = "10GB"\n'
    )
    write_toml(tmp_path, MOUNT + extend)
    state = fresh()
    assert call(state, "deploy").exit_code == 0
    mount = machines(call, state)[0]["config"]["mounts"][0]
    assert (mount["extend_threshold_percent"], mount["add_size_gb"], mount["size_gb_limit"]) == (
        80,
        1,
        10,
    )


def test_process_groups_and_ha(call: Call, tmp_path: Path) -> None:
    body = '[processes]\n  web = "bin/rails server"\n  worker = "bin/jobs"\n'
    write_toml(tmp_path, body + MOUNT + '  processes = ["web"]\n')
    state = fresh()
    out = call(state, "deploy")
    assert "for process group 'web'" in out.stdout
    groups = [m["config"]["metadata"]["fly_process_group"] for m in machines(call, state)]
    assert sorted(groups) == ["web", "worker", "worker"]
    web = next(m for m in machines(call, state) if "mounts" in m["config"])
    assert web["config"]["init"] == {"cmd": ["bin/rails", "server"]}
    single = fresh()
    call(single, "deploy", "--ha=false")
    assert len(machines(call, single)) == 2


def test_later_deploy_needs_volume_per_machine(call: Call, tmp_path: Path) -> None:
    state = fresh()
    st.add_machine(state, "shop", "iad")
    write_toml(tmp_path, MOUNT)
    out = call(state, "deploy")
    assert out.stderr == (
        "Error: Process group 'app' needs volumes with name 'data' to fulfill mounts defined in "
        "fly.toml; Run `fly volume create data -r REGION -n COUNT` for the following regions "
        "and counts: iad=1\n"
    )
    assert state["apps"]["shop"]["release_version"] == 1
    volume = st.add_volume(state, "shop", "data", "iad", 1)
    out = call(state, "deploy")
    assert out.exit_code == 0, out.stderr
    [machine] = machines(call, state)
    assert machine["config"]["mounts"][0]["volume"] == volume["id"]
    assert machine["config"]["metadata"]["fly_release_version"] == "2"
    assert call(state, "deploy").exit_code == 0  # mount kept on the next deploy
    assert machines(call, state)[0]["config"]["mounts"][0]["volume"] == volume["id"]


def test_removing_mounts_needs_yes(call: Call, tmp_path: Path) -> None:
    state = fresh()
    volume = st.add_volume(state, "shop", "data", "iad", 1)
    st.add_machine(state, "shop", "iad", mounts=[volume["id"]])
    write_toml(tmp_path, "")
    assert "yes flag must be specified" in call(state, "deploy").stderr
    assert call(state, "deploy", "--yes").exit_code == 0
    assert "mounts" not in machines(call, state)[0]["config"]
    assert volume["attached_machine_id"] is None


def test_deploy_without_config(call: Call) -> None:
    assert call(fresh(), "deploy", "-a", "nope").stderr.startswith(
        "Error: the app name nope could not be found, did you create the app or misspell it "
        "in the fly.toml file or via -a?"
    )
    assert call(fresh(), "deploy", "-a", "shop").exit_code == 0


def test_deploy_directory_argument(call: Call, tmp_path: Path) -> None:
    (tmp_path / "app").mkdir()
    write_toml(tmp_path / "app", MOUNT)
    state = fresh()
    assert call(state, "deploy", "app").exit_code == 0
    assert len(state["apps"]["shop"]["volumes"]) == 1


def test_release_command(call: Call, tmp_path: Path) -> None:
    write_toml(tmp_path, '[deploy]\n  release_command = "bin/rails db:migrate"\n' + MOUNT)
    state = fresh()
    out = call(state, "deploy")
    assert "Running shop release_command: bin/rails db:migrate" in out.stderr
    failing = fresh()
    failing["apps"]["shop"]["release_command_exit"] = 2
    out = call(failing, "deploy")
    assert out.exit_code == 1
    assert "release command failed - aborting deployment." in out.stderr
    assert failing["apps"]["shop"]["machines"] == []
    assert len(failing["apps"]["shop"]["volumes"]) == 1  # created before the release step


def test_machines_list_and_status(call: Call) -> None:
    state = fresh()
    assert call(state, "machines", "list", "-a", "shop", "--json").stdout == "[]\n"
    assert (
        call(state, "m", "ls", "-a", "shop").stdout
        == "No machines are available on this app shop\n"
    )
    st.add_machine(state, "shop", "ams", group="web")
    quiet = call(state, "machine", "list", "-a", "shop", "-q").stdout
    assert quiet == state["apps"]["shop"]["machines"][0]["id"] + "\n"
    status = json.loads(call(state, "status", "-a", "shop", "--json").stdout)
    assert list(status) == sorted(status)
    assert status["Deployed"] is True and len(status["Machines"]) == 1


def test_machines_of_groups_the_config_does_not_declare_are_destroyed(
    call: Call, tmp_path: Path
) -> None:
    """flyctl's resolveProcessGroupChanges (docs/reference/flyctl.md §4.2 step 5): a
    `worker` machine while fly.toml declares only `app` is destroyed, not updated."""
    state = fresh()
    app_machine = st.add_machine(state, "shop", "iad")
    worker = st.add_machine(state, "shop", "iad", "worker")
    write_toml(tmp_path, "")
    out = call(state, "deploy")
    assert out.exit_code == 0, out.stderr
    assert 'Process groups have changed. This will:\n * destroy 1 "worker" machine\n' in out.stdout
    assert [m["id"] for m in machines(call, state)] == [app_machine["id"]]
    assert worker["id"] not in out.stdout.split("This will:")[1]  # never updated
