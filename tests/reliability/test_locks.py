"""One run per app at a time: a second `flyrun apply` of the same app (another process)
waits up to `--lock-timeout`, then fails clearly and changes nothing; right before creating a
volume flyrun reads the volumes again, so a volume another machine created meanwhile is used,
not doubled; two runs sharing a state file keep each other's records."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from runner import locks
from runner.events import Event, TaskStarted
from tests.cli.harness import FlyApp
from tests.cli.harness import make_fleet as batch
from tests.reliability.helpers import (
    calls,
    cli_env,
    hooked,
    report_of,
    spawn,
    stopped,
    task,
)

KILLPOINT = "tests.reliability.killpoint"  # flyrun, a real process, simulator in-process


def test_a_second_apply_of_the_same_app_waits_then_fails_clearly(fly_app: FlyApp) -> None:
    """Two real processes: the first stops (holding its locks) right after creating the
    volume; the second waits --lock-timeout, fails saying who holds the app, changes nothing."""
    env = cli_env(FLYRUN_LOCK_DIR=str(fly_app.root / "locks"), SIM_STATE=str(fly_app.state_path))
    first = spawn(fly_app, "apply", env={**env, "KILL_AT": "effect:1"}, module=KILLPOINT)
    try:
        stopped(first)
        calls_before = fly_app.log_text()
        second = spawn(fly_app, "apply", "--format", "json", "--lock-timeout", "0.5", env=env)
        out, err = second.communicate(timeout=30)
    finally:
        first.kill()
        first.wait()
    assert second.returncode == 1, err
    (failure,) = json.loads(out)["apps"][0]["tasks"]
    assert failure["status"] == "failed"
    assert f"is in use by another flyrun run (pid {first.pid} since " in failure["message"]
    assert "waited 0.5 s" in failure["message"]
    mutations = [c for c in fly_app.log_text()[len(calls_before) :].splitlines() if "create" in c]
    assert mutations == []  # only queries: the second run changed nothing
    assert len(calls(fly_app, "volumes", "create")) == 1


def test_another_checkout_of_the_same_app_is_locked_out_too(
    quick_app: FlyApp, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The lock is per app folder and per Fly app: a run from another folder (a second
    checkout of the app, on this machine) holding the app makes this one wait, then fail."""
    monkeypatch.setenv("FLYRUN_LOCK_DIR", str(quick_app.root / "locks"))
    sim = quick_app.state_path.read_bytes()
    with locks.held(locks.app_key("shop"), what="the other checkout"):
        code, report, _ = report_of(quick_app, capsys, "apply", "--lock-timeout", "0.2")
    assert code == 1
    message = report["apps"][0]["tasks"][-1]["message"]
    assert f"Fly app shop is in use by another flyrun run (pid {os.getpid()} since" in message
    assert quick_app.state_path.read_bytes() == sim


def test_a_volume_created_elsewhere_after_the_check_is_used_not_doubled(
    quick_app: FlyApp, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def other_machine(event: Event) -> None:
        """After apply's own check pass planned the volume, another process creates it."""
        if isinstance(event, TaskStarted) and event.id == "volume":
            argv = [str(quick_app.shim), "volumes", "create", "shop_data", "--app", "shop"]
            argv += ["--region", "iad", "--size", "3", "--yes", "--json"]
            subprocess.run(argv, check=True, capture_output=True)

    with hooked(monkeypatch, other_machine):
        code, report, _ = report_of(quick_app, capsys, "apply")
    assert code == 0
    volume = task(report, "volume")
    assert volume["status"] == "ok", volume  # re-read right before creating: found it
    assert len(quick_app.state["apps"]["shop"]["volumes"]) == 1
    assert len(calls(quick_app, "volumes", "create")) == 1  # the other machine's


def test_two_runs_sharing_a_state_file_keep_both_records(tmp_path: Path) -> None:
    inventory, shim = batch(tmp_path, 2)
    lines = inventory.read_text().splitlines()
    head, apps = lines[:4], lines[4:]
    env = cli_env(FLYRUN_LOCK_DIR=str(tmp_path / "locks"), SIM_STATE=str(tmp_path / "state.json"))
    runs = []
    for name, line in zip(("a.yml", "b.yml"), apps, strict=True):
        (tmp_path / name).write_text("\n".join([*head, line]) + "\n")
        argv = [sys.executable, "-m", KILLPOINT, "apply", str(tmp_path / name), "--flyctl"]
        runs.append(subprocess.Popen([*argv, str(shim)], env=env, stdout=subprocess.DEVNULL))
    assert [r.wait(timeout=60) for r in runs] == [0, 0]
    records = json.loads((tmp_path / ".flyrun-state.json").read_text())["apps"]
    assert sorted(records) == ["shop0", "shop1"]
    assert all("sha256" in records[a]["secrets"]["DATABASE_URL"] for a in records)
