"""The offline db/schema.rb analysis for the PostgreSQL import: tables, columns and types,
refusals at their lines, notes, and the mapping table kept equal to the Rake task's."""

from __future__ import annotations

import contextlib
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from runner.facts.ruby_line import Code, NotUnderstood, Sym, parse_call
from runner.facts.schema_rb import (
    REFUSED_TYPES,
    TYPE_MAP,
    analyze_schema,
    schema_file_problem,
)
from runner.facts.schema_rb_types import type_map_markdown
from runner.importer import rake_text

FIXTURES = Path(__file__).parent / "fixtures"
PG61 = (FIXTURES / "schema_pg61.rb").read_text(encoding="utf-8")
PG71 = (FIXTURES / "schema_pg71.rb").read_text(encoding="utf-8")

HEAD = 'ActiveRecord::Schema.define(version: 2024_01_01_000000) do\n  enable_extension "plpgsql"\n'
TABLE = '  create_table "things", force: :cascade do |t|\n'


def in_table(line: str) -> tuple[str, int]:
    """A schema whose only table holds `line`, and that line's number."""
    return f'{HEAD}{TABLE}    t.string "name"\n    {line}\n  end\nend\n', 5


def at_top(line: str) -> tuple[str, int]:
    return f'{HEAD}{TABLE}    t.string "name"\n  end\n\n  {line}\nend\n', 7


def test_real_rails_61_postgres_dump_is_understood() -> None:
    analysis = analyze_schema(PG61)
    assert analysis.ok, analysis.problems
    assert analysis.version == "20240101000001"
    tables = {t.name: t for t in analysis.tables}
    assert sorted(tables) == ["authors", "comments", "devices", "posts", "posts_tags", "tags"]
    assert tables["posts_tags"].primary_key == ()
    assert tables["devices"].primary_key == ("id",)
    posts = {c.name: c.type for c in tables["posts"].columns}
    assert posts["id"] == "bigint" and posts["metadata"] == "json" and posts["ip"] == "inet"
    assert {c.name: c.type for c in tables["devices"].columns}["id"] == "uuid"
    assert all(c.sqlite is not None for t in analysis.tables for c in t.columns)


def test_notes_name_what_changes_once_per_reason() -> None:
    notes = [str(n) for n in analyze_schema(PG61).notes]
    assert any(n.startswith("db/schema.rb:26: jsonb becomes json") for n in notes), notes
    assert any("uuid becomes varchar" in n and "(2 columns)" in n for n in notes), notes
    assert any("decimal with precision 20" in n for n in notes), notes
    assert not any("precision 10" in n for n in notes), notes
    assert len(notes) == len(set(notes))


def test_rails_71_dump_with_serial_ids_timestamptz_and_composite_keys() -> None:
    analysis = analyze_schema(PG71)
    assert analysis.ok, analysis.problems
    tables = {t.name: t for t in analysis.tables}
    assert tables["memberships"].primary_key == ("event_id", "user_id")
    assert tables["events"].columns[0].type == "serial"
    events = {c.name: c for c in tables["events"].columns}
    assert events["payload"].options["default"] == {"a": 1, "list": [1, 2]}
    assert events["name"].options["default"] == 'it\'s "quoted" \\ é'
    assert [n.line for n in analysis.notes if "never validated" in n.reason] == [29]


REFUSED_IN_TABLE = [
    ('t.string "tags", array: true', "arrays have no SQLite counterpart"),
    ('t.hstore "data"', "hstore"),
    ('t.enum "status", enum_type: "status"', "enum types"),
    ('t.ltree "path"', "ltree"),
    ('t.tsvector "search"', "full-text"),
    ('t.point "location"', "geometric"),
    ('t.tstzrange "during"', "range types"),
    ('t.interval "length"', "Duration"),
    ('t.citext "email"', "case-insensitive"),
    ('t.virtual "upper", type: :string, as: "upper(name)", stored: true', "generated"),
    ('t.column "mood", "mood_type"', "not a column type flyrun can map"),
    ('t.column "x", :hstore', "hstore"),
    ('t.widget "x"', "not a column type flyrun can map"),
    ('t.text "body", collation: "C"', "collations"),
    ('t.datetime "at", default: -> { "now()" }', "PostgreSQL SQL SQLite cannot run"),
    ('t.string "name", weird: 1', "option weird: not understood"),
    ('t.index "lower((name)::text)", name: "lower_name"', "expression indexes"),
    ('t.index ["name"], using: :gin', "using: gin"),
    ('t.index ["name"], opclass: :gin_trgm_ops', "operator classes"),
    ('t.index ["name"], where: "((name)::text <> \'\'::text)"', "PostgreSQL SQL (::)"),
    ('t.check_constraint "(name)::text <> \'\'::text", name: "named"', "PostgreSQL SQL (::)"),
    ("t.check_constraint \"name ~ '^a'\"", "PostgreSQL SQL (~)"),
    ('t.exclusion_constraint "tsrange(a, b) WITH &&", using: :gist', "exclusion"),
    ('t.unique_constraint ["name"], deferrable: :immediate', "unique constraints"),
    ('t.string "name" + "x"', "not understood"),
    ('puts "#{name}"', "not understood"),
]
REFUSED_AT_TOP = [
    ('enable_extension "pgcrypto"', "extension 'pgcrypto'"),
    ('enable_extension "hstore"', "extension 'hstore'"),
    ('create_enum "mood", ["sad", "ok"]', "enum types"),
    ('create_schema "billing"', "schemas"),
    ('add_exclusion_constraint "t", "a WITH &&", using: :gist', "exclusion constraints"),
    ('execute "CREATE VIEW v AS SELECT 1"', "raw SQL"),
    ('create_view "v", sql_definition: "SELECT 1"', "not a schema statement"),
    ('add_foreign_key "a", "b", deferrable: :deferred', "deferrable"),
    ('add_foreign_key "a", "b", on_delete: :explode', "on_delete"),
    ('create_table "billing.invoices", force: :cascade do |t|\n  end', "other PostgreSQL"),
    ('create_table "c", id: :uuid, default: -> { "gen_random_uuid()" } do |t|\n  end', "SQL"),
    ('create_table "c", id: :hstore do |t|\n  end', "hstore"),
]


@pytest.mark.parametrize(("line", "reason"), REFUSED_IN_TABLE)
def test_refused_inside_a_table_at_its_line(line: str, reason: str) -> None:
    text, number = in_table(line)
    problems = analyze_schema(text).problems
    assert problems, line
    assert problems[0].line == number, problems
    assert reason in problems[0].reason, problems
    assert str(problems[0]).startswith(f"db/schema.rb:{number}: ")


@pytest.mark.parametrize(("line", "reason"), REFUSED_AT_TOP)
def test_refused_statement_at_its_line(line: str, reason: str) -> None:
    text, number = at_top(line)
    problems = analyze_schema(text).problems
    assert [p.line for p in problems] == [number], problems
    assert reason in problems[0].reason, problems


def test_plpgsql_and_sqlite_defaults_are_accepted() -> None:
    text, _ = in_table('t.datetime "at", default: -> { "CURRENT_TIMESTAMP" }, null: false')
    assert analyze_schema(text).ok
    text, _ = at_top('enable_extension "pg_catalog.plpgsql"')
    assert analyze_schema(text).ok


@pytest.mark.parametrize(
    ("text", "line", "reason"),
    [
        ("", 1, "no `ActiveRecord::Schema.define"),
        ('create_table "x" do |t|\nend\n', 1, "before the schema block"),
        (HEAD + TABLE + '    t.string "a"\n', 4, "not closed"),
        (HEAD + "end\nputs 1\n", 4, "after the schema's end"),
    ],
)
def test_structure_errors(text: str, line: int, reason: str) -> None:
    problems = analyze_schema(text).problems
    assert problems and problems[0].line == line and reason in problems[0].reason, problems


def test_unbounded_decimal_is_noted() -> None:
    text, number = in_table('t.decimal "amount"')
    analysis = analyze_schema(text)
    assert analysis.ok
    assert [(n.line, "precision None" in n.reason) for n in analysis.notes] == [(number, True)]


def test_schema_file_problem() -> None:
    assert schema_file_problem(True, True) is None
    assert "structure.sql" in (schema_file_problem(False, True) or "")
    assert "missing" in (schema_file_problem(False, False) or "")


def test_type_map_and_refusals_do_not_overlap() -> None:
    assert not set(TYPE_MAP) & set(REFUSED_TYPES)
    assert {m.rails for m in TYPE_MAP.values()} <= set(TYPE_MAP)


def test_the_mapping_is_documented_as_tables() -> None:
    text = type_map_markdown()
    for name, mapped in TYPE_MAP.items():
        assert f"| {name} | {mapped.sqlite} | {mapped.reads_as} |" in text
    for name in REFUSED_TYPES:
        assert f"| {name} | " in text


def test_rake_task_renames_exactly_the_renamed_types() -> None:
    block = re.search(r"PG_TYPES = \{(.*?)\}\.freeze", rake_text(), re.DOTALL)
    assert block is not None
    pairs = dict(re.findall(r"(\w+): :(\w+)", block.group(1)))
    assert pairs == {name: m.rails for name, m in TYPE_MAP.items() if m.renamed}


def test_parse_call_values() -> None:
    call = parse_call(
        't.jsonb "a", "b", default: {"k"=>[1, 2.5, nil, true], s: :x}, '
        'null: false, d: -> { "now()" } # trailing'
    )
    assert call.name == "t.jsonb" and call.args == ("a", "b")
    assert call.options == {
        "default": {"k": [1, 2.5, None, True], "s": Sym("x")},
        "null": False,
        "d": Code("now()"),
    }
    assert parse_call('create_table "x", id: false do |t|').block == "t"
    assert parse_call('add_index("a", ["b"], name: \'i_b\')').options == {"name": "i_b"}
    assert parse_call('t.string "\\u00e9\\n\\t\\\\"').args == ("é\n\t\\",)


@pytest.mark.parametrize(
    "line",
    ['t.string "a" +', 't.string "#{x}"', "t.string x", 't.string "a", b: 1, "c"', "[[[" * 20],
)
def test_parse_call_refuses(line: str) -> None:
    with pytest.raises(NotUnderstood):
        parse_call(line)


_FRAGMENTS = [
    line
    for line in (PG61 + PG71).splitlines()
    + [line for line, _ in REFUSED_IN_TABLE + REFUSED_AT_TOP]
    + ["end", "do |t|", "-> {", '"\\u{110000}"', '"\\uD800"', "\\", "'", ":", "=>", "#{"]
]


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_never_raises_on_arbitrary_text(text: str) -> None:
    analysis = analyze_schema(text)
    assert analysis.ok or analysis.problems


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(st.sampled_from(_FRAGMENTS), st.text(max_size=20)), max_size=40))
def test_never_raises_on_schema_like_text(lines: list[str]) -> None:
    analyze_schema("\n".join(lines))
    for line in lines:
        with contextlib.suppress(NotUnderstood):
            parse_call(line.strip())
