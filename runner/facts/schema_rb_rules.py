"""The options of db/schema.rb statements that the SQLite import understands: create_table,
column options, t.index, t.check_constraint and add_foreign_key. Each check returns
(refusals, notes) as reasons; runner/facts/schema_rb.py puts them at their lines."""

from __future__ import annotations

import re
from collections.abc import Mapping

from runner.facts.ruby_line import Call, Code, Sym, Value

Findings = tuple[list[str], list[str]]

# SQL defaults SQLite evaluates itself; any other `-> { "..." }` is PostgreSQL's SQL.
_SQLITE_DEFAULTS = frozenset({"CURRENT_TIMESTAMP", "CURRENT_DATE", "CURRENT_TIME"})
# PostgreSQL-only syntax that SQLite cannot parse in index predicates and check constraints.
_PG_SQL = re.compile(
    r"::|~|\bI?LIKE\s+ANY\b|\bILIKE\b|\bSIMILAR\s+TO\b|\bANY\s*\(|\bARRAY\s*\[|@>|<@|\?\||\?&"
    r"|\bE'|\bjsonb?_\w+\s*\(|\bnow\s*\(\)",
    re.IGNORECASE,
)
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_TABLE_OPTIONS = frozenset({"id", "primary_key", "force", "comment", "default", "limit"})
_COLUMN_OPTIONS = frozenset(
    {"null", "default", "limit", "precision", "scale", "comment", "array", "collation"}
)
_INDEX_OPTIONS = frozenset({"name", "unique", "order", "where", "using"})
_INDEX_REFUSED = {
    "opclass": "operator classes are PostgreSQL's",
    "include": "covering indexes (INCLUDE) are PostgreSQL's",
    "nulls_not_distinct": "NULLS NOT DISTINCT is PostgreSQL's",
}
_FOREIGN_KEY_OPTIONS = frozenset(
    {"column", "primary_key", "name", "on_delete", "on_update", "validate"}
)
_FOREIGN_KEY_ACTIONS = frozenset({"cascade", "nullify", "restrict"})


def _unknown(options: Mapping[str, Value], known: frozenset[str], what: str) -> list[str]:
    return [f"{what}: option {key}: not understood" for key in options if key not in known]


def default_findings(default: Value, what: str) -> list[str]:
    """A `default: -> { "SQL" }` SQLite cannot run (now(), gen_random_uuid(), ...)."""
    if isinstance(default, Code) and default.sql.strip().upper() not in _SQLITE_DEFAULTS:
        return [f"{what}: default -> {{ {default.sql!r} }} is PostgreSQL SQL SQLite cannot run"]
    return []


def pg_sql(expression: str) -> str | None:
    """The first PostgreSQL-only piece of `expression`, or None when none is seen."""
    found = _PG_SQL.search(expression)
    return found.group().strip() if found else None


def table_findings(name: str, call: Call) -> tuple[list[str], list[str], tuple[str, ...], str]:
    """Refusals, notes, the primary key columns and the id column's type ("" for none)."""
    options = call.options
    refusals = _unknown(options, _TABLE_OPTIONS, f"create_table {name!r}")
    if "." in name:
        refusals.append(f"create_table {name!r}: tables in other PostgreSQL schemas")
    refusals += default_findings(options.get("default"), f"create_table {name!r} id")
    key = options.get("primary_key")
    id_option = options.get("id", Sym("primary_key"))
    id_type = ""
    if isinstance(id_option, Sym):
        id_type = id_option.name
    elif id_option is not False:
        refusals.append(f"create_table {name!r}: id: {id_option!r} not understood")
    if isinstance(key, str):
        return refusals, [], (key,), id_type
    if isinstance(key, list) and key and all(isinstance(k, str) for k in key):
        return refusals, [], tuple(str(k) for k in key), ""
    if key is not None:
        refusals.append(f"create_table {name!r}: primary_key: {key!r} not understood")
    return refusals, [], (("id",) if id_type else ()), id_type


def option_findings(kind: str, options: Mapping[str, Value]) -> list[str]:
    """Refusals for a column's options: arrays, collations, PostgreSQL SQL defaults."""
    what = f"t.{kind}"
    refusals = _unknown(options, _COLUMN_OPTIONS, what)
    if options.get("array") is True:
        refusals.append(f"{what} array: true: arrays have no SQLite counterpart")
    if "collation" in options:
        refusals.append(
            f"{what} collation: {options['collation']!r}: PostgreSQL collations do not exist "
            "in SQLite"
        )
    return refusals + default_findings(options.get("default"), what)


def index_findings(call: Call) -> Findings:
    refusals = _unknown(
        {k: v for k, v in call.options.items() if k not in _INDEX_REFUSED},
        _INDEX_OPTIONS,
        "t.index",
    )
    columns = call.args[0] if len(call.args) == 1 else None
    names = columns if isinstance(columns, list) else [columns]
    if not names or not all(isinstance(c, str) and _IDENTIFIER.fullmatch(c) for c in names):
        refusals.append(f"t.index {columns!r}: expression indexes are PostgreSQL SQL")
    for key, reason in _INDEX_REFUSED.items():
        if key in call.options:
            refusals.append(f"t.index {key}: {reason}")
    using = call.options.get("using")
    if using is not None and using != Sym("btree"):
        shown = using.name if isinstance(using, Sym) else repr(using)
        refusals.append(f"t.index using: {shown}: a PostgreSQL index method")
    where = call.options.get("where")
    if where is not None:
        bad = pg_sql(where) if isinstance(where, str) else "not a string"
        if bad:
            refusals.append(f"t.index where: {where!r}: PostgreSQL SQL ({bad})")
    return refusals, []


def check_findings(call: Call) -> Findings:
    refusals = _unknown(call.options, frozenset({"name", "validate"}), "t.check_constraint")
    expression = call.args[0] if len(call.args) == 1 else None
    if not isinstance(expression, str):
        return [*refusals, "t.check_constraint: expected one SQL expression"], []
    bad = pg_sql(expression)
    if bad:
        refusals.append(f"t.check_constraint {expression!r}: PostgreSQL SQL ({bad})")
    notes = []
    if call.options.get("validate") is False:
        notes.append("a check constraint PostgreSQL never validated: SQLite checks every row")
    return refusals, notes


def foreign_key_findings(call: Call) -> Findings:
    refusals = _unknown(
        {k: v for k, v in call.options.items() if k != "deferrable"},
        _FOREIGN_KEY_OPTIONS,
        "add_foreign_key",
    )
    if len(call.args) != 2 or not all(isinstance(a, str) for a in call.args):
        refusals.append("add_foreign_key: expected two table names")
    if "deferrable" in call.options:
        refusals.append("add_foreign_key deferrable: deferrable foreign keys are not carried")
    for action in ("on_delete", "on_update"):
        value = call.options.get(action)
        if value is not None and not (
            isinstance(value, Sym) and value.name in _FOREIGN_KEY_ACTIONS
        ):
            refusals.append(f"add_foreign_key {action}: {value!r} not understood")
    notes = []
    if call.options.get("validate") is False:
        notes.append(
            "a foreign key PostgreSQL never validated: SQLite checks every row at the import "
            "and fails if one breaks it"
        )
    return refusals, notes
