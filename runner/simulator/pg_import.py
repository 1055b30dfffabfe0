"""A stand-in for flyrun's PostgreSQL import at a machine's boot (what `bin/rails
flyrun:import_postgres` does at the start of the server, runner/data/flyrun_import.rake), for
tests and demos: set it as the app's boot command (`boot_command(servers)`), and every boot
behaves like the Rake task's interface, without Ruby or PostgreSQL.

It runs as a plain script "on the machine" (no import of the simulator or of flyrun), with
the machine's environment: DATABASE_URL (the SQLite file on the volume, path mapped by the
sandbox) and FLYRUN_IMPORT_DATABASE_URL. The "PostgreSQL servers" are a JSON file on the
host: `{"<url>": {"tables": {"users": 3, ...}, "fail": null | "message", "echo": false,
"crash_after": null | "message"}}`; `fail` makes the copy fail with that message, `echo`
prints the URL (a careless app, so a test can prove flyrun masks it), `crash_after` makes the
boot fail after a successful copy (as a migration failing on SQLite would). Outcomes, as the
task's header says:
- exit 0: an `ok` record exists (a re-boot), or FLYRUN_IMPORT_DATABASE_URL is unset, or the
  copy succeeded (the SQLite file holds the tables; an `ok` record with equal counts);
- exit 1: the copy failed: a `failed` record with the error, no SQLite file;
- exit 2: refused before writing: DATABASE_URL is not SQLite while an import is asked for,
  the URL is not PostgreSQL, or the SQLite file already holds data.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import sys
import time
from pathlib import Path

SOURCE_ENV = "FLYRUN_IMPORT_DATABASE_URL"
SUFFIX = ".flyrun-import.json"


def boot_command(servers: Path | str) -> list[str]:
    """The argv to give `state.set_boot_command` (this file, run by this Python)."""
    return [sys.executable, "-S", str(Path(__file__).resolve()), str(servers)]


def _say(line: str, *, error: bool = False) -> None:
    print(f"flyrun import: {line}", file=sys.stderr if error else sys.stdout, flush=True)


def _record(path: str, status: str, tables: dict[str, int], error: str | None) -> None:
    now = time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime())
    data: dict[str, object] = {
        "format": 1,
        "status": status,
        "started_at": now,
        "finished_at": now,
        "seconds": 0.1,
        "rails_version": "7.0.4",
        "database": path,
        "source": {"adapter": "postgresql", "server_version": "15.4"},
        "tables": [
            {
                "name": name,
                "postgres": {"rows": rows, "checksum": _sum(name, rows)},
                "sqlite": None if error else {"rows": rows, "checksum": _sum(name, rows)},
            }
            for name, rows in tables.items()
        ],
    }
    if error is not None:
        data["error"] = error
    Path(path + SUFFIX).write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")


def _sum(name: str, rows: int) -> str:
    return hashlib.sha256(f"{name}:{rows}".encode()).hexdigest()[:32]


def _copy(path: str, tables: dict[str, int]) -> None:
    with sqlite3.connect(path) as db:
        for name, rows in tables.items():
            db.execute(f'CREATE TABLE "{name}" (id INTEGER PRIMARY KEY)')
            db.executemany(f'INSERT INTO "{name}" (id) VALUES (?)', [(i,) for i in range(rows)])


def _refuse(why: str) -> int:
    _say(f"refused: {why}", error=True)
    return 2


def main(argv: list[str]) -> int:
    database = os.environ.get("DATABASE_URL", "")
    url = os.environ.get(SOURCE_ENV, "").strip()
    if not database.startswith("sqlite3://"):
        return 0 if not url else _refuse("the database is postgresql, not an SQLite file")
    path = database.removeprefix("sqlite3://")
    record = Path(path + SUFFIX)
    if record.exists() and json.loads(record.read_text()).get("status") == "ok":
        if not Path(path).exists():
            return _refuse(f"{record} says the import finished, but {path} is missing")
        _say(f"already imported ({record}); not importing again")
        return 0
    if not url:
        return 0
    if url.split("://", 1)[0] not in ("postgres", "postgresql"):
        return _refuse(f"{SOURCE_ENV} is not a postgres:// URL")
    if Path(path).exists() and Path(path).stat().st_size > 0:
        return _refuse(f"{path} already holds rows; flyrun never overwrites a database")
    server = json.loads(Path(argv[0]).read_text()).get(url)
    if server is None:
        server = {"tables": {}, "fail": "PG::ConnectionBad: could not connect to the server"}
    if server.get("echo"):
        print(f"connecting to {url}", flush=True)
    tables = dict(server.get("tables", {}))
    if server.get("fail"):
        _record(path, "failed", tables, str(server["fail"]))
        _say(f"FAILED: {server['fail']}; no SQLite file was written", error=True)
        return 1
    _copy(path, tables)
    _record(path, "ok", tables, None)
    _say(f"copied {len(tables)} tables, {sum(tables.values())} rows to {path}")
    if server.get("crash_after"):  # the app fails after the import (a migration, the server)
        print(server["crash_after"], file=sys.stderr, flush=True)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
