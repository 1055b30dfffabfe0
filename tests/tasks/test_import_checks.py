"""Preflight of a Postgres import, effect level with canned facts: pg in the production
bundle (the exact line to add), db/schema.rb (structure.sql refused with the reason, every
unmappable line at db/schema.rb:LINE), and the source URL (read once, a postgres:// URL,
needed only before the cutover)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from runner.errors import PreflightRefused
from runner.facts.schema_rb_types import type_map_markdown
from runner.flyctl.parse import Secret
from runner.spec import ImportData
from runner.tasks.import_checks import ImportReadyCheck, ImportSourceCheck
from runner.tasks.preflight import SecretReplaceableCheck
from tests.tasks.canned import Canned, context, machine

SCHEMA = (Path(__file__).parents[1] / "cli" / "fixtures" / "pg_schema.rb").read_text()
GEMFILE = 'source "https://rubygems.org"\ngem "rails"\ngem "sqlite3"\ngem "pg"\n'
LOCK = "GEM\n  specs:\n    pg (1.4.5)\n    rails (7.0.4)\n    sqlite3 (1.6.0)\n"
PG_URL = "postgres://shop:Pa55word-xyz@db.flycast:5432/shop"
IMPORT = ImportData("postgres")


class Machine(Canned):
    """A machine whose environment holds `env` (what ENV_SCRIPT prints)."""

    def __init__(self, env: dict[str, str], **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.env = env

    def ssh(self, app: str, machine: str, script: str) -> str:
        self.asked.append(f"ssh {machine}")
        names = ("DATABASE_URL", "FLYRUN_IMPORT_DATABASE_URL")
        body = "".join(f"{n}={self.env.get(n, '')}\n" for n in names)
        return f"Connecting to fdaa::3...\nflyrun-env-begin\n{body}flyrun-env-end\n"


def ready(tmp_path: Path, **files: str) -> tuple[str, ...] | None:
    given = {"Gemfile": GEMFILE, "Gemfile.lock": LOCK, "db/schema.rb": SCHEMA, **files}
    return ImportReadyCheck().run(context(tmp_path, files=given, import_data=IMPORT))


def test_nothing_is_checked_without_import_data(tmp_path: Path) -> None:
    assert ImportReadyCheck().run(context(tmp_path)) is None
    assert ImportSourceCheck().run(context(tmp_path)) is None


def test_a_schema_sqlite_can_hold_passes_with_its_notes(tmp_path: Path) -> None:
    said = ready(tmp_path)
    assert said is not None and said[0] == "import: db/schema.rb has 2 tables that SQLite can hold"
    assert any("db/schema.rb:12: jsonb becomes json" in line for line in said)


@pytest.mark.parametrize(
    ("gemfile", "lock", "why"),
    [
        ('gem "rails"\ngem "sqlite3"\n', LOCK, 'add  gem "pg"  outside any group'),
        ("gem 'rails'\ngroup :development do\n  gem 'pg'\nend\n", LOCK, "declare it as  gem 'pg'"),
        (GEMFILE, LOCK.replace("    pg (1.4.5)\n", ""), "not in Gemfile.lock"),
    ],
)
def test_pg_must_stay_in_the_production_bundle(
    tmp_path: Path, gemfile: str, lock: str, why: str
) -> None:
    with pytest.raises(PreflightRefused, match="pg gem") as info:
        ready(tmp_path, **{"Gemfile": gemfile, "Gemfile.lock": lock})
    assert why in info.value.found


def test_structure_sql_is_refused_with_the_reason(tmp_path: Path) -> None:
    ctx = context(
        tmp_path,
        files={"Gemfile": GEMFILE, "Gemfile.lock": LOCK, "db/structure.sql": "CREATE TABLE x();\n"},
        import_data=IMPORT,
    )
    with pytest.raises(PreflightRefused) as info:
        ImportReadyCheck().run(ctx)
    assert "db/structure.sql (the SQL schema format) is not supported" in info.value.found
    assert info.value.location is not None and info.value.location.file.endswith("db/structure.sql")


def test_schema_lines_sqlite_cannot_hold_are_refused_at_their_line(tmp_path: Path) -> None:
    bad = SCHEMA.replace('    t.jsonb "details", default: {}\n', '    t.tsvector "search"\n')
    bad = bad.replace('  add_foreign_key "orders", "users"\n', '  create_enum "mood", ["a"]\n')
    with pytest.raises(PreflightRefused) as info:
        ready(tmp_path, **{"db/schema.rb": bad})
    found = info.value.found
    assert found.startswith("2 line(s) cannot be carried over to SQLite: db/schema.rb:12: ")
    assert "db/schema.rb:25: create_enum: PostgreSQL enum types" in found
    assert info.value.location is not None and info.value.location.line == 12


def test_the_url_is_read_once_from_the_machine_past_a_banner(tmp_path: Path) -> None:
    remote = Machine({"DATABASE_URL": PG_URL}, machines_=(machine("m1"),))
    ctx = context(tmp_path, remote, import_data=IMPORT)
    said = ImportSourceCheck().run(ctx)
    assert said == (
        "import: copies postgres://…@db.flycast:5432/shop (DATABASE_URL on machine m1)",
    )
    assert ImportSourceCheck().run(ctx) == said and remote.asked.count("ssh m1") == 1
    assert (
        ctx.facts.redact(f"x {PG_URL} Pa55word-xyz")
        == "x postgres://…@db.flycast:5432/shop [redacted]"
    )


@pytest.mark.parametrize(
    ("env", "machines", "why"),
    [
        ({"DATABASE_URL": "mysql2://u:p@h/db"}, (machine("m1"),), "is a mysql2:// URL, not a"),
        ({}, (machine("m1"),), "is empty, not a postgres:// URL"),
        ({"DATABASE_URL": PG_URL}, (), "no started machine of group 'app'"),
    ],
)
def test_no_postgres_url_is_refused_before_the_cutover(
    tmp_path: Path, env: dict[str, str], machines: tuple[object, ...], why: str
) -> None:
    ctx = context(tmp_path, Machine(env, machines_=machines), import_data=IMPORT)
    with pytest.raises(PreflightRefused, match="import source") as info:
        ImportSourceCheck().run(ctx)
    assert why in info.value.found and PG_URL not in str(info.value)


def test_a_staged_database_url_change_is_refused(tmp_path: Path) -> None:
    remote = Machine(
        {"DATABASE_URL": PG_URL},
        machines_=(machine("m1"),),
        secrets_=(Secret("DATABASE_URL", "abcd", "Staged"),),
    )
    with pytest.raises(PreflightRefused, match="not deployed"):
        ImportSourceCheck().run(context(tmp_path, remote, import_data=IMPORT))


def test_the_postgres_database_url_is_adopted_not_refused(tmp_path: Path) -> None:
    """secret_replaceable refuses an unverifiable DATABASE_URL, except the Postgres one the
    import copies; and only that one: without import_data it is still refused."""
    remote = Machine(
        {"DATABASE_URL": PG_URL},
        machines_=(machine("m1"),),
        secrets_=(Secret("DATABASE_URL", "abcd", "Deployed"),),
    )
    SecretReplaceableCheck().run(replace(context(tmp_path, remote, import_data=IMPORT), apply=True))
    with pytest.raises(PreflightRefused, match="existing DATABASE_URL secret"):
        SecretReplaceableCheck().run(replace(context(tmp_path, remote), apply=True))


def test_the_docs_list_the_type_map_as_the_preflight_knows_it() -> None:
    docs = (Path(__file__).parents[2] / "docs" / "import.md").read_text(encoding="utf-8")
    assert type_map_markdown() in docs


def test_url_env_is_compared_with_the_machine_and_adopted_only_when_equal(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """url_env is the user's word for DATABASE_URL: adopted (replaceable without
    replace_database_url) only once equal to the machine's deployed DATABASE_URL; a staged
    change leaves the machine's value unknown, and then it is not compared at all."""
    by_env = ImportData("postgres", "SHOP_PG")
    monkeypatch.setenv("SHOP_PG", PG_URL)
    deployed = (Secret("DATABASE_URL", "abcd", "Deployed"),)
    remote = Machine({"DATABASE_URL": PG_URL}, machines_=(machine("m1"),), secrets_=deployed)
    ctx = replace(context(tmp_path, remote, import_data=by_env), apply=True)
    said = ImportSourceCheck().run(ctx)
    assert said is not None and "import: SHOP_PG equals DATABASE_URL on machine m1" in said[1]
    SecretReplaceableCheck().run(ctx)  # adopted
    staged = (Secret("DATABASE_URL", "abcd", "Staged"),)
    remote = Machine({"DATABASE_URL": PG_URL}, machines_=(machine("m1"),), secrets_=staged)
    ctx = replace(context(tmp_path, remote, import_data=by_env), apply=True)
    with pytest.raises(PreflightRefused, match=r"not deployed \(Staged\)"):
        ImportSourceCheck().run(ctx)
    with pytest.raises(PreflightRefused, match="existing DATABASE_URL secret"):
        SecretReplaceableCheck().run(ctx)
    other = Machine(
        {"DATABASE_URL": PG_URL.replace("/shop", "/other")},
        machines_=(machine("m1"),),
        secrets_=deployed,
    )
    ctx = replace(context(tmp_path, other, import_data=by_env), apply=True)
    with pytest.raises(PreflightRefused, match="leave the app's data behind") as info:
        ImportSourceCheck().run(ctx)
    assert "but DATABASE_URL on machine m1 is postgres://…@db.flycast:5432/other" in str(info.value)
    assert PG_URL not in str(info.value) and "Pa55word" not in str(info.value)
    with pytest.raises(PreflightRefused, match="existing DATABASE_URL secret"):
        SecretReplaceableCheck().run(ctx)
