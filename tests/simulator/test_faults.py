"""Fault injection: fail, lost_response, hang, garbage, latency; matching, consumption
across processes, the call log, and the state lock."""

from __future__ import annotations

import fcntl
import json
import os
import signal
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from runner.simulator import state as st
from tests.simulator.conftest import Call, Sim, fresh, write_toml

LIST = ("volumes", "list", "-a", "shop", "--json")


def inject(sim: Sim, command: str, kind: str, **options: object) -> None:
    state = sim.load()
    st.add_fault(state, command, kind, **options)  # type: ignore[arg-type]
    sim.save(state)


def test_fail_once_then_succeed_across_processes(sim: Sim) -> None:
    inject(sim, "volumes list", "fail", stderr="failed to list volumes: boom", exit=2)
    first = sim.run(*LIST)
    assert (first.returncode, first.stdout, first.stderr) == (
        2,
        "",
        "Error: failed to list volumes: boom\n",
    )
    assert sim.load().get("faults") == []  # consumed, and the consumption was saved
    assert sim.run(*LIST).returncode == 0
    assert [(e["exit"], e.get("fault")) for e in sim.log()] == [(2, "fail"), (0, None)]


def test_fail_uses_the_versions_error_prefix_and_leaves_state(call: Call) -> None:
    state = fresh("0.0.520")
    st.add_fault(state, "volumes create", "fail")
    before = json.dumps(state["apps"])
    out = call(state, "volumes", "create", "data", "-r", "iad", "-a", "shop", "-y")
    assert out.stderr.startswith("Error simulated failure")  # `Error ` before v0.0.521
    assert json.dumps(state["apps"]) == before and out.fault == "fail"


def test_times_app_and_alias_matching(call: Call) -> None:
    state = fresh()
    st.add_app(state, "other")
    st.add_fault(state, "vol ls", "fail", app="other", times=2)
    assert call(state, *LIST).exit_code == 0  # another app: untouched
    other = ("volumes", "list", "-a", "other")
    assert [call(state, *other).exit_code for _ in range(3)] == [1, 1, 0]
    st.add_fault(state, "machines list", "fail", times=None)
    machines = ("machine", "ls", "-a", "shop")
    assert {call(state, *machines).exit_code for _ in range(4)} == {1}
    assert state["faults"][0]["times"] is None


def test_app_from_fly_toml_and_env(call: Call, tmp_path: Path) -> None:
    state = fresh()
    st.add_fault(state, "volumes list", "fail", app="shop", times=None)
    write_toml(tmp_path, "")
    assert call(state, "volumes", "list").exit_code == 1
    (tmp_path / "fly.toml").unlink()
    assert call(state, "volumes", "list", env={"FLY_APP": "shop"}).exit_code == 1


def test_preparers_win_and_keep_the_fault(call: Call) -> None:
    state = fresh(logged_in=False)
    st.add_fault(state, "volumes list", "fail")
    out = call(state, *LIST)
    assert "no access token available" in out.stderr and out.fault is None
    assert call(state, "volumes", "list", "--bogus").exit_code == 1
    assert len(state["faults"]) == 1


def test_lost_response_applies_the_change(sim: Sim) -> None:
    inject(sim, "volumes create", "lost_response")
    proc = sim.run("volumes", "create", "data", "-r", "iad", "-a", "shop", "-y", "--json")
    assert proc.returncode == 1 and proc.stdout == ""
    assert proc.stderr == (
        'Error: failed to create volume: Post "https://api.machines.dev/v1/apps/shop/volumes": '
        "read tcp 10.0.0.2:52134->203.0.113.7:443: read: connection reset by peer\n"
    )
    assert len(sim.load()["apps"]["shop"]["volumes"]) == 1
    assert sim.log()[-1] == {
        "argv": ["volumes", "create", "data", "-r", "iad", "-a", "shop", "-y", "--json"],
        "fault": "lost_response",
        "exit": 1,
    }


@pytest.mark.parametrize(
    ("version", "start"),
    [
        (
            "0.4.87",
            'Error: update secrets: failed to update app secrets: Post "https://api.machines',
        ),
        ("0.3.177", 'Error: Post "https://api.fly.io/graphql": read tcp'),
    ],
)
def test_lost_response_secrets_by_version(call: Call, version: str, start: str) -> None:
    state = fresh(version)
    st.add_fault(state, "secrets import", "lost_response")
    out = call(state, "secrets", "import", "-a", "shop", stdin=b"K=v\n")
    assert out.exit_code == 1 and out.stderr.startswith(start)
    assert "K" in state["apps"]["shop"]["secrets"] and out.stdin_log == "K=***\n"


def test_lost_response_texts_for_deploy_and_volumes(call: Call, tmp_path: Path) -> None:
    state = fresh()
    machine = st.add_machine(state, "shop", "iad")
    volume = st.add_volume(state, "shop", "data", "iad", 1)
    write_toml(tmp_path, "")
    for command in ("deploy", "volumes extend", "volumes destroy"):
        st.add_fault(state, command, "lost_response")
    deploy = call(state, "deploy")
    assert deploy.stderr.startswith(f"Error: failed to update VM {machine['id']}: Post ")
    extend = call(state, "volumes", "extend", volume["id"], "-s", "2", "-a", "shop")
    assert f"failed to extend volume {volume['id']}: Put " in extend.stderr
    assert state["apps"]["shop"]["volumes"][0]["size_gb"] == 2
    destroy = call(state, "volumes", "destroy", volume["id"], "-y", "-a", "shop")
    assert destroy.stderr.startswith("Error: failed destroying volume: failed to destroy volume")
    assert state["apps"]["shop"]["volumes"][0]["state"] == "pending_destroy"


def test_lost_response_of_an_ssh_session(sim: Sim) -> None:
    state = sim.load()
    st.add_machine(state, "shop", "iad")
    st.add_fault(state, "ssh console", "lost_response")
    sim.save(state)
    proc = sim.run("ssh", "console", "-q", "-a", "shop", "-C", "echo ran")
    assert (proc.returncode, proc.stdout) == (1, "ran\n")
    assert proc.stderr == (
        "Error: ssh shell: wait: remote command exited without exit status or exit signal\n"
    )


def test_garbage(sim: Sim) -> None:
    inject(sim, "volumes list", "garbage")
    proc = sim.run(*LIST)
    assert proc.returncode == 0
    with pytest.raises(json.JSONDecodeError):
        json.loads(proc.stdout)
    inject(sim, "volumes list", "garbage", stdout='{"not": "a list"}\n')
    assert json.loads(sim.run(*LIST).stdout) == {"not": "a list"}
    assert sim.log()[-1]["fault"] == "garbage"


def test_latency_then_normal_without_holding_the_lock(sim: Sim) -> None:
    inject(sim, "volumes list", "latency", seconds=3)
    started = time.monotonic()
    slow = sim.popen(*LIST)
    wait_for(consumed(sim))
    assert lock_is_free_while(sim, slow)
    out, _ = slow.communicate(timeout=60)
    assert time.monotonic() - started >= 3
    assert slow.returncode == 0 and json.loads(out) == []
    assert sim.log()[-1] == {"argv": list(LIST), "fault": "latency", "exit": 0}


def lock_is_free_while(sim: Sim, proc: subprocess.Popen[str]) -> bool:
    """Whether the state lock could be taken while `proc` was still running."""
    with Path(f"{sim.state_path}.lock").open("a") as handle:
        while proc.poll() is None:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                time.sleep(0.02)
                continue
            fcntl.flock(handle, fcntl.LOCK_UN)
            return proc.poll() is None
    return False


def wait_for(condition: Callable[[], bool], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "the call never got going"
        time.sleep(0.05)


def consumed(sim: Sim) -> Callable[[], bool]:
    """The call took its fault (and saved the state): it is past the lock."""
    return lambda: not sim.load().get("faults")


def logged(sim: Sim) -> Callable[[], bool]:
    """The call wrote its log line (a hang does so before it starts sleeping)."""
    log = Path(f"{sim.state_path}.log")
    return lambda: log.exists() and bool(log.read_text().strip())


@pytest.mark.parametrize("group", [False, True])
def test_hang_dies_on_sigterm_without_the_lock(sim: Sim, group: bool) -> None:
    inject(sim, "secrets import", "hang")
    hung = sim.popen("secrets", "import", "-a", "shop")
    wait_for(logged(sim))
    assert sim.log()[-1] == {
        "argv": ["secrets", "import", "-a", "shop"],
        "fault": "hang",
        "exit": None,
    }
    assert lock_is_free_while(sim, hung)
    assert sim.run(*LIST).returncode == 0  # other calls go on while it hangs
    assert hung.poll() is None
    if group:
        os.killpg(hung.pid, signal.SIGTERM)
    else:
        hung.send_signal(signal.SIGTERM)
    assert hung.wait(timeout=5) == -signal.SIGTERM


def test_hang_dies_on_sigkill(sim: Sim) -> None:
    inject(sim, "deploy", "hang")
    write_toml(sim.root, "")
    hung = sim.popen("deploy")
    wait_for(logged(sim))
    hung.kill()
    assert hung.wait(timeout=5) == -signal.SIGKILL


def test_add_fault_validation() -> None:
    state = st.new_state(["shop"])
    with pytest.raises(ValueError, match="fault kind"):
        st.add_fault(state, "deploy", "explode")
    with pytest.raises(ValueError, match="no flyctl command 'volumes frobnicate'"):
        st.add_fault(state, "volumes frobnicate", "fail")
    with pytest.raises(ValueError, match="times"):
        st.add_fault(state, "deploy", "fail", times=0)
    entry = st.add_fault(state, "ssh console", "latency", seconds=2, app="shop")
    assert entry == {
        "command": "ssh console",
        "kind": "latency",
        "app": "shop",
        "times": 1,
        "seconds": 2,
    }


def test_ctrl_c_ends_a_hang_like_flyctl(sim: Sim) -> None:
    inject(sim, "volumes list", "hang")
    hung = sim.popen(*LIST)
    wait_for(logged(sim))
    hung.send_signal(signal.SIGINT)
    assert hung.wait(timeout=10) == 127  # flyctl's exit on an interrupt, no message
    assert hung.communicate()[1] == ""


def test_deploy_dir_is_where_the_app_comes_from(call: Call, tmp_path: Path) -> None:
    state = fresh()
    st.add_app(state, "other")
    st.add_fault(state, "deploy", "fail", app="other")
    write_toml(tmp_path, "")  # app "shop" here…
    (tmp_path / "sub").mkdir()
    write_toml(tmp_path / "sub", "", app="other")  # … and "other" in DIR
    assert call(state, "deploy", "sub").fault == "fail"


def test_in_process_latency(call: Call) -> None:
    state = fresh()
    st.add_fault(state, "volumes list", "latency", seconds=0.2)
    started = time.monotonic()
    out = call(state, *LIST)
    assert time.monotonic() - started >= 0.2
    assert (out.exit_code, out.stdout, out.fault) == (0, "[]\n", "latency")
