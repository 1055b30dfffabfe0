"""Find the bundled schemas and playbooks, installed (wheel) or from a source checkout."""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any


def bundled(name: str) -> Traversable:
    """The top-level folder `name` (`schemas`, `playbooks`): in the wheel or the checkout."""
    packaged = resources.files("runner") / "_bundled" / name
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parent.parent / name


@cache
def load_json(folder: str, name: str) -> Any:
    """Parse a bundled JSON file once per process."""
    return json.loads((bundled(folder) / name).read_text(encoding="utf-8"))


def data_path(name: str) -> Traversable:
    """A data file shipped inside the package (`runner/data/`)."""
    return resources.files("runner") / "data" / name
