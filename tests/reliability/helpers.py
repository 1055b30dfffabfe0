"""Shared by the reliability tests: the CLI in-process with a hook on the event stream, the
CLI as a real process, faults, and the processes a simulator state left running."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

import pytest

from runner.events import Bus, Event
from runner.simulator.state import add_fault
from tests.cli.harness import REPO, FlyApp

URL = "sqlite3:///mnt/shop_data/production.sqlite"
Hook = Callable[[Event], None]


def fault(app: FlyApp, command: str, kind: str, **options: Any) -> None:
    state = app.state
    add_fault(state, command, kind, **options)
    app.edit_state(state)


def report_of(
    app: FlyApp, capsys: pytest.CaptureFixture[str], *args: str
) -> tuple[int, dict[str, Any], str]:
    """The CLI in-process with `--format json`: exit code, report, stderr."""
    code, out, err = app.run(capsys, *args, "--format", "json")
    return code, json.loads(out), err


def task(report: dict[str, Any], task_id: str, app: int = 0) -> dict[str, Any]:
    tasks: list[dict[str, Any]] = report["apps"][app]["tasks"]
    return next(t for t in tasks if t["id"] == task_id)


@contextmanager
def hooked(monkeypatch: pytest.MonkeyPatch, hook: Hook) -> Iterator[None]:
    """Call `hook` after each event of the run is delivered (a test's eyes and hands
    between two effects; the product's code is not changed)."""
    real = Bus.emit

    def emit(self: Bus, event: Event) -> None:
        real(self, event)
        hook(event)

    with monkeypatch.context() as patch:
        patch.setattr(Bus, "emit", emit)
        yield


def calls(app: FlyApp, *prefix: str) -> list[list[str]]:
    return [c for c in app.calls() if c[: len(prefix)] == list(prefix)]


def cli_env(**extra: str) -> dict[str, str]:
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(REPO), "NO_COLOR": "1"}
    env.update(extra)
    return env


def spawn(
    app: FlyApp, *args: str, env: dict[str, str] | None = None, module: str = "runner"
) -> subprocess.Popen[str]:
    """`python -m runner ARGS SPEC --flyctl SHIM` as a real process (its own session, so a
    signal sent to it reaches flyrun alone, as `kill` from another terminal would).
    `module="tests.reliability.killpoint"`: the same with the simulator in-process."""
    argv = [sys.executable, "-m", module, *args, str(app.spec), "--flyctl", str(app.shim)]
    return subprocess.Popen(
        argv,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
        cwd=app.root,
        env=env or cli_env(),
        start_new_session=True,
    )


def stopped(process: subprocess.Popen[str]) -> None:
    """Read a killpoint run's stderr until it says it stopped (it holds its locks now)."""
    assert process.stderr is not None
    seen = []
    for line in process.stderr:
        seen.append(line)
        if line.strip() == "STOPPED":
            return
    raise AssertionError("the run ended before its kill point: " + "".join(seen))


def wait_until(done: Callable[[], bool], seconds: float = 15.0) -> None:
    deadline = time.monotonic() + seconds
    while not done():
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting")
        time.sleep(0.01)


def logged(app: FlyApp, command: str, kind: str | None = None) -> Callable[[], bool]:
    """The call log shows a call of `command` (with the fault `kind`)."""
    log = Path(f"{app.state_path}.log")

    def seen() -> bool:
        if not log.exists():
            return False
        for line in log.read_text().splitlines():
            entry = json.loads(line)
            if " ".join(entry["argv"]).startswith(command) and kind in (None, entry.get("fault")):
                return True
        return False

    return seen


def alive(pid: int) -> bool:
    """Running (a zombie waiting for its reaper is gone for every purpose here)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return False
    return fields[0] != "Z"


def simulators(state_path: Path) -> list[int]:
    """Live processes started for this simulator state (flyctl calls, and their children)."""
    wanted = f"FLYRUN_SIM_STATE={state_path.resolve()}".encode()
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            environ = (entry / "environ").read_bytes()
        except OSError:
            continue
        if wanted in environ.split(b"\0") and alive(int(entry.name)):
            found.append(int(entry.name))
    return found


def reap(pids: list[int]) -> None:
    """Kill what a failed test left running (only those processes, by id)."""
    for pid in pids:
        with suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


def running(app: FlyApp, command: str) -> Callable[[], bool]:
    """A call of `command` is running now (a latency call is logged only when it ends)."""

    def seen() -> bool:
        for pid in simulators(app.state_path):
            try:
                argv = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ")
            except OSError:
                continue
            if f" {command} ".encode() in argv:
                return True
        return False

    return seen
