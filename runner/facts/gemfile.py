"""Facts from Gemfile and Gemfile.lock: the Rails version and sqlite3 in the production bundle.

The fly.rake-era Dockerfile installs the bundle without the development and test groups, so
the sqlite3 gem must be in the default group (or a group naming production) for the app to
load its database adapter (docs/reference/rails.md §2 pitfall 7). Each Rails version's adapter
asks for its own sqlite3 range; a lock outside it fails at the first connection.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from runner.errors import Location
from runner.facts.bundle import in_production, parse_lockfile
from runner.syntax import ruby
from runner.syntax.ruby import Source

if TYPE_CHECKING:
    from tree_sitter import Node

Version = tuple[int, int, int]

# Spec lines (4 spaces) in the GEM/GIT/PATH sections; dependency lines have 6, DEPENDENCIES 2.
_SPEC = re.compile(r"^ {4}(?P<name>[\w.-]+) \((?P<version>\d+(?:\.\d+)*)[^)]*\)\r?$", re.MULTILINE)
_PRODUCTION_GROUPS = frozenset({"default", "production"})


@dataclass(frozen=True)
class GemCheck:
    """Whether the production bundle has sqlite3; `message` says what to do when not."""

    ok: bool
    message: str
    line: int | None = None  # the Gemfile's line at fault, when one is (a syntax error)
    column: int = 1

    def at(self, gemfile: str) -> Location | None:
        """Where in the Gemfile (named `gemfile`) the verdict points, when it does."""
        return Location(gemfile, self.line, self.column) if self.line is not None else None


def rails_version(lock_text: str) -> Version | None:
    """The locked `rails (X.Y.Z)` version (else `railties`), or None when neither is locked."""
    specs = _locked(lock_text)
    return specs.get("rails") or specs.get("railties")


def sqlite3_requirement(rails: Version | None) -> tuple[str, ...]:
    """The version requirement Rails' SQLite adapter puts on the sqlite3 gem (empty: unknown)."""
    if rails is None:
        return ()
    if rails >= (8, 0, 0):
        return (">= 2.1",)
    if rails >= (7, 2, 0):
        return (">= 1.4",)
    if rails >= (6, 0, 0):
        return ("~> 1.4",)
    return ("~> 1.3", ">= 1.3.6")


def _unparsable(bad: ruby.Break, consequence: str = "") -> GemCheck:
    """The Gemfile does not parse: refused at the line to fix."""
    message = f"Gemfile does not parse as Ruby ({bad.why}){consequence}"
    return GemCheck(False, message, bad.line, bad.column)


def sqlite3_in_production(gemfile_text: str, lock_text: str | None) -> GemCheck:
    """Is `gem "sqlite3"` in the production bundle (and locked at a version Rails accepts)?"""
    source = ruby.parse(gemfile_text)
    bad = ruby.syntax_break(source)
    if bad is not None:
        return _unparsable(bad, ": cannot tell if sqlite3 is in the production bundle")
    rails = rails_version(lock_text) if lock_text is not None else None
    quote = ruby.quote_char(source)
    line = ", ".join(f"{quote}{part}{quote}" for part in ("sqlite3", *sqlite3_requirement(rails)))
    wanted = f"gem {line}"
    declared = [(node, _groups(source, node)) for node in _sqlite3_calls(source)]
    through = _through_another_gem(source, lock_text) if not declared else None
    if through is not None and lock_text is not None:
        problem = _lock_problem(lock_text, rails, through.message)
        return through if problem is None else GemCheck(False, problem)
    if not declared:
        return GemCheck(
            False,
            f"sqlite3 is not in the Gemfile: add  {wanted}  outside any "
            "group in Gemfile, then run `bundle install`",
        )
    production = [node for node, groups in declared if _in_production(groups)]
    if not production:
        node, groups = declared[0]
        names = ", ".join(f":{g}" if g.isidentifier() else repr(g) for g in groups)
        return GemCheck(
            False,
            f"sqlite3 is only in group {names} ({source.quote(node)} in "
            f"Gemfile), which the production image leaves out: declare it as  "
            f"{wanted}  outside any group in Gemfile, then run `bundle install`",
        )
    where = f"{source.quote(production[0])} in Gemfile"
    if lock_text is not None:
        problem = _lock_problem(lock_text, rails, where)
        if problem is not None:
            return GemCheck(False, problem)
    return GemCheck(True, f"sqlite3 is in the production bundle ({where})")


def _through_another_gem(source: Source, lock_text: str | None) -> GemCheck | None:
    """sqlite3 reached through a production gem's dependencies in Gemfile.lock (Litestack
    locks `sqlite3 (1.7.2)` without the Gemfile naming it)."""
    if lock_text is None:
        return None
    gems: dict[str, str] = {}
    for node in ruby.walk(source.root):
        if ruby.is_plain_call(source, node, "gem"):
            args = ruby.arguments(node)
            name = ruby.literal(source, args[0]) if args else None
            if name is not None and _in_production(_groups(source, node)):
                gems.setdefault(name, source.node_text(node))
    presence = in_production(parse_lockfile(lock_text), gems, "sqlite3")
    if presence is None:
        return None
    return GemCheck(True, presence.describe(gems))


def _locked(lock_text: str) -> dict[str, Version]:
    """name -> version of every locked spec (the first one wins for platform variants)."""
    specs: dict[str, Version] = {}
    for match in _SPEC.finditer(lock_text):
        numbers = [int(part) for part in match["version"].split(".")] + [0, 0]
        specs.setdefault(match["name"], (numbers[0], numbers[1], numbers[2]))
    return specs


def _lock_problem(lock_text: str, rails: Version | None, where: str) -> str | None:
    sqlite3 = _locked(lock_text).get("sqlite3")
    if sqlite3 is None:
        return (
            f"sqlite3 is in the Gemfile ({where}) but not in Gemfile.lock: run "
            "`bundle install` and commit Gemfile.lock"
        )
    if rails is None or _accepts(rails, sqlite3):
        return None
    need = " ".join(sqlite3_requirement(rails))
    have = ".".join(map(str, sqlite3))
    return (
        f"Gemfile.lock has sqlite3 {have} but Rails {'.'.join(map(str, rails))} needs "
        f"sqlite3 {need}: constrain it in Gemfile ({where}) and run `bundle update sqlite3`"
    )


def _accepts(rails: Version, sqlite3: Version) -> bool:
    """Does this Rails version's adapter load this sqlite3 version?"""
    if rails >= (8, 0, 0):
        return sqlite3 >= (2, 1, 0)
    if rails >= (7, 1, 4):  # 7.2, and 7.1.4+ (relaxed on 7-1-stable, rails/rails#52309)
        return sqlite3 >= (1, 4, 0)
    if rails >= (6, 0, 0):
        return (1, 4, 0) <= sqlite3 < (2, 0, 0)
    return (1, 3, 6) <= sqlite3 < (2, 0, 0)


def _sqlite3_calls(source: Source) -> list[Node]:
    return _gem_calls(source, "sqlite3")


def _gem_calls(source: Source, name: str) -> list[Node]:
    calls = []
    for node in ruby.walk(source.root):
        if ruby.is_plain_call(source, node, "gem"):
            args = ruby.arguments(node)
            if args and ruby.literal(source, args[0]) == name:
                calls.append(node)
    return calls


def production_gem(gemfile_text: str, lock_text: str | None, name: str) -> GemCheck:
    """Is `gem NAME` declared for production (outside development/test-only groups) and
    locked? `message` says what to add when not (the import needs `pg` at boot)."""
    source = ruby.parse(gemfile_text)
    bad = ruby.syntax_break(source)
    if bad is not None:
        return _unparsable(bad)
    quote = ruby.quote_char(source)
    wanted = f"gem {quote}{name}{quote}"
    declared = [(node, _groups(source, node)) for node in _gem_calls(source, name)]
    production = [node for node, groups in declared if _in_production(groups)]
    if not declared:
        return GemCheck(
            False,
            f"{name} is not in the Gemfile: add  {wanted}  outside any group in Gemfile, then "
            "run `bundle install`",
        )
    if not production:
        node, groups = declared[0]
        names = ", ".join(f":{g}" if g.isidentifier() else repr(g) for g in groups)
        return GemCheck(
            False,
            f"{name} is only in group {names} ({source.quote(node)} in Gemfile), which the "
            f"production image leaves out: declare it as  {wanted}  outside any group",
        )
    where = f"{source.quote(production[0])} in Gemfile"
    if lock_text is not None and name not in _locked(lock_text):
        return GemCheck(
            False,
            f"{name} is in the Gemfile ({where}) but not in Gemfile.lock: run `bundle install` "
            "and commit Gemfile.lock",
        )
    return GemCheck(True, f"{name} is in the production bundle ({where})")


def production_declaration(gemfile_text: str, name: str) -> str | None:
    """The Gemfile's `gem NAME` call that puts it in the production bundle (outside
    development/test-only groups), as written; None when there is none or the Gemfile does
    not parse (preflight `sqlite3_gem` refuses that)."""
    source = ruby.parse(gemfile_text)
    if ruby.syntax_break(source) is not None:
        return None
    calls = [n for n in _gem_calls(source, name) if _in_production(_groups(source, n))]
    return f"{source.quote(calls[0])} in Gemfile" if calls else None


def _groups(source: Source, call: Node) -> tuple[str, ...]:
    """The groups a `gem` call is in: its `group:`/`groups:` option plus enclosing `group`
    blocks (Bundler adds them up). `?` stands for a group name that is not a literal."""
    names = _option_groups(source, call)
    node = call.parent
    while node is not None:
        owner = node.parent if node.type in ("do_block", "block") else None
        if owner is not None and ruby.is_plain_call(source, owner, "group"):
            names.extend(_values(source, a) for a in ruby.arguments(owner) if a.type != "pair")
        node = node.parent
    return tuple(dict.fromkeys(name for group in names for name in group))


def _option_groups(source: Source, call: Node) -> list[tuple[str, ...]]:
    found = []
    for arg in ruby.arguments(call):
        pairs = [arg] if arg.type == "pair" else arg.named_children if arg.type == "hash" else []
        for pair in pairs:
            key, value = pair.child_by_field_name("key"), pair.child_by_field_name("value")
            if key is None or value is None:
                continue
            if ruby.literal(source, key) in ("group", "groups"):
                found.append(_values(source, value))
    return found


def _values(source: Source, node: Node) -> tuple[str, ...]:
    items = ruby.elements(node) if node.type in ruby.ARRAYS else [node]
    return tuple(ruby.literal(source, item) or "?" for item in items)


def _in_production(groups: tuple[str, ...]) -> bool:
    return not groups or bool(_PRODUCTION_GROUPS & set(groups))
