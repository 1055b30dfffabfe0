"""What each db/schema.rb column type becomes in SQLite (TYPE_MAP) and the types refused
(REFUSED_TYPES), with the findings for one column. Re-exported by runner/facts/schema_rb.py."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from runner.facts.ruby_line import Value
from runner.facts.schema_rb_rules import Findings, option_findings

# Rails' SQLite adapter rounds decimals through REAL: SQLite keeps 15 significant digits.
SQLITE_DECIMAL_DIGITS = 15


@dataclass(frozen=True)
class SqliteType:
    """What a schema.rb column type becomes: the Rails type used on SQLite (`rails`), the
    column type SQLite records (`sqlite`), the Ruby value Active Record reads back, and what
    changes for the app (`note`, empty when nothing does). `renamed`: the import task maps
    the type (Rails' SQLite adapter has no such method); otherwise Rails handles it itself."""

    rails: str
    sqlite: str
    reads_as: str
    note: str = ""
    renamed: bool = False


def _t(rails: str, sqlite: str, reads: str, note: str = "", renamed: bool = False) -> SqliteType:
    return SqliteType(rails, sqlite, reads, note, renamed)


_DECIMAL_NOTE = (
    f"SQLite keeps {SQLITE_DECIMAL_DIGITS} significant digits; the import compares every "
    "value and fails rather than lose one"
)
# Decided from Rails' SQLite adapter (NATIVE_DATABASE_TYPES and its type map, 6.1 through
# 8.x), checked against real Rails by tests/e2e/test_postgres_import.py.
TYPE_MAP: Mapping[str, SqliteType] = MappingProxyType(
    {
        "string": _t("string", "varchar", "String", "the limit is not enforced by SQLite"),
        "text": _t("text", "text", "String"),
        "integer": _t("integer", "integer", "Integer"),
        "bigint": _t(
            "bigint",
            "bigint",
            "Integer",
            "declared integer where Rails re-creates the table "
            "for a foreign key: the same 64-bit INTEGER",
        ),
        "float": _t("float", "float", "Float"),
        "decimal": _t("decimal", "decimal", "BigDecimal", _DECIMAL_NOTE),
        "numeric": _t("decimal", "decimal", "BigDecimal", _DECIMAL_NOTE),
        "boolean": _t("boolean", "boolean", "true/false", "stored as 1/0"),
        "date": _t("date", "date", "Date"),
        "datetime": _t("datetime", "datetime", "Time (UTC)"),
        "timestamp": _t("datetime", "datetime", "Time (UTC)"),
        "timestamptz": _t(
            "datetime",
            "datetime",
            "Time (UTC)",
            "the zone is not stored; Rails reads UTC either way",
            renamed=True,
        ),
        "time": _t("time", "time", "Time on 2000-01-01"),
        "binary": _t("binary", "blob", "String (binary)"),
        "json": _t("json", "json", "Hash/Array", "stored as JSON text"),
        "jsonb": _t(
            "json",
            "json",
            "Hash/Array",
            "stored as JSON text; jsonb operators and GIN indexes do not exist in SQLite",
            renamed=True,
        ),
        "uuid": _t(
            "string", "varchar", "String", "no uuid type or generated default", renamed=True
        ),
        "inet": _t(
            "string",
            "varchar",
            "String",
            'PostgreSQL\'s text ("10.1.2.3/8"); Rails gave an IPAddr before',
            renamed=True,
        ),
        "cidr": _t(
            "string",
            "varchar",
            "String",
            'PostgreSQL\'s text ("10.0.0.0/8"); Rails gave an IPAddr before',
            renamed=True,
        ),
        "macaddr": _t("string", "varchar", "String", renamed=True),
        "serial": _t("integer", "integer", "Integer", renamed=True),
        "bigserial": _t("bigint", "bigint", "Integer", renamed=True),
    }
)

_GEOMETRIC = "geometric types have no SQLite counterpart"
_RANGE = "range types have no SQLite counterpart"
# Column types refused with their reason; any other type outside TYPE_MAP is refused too.
REFUSED_TYPES: Mapping[str, str] = MappingProxyType(
    {
        "hstore": "hstore (key/value pairs) has no SQLite counterpart",
        "ltree": "ltree (label trees) has no SQLite counterpart",
        "tsvector": "full-text search vectors have no SQLite counterpart",
        "tsquery": "full-text search queries have no SQLite counterpart",
        "citext": "case-insensitive text would compare case-sensitively in SQLite",
        "enum": "PostgreSQL enum types have no SQLite counterpart",
        "interval": "Rails reads intervals as ActiveSupport::Duration; SQLite has no such type",
        "money": "money is locale-formatted by PostgreSQL; change it to decimal first",
        "xml": "xml has no SQLite counterpart",
        "bit": "bit strings have no SQLite counterpart",
        "bit_varying": "bit strings have no SQLite counterpart",
        "oid": "PostgreSQL object ids have no meaning in SQLite",
        "virtual": "generated columns are PostgreSQL SQL expressions",
        "macaddr8": "macaddr8 is not mapped (macaddr is)",
        **{name: _GEOMETRIC for name in ("point", "line", "lseg", "box", "path", "polygon")},
        "circle": _GEOMETRIC,
        **{
            name: "PostGIS types have no SQLite counterpart"
            for name in ("geometry", "geography", "st_point", "st_polygon")
        },
        **{
            name: _RANGE
            for name in ("int4range", "int8range", "numrange", "tsrange", "tstzrange", "daterange")
        },
    }
)


def column_findings(kind: str, options: Mapping[str, Value]) -> Findings:
    """Refusals and notes for a column of type `kind` with `options`."""
    refusals = option_findings(kind, options)
    notes: list[str] = []
    mapped = TYPE_MAP.get(kind)
    if kind in REFUSED_TYPES:
        refusals.insert(0, f"t.{kind}: {REFUSED_TYPES[kind]}")
    elif mapped is None:
        refusals.insert(0, f"t.{kind}: not a column type flyrun can map to SQLite")
    elif mapped.renamed and mapped.note:
        notes.append(f"{kind} becomes {mapped.sqlite} in SQLite: {mapped.note}")
    precision = options.get("precision")
    digits_ok = isinstance(precision, int) and precision <= SQLITE_DECIMAL_DIGITS
    if mapped is not None and mapped.rails == "decimal" and not digits_ok:
        notes.append(f"decimal with precision {precision}: {_DECIMAL_NOTE}")
    return refusals, notes


def type_map_markdown() -> str:
    """TYPE_MAP and REFUSED_TYPES as Markdown tables, for documentation and reports."""
    rows = [
        "| schema.rb type | SQLite column | Rails reads | what changes |",
        "| --- | --- | --- | --- |",
    ]
    rows += [
        f"| {name} | {m.sqlite} | {m.reads_as} | {m.note or '-'} |" for name, m in TYPE_MAP.items()
    ]
    rows += ["", "| refused type | why |", "| --- | --- |"]
    rows += [f"| {name} | {reason} |" for name, reason in REFUSED_TYPES.items()]
    return "\n".join(rows) + "\n"
