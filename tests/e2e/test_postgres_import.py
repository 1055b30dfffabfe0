"""flyrun's PostgreSQL import task on a real Rails 6.1 app (Debian's ruby-rails and ruby-pg)
and a real PostgreSQL server (a temporary cluster): every row compares equal through Active
Record, the app boots on SQLite, a re-boot never imports again, a failure leaves no SQLite
file, existing data is never touched, PostgreSQL is never modified, no credential is printed.

One app and one cluster serve the whole session; each test boots Rails once or twice."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

import pytest

from runner.facts.schema_rb import TYPE_MAP, analyze_schema
from runner.importer import EXIT_FAILED, EXIT_REFUSED, SOURCE_ENV, parse_record, record_path
from tests.e2e import pg_cluster
from tests.e2e.pg_app import FILES, SEEDED, SOURCE_DB, PgApp, build, sqlite_rows
from tests.e2e.rails_app import Template, describe, must, run

PREFIX = "flyrun import: "


def _needs() -> list[str]:
    missing = pg_cluster.missing_postgres()
    probe = run(["ruby", "-e", 'require "pg"'], cwd=Path("/"), env=dict(os.environ))
    return missing if probe.returncode == 0 else [*missing, "the pg gem (Debian: ruby-pg)"]


@pytest.fixture(scope="session")
def cluster(rails_template: Template) -> Iterator[pg_cluster.Cluster]:
    missing = _needs()
    if missing:
        reason = (
            f"the PostgreSQL import tests need {', '.join(missing)} "
            "(Debian: apt-get install --no-install-recommends postgresql ruby-pg)"
        )
        if os.environ.get("FLYRUN_REQUIRE_RUBY"):
            pytest.fail(reason)
        pytest.skip(reason)
    running = pg_cluster.start()
    yield running
    pg_cluster.stop(running)


@pytest.fixture(scope="session")
def pg_app(
    rails_template: Template, cluster: pg_cluster.Cluster, tmp_path_factory: pytest.TempPathFactory
) -> PgApp:
    return build(rails_template, tmp_path_factory.mktemp("pg-import"), cluster)


@dataclass(frozen=True)
class Imported:
    volume: Path
    result: subprocess.CompletedProcess[str]
    dump_before: str

    @property
    def database(self) -> Path:
        return self.volume / "production.sqlite"


@pytest.fixture(scope="session")
def imported(pg_app: PgApp, tmp_path_factory: pytest.TempPathFactory) -> Imported:
    """The seeded database imported once into a fresh volume."""
    volume = tmp_path_factory.mktemp("volume")
    before = pg_app.cluster.dump(SOURCE_DB)
    return Imported(volume, pg_app.import_into(volume), before)


def output(result: subprocess.CompletedProcess[str]) -> str:
    return result.stdout + result.stderr


def test_import_copies_every_table_and_records_both_sides(
    imported: Imported, pg_app: PgApp
) -> None:
    assert imported.result.returncode == 0, describe(imported.result)
    record = parse_record(Path(record_path(str(imported.database))).read_text(encoding="utf-8"))
    assert record.ok and record.status == "ok" and record.rails_version.startswith("6.1.")
    counts = {t.name: t.postgres_rows for t in record.tables}
    assert {name: counts[name] for name in SEEDED} == SEEDED
    assert counts["schema_migrations"] == 1 and counts["ar_internal_metadata"] == 1
    assert counts["memberships"] == 1100 and 2900 < counts["posts_tags"] <= 3000
    for table in record.tables:
        assert (table.sqlite_rows, table.sqlite_checksum) == (
            table.postgres_rows,
            table.postgres_checksum,
        )
        assert sqlite_rows(imported.database, table.name) == table.postgres_rows
    lines = imported.result.stdout.splitlines()
    assert lines[-10].startswith(f"{PREFIX}copied 9 tables, ")
    assert f"{PREFIX}  posts: postgres 2500 rows, sqlite 2500 rows, checksums equal" in lines
    assert pg_app.cluster.password not in output(imported.result)
    assert pg_app.cluster.dump(SOURCE_DB) == imported.dump_before


def test_every_row_compares_equal_and_the_app_boots_on_sqlite(
    imported: Imported, pg_app: PgApp
) -> None:
    env = pg_app.production(imported.volume, {"FLYRUN_TEST_PG_URL": pg_app.cluster.url(SOURCE_DB)})
    result = must(pg_app.rails("runner", str(FILES / "compare.rb"), env=env))
    report = json.loads(result.stdout.splitlines()[-1])
    assert report["adapter"] == "SQLite" and report["database"] == str(imported.database)
    assert report["mismatches"] == []
    assert report["tables"] == {name: [count, count] for name, count in SEEDED.items()}
    assert report["plain_tables"]["memberships"] == [1100, True]
    assert report["plain_tables"]["posts_tags"][1] is True
    assert report["habtm"] and report["network_text"] and report["associations"]
    assert report["unicode"]
    created, sequence = report["next_id"]
    assert (created, sequence) == (1001, 1000)  # PostgreSQL's sequence, not max(id) + 1


def test_sqlite_columns_are_the_documented_types(imported: Imported, pg_app: PgApp) -> None:
    """The analysis of the app's real schema.rb predicts every column SQLite got."""
    analysis = analyze_schema((pg_app.folder / "db" / "schema.rb").read_text(encoding="utf-8"))
    assert analysis.ok, analysis.problems
    with closing(sqlite3.connect(imported.database)) as db:
        for table in analysis.tables:
            declared = {r[1]: r[2] for r in db.execute(f'PRAGMA table_info("{table.name}")')}
            for column in table.columns:
                mapped = TYPE_MAP[column.type]
                got = declared[column.name].split("(")[0].lower()
                integer_key = column.options.get("primary_key") and "int" in mapped.rails
                expected = {"integer" if integer_key else mapped.sqlite}
                if column.type == "bigint":
                    # add_foreign_key re-creates the table in SQLite (Rails' alter_table),
                    # declaring the bigint columns `integer`: the same 64-bit INTEGER.
                    expected.add("integer")
                assert got in expected, (table.name, column.name, column.type, got)


def every_type_schema() -> str:
    """A schema.rb with one column of every TYPE_MAP type and one table per id type."""
    columns = "".join(f'    t.{name} "c_{name}"\n' for name in TYPE_MAP)
    ids = "".join(
        f'  create_table "id_{kind}", id: :{kind}, force: :cascade do |t|\n  end\n'
        for kind in ("serial", "bigserial", "uuid", "bigint", "integer", "string")
    )
    return (
        "ActiveRecord::Schema.define(version: 2024_01_01_000000) do\n"
        '  enable_extension "plpgsql"\n'
        f'  create_table "every_type", force: :cascade do |t|\n{columns}  end\n{ids}end\n'
    )


def test_every_type_map_entry_loads_into_sqlite_as_documented(
    pg_app: PgApp, tmp_path: Path
) -> None:
    text = every_type_schema()
    assert analyze_schema(text).ok
    schema = tmp_path / "every_type_schema.rb"
    schema.write_text(text, encoding="utf-8")
    env = pg_app.production(tmp_path)
    result = must(pg_app.rails("runner", str(FILES / "types.rb"), str(schema), env=env))
    tables = json.loads(result.stdout.splitlines()[-1])
    for name, mapped in TYPE_MAP.items():
        declared, read_as = tables["every_type"][f"c_{name}"]
        assert declared.split("(")[0].lower() == mapped.sqlite, name
        assert read_as == {"bigint": "integer"}.get(mapped.rails, mapped.rails), name
    for kind, expected in [("serial", "integer"), ("bigserial", "integer"), ("uuid", "varchar")]:
        assert tables[f"id_{kind}"]["id"][0].lower() == expected, kind


def test_a_reboot_never_imports_again(imported: Imported, pg_app: PgApp) -> None:
    before = imported.database.read_bytes()
    result = pg_app.import_into(imported.volume)
    assert result.returncode == 0, describe(result)
    assert result.stdout.splitlines()[-1].startswith(f"{PREFIX}already imported at ")
    assert result.stdout.count(PREFIX) == 1 and not result.stderr.strip()
    assert imported.database.read_bytes() == before

    # The record stays, the data went: the boot fails rather than start on an empty database.
    aside = imported.volume / "aside.sqlite"
    imported.database.rename(aside)
    try:
        result = pg_app.import_into(imported.volume, source=None)
    finally:
        aside.rename(imported.database)
    assert result.returncode == EXIT_REFUSED, describe(result)
    assert f"but {imported.database} is missing" in result.stderr


def test_a_boot_without_the_source_url_does_nothing(pg_app: PgApp, tmp_path: Path) -> None:
    result = pg_app.import_into(tmp_path, source=None)
    assert result.returncode == 0, describe(result)
    assert PREFIX not in output(result)
    assert list(tmp_path.iterdir()) == []


def test_a_value_sqlite_cannot_hold_fails_and_removes_the_file(
    pg_app: PgApp, tmp_path: Path
) -> None:
    """decimal(20,6) with 20 significant digits: SQLite keeps 15, the checksums differ."""
    cluster = pg_app.cluster
    cluster.sql("postgres", f"CREATE DATABASE flyrun_digits TEMPLATE {SOURCE_DB}")
    cluster.sql(
        "flyrun_digits",
        "UPDATE posts SET total = 12345678901234.567891 WHERE id = 7; "
        "DELETE FROM posts_tags; DELETE FROM comments; DELETE FROM posts WHERE id > 10",
    )
    before = cluster.dump("flyrun_digits")
    result = pg_app.import_into(tmp_path, source="flyrun_digits")
    assert result.returncode == EXIT_FAILED, describe(result)
    assert (
        "FAILED: PostgreSQL and SQLite differ: posts (postgres 10 rows, sqlite 10 rows, "
        "checksums differ)"
    ) in result.stderr
    assert [p.name for p in tmp_path.iterdir()] == ["production.sqlite.flyrun-import.json"]
    record = parse_record((tmp_path / "production.sqlite.flyrun-import.json").read_text())
    assert record.status == "failed" and "checksums differ" in (record.error or "")
    assert cluster.dump("flyrun_digits") == before


def test_a_failure_mid_copy_removes_the_file_and_postgres_stays_read_only(
    imported: Imported, pg_app: PgApp, tmp_path: Path
) -> None:
    result = pg_app.import_into(tmp_path, FLYRUN_IMPORT_TEST_FAULT="write_source")
    assert result.returncode == EXIT_FAILED, describe(result)
    assert "ReadOnlySqlTransaction" in result.stderr and "read-only transaction" in result.stderr
    assert not (tmp_path / "production.sqlite").exists()
    assert not any(p.name.startswith("production.sqlite-") for p in tmp_path.iterdir())
    assert pg_app.cluster.dump(SOURCE_DB) == imported.dump_before


def test_existing_data_is_refused_and_left_alone(pg_app: PgApp, tmp_path: Path) -> None:
    database = tmp_path / "production.sqlite"
    with closing(sqlite3.connect(database)) as db:
        db.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)")
        db.execute("INSERT INTO notes (body) VALUES ('keep me')")
        db.commit()
    before = database.read_bytes()
    result = pg_app.import_into(tmp_path)
    assert result.returncode == EXIT_REFUSED, describe(result)
    assert f"{PREFIX}refused: {database} already holds rows (notes)" in result.stderr
    assert database.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["production.sqlite"]


def test_credentials_never_appear_in_messages_or_the_record(pg_app: PgApp, tmp_path: Path) -> None:
    """PostgreSQL names the user it refused: user and password are redacted in the output
    and the record (a URL quoted inside a message: tests/e2e/test_import_canon.py)."""
    url = f"postgres://flyrun_reader:s3cret-pw@127.0.0.1:{pg_app.cluster.port}/{SOURCE_DB}"
    result = pg_app.rails(
        "flyrun:import_postgres", env=pg_app.production(tmp_path, {SOURCE_ENV: url})
    )
    assert result.returncode == EXIT_FAILED, describe(result)
    assert 'password authentication failed for user "[redacted]"' in result.stderr
    record = (tmp_path / "production.sqlite.flyrun-import.json").read_text(encoding="utf-8")
    for text in (output(result), record):
        assert "s3cret" not in text and "flyrun_reader" not in text, text
    assert not (tmp_path / "production.sqlite").exists()


def test_refused_when_the_app_is_not_on_sqlite_or_has_no_schema_rb(
    pg_app: PgApp, tmp_path: Path
) -> None:
    """Exit 2 and nothing written: a target that is not SQLite, then db/structure.sql only."""
    env = {
        **pg_app.production(tmp_path),
        "DATABASE_URL": pg_app.cluster.url(SOURCE_DB),
        SOURCE_ENV: pg_app.cluster.url(SOURCE_DB),
    }
    result = pg_app.rails("flyrun:import_postgres", env=env)
    assert result.returncode == EXIT_REFUSED, describe(result)
    assert result.stderr.strip() == (
        f'{PREFIX}refused: the database is postgresql "{SOURCE_DB}", not an SQLite file'
    )

    schema = pg_app.folder / "db" / "schema.rb"
    structure = pg_app.folder / "db" / "structure.sql"
    schema.rename(tmp_path / "schema.rb")
    structure.write_text("-- a SQL-format schema\n", encoding="utf-8")
    try:
        result = pg_app.import_into(tmp_path)
    finally:
        structure.unlink()
        (tmp_path / "schema.rb").rename(schema)
    assert result.returncode == EXIT_REFUSED, describe(result)
    assert f"{PREFIX}refused: db/structure.sql is not supported" in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == []


SERVER_RAKE = """namespace :fly do
  task :release => 'db:migrate'

  task :server do
    puts "flyrun-test: server starts on #{ActiveRecord::Base.connection_db_config.database}"
  end
end
"""


def test_the_server_start_flyrun_writes_imports_then_migrates_in_one_rake_run(
    pg_app: PgApp, tmp_path: Path
) -> None:
    """fly.rake as flyrun leaves it (runner/handlers/rake.py, then import_step.py):
    `fly:server` runs the import, then db:migrate, then the server, in one Rake process;
    a re-boot skips the import; a failed import stops the boot before migrating."""
    from runner.handlers.import_step import add_import_prerequisite
    from runner.handlers.rake import convert_fly_rake

    text = add_import_prerequisite(convert_fly_rake(SERVER_RAKE).text)
    assert "task :server => ['flyrun:import_postgres', 'db:migrate'] do" in text
    fly_rake = pg_app.folder / "lib" / "tasks" / "fly.rake"
    fly_rake.write_text(text, encoding="utf-8")
    source = {SOURCE_ENV: pg_app.cluster.url(SOURCE_DB)}
    try:
        first = pg_app.rails("fly:server", env=pg_app.production(tmp_path, source))
        again = pg_app.rails("fly:server", env=pg_app.production(tmp_path, source))
        failing = tmp_path / "failing"
        failing.mkdir()
        fault = {**source, "FLYRUN_IMPORT_TEST_FAULT": "write_source"}
        failed = pg_app.rails("fly:server", env=pg_app.production(failing, fault))
    finally:
        fly_rake.unlink()
    lines = must(first).stdout.splitlines()
    copied = next(i for i, line in enumerate(lines) if line.startswith(f"{PREFIX}copied "))
    assert lines[-1] == f"flyrun-test: server starts on {tmp_path / 'production.sqlite'}"
    assert copied < len(lines) - 1
    assert parse_record(Path(record_path(str(tmp_path / "production.sqlite"))).read_text()).ok
    assert f"{PREFIX}already imported at " in must(again).stdout
    assert failed.returncode != 0 and "flyrun-test: server starts" not in failed.stdout
    assert f"{PREFIX}FAILED: " in failed.stderr and not (failing / "production.sqlite").exists()


def test_a_killed_test_run_does_not_leave_its_cluster_running(tmp_path: Path) -> None:
    """pg_cluster's watchdog: a process that started a cluster and was killed (no teardown)
    leaves no server running and no folder behind."""
    if _needs():
        pytest.skip("needs PostgreSQL (see the cluster fixture)")
    script = (
        "import os, signal, sys; sys.path.insert(0, sys.argv[1]);"
        "from tests.e2e import pg_cluster; c = pg_cluster.start(); print(c.root, flush=True);"
        "os.kill(os.getpid(), signal.SIGKILL)"
    )
    repo = str(Path(__file__).resolve().parents[2])
    done = subprocess.run([sys.executable, "-c", script, repo], capture_output=True, text=True)
    root = Path(done.stdout.strip())
    assert done.returncode == -9 and root.name.startswith("flyrun-pg-"), done.stderr
    deadline = time.monotonic() + 30
    while root.exists() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not root.exists()  # stopped (pg_ctl -w) before the folder went
