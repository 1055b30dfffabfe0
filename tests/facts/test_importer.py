"""runner.importer: the bundled Rake task and the facts flyrun's other parts rely on (task
name, environment variable, record path and shape, exit codes) agree with the task file."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from runner.importer import (
    EXIT_FAILED,
    EXIT_REFUSED,
    RECORD_FORMAT,
    RECORD_SUFFIX,
    SOURCE_ENV,
    TASK,
    parse_record,
    rake_text,
    record_path,
)

RAKE = rake_text()


def record(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "format": RECORD_FORMAT,
        "status": "ok",
        "started_at": "2024-01-01T00:00:00.000Z",
        "finished_at": "2024-01-01T00:00:02.000Z",
        "seconds": 2.0,
        "rails_version": "6.1.7.10",
        "database": "/data/production.sqlite",
        "source": {"adapter": "postgresql", "server_version": "15.18"},
        "tables": [
            {
                "name": "users",
                "postgres": {"rows": 2, "checksum": "ab"},
                "sqlite": {"rows": 2, "checksum": "ab"},
            }
        ],
    }
    data.update(changes)
    return data


def test_task_file_declares_what_flyrun_relies_on() -> None:
    namespace, name = TASK.split(":")
    assert f"namespace :{namespace} do" in RAKE
    assert f"task {name}: :environment do" in RAKE
    assert f'ENV_VAR = "{SOURCE_ENV}"' in RAKE
    assert f'RECORD_SUFFIX = "{RECORD_SUFFIX}"' in RAKE
    assert f"FORMAT = {RECORD_FORMAT}" in RAKE
    assert re.findall(r"exit\((\d)\)", RAKE) == [str(EXIT_REFUSED), str(EXIT_FAILED)]


def test_record_path_is_beside_the_database() -> None:
    assert record_path("/data/production.sqlite") == "/data/production.sqlite.flyrun-import.json"


def test_parse_an_ok_record() -> None:
    parsed = parse_record(json.dumps(record()))
    assert parsed.ok and parsed.error is None and parsed.rails_version == "6.1.7.10"
    assert [(t.name, t.postgres_rows, t.sqlite_rows, t.equal) for t in parsed.tables] == [
        ("users", 2, 2, True)
    ]


def test_a_failed_record_keeps_its_error_and_unread_sides() -> None:
    table = {"name": "users", "postgres": {"rows": 2, "checksum": "ab"}, "sqlite": None}
    parsed = parse_record(json.dumps(record(status="failed", error="boom", tables=[table])))
    assert not parsed.ok and parsed.error == "boom"
    assert parsed.tables[0].sqlite_rows is None and not parsed.tables[0].equal


def test_an_ok_status_with_unequal_counts_is_not_ok() -> None:
    table = {
        "name": "users",
        "postgres": {"rows": 2, "checksum": "ab"},
        "sqlite": {"rows": 2, "checksum": "cd"},
    }
    assert not parse_record(json.dumps(record(tables=[table]))).ok


@pytest.mark.parametrize(
    "data",
    [
        [],
        record(format=2),
        record(status="maybe"),
        record(tables={}),
        record(tables=[{"postgres": {"rows": 1, "checksum": "a"}}]),
        record(tables=[{"name": "t", "postgres": {"rows": "1", "checksum": "a"}}]),
        record(tables=[{"name": "t", "postgres": {"rows": True, "checksum": "a"}}]),
        record(tables=[{"name": "t"}]),
    ],
)
def test_what_is_not_a_record(data: Any) -> None:
    with pytest.raises(ValueError):
        parse_record(json.dumps(data))
