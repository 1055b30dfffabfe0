"""Every test gets its own lock folder (runner/locks.py): tests of the same app name ("shop")
running at once, e.g. under pytest-xdist, would otherwise wait on each other's app lock.

Ctrl-C reaches the processes the tests start: a suite started with SIGINT ignored (a
background job of a non-interactive shell, as some CI runners and `cmd &` do) would pass
that on to every flyrun and flyctl it starts, and the Ctrl-C tests could not interrupt
them. A handler is not inherited through exec, an ignored signal is: so it gets Python's."""

from __future__ import annotations

import signal

import pytest

if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)


@pytest.fixture(autouse=True)
def _own_lock_folder(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    # beside the test's tmp_path, not in it: tests compare that folder byte for byte
    monkeypatch.setenv("FLYRUN_LOCK_DIR", str(tmp_path_factory.mktemp("locks")))
