"""The flyctl simulator run in-process, standing in for invoke (no Python start per flyctl
call, which dominates test time otherwise), for tests that need many calls: the corpus and
the fleet tests. It does what the simulator's process does (runner/simulator/process.py):
lock the state file, load it, execute, save only when something changed, log the call.

One state file per account, or one per app (`per_app`: `<folder>/<app>.json`, chosen from
the call's `--app`), so that a fleet's apps do not queue on one lock."""

from __future__ import annotations

import contextlib
import fcntl
import io
import os
import shlex
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from runner.flyctl.client import Flyctl
from runner.simulator import state as store
from runner.simulator.cli import append_log, execute
from runner.simulator.context import Stdin


@dataclass(frozen=True)
class SimResult:
    """The part of invoke's Result that runner/flyctl/client.py reads."""

    stdout: str
    stderr: str
    exited: int


@contextlib.contextmanager
def _locked(state_path: Path) -> Iterator[None]:
    with Path(f"{state_path}.lock").open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


class InProcessFlyctl:
    """An invoke Context stand-in running `runner.simulator` in this process."""

    def __init__(self, state_path: Path, *, per_app: bool = False) -> None:
        self.state_path = state_path
        self.per_app = per_app

    def _state_for(self, argv: list[str]) -> Path:
        if self.per_app and "--app" in argv:
            return self.state_path / f"{argv[argv.index('--app') + 1]}.json"
        if self.per_app:
            return self.state_path / "_session.json"
        return self.state_path

    def run(self, command: str, **kwargs: Any) -> SimResult:
        argv = shlex.split(command)[1:]
        stream = kwargs.get("in_stream")
        data = stream.read().encode() if isinstance(stream, io.StringIO) else b""
        stdin = Stdin(lambda: data, piped=isinstance(stream, io.StringIO))
        env = {**os.environ, **kwargs.get("env", {})}
        path = self._state_for(argv)
        with _locked(path):
            state, original = store.load(path), store.load(path)
            outcome = execute(argv, state, env=env, cwd=Path.cwd(), stdin=stdin, state_path=path)
            if state != original:
                store.save(path, state)
            append_log(Path(f"{path}.log"), argv, outcome)
        return SimResult(outcome.stdout, outcome.stderr, outcome.exit_code)


def use_in_process(monkeypatch: pytest.MonkeyPatch, runner: InProcessFlyctl) -> None:
    """Every Flyctl of this test (worker processes forked from it too) uses `runner`."""
    monkeypatch.setattr(Flyctl, "_context", lambda self: runner)
