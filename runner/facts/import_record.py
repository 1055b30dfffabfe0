"""The import's record on the volume, as seen from a started machine that mounts it: the Rake
task (runner/data/flyrun_import.rake) writes `<sqlite file>.flyrun-import.json` beside the
database when it finishes, `ok` or `failed` (runner/importer.py reads it).

Only a started machine can be looked into (`fly ssh console`): a stopped one, or none, makes
the record `unreadable`, which is not the same as `absent`.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from runner.errors import RunnerError
from runner.facts.redact import mask_urls
from runner.facts.remote import RemoteFacts
from runner.flyctl.parse import Machine
from runner.importer import ImportRecord, parse_record, record_path

RecordState = Literal["ok", "failed", "absent", "unreadable"]


@dataclass(frozen=True)
class RecordLookup:
    """What the volume says: `ok` (every table's counts match), `failed` (a failed record,
    or an `ok` one whose counts differ), `absent`, or `unreadable` with the reason."""

    state: RecordState
    path: str
    record: ImportRecord | None = None
    machine: str | None = None
    reason: str = ""

    def table_lines(self) -> tuple[str, ...]:
        """Per table: `users: postgres 12 rows, sqlite 12 rows`."""
        if self.record is None:
            return ()
        return tuple(
            f"{t.name}: postgres {t.postgres_rows} rows, sqlite "
            f"{'not read' if t.sqlite_rows is None else f'{t.sqlite_rows} rows'}"
            + ("" if t.equal else " (DIFFERENT)")
            for t in self.record.tables
        )

    def summary(self) -> str:
        record = self.record
        if record is None:
            return self.reason
        rows = sum(t.postgres_rows for t in record.tables)
        return (
            f"{len(record.tables)} tables, {rows} rows copied at {record.finished_at} "
            f"(Rails {record.rails_version})"
        )


def read_record(
    remote: RemoteFacts,
    machines: Sequence[Machine],
    group: str,
    volume: str,
    database_path: str,
) -> RecordLookup:
    """The record for the SQLite file `database_path` (absolute, in the mount), read from
    the first started machine of `group` that mounts `volume`."""
    path = record_path(database_path)
    mounted = [m for m in machines if m.group == group and any(x.name == volume for x in m.mounts)]
    started = [m for m in mounted if m.state == "started"]
    if not started:
        why = (
            f"machine {mounted[0].id} is {mounted[0].state}"
            if mounted
            else f"no machine of '{group}' mounts {volume} yet"
        )
        return RecordLookup("unreadable", path, reason=f"cannot read {path}: {why}")
    machine = started[0].id
    try:
        text = remote.volume_file(machine, path)
    except RunnerError as exc:
        return RecordLookup("unreadable", path, None, machine, mask_urls(str(exc))[:400])
    if text is None:
        return RecordLookup("absent", path, None, machine, f"no import record at {path}")
    try:
        record = parse_record(text)
    except (ValueError, json.JSONDecodeError) as exc:
        return RecordLookup("failed", path, None, machine, f"{path} is not a valid record: {exc}")
    state: RecordState = "ok" if record.ok else "failed"
    reason = record.error or ("" if record.ok else "the counts of PostgreSQL and SQLite differ")
    return RecordLookup(state, path, record, machine, reason)
