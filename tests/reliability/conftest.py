from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli.harness import FlyApp, make_app
from tests.inproc import use_in_process


@pytest.fixture
def fly_app(tmp_path: Path) -> FlyApp:
    """The bundled example app and a simulated Fly account (flyctl through the shim)."""
    return make_app(tmp_path)


@pytest.fixture
def quick_app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> FlyApp:
    """The same, with flyctl's simulator run in-process (same state, faults and log)."""
    app = make_app(tmp_path)
    use_in_process(monkeypatch, app.state_path)
    return app
