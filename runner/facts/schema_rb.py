"""Offline preflight of a PostgreSQL app's db/schema.rb for the import into SQLite: the tables
and columns, what each column type becomes in SQLite (TYPE_MAP), and every line that cannot
be carried over, with the reason (refused at `db/schema.rb:LINE`).

The import task (runner/data/flyrun_import.rake) loads this same schema.rb into SQLite with
the renames marked `renamed` here, then checks every copied value; this module predicts,
without Ruby, whether that load can succeed and what the app will see afterwards. Anything
not understood is refused: a schema the preflight cannot read is a schema it cannot vouch for.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from runner.facts.ruby_line import Call, Code, NotUnderstood, Sym, parse_call
from runner.facts.schema_rb_rules import (
    Findings,
    check_findings,
    foreign_key_findings,
    index_findings,
    table_findings,
)
from runner.facts.schema_rb_types import (
    REFUSED_TYPES,
    SQLITE_DECIMAL_DIGITS,
    TYPE_MAP,
    SqliteType,
    column_findings,
)

_HEADER = re.compile(r"ActiveRecord::Schema(?:\[\d+\.\d+\])?\.define\(version: ?([\d_]+)\) do")
_BLOCKED_STATEMENTS = {
    "create_enum": "PostgreSQL enum types have no SQLite counterpart",
    "create_schema": "PostgreSQL schemas (namespaces) have no SQLite counterpart",
    "add_exclusion_constraint": "exclusion constraints have no SQLite counterpart",
    "add_unique_constraint": "deferrable unique constraints have no SQLite counterpart",
    "execute": "raw SQL in schema.rb cannot be checked",
}
_TABLE_BLOCKED = {
    "exclusion_constraint": "exclusion constraints have no SQLite counterpart",
    "unique_constraint": "deferrable unique constraints have no SQLite counterpart",
    "enum": "PostgreSQL enum types have no SQLite counterpart",
}
_PLPGSQL = frozenset({"plpgsql", "pg_catalog.plpgsql"})


@dataclass(frozen=True)
class Finding:
    """A refusal or a note about one line of db/schema.rb."""

    line: int
    reason: str

    def where(self, path: str = "db/schema.rb") -> str:
        return f"{path}:{self.line}"

    def __str__(self) -> str:
        return f"{self.where()}: {self.reason}"


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    line: int
    options: Mapping[str, object]

    @property
    def sqlite(self) -> SqliteType | None:
        return TYPE_MAP.get(self.type)


@dataclass(frozen=True)
class Table:
    name: str
    line: int
    primary_key: tuple[str, ...]
    columns: tuple[Column, ...]


@dataclass(frozen=True)
class SchemaAnalysis:
    """Tables and columns as schema.rb declares them, refusals (`problems`) and `notes` on
    what changes for the app; importable when there are no problems."""

    version: str | None
    tables: tuple[Table, ...]
    problems: tuple[Finding, ...]
    notes: tuple[Finding, ...]

    @property
    def ok(self) -> bool:
        return not self.problems


class _Builder:
    """State while reading schema.rb top to bottom."""

    def __init__(self) -> None:
        self.version: str | None = None
        self.depth = 0  # 0 before the define block, 1 inside it, 2 inside create_table
        self.done = False
        self.tables: list[Table] = []
        self.table: tuple[str, int, tuple[str, ...], list[Column]] | None = None
        self.block = "t"  # create_table's block variable
        self.problems: list[Finding] = []
        self.notes: list[Finding] = []

    def refuse(self, line: int, reason: str) -> None:
        self.problems.append(Finding(line, reason))

    def note(self, line: int, reason: str) -> None:
        self.notes.append(Finding(line, reason))


def schema_file_problem(has_schema_rb: bool, has_structure_sql: bool) -> str | None:
    """Why the import cannot start from the app's schema files, or None when it can."""
    if has_schema_rb:
        return None
    if has_structure_sql:
        return (
            "db/structure.sql (the SQL schema format) is not supported: the import loads "
            "db/schema.rb into SQLite; set config.active_record.schema_format = :ruby and "
            "dump db/schema.rb"
        )
    return "db/schema.rb is missing: the import loads it into SQLite"


def analyze_schema(text: str) -> SchemaAnalysis:
    """Read db/schema.rb (as written by Rails' PostgreSQL schema dumper); never raises."""
    builder = _Builder()
    last = 0
    for number, raw in enumerate(text.splitlines(), start=1):
        last = number
        line = raw.strip()
        if line and not line.startswith("#"):
            _line(builder, number, line)
    if builder.version is None:
        builder.refuse(1, "no `ActiveRecord::Schema.define(version: ...) do` block")
    elif not builder.done:
        builder.refuse(max(last, 1), "the schema's `do ... end` block is not closed")
    return SchemaAnalysis(
        builder.version,
        tuple(builder.tables),
        tuple(builder.problems),
        _grouped_notes(builder.notes),
    )


def _grouped_notes(notes: list[Finding]) -> tuple[Finding, ...]:
    """One note per distinct reason, at its first line, with how many lines share it."""
    first: dict[str, Finding] = {}
    counts: dict[str, int] = {}
    for note in notes:
        first.setdefault(note.reason, note)
        counts[note.reason] = counts.get(note.reason, 0) + 1
    return tuple(
        Finding(f.line, f.reason if counts[r] == 1 else f"{f.reason} ({counts[r]} columns)")
        for r, f in first.items()
    )


def _line(builder: _Builder, number: int, line: str) -> None:
    if builder.done:
        builder.refuse(number, f"not understood after the schema's end: {line[:80]}")
        return
    if builder.depth == 0:
        header = _HEADER.fullmatch(line)
        if header is None:
            builder.refuse(number, f"not understood before the schema block: {line[:80]}")
            return
        builder.version = header.group(1).replace("_", "")
        builder.depth = 1
        return
    if line == "end":
        _end(builder)
        return
    try:
        call = parse_call(line)
    except NotUnderstood as exc:
        builder.refuse(number, f"not understood ({exc}): {line[:80]}")
        return
    if builder.depth == 2:
        _in_table(builder, number, call)
    else:
        _statement(builder, number, call)


def _end(builder: _Builder) -> None:
    if builder.depth == 2 and builder.table is not None:
        name, line, key, columns = builder.table
        builder.tables.append(Table(name, line, key, tuple(columns)))
        builder.table = None
    builder.depth -= 1
    builder.done = builder.depth == 0


def _statement(builder: _Builder, number: int, call: Call) -> None:
    if call.name == "create_table":
        _create_table(builder, number, call)
    elif call.name == "enable_extension":
        name = call.args[0] if call.args else None
        if name not in _PLPGSQL:
            builder.refuse(number, f"PostgreSQL extension {name!r} has no SQLite counterpart")
    elif call.name == "add_foreign_key":
        _apply(builder, number, foreign_key_findings(call))
    elif call.name in _BLOCKED_STATEMENTS:
        builder.refuse(number, f"{call.name}: {_BLOCKED_STATEMENTS[call.name]}")
    else:
        builder.refuse(number, f"{call.name}: not a schema statement flyrun understands")


def _create_table(builder: _Builder, number: int, call: Call) -> None:
    name = call.args[0] if call.args else None
    if not isinstance(name, str) or call.block is None:
        builder.refuse(number, "create_table: expected a table name and a `do |t|` block")
        name = "?"
    refusals, notes, key, id_type = table_findings(name, call)
    if id_type and id_type != "primary_key":
        id_refusals, id_notes = column_findings(id_type, {})
        refusals += [f"create_table {name!r} id: {reason}" for reason in id_refusals]
        notes += id_notes
    _apply(builder, number, (refusals, notes))
    columns = []
    if id_type and len(key) == 1:
        # The id column schema.rb implies: bigint by default, else the `id:` type.
        kind = "bigint" if id_type == "primary_key" else id_type
        columns.append(Column(key[0], kind, number, {"primary_key": True}))
    builder.table = (name, number, key, columns)
    builder.block = call.block or "t"
    builder.depth = 2


def _in_table(builder: _Builder, number: int, call: Call) -> None:
    assert builder.table is not None
    receiver, _, method = call.name.partition(".")
    if receiver != builder.block or not method or call.block is not None:
        builder.refuse(number, f"{call.name}: not understood inside create_table")
        return
    if method in _TABLE_BLOCKED:
        builder.refuse(number, f"t.{method}: {_TABLE_BLOCKED[method]}")
    elif method == "index":
        _apply(builder, number, index_findings(call))
    elif method == "check_constraint":
        _apply(builder, number, check_findings(call))
    else:
        _column(builder, number, method, call)


def _column(builder: _Builder, number: int, method: str, call: Call) -> None:
    args = list(call.args)
    if method == "column" and len(args) >= 2:
        kind = args.pop(1)
        method = kind.name if isinstance(kind, Sym) else kind if isinstance(kind, str) else "?"
    names = [a for a in args if isinstance(a, str)]
    if not names or len(names) != len(args):
        builder.refuse(number, f"t.{method}: expected column names")
        return
    refusals, notes = column_findings(method, call.options)
    _apply(builder, number, (refusals, notes))
    assert builder.table is not None
    for name in names:
        builder.table[3].append(Column(name, method, number, dict(call.options)))


def _apply(builder: _Builder, number: int, findings: Findings) -> None:
    refusals, notes = findings
    for reason in refusals:
        builder.refuse(number, reason)
    for reason in notes:
        builder.note(number, reason)


__all__ = [
    "REFUSED_TYPES",
    "SQLITE_DECIMAL_DIGITS",
    "TYPE_MAP",
    "Code",
    "Column",
    "Finding",
    "SchemaAnalysis",
    "SqliteType",
    "Table",
    "analyze_schema",
    "schema_file_problem",
]
