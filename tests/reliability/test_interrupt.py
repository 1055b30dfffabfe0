"""Ctrl-C at any moment: flyrun (a real process) gets SIGINT while a flyctl call hangs or
dawdles; it exits 130, still prints the JSON report (`summary.interrupted: true`) with what
was done, writes nothing to a closed stream, and leaves no flyctl process behind."""

from __future__ import annotations

import json
import signal
import time

import pytest

from tests.cli.harness import FlyApp
from tests.reliability.helpers import (
    fault,
    logged,
    reap,
    running,
    simulators,
    spawn,
    wait_until,
)


@pytest.mark.parametrize(
    ("command", "kind", "done"),
    [
        ("volumes list", "hang", []),  # held by a prefetch thread, not the main thread
        ("secrets import", "hang", ["volume"]),
        ("deploy", "latency", ["volume", "secret", "mount", "migrations", "warning", "machines"]),
    ],
)
def test_ctrl_c_during_a_flyctl_call_exits_130_with_the_report(
    fly_app: FlyApp, command: str, kind: str, done: list[str]
) -> None:
    fault(fly_app, command, kind, seconds=30, times=None)
    flyrun = spawn(fly_app, "apply", "--format", "json")
    try:
        wait_until(logged(fly_app, command) if kind == "hang" else running(fly_app, command))
        time.sleep(0.1)
        flyrun.send_signal(signal.SIGINT)
        out, err = flyrun.communicate(timeout=15)
    finally:
        flyrun.kill()
    assert flyrun.returncode == 130, err
    assert "I/O operation on closed file" not in err and "Traceback" not in err
    report = json.loads(out)
    assert report["summary"]["interrupted"] is True and report["summary"]["exit_code"] == 130
    tasks = report["apps"][0]["tasks"]
    assert [t["id"] for t in tasks if t["status"] == "changed"] == done
    assert tasks[-1]["id"] == "interrupted"
    assert "run `flyrun check`" in tasks[-1]["message"]
    time.sleep(0.3)
    left = simulators(fly_app.state_path)
    reap(left)
    assert left == [], f"{command}: flyctl still running after Ctrl-C"
