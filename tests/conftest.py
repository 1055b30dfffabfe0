"""Every test gets its own lock folder (runner/locks.py): tests of the same app name ("shop")
running at once, e.g. under pytest-xdist, would otherwise wait on each other's app lock."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _own_lock_folder(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    # beside the test's tmp_path, not in it: tests compare that folder byte for byte
    monkeypatch.setenv("FLYRUN_LOCK_DIR", str(tmp_path_factory.mktemp("locks")))
