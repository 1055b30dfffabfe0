"""The flyctl simulator in-process, behind flyrun's real client (runner/flyctl/client.py):
the same state file, lock, faults and call log as the `flyctl` shim, without starting a
process per call (tens of milliseconds each, which would dominate test time). For tests about
decisions, not processes: timeouts, signals and shell quoting are tested with the real shim.
A `hang` sleeps for the call's timeout and then times out, as invoke would report it.

One state file per account, or one per app (`per_app`: `<folder>/<app>.json`, chosen from
the call's `--app`), so that a fleet's apps do not queue on one lock."""

from __future__ import annotations

import io
import os
import shlex
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from invoke.exceptions import CommandTimedOut
from invoke.runners import Result

from runner.flyctl.client import Flyctl
from runner.simulator.cli import append_log
from runner.simulator.context import Stdin
from runner.simulator.process import locked_call  # the shim's own locked call
from runner.simulator.ssh_session import finish

if TYPE_CHECKING:
    import pytest


class InProcessFlyctl:
    """What `Flyctl` needs of invoke: `run(command, **kwargs)`, here the simulator."""

    def __init__(self, state_path: Path, *, per_app: bool = False) -> None:
        self.state_path = state_path
        self.per_app = per_app

    def _state_for(self, argv: list[str]) -> Path:
        if self.per_app and "--app" in argv:
            return self.state_path / f"{argv[argv.index('--app') + 1]}.json"
        if self.per_app:
            return self.state_path / "_session.json"
        return self.state_path

    def run(self, command: str, **kwargs: Any) -> Result:
        argv = shlex.split(command)[1:]
        stream = kwargs.get("in_stream")
        data = stream.read().encode() if isinstance(stream, io.StringIO) else b""
        stdin = Stdin(lambda: data, piped=isinstance(stream, io.StringIO))
        env = {**os.environ, **kwargs.get("env", {})}
        path = self._state_for(argv)
        log = Path(f"{path}.log")
        outcome = locked_call(path, argv, stdin, faults=True, env=env)
        if outcome.pause is not None and outcome.pause.kind == "hang":
            append_log(log, argv, outcome)
            time.sleep(float(kwargs["timeout"]))
            raise CommandTimedOut(Result(command=command, exited=-1), kwargs["timeout"])
        if outcome.pause is not None:
            time.sleep(outcome.pause.seconds)
            outcome = locked_call(path, argv, stdin, faults=False, env=env)
            outcome.fault = "latency"
        if outcome.remote is not None:
            outcome = finish(outcome, stdin, stream=False)
        append_log(log, argv, outcome)
        return Result(
            stdout=outcome.stdout, stderr=outcome.stderr, exited=outcome.exit_code, command=command
        )


def use_in_process(monkeypatch: pytest.MonkeyPatch, runner: InProcessFlyctl | Path) -> None:
    """Every Flyctl of this test (worker processes forked from it too) runs `runner`, or the
    simulator on that state file."""
    sim = runner if isinstance(runner, InProcessFlyctl) else InProcessFlyctl(runner)
    monkeypatch.setattr(Flyctl, "_context", lambda self: sim)
