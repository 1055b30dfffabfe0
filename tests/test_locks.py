from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

from runner import locks
from runner.errors import RunnerError


def test_a_second_holder_waits_then_fails_naming_the_first(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FLYRUN_LOCK_DIR", str(tmp_path / "locks"))
    app = tmp_path / "app"
    with (
        locks.held(app, what="app folder x", wait=0.1),
        pytest.raises(RunnerError) as info,
        locks.held(app, what="app folder x", wait=0.2),
    ):
        pass
    assert f"app folder x is in use by another flyrun run (pid {os.getpid()} since" in str(
        info.value
    )
    with locks.held(app, what="app folder x", wait=0.1):  # released: free again
        pass


def test_threads_exclude_each_other(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FLYRUN_LOCK_DIR", str(tmp_path / "locks"))
    inside, most = [0], [0]
    guard = threading.Lock()

    def work() -> None:
        with locks.held(tmp_path / "state.json", what="state", wait=10):
            with guard:
                inside[0] += 1
                most[0] = max(most[0], inside[0])
            threading.Event().wait(0.01)
            with guard:
                inside[0] -= 1

    threads = [threading.Thread(target=work) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert most[0] == 1
