"""`ssh console`: machine selection and its errors, the command's environment, volumes,
exit statuses, output, stdin, pseudo-terminals, and the version gates."""

from __future__ import annotations

import contextlib
import json
import os
import signal
from pathlib import Path
from typing import Any

import pytest

from runner.simulator import state as st
from runner.simulator.cli import execute
from runner.simulator.context import Stdin
from tests.simulator.conftest import Call, Sim, fresh

JSON = dict[str, Any]
FIND = 'sh -c \'find /data -maxdepth 4 -type f -name "*.sqlite*" -exec stat -c "%s %n" {} +\''


def one_machine(sim: Sim, **env: str) -> tuple[JSON, JSON]:
    """App `shop`: one started machine in iad with volume `data` at /data."""
    state = sim.load()
    volume = st.add_volume(state, "shop", "data", "iad", 1)
    machine = st.add_machine(state, "shop", "iad", mounts=[volume["id"]], env=env)
    sim.save(state)
    return volume, machine


def test_runs_a_shell_script_on_the_volume(sim: Sim) -> None:
    volume, machine = one_machine(sim)
    st.seed_volume_file(sim.state_path, "shop", volume["id"], "production.sqlite3", b"x" * 7)
    st.seed_volume_file(sim.state_path, "shop", volume["id"], "db/cache.sqlite3-wal", b"")
    st.seed_volume_file(sim.state_path, "shop", volume["id"], "notes.txt", b"skip me")
    proc = sim.run("ssh", "console", "-a", "shop", "-C", FIND)
    assert proc.returncode == 0, proc.stderr
    assert sorted(proc.stdout.splitlines()) == [
        "0 /data/db/cache.sqlite3-wal",
        "7 /data/production.sqlite3",
    ]
    assert proc.stderr == f"Connecting to {machine['private_ip']}...\n"


def test_cat_and_writes_land_on_the_volume(sim: Sim) -> None:
    volume, _ = one_machine(sim)
    st.seed_volume_file(sim.state_path, "shop", volume["id"], "x.json", b'{"a": 1}\n')
    assert sim.run("ssh", "console", "-a", "shop", "-q", "-C", "cat /data/x.json").stdout == (
        '{"a": 1}\n'
    )
    proc = sim.run("ssh", "console", "-q", "-a", "shop", "-C", "sh -c 'cat > /data/in'", stdin="hi")
    assert proc.returncode == 0
    assert st.read_volume_file(sim.state_path, "shop", volume["id"], "in") == b"hi"
    assert sim.log()[-1]["stdin"] == "***"  # what went into the session is never logged


def test_environment_is_the_machines(sim: Sim) -> None:
    state = sim.load()
    st.add_secret(state, "shop", "SECRET_KEY_BASE", "old")
    machine = st.add_machine(state, "shop", "iad", env={"RAILS_ENV": "production"})
    st.add_secret(state, "shop", "STAGED", "not-yet", deployed=False)
    sim.save(state)
    proc = sim.run("ssh", "console", "-q", "-a", "shop", "-C", "env", env={"LEAK": "host"})
    env = dict(line.split("=", 1) for line in proc.stdout.splitlines())
    assert env["RAILS_ENV"] == "production" and env["SECRET_KEY_BASE"] == "old"
    assert "STAGED" not in env and "LEAK" not in env
    assert env["FLY_APP_NAME"] == "shop" and env["FLY_MACHINE_ID"] == machine["id"]
    assert env["FLY_ALLOC_ID"] == machine["id"] and env["FLY_REGION"] == "iad"
    assert env["FLY_PROCESS_GROUP"] == "app" and env["PRIMARY_REGION"] == "iad"
    assert env["FLY_PRIVATE_IP"] == machine["private_ip"]
    assert env["FLY_MACHINE_VERSION"] == machine["instance_id"]
    assert env["FLY_IMAGE_REF"] == machine["config"]["image"]
    assert env["FLY_VM_MEMORY_MB"] == "256" and env["FLY_PUBLIC_IP"].startswith("2001:db8::")


def test_secrets_reach_machines_only_when_deployed(sim: Sim) -> None:
    one_machine(sim)
    printenv = ("ssh", "console", "-q", "-a", "shop", "-C", "printenv TOKEN")
    assert sim.run("secrets", "set", "TOKEN=one", "--stage", "-a", "shop").returncode == 0
    assert sim.run(*printenv).returncode == 1  # staged: not on the machine yet
    assert sim.run("secrets", "deploy", "-a", "shop").returncode == 0
    assert sim.run(*printenv).stdout == "one\n"
    assert sim.run("secrets", "import", "-a", "shop", stdin="TOKEN=two\n").returncode == 0
    assert sim.run(*printenv).stdout == "two\n"
    assert sim.run("secrets", "unset", "TOKEN", "-a", "shop").returncode == 0
    assert sim.run(*printenv).returncode == 1


def test_secret_overrides_env_and_env_value_paths_are_mapped(sim: Sim) -> None:
    volume, _ = one_machine(sim, DATABASE_URL="sqlite3:///data/env.sqlite3", MODE="env")
    state = sim.load()
    st.add_secret(state, "shop", "MODE", "secret")
    sim.save(state)
    st.seed_volume_file(sim.state_path, "shop", volume["id"], "env.sqlite3", b"abc")
    script = 'sh -c \'echo "$MODE $DATABASE_URL"; cat "${DATABASE_URL#sqlite3://}"\''
    proc = sim.run("ssh", "console", "-q", "-a", "shop", "-C", script)
    assert proc.stdout == "secret sqlite3:///data/env.sqlite3\nabc"


def test_command_is_split_not_given_to_a_shell(sim: Sim) -> None:
    one_machine(sim)
    proc = sim.run("ssh", "console", "-q", "-a", "shop", "-C", "echo $HOME 'a  b' || true")
    assert proc.stdout == "$HOME a  b || true\n"


def test_remote_status_is_an_error_exit_1(sim: Sim) -> None:
    one_machine(sim)
    proc = sim.run(
        "ssh", "console", "-q", "-a", "shop", "-C", "sh -c 'echo out; echo err >&2; exit 3'"
    )
    assert proc.returncode == 1
    assert proc.stdout == "out\n"
    assert proc.stderr == "err\nError: ssh shell: Process exited with status 3\n"
    killed = sim.run("ssh", "console", "-q", "-a", "shop", "-C", "sh -c 'kill -9 $$'")
    assert killed.stderr == "Error: ssh shell: Process exited with status 4294967295\n"
    missing = sim.run("ssh", "console", "-q", "-a", "shop", "-C", "no-such-program-here")
    assert missing.returncode == 1 and "executable file not found in $PATH" in missing.stderr
    unsplittable = sim.run("ssh", "console", "-q", "-a", "shop", "-C", "echo 'open")
    assert "EOF found when expecting closing quote" in unsplittable.stderr


def test_pseudo_terminal_merges_output(call: Call, tmp_path: Path) -> None:
    state = fresh()
    st.add_machine(state, "shop", "iad")
    argv = ("ssh", "console", "-q", "-a", "shop", "--pty", "-C", "sh -c 'echo a; echo b >&2'")
    out = call(state, *argv, env={"FLYRUN_SIM_STATE": str(tmp_path / "s.json")})
    assert (out.exit_code, out.stdout, out.stderr) == (0, "a\r\nb\r\n", "")
    shell = call(
        state,
        "ssh",
        "console",
        "-q",
        "-a",
        "shop",
        "-C",
        "sh",
        stdin=b"echo hi\n",
        env={"FLYRUN_SIM_STATE": str(tmp_path / "s.json")},
    )
    warning = (
        "\x1b[33mWARN\x1b[0m Allocating a pseudo-terminal since the command provided is a shell."
    )
    assert shell.stdout.startswith(warning) and shell.stdout.endswith("\nhi\r\n")
    assert (shell.stdin_read, shell.stdin_log) == (True, "***")
    term = call(state, *argv[:-1], "printenv TERM", env={"FLYRUN_SIM_STATE": str(tmp_path / "s")})
    assert term.stdout == "xterm\r\n"  # flyctl sends $TERM (or xterm) with the pty request


def test_sigterm_closes_the_session(sim: Sim) -> None:
    one_machine(sim)
    proc = sim.popen("ssh", "console", "-q", "-a", "shop", "-C", "sh -c 'echo up; sleep 30'")
    assert proc.stdout is not None and proc.stdout.readline() == "up\n"
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=10) == 1
    assert proc.communicate()[1] == (
        "Error: ssh shell: session forcibly closed; the remote process may still be running\n"
    )
    assert sim.log()[-1]["exit"] == 1
    with contextlib.suppress(ProcessLookupError):  # the "remote" sleep may still run
        os.killpg(proc.pid, signal.SIGKILL)


def test_in_process_needs_a_state_path(call: Call, tmp_path: Path) -> None:
    state = fresh()
    st.add_machine(state, "shop", "iad")
    out = call(state, "ssh", "console", "-a", "shop", "-C", "true")
    assert out.exit_code == 1 and "needs the state file" in out.stderr
    stdin = Stdin(lambda: b"", piped=False)
    done = execute(
        ["ssh", "console", "-q", "-a", "shop", "-C", "true"],
        state,
        env={},
        cwd=tmp_path,
        stdin=stdin,
        state_path=tmp_path / "s.json",
    )
    assert (done.exit_code, done.stdout, done.stderr) == (0, "", "")


def machines_in(state: JSON, regions: list[str], group: str = "app") -> list[JSON]:
    return [st.add_machine(state, "shop", region, group) for region in regions]


def test_selection_messages_and_flags(call: Call, tmp_path: Path) -> None:
    env = {"FLYRUN_SIM_STATE": str(tmp_path / "s.json")}
    state = fresh()
    first, second = machines_in(state, ["iad", "ams"])
    worker = st.add_machine(state, "shop", "ams", "worker")
    base = ("ssh", "console", "-a", "shop", "-q", "-C", "printenv FLY_MACHINE_ID")
    out = call(state, *base, env=env)
    assert out.stdout == (
        f"No machine specified, using {first['id']} in region iad\n{first['id']}\n"
    )
    assert call(state, *base, "--machine", second["id"], env=env).stdout == second["id"] + "\n"
    assert call(state, *base, "-g", "worker", env=env).stdout == worker["id"] + "\n"
    only = call(state, *base, "-s", "-g", "worker", env=env).stdout
    assert only.startswith(f"Only one machine available, selecting {worker['id']} in region ams\n")
    by_ip = call(state, "ssh", "console", second["private_ip"], *base[2:], env=env)
    assert by_ip.stdout.endswith(second["id"] + "\n")
    by_name = call(state, *base, "-A", f"{worker['id']}.vm.shop.internal", env=env)
    assert by_name.stdout.endswith(worker["id"] + "\n")


@pytest.mark.parametrize(
    ("flags", "error"),
    [
        (("--machine", "0123456789abcd"), '--machine="0123456789abcd" not found/started'),
        (("-s",), "selecting VM: prompt: non interactive"),
        (("-s", "--machine", "{id}"), "--machine can't be used with -s/--select"),
        (("-r", "syd"), "app shop has no VMs in region syd"),
        (("-g", "web"), "app shop has no VMs in process group web"),
        (("--container", "app"), "no containers found for machine {id}"),
        (
            ("--container", "a", "--no-container"),
            "--container and --no-container are mutually exclusive",
        ),
        (("-A", "db.internal"), "host unavailable at db.internal: host was not found in DNS"),
    ],
)
def test_selection_errors(call: Call, flags: tuple[str, ...], error: str) -> None:
    state = fresh()
    first, _ = machines_in(state, ["iad", "ams"])
    flags = tuple(flag.format(id=first["id"]) for flag in flags)
    out = call(state, "ssh", "console", "-a", "shop", "-C", "true", *flags)
    assert out.exit_code == 1
    assert out.stderr == f"Error: {error.format(id=first['id'])}\n"


def test_no_started_machines_app_and_auth_errors(call: Call) -> None:
    state = fresh()
    argv = ("ssh", "console", "-C", "true")
    assert call(state, *argv, "-a", "shop").stderr == (
        "Error: app shop has no started VMs.\nIt may be unhealthy or not have been deployed yet."
        "\nTry the following command to verify:\n\nfly status\n"
    )
    old = fresh("0.1.88")
    assert call(old, *argv, "-a", "shop").stderr == "Error: app shop has no started VMs\n"
    machine = st.add_machine(state, "shop", "iad")
    machine["state"] = "stopped"
    assert "has no started VMs" in call(state, *argv, "-a", "shop").stderr
    assert call(state, *argv, "-a", "nope").stderr == 'Error: get app: Could not find App "nope"\n'
    assert "missing an app name" in call(state, *argv).stderr
    assert call(fresh(logged_in=False), *argv, "-a", "shop").stderr.startswith(
        "Error: no access token available"
    )


def test_version_gates(call: Call, tmp_path: Path) -> None:
    old = fresh("0.3.108")
    machines_in(old, ["iad", "ams"])
    env = {"FLYRUN_SIM_STATE": str(tmp_path / "s.json")}
    quiet = ("ssh", "console", "-a", "shop", "-q", "-C", "true")
    # before v0.3.109: no "No machine specified", and a failed -s prompt went unnoticed
    assert call(old, *quiet, env=env).stdout == ""
    assert call(old, *quiet, "-s", env=env).exit_code == 0
    # before v0.3.115 an unknown --machine was ignored
    assert call(old, *quiet, "--machine", "ffffffffffffff", env=env).exit_code == 0
    assert call(fresh("0.1.131"), *quiet, "--machine", "x").stderr.startswith(
        "Error: unknown flag: --machine"
    )
    assert "unknown flag: --no-container" in call(fresh("0.4.82"), *quiet, "--no-container").stderr
    ancient = fresh("0.0.503")
    st.add_machine(ancient, "shop", "iad")
    out = call(ancient, "ssh", "console", "-a", "shop", "-q", "-C", "sh -c 'echo x'", env=env)
    assert out.stdout == "x\r\n"  # a pseudo-terminal was always allocated before --pty


def test_help_lists_the_real_flags(call: Call) -> None:
    out = call(fresh(), "ssh", "console", "--help").stdout
    for flag in (
        "-C, --command",
        "--machine",
        "-s, --select",
        "-u, --user",
        "-q, --quiet",
        "--pty",
        "-A, --address",
        "-g, --process-group",
        "-r, --region",
        "--container",
        "--no-container",
        "-o, --org",
    ):
        assert flag in out
    assert json.dumps("root") in out  # -u defaults to root
