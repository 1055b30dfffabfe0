"""Make the server start run the PostgreSQL import (`flyrun:import_postgres`,
runner/data/flyrun_import.rake) right before it migrates, in the app's layout (pure
`str -> str` edits, like runner/handlers/rake.py and entrypoint.py):

- rake layout: a prerequisite of `fly:server` placed before its first `db:*` prerequisite
  (Rake runs prerequisites in order, across re-declarations);
- entrypoint layout: a line before the one running `db:prepare` (or `db:migrate`) in
  bin/docker-entrypoint, that stops the script when the import fails (`|| exit $?`, so a
  script without `set -e` cannot go on to migrate an empty database).

The import must come first: it loads db/schema.rb into an empty SQLite file and refuses one
that already holds rows; migrating afterwards finds the copied schema_migrations and does
nothing more. Only the bytes of the edited construct change, and the result is read back
before it is returned; anything uncertain is refused with the line quoted.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from runner.errors import EditRefused
from runner.facts.layout import code_lines
from runner.facts.rake import FILE as FLY_RAKE
from runner.facts.rake import RakeTask, read_tasks
from runner.importer import RAKE_PATH, TASK
from runner.syntax import ruby
from runner.syntax.ruby import Source

if TYPE_CHECKING:
    from tree_sitter import Node

ENTRYPOINT = "bin/docker-entrypoint"
COMMENT = f"# flyrun: copy the PostgreSQL data into SQLite once, before migrating ({RAKE_PATH})"
# A plain migrating line: indentation, a command ending in rails or rake, the db task.
_MIGRATE_LINE = re.compile(
    r"^([ \t]*)((?:[\w./-]+[ \t]+)*[\w./-]*(?:rails|rake))[ \t]+db:(?:prepare|migrate)[ \t]*$"
)
_MIGRATES = re.compile(r"\b(?:rails|rake)\s+db:(?:prepare|migrate)\b")


def _first_db(task: RakeTask) -> int:
    return next(i for i, name in enumerate(task.decl.prerequisites) if name.startswith("db:"))


def _spelled(source: Source, item: Node) -> str:
    """The task name written like the db item it goes before."""
    if item.type == "delimited_symbol":
        return f':"{TASK}"'
    text = source.node_text(item)
    quote = text[0] if item.type == "string" and text[:1] in "'\"" else ruby.quote_char(source)
    return f"{quote}{TASK}{quote}"


def _edit(source: Source, task: RakeTask) -> tuple[int, int, str]:
    deps = task.deps
    assert deps is not None
    item = task.items[_first_db(task)]
    if deps.type in ("string_array", "symbol_array"):
        return (item.start_byte, item.start_byte, f"{TASK} ")
    if deps.type == "array":
        return (item.start_byte, item.start_byte, f"{_spelled(source, item)}, ")
    return (deps.start_byte, deps.end_byte, f"[{_spelled(source, item)}, {source.node_text(deps)}]")


def _ordered(task: RakeTask) -> bool | None:
    """Does this declaration run the import before its first db task (None: no import)?"""
    names = task.decl.prerequisites
    if TASK not in names:
        return None
    return not task.decl.db or names.index(TASK) < _first_db(task)


def add_import_prerequisite(text: str) -> str:
    """`task :server => [:swapfile, 'db:migrate']` → `[:swapfile, 'flyrun:import_postgres',
    'db:migrate']` (unchanged when fly:server already imports first)."""
    source = ruby.require_parse(text, FLY_RAKE)
    servers = [t for t in read_tasks(source)[1] if t.decl.role == "server"]
    migrating = [t for t in servers if t.decl.db]
    placed = [t for t in servers if _ordered(t) is not None]
    if any(_ordered(t) is False for t in placed):
        bad = next(t for t in placed if _ordered(t) is False)
        raise EditRefused(
            f"fly:server runs {TASK} after migrating ({bad.decl.where}); move it before the "
            "db:* prerequisites"
        )
    if placed and (not migrating or placed[0].call.start_byte <= migrating[0].call.start_byte):
        return text
    if len(migrating) != 1:
        where = "; ".join(t.decl.where for t in migrating) or "no declaration"
        raise EditRefused(
            f"fly:server must run db:* in exactly one declaration to put {TASK} before it "
            f"({where}); add it by hand"
        )
    task = migrating[0]
    if task.decl.problem is not None or task.deps is None:
        raise EditRefused(
            f"fly:server cannot be edited with certainty ({task.decl.where}): "
            f"{task.decl.problem or 'no prerequisites'}"
        )
    new_text = ruby.splice(source.data, [_edit(source, task)])
    _verify_rake(new_text)
    return new_text


def _verify_rake(text: str) -> None:
    source = ruby.parse(text)
    bad = ruby.first_error(source.root)
    if bad is not None:
        raise EditRefused(f"the edited fly.rake would not parse ({source.quote(bad)})")
    servers = [t for t in read_tasks(source)[1] if t.decl.role == "server" and t.decl.db]
    if len(servers) != 1 or not _ordered(servers[0]):
        raise EditRefused("the edited fly.rake does not read back as importing first; unchanged")


def add_import_line(text: str) -> str:
    """Insert the import (with a comment) right before the single line that migrates."""
    code = code_lines(text)
    lines = text.split("\n")
    migrating = [i for i, line in enumerate(code) if _MIGRATES.search(line)]
    importing = [i for i, line in enumerate(code) if TASK in line]
    if importing and migrating and importing[0] < migrating[0]:
        return text
    if importing:
        raise EditRefused(
            f"{ENTRYPOINT} line {importing[0] + 1} runs {TASK} after migrating "
            f"(`{lines[importing[0]].strip()}`); move it before"
        )
    if len(migrating) != 1:
        raise EditRefused(
            f"{ENTRYPOINT}: expected exactly one line running db:prepare or db:migrate, found "
            f"{len(migrating)}; add `./bin/rails {TASK}` before migrating by hand"
        )
    index = migrating[0]
    raw = lines[index]
    cr = "\r" if raw.endswith("\r") else ""
    match = _MIGRATE_LINE.match(raw.removesuffix(cr))
    if match is None:
        raise EditRefused(
            f"{ENTRYPOINT} line {index + 1} (`{raw.strip()}`) is not a plain migrating command; "
            f"add `./bin/rails {TASK} || exit $?` before it by hand"
        )
    indent, command = match.group(1), match.group(2)
    added = [f"{indent}{COMMENT}{cr}", f"{indent}{command} {TASK} || exit $?{cr}"]
    new_text = "\n".join([*lines[:index], *added, *lines[index:]])
    if add_import_line(new_text) != new_text:  # reads back as importing first
        raise EditRefused(f"the edited {ENTRYPOINT} does not read back as importing first")
    return new_text
