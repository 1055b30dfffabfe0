"""What lib/tasks/fly.rake declares: the `fly:release` and `fly:server` tasks and their
prerequisites, read on a parse tree (docs/reference/rails.md §3). The edit that moves migrations is
`runner/handlers/rake.py`."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

from runner.syntax import ruby
from runner.syntax.ruby import Source, quote_line

if TYPE_CHECKING:
    from tree_sitter import Node

FILE = "lib/tasks/fly.rake"
_ANY_DB = re.compile(r"^db:")
_ROLES = ("release", "server")


@dataclass(frozen=True)
class TaskDeclaration:
    """One `task :release` or `task :server` call as written in fly.rake."""

    role: str  # "release" or "server"
    line: int  # 1-based line where the call starts
    code: str  # that line, for messages
    prerequisites: tuple[str, ...]
    has_body: bool
    problem: str | None = None  # why it cannot be edited with certainty

    @property
    def where(self) -> str:
        return quote_line(self.code, self.line)

    @property
    def db(self) -> tuple[str, ...]:
        return tuple(name for name in self.prerequisites if _ANY_DB.match(name))


@dataclass(frozen=True)
class RakeFacts:
    """What fly:release and fly:server depend on (all declarations, in file order)."""

    namespaced: bool  # declared inside `namespace :fly` (else top-level fragments)
    release: tuple[TaskDeclaration, ...]
    server: tuple[TaskDeclaration, ...]

    @property
    def release_db(self) -> tuple[str, ...]:
        return tuple(name for decl in self.release for name in decl.db)

    @property
    def server_db(self) -> tuple[str, ...]:
        return tuple(name for decl in self.server for name in decl.db)

    @property
    def converted(self) -> bool:
        """Migrations run on the server and nothing db:* is left on release."""
        return not self.release_db and bool(self.server_db)


@dataclass(frozen=True)
class RakeTask:
    decl: TaskDeclaration
    call: Node
    name: Node  # the node naming the task (`:release`, `release:`, `'release'`)
    params: Node | None  # task arguments `[:formation]`
    pair: Node | None  # `name => deps` / `name: deps` / `[:args] => deps`
    deps: Node | None  # the prerequisites value: one literal or an array
    items: tuple[Node, ...]  # the prerequisite literals

    @property
    def keyword(self) -> bool:
        return self.pair is not None and all(c.type != "=>" for c in self.pair.children)


@lru_cache(maxsize=64)
def release_and_server(text: str) -> RakeFacts:
    """Facts about fly:release and fly:server; EditRefused if fly.rake does not parse."""
    namespaced, tasks = read_tasks(ruby.require_parse(text, FILE))
    return rake_facts(namespaced, tasks)


def read_tasks(source: Source) -> tuple[bool, list[RakeTask]]:
    """(namespaced, release/server declarations) of fly.rake, in file order."""
    found: list[tuple[str, Node, bool]] = []
    for node in ruby.walk(source.root):
        if ruby.is_plain_call(source, node, "task"):
            args = ruby.arguments(node)
            key = args[0].child_by_field_name("key") if args and args[0].type == "pair" else None
            name = ruby.literal(source, key if key is not None else args[0]) if args else None
            if name is not None:
                path, plain = ruby.namespaces(source, node)
                found.append((":".join((*path, name)), node, plain))
    namespaced = any(full.startswith("fly:") for full, _, _ in found)
    prefix = "fly:" if namespaced else ""
    tasks = [
        _task(source, node, full.removeprefix(prefix), plain)
        for full, node, plain in found
        if full in (prefix + role for role in _ROLES)
    ]
    return namespaced, tasks


def _task(source: Source, call: Node, role: str, plain: bool) -> RakeTask:
    args = ruby.arguments(call)
    pair = params = None
    if args[0].type == "pair":
        name, rest = args[0].child_by_field_name("key"), args[1:]
        pair = args[0]
    else:
        name, rest = args[0], args[1:]
        if rest and rest[0].type in ("pair", "array"):
            pair = rest[0] if rest[0].type == "pair" else None
            params = rest[0].child_by_field_name("key") if pair else rest[0]
            rest = rest[1:]
    assert name is not None
    deps = pair.child_by_field_name("value") if pair is not None else None
    items = [] if deps is None else ruby.elements(deps) if deps.type in ruby.ARRAYS else [deps]
    names = [ruby.literal(source, item) for item in items]
    problem = (
        "it is declared inside a condition, method or expression"
        if not plain
        else "its arguments are not a plain `name => prerequisites`"
        if rest
        else "its prerequisites are not literal task names"
        if None in names
        else None
    )
    row = call.start_point.row
    decl = TaskDeclaration(
        role=role,
        line=row + 1,
        code=source.line(row),
        prerequisites=tuple(n for n in names if n is not None),
        has_body=call.child_by_field_name("block") is not None,
        problem=problem,
    )
    return RakeTask(decl, call, name, params, pair, deps, tuple(items))


def rake_facts(namespaced: bool, tasks: list[RakeTask]) -> RakeFacts:
    release = tuple(t.decl for t in tasks if t.decl.role == "release")
    return RakeFacts(namespaced, release, tuple(t.decl for t in tasks if t.decl.role == "server"))
