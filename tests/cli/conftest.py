from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli.harness import FlyApp, make_app


@pytest.fixture
def fly_app(tmp_path: Path) -> FlyApp:
    return make_app(tmp_path)
