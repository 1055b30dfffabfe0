"""The import task's canonical checksum and credential redaction, run in plain Ruby (with
ActiveSupport, no Rails app, no database): equal data checksums equal whatever the zone,
decimal scale, JSON key order, encoding or row order; any changed value does not."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from runner.resources import data_path
from tests.e2e.pg_app import FILES
from tests.e2e.rails_app import clean_env, missing_tools, must, run


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    if missing_tools():
        reason = f"the import task's Ruby tests need {', '.join(missing_tools())}"
        if os.environ.get("FLYRUN_REQUIRE_RUBY"):
            pytest.fail(reason)
        pytest.skip(reason)
    home = tmp_path_factory.mktemp("home")
    rake = Path(str(data_path("flyrun_import.rake")))
    result = must(run(["ruby", str(FILES / "canon.rb"), str(rake)], cwd=home, env=clean_env(home)))
    parsed: dict[str, object] = json.loads(result.stdout.splitlines()[-1])
    return parsed


def test_equal_data_checksums_equal(report: dict[str, object]) -> None:
    same = report["same"]
    assert isinstance(same, dict) and len(same) == 7
    assert {name for name, equal in same.items() if not equal} == set()


def test_any_changed_value_changes_the_checksum(report: dict[str, object]) -> None:
    differ = report["differ"]
    assert isinstance(differ, dict) and len(differ) == 10
    assert {name for name, differs in differ.items() if not differs} == set()
    assert report["binary"] is True


def test_credentials_are_redacted_wherever_they_appear(report: dict[str, object]) -> None:
    assert report["redacted"] == [
        'FATAL: password authentication failed for user "[redacted]"',
        "could not parse [redacted]",
        "password [redacted] and [redacted], user=[redacted], postgres rows",
        "see postgresql://[redacted]",
    ]
