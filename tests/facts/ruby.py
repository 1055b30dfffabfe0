"""Run Debian's ActiveRecord (Rails 6.1) on a batch of inputs, for tests that prove a Python
rule against real Rails. Skips when Ruby or ActiveRecord is missing, unless
FLYRUN_REQUIRE_RUBY=1 (CI), which turns the skip into a failure."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from typing import Any

import pytest

PRELUDE = """
require "json"
require "active_record"
require "active_record/database_configurations"
"""


def run_ruby(script: str, payload: Any) -> Any:
    """Run PRELUDE + `script` with `payload` as JSON on stdin; return its JSON stdout."""
    ruby = shutil.which("ruby")
    if ruby is None:
        _missing("ruby is not on PATH")
    assert ruby is not None
    done = subprocess.run(
        [ruby, "-e", PRELUDE + script],
        input=json.dumps(payload),
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    if done.returncode != 0 and "cannot load such file" in done.stderr:
        _missing(f"ActiveRecord is not installed: {done.stderr.strip().splitlines()[0]}")
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def _missing(reason: str) -> None:
    reason += " (Debian: apt-get install -y ruby ruby-rails ruby-sqlite3 ruby-bundler)"
    if os.environ.get("FLYRUN_REQUIRE_RUBY"):
        pytest.fail(reason)
    pytest.skip(reason)
