"""The Rake task flyrun adds to a PostgreSQL app so its data moves to SQLite on the first boot
(runner/data/flyrun_import.rake), and what the rest of flyrun needs to know about it: the
task's name and file, its environment variable, exit codes, and the record it leaves beside
the database. Pure: the only I/O is reading the bundled task file.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from runner.resources import data_path

TASK = "flyrun:import_postgres"
RAKE_PATH = "lib/tasks/flyrun_import.rake"
SOURCE_ENV = "FLYRUN_IMPORT_DATABASE_URL"
RECORD_SUFFIX = ".flyrun-import.json"
RECORD_FORMAT = 1
EXIT_FAILED = 1  # the copy failed: SQLite file removed, a "failed" record says why
EXIT_REFUSED = 2  # refused before writing anything (existing data, no schema.rb, ...)


def rake_text() -> str:
    """The task file as flyrun adds it to the app."""
    return data_path("flyrun_import.rake").read_text(encoding="utf-8")


def record_path(database: str) -> str:
    """Where the task writes its record for the SQLite file `database`."""
    return f"{database}{RECORD_SUFFIX}"


@dataclass(frozen=True)
class TableCount:
    """One table's rows and checksum on each side (`sqlite_*` None when never read back)."""

    name: str
    postgres_rows: int
    postgres_checksum: str
    sqlite_rows: int | None
    sqlite_checksum: str | None

    @property
    def equal(self) -> bool:
        return (self.postgres_rows, self.postgres_checksum) == (
            self.sqlite_rows,
            self.sqlite_checksum,
        )


@dataclass(frozen=True)
class ImportRecord:
    """The task's record: status "ok" or "failed", per-table counts, the error if any."""

    status: str
    tables: tuple[TableCount, ...]
    rails_version: str
    started_at: str
    finished_at: str
    error: str | None

    @property
    def ok(self) -> bool:
        return self.status == "ok" and all(t.equal for t in self.tables)


def _side(entry: dict[str, Any], side: str) -> tuple[int, str]:
    data = entry.get(side)
    if not isinstance(data, dict):
        raise ValueError(f"table {entry.get('name')!r}: no {side} counts")
    rows, checksum = data.get("rows"), data.get("checksum")
    if not isinstance(rows, int) or isinstance(rows, bool) or not isinstance(checksum, str):
        raise ValueError(f"table {entry.get('name')!r}: bad {side} counts")
    return rows, checksum


def parse_record(text: str) -> ImportRecord:
    """Read a record written by the task; ValueError when it is not one."""
    data = json.loads(text)
    if not isinstance(data, dict) or data.get("format") != RECORD_FORMAT:
        raise ValueError("not a flyrun import record (format 1)")
    if data.get("status") not in ("ok", "failed") or not isinstance(data.get("tables"), list):
        raise ValueError("import record without a status or tables")
    tables = []
    for entry in data["tables"]:
        if not isinstance(entry, dict) or not isinstance(entry.get("name"), str):
            raise ValueError("import record table without a name")
        pg_rows, pg_sum = _side(entry, "postgres")
        # A failed import may stop before reading SQLite back: "sqlite": null.
        lite = None if entry.get("sqlite") is None else _side(entry, "sqlite")
        lite_rows, lite_sum = lite or (None, None)
        tables.append(TableCount(entry["name"], pg_rows, pg_sum, lite_rows, lite_sum))
    error = data.get("error")
    return ImportRecord(
        status=data["status"],
        tables=tuple(tables),
        rails_version=str(data.get("rails_version", "")),
        started_at=str(data.get("started_at", "")),
        finished_at=str(data.get("finished_at", "")),
        error=error if isinstance(error, str) else None,
    )
