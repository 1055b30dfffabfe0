"""Move `db:*` prerequisites from `fly:release` to `fly:server` in lib/tasks/fly.rake.

README "Layouts" and docs/reference/rails.md §3. Release machines have no volume, so migrations
must run on the server. Rake adds prerequisites up across re-declarations, so the dependency
is *removed* from the release declaration (kept as an empty `task :release`) and appended to
the server's, after what is already there (`:swapfile`). Only the bytes of the two `task`
calls change; anything this module is not sure about is refused, quoting the line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from runner.errors import EditRefused
from runner.facts.rake import FILE, RakeFacts, RakeTask, rake_facts, read_tasks
from runner.syntax import ruby
from runner.syntax.ruby import Source

if TYPE_CHECKING:
    from tree_sitter import Node

# The db:* prerequisites that move to the server; any other db:* task on release is refused.
DB_TASK = re.compile(r"^db:(?:(?:migrate|prepare)(?::with_data)?|seed)$")
# A release body that mentions any of these may be migrating: never guess what it does.
_MIGRATING_BODY = re.compile(r"db:|migrat|seed|schema|Rake::Task|ActiveRecord")

Edit = tuple[int, int, str]


@dataclass(frozen=True)
class RakeConversion:
    """The converted text (== input when nothing changes) and what happened."""

    text: str
    moved: tuple[str, ...]  # db:* prerequisites removed from fly:release, in order
    notes: tuple[str, ...]  # warnings for the report
    added: tuple[str, ...] = ()  # those of `moved` appended to fly:server (others were there)


def convert_fly_rake(text: str) -> RakeConversion:
    """Move the db:* prerequisites of fly:release to fly:server (see the module docstring)."""
    source = ruby.require_parse(text, FILE)
    namespaced, tasks = read_tasks(source)
    notes = [] if namespaced or not tasks else [_top_level_note(tasks[0])]
    task = _loaded_release(source, tasks)
    if task is None:
        facts = rake_facts(namespaced, tasks)
        return RakeConversion(text, (), (*notes, _nothing_to_move(facts)))
    server = [t for t in tasks if t.decl.role == "server"]
    moved = task.decl.db
    present = {name for t in server if t.decl.problem is None for name in t.decl.prerequisites}
    added = tuple(dict.fromkeys(name for name in moved if name not in present))
    edits = _release_edits(source, task)
    if added:
        edits.append(_server_edit(source, server[-1], task, added))
    already = [name for name in moved if name in present]
    if already:
        notes.append(f"fly:server already runs {', '.join(already)}: only removed from fly:release")
    kept = [n for n in task.decl.prerequisites if not DB_TASK.match(n)]
    if kept:
        notes.append(
            f"fly:release keeps {', '.join(kept)} ({task.decl.where}): it still runs on the "
            "release machine, which has no volume"
        )
    new_text = ruby.splice(source.data, edits)
    _verify(new_text, moved)
    return RakeConversion(new_text, moved, tuple(notes), added)


def _loaded_release(source: Source, tasks: list[RakeTask]) -> RakeTask | None:
    """The one release declaration with db:* prerequisites (None: nothing to move)."""
    release = [t for t in tasks if t.decl.role == "release"]
    for task in release:
        _refuse_unsafe(source, task)
    loaded = [t for t in release if t.decl.db]
    if len(loaded) > 1:
        raise EditRefused(
            f"fly:release declares db:* prerequisites twice ({loaded[1].decl.where}); "
            "merge them by hand"
        )
    if loaded and not any(t.decl.role == "server" for t in tasks):
        raise EditRefused(
            f"fly:release runs {', '.join(loaded[0].decl.db)} ({loaded[0].decl.where}) but "
            "fly.rake has no fly:server task to move it to"
        )
    return loaded[0] if loaded else None


def _refuse_unsafe(source: Source, task: RakeTask) -> None:
    decl = task.decl
    if decl.problem is not None:
        raise EditRefused(f"fly:release is not certain to read ({decl.where}): {decl.problem}")
    block = task.call.child_by_field_name("block")
    if block is not None and (decl.db or _MIGRATING_BODY.search(source.node_text(block))):
        raise EditRefused(
            f"fly:release has a body that may run migrations ({decl.where}); "
            "move them to fly:server by hand"
        )
    others = [name for name in decl.db if not DB_TASK.match(name)]
    if others:
        raise EditRefused(
            f"fly:release runs {', '.join(others)} ({decl.where}): on fly:server it would run at "
            "every start, on the release machine it has no volume; decide by hand"
        )


def _release_edits(source: Source, task: RakeTask) -> list[Edit]:
    """Remove the db:* prerequisites from the release call, keeping the others."""
    keep = [not DB_TASK.match(name) for name in task.decl.prerequisites]
    assert task.pair is not None and task.deps is not None
    if not any(keep):
        key = task.pair.child_by_field_name("key")
        assert key is not None
        text = source.node_text(key)
        name = f":{text}" if task.keyword else text
        return [(task.pair.start_byte, task.pair.end_byte, name)]
    edits = ruby.drop_elements(task.items, keep)
    assert task.deps is not None
    for child in task.deps.children:
        if child.type == "comment" and any(s <= child.start_byte < e for s, e, _ in edits):
            raise EditRefused(
                f"a comment sits between the prerequisites of fly:release ({source.quote(child)}); "
                "edit it by hand"
            )
    return edits


def _server_edit(
    source: Source, server: RakeTask, release: RakeTask, added: tuple[str, ...]
) -> Edit:
    """Append `added` to the server's prerequisites, in the file's style."""
    if server.decl.problem is not None:
        raise EditRefused(
            f"fly:server cannot be edited with certainty ({server.decl.where}): "
            f"{server.decl.problem}"
        )
    by_name = {ruby.literal(source, item): item for item in release.items}
    quote = ruby.quote_char(source)
    spelled = [_spelling(source, by_name[name], name, quote) for name in added]
    deps = server.deps
    if deps is None:
        value = spelled[0] if len(spelled) == 1 else f"[{', '.join(spelled)}]"
        name = source.node_text(server.name)
        if release.keyword and server.name.type == "simple_symbol" and server.params is None:
            return (server.name.start_byte, server.name.end_byte, f"{name[1:]}: {value}")
        anchor = server.params or server.name
        return (anchor.end_byte, anchor.end_byte, f" => {value}")
    if deps.type in ("string_array", "symbol_array"):
        words, separator = list(added), " "
    elif deps.type == "array":
        words, separator = spelled, ", "
    else:
        joined = ", ".join([source.node_text(deps), *spelled])
        return (deps.start_byte, deps.end_byte, f"[{joined}]")
    if server.items:
        end = server.items[-1].end_byte
        return (end, end, separator + separator.join(words))
    opener = deps.children[0].end_byte
    return (opener, opener, separator.join(words))


def _spelling(source: Source, item: Node, name: str, quote: str) -> str:
    """How a moved prerequisite is written: as on release, or quoted when it was a %w word."""
    if item.type in ("string", "simple_symbol", "delimited_symbol"):
        return source.node_text(item)
    return f"{quote}{name}{quote}"


def _verify(text: str, moved: tuple[str, ...]) -> None:
    """The result must parse and read back as converted, or nothing is written."""
    source = ruby.parse(text)
    bad = ruby.first_error(source.root)
    if bad is not None:
        raise EditRefused(f"the edited fly.rake would not parse ({source.quote(bad)})")
    facts = rake_facts(*read_tasks(source))
    if facts.release_db or not set(moved) <= set(facts.server_db):
        raise EditRefused("the edited fly.rake does not read back as converted; left unchanged")


def _top_level_note(task: RakeTask) -> str:
    return (
        f"fly.rake declares its tasks outside `namespace :fly` ({task.decl.where}): "
        "`bin/rails fly:release` and `fly:server` will not find them"
    )


def _nothing_to_move(facts: RakeFacts) -> str:
    if not facts.release:
        where = f"; fly:server runs {', '.join(facts.server_db)}" if facts.server_db else ""
        return f"fly.rake has no fly:release task: nothing to move{where}"
    if facts.server_db:
        decl = next(d for d in facts.server if d.db)
        return f"already converted: fly:server runs {', '.join(decl.db)} ({decl.where})"
    return (
        f"neither fly:release ({facts.release[0].where}) nor fly:server runs a db:* task: "
        "fly.rake does not migrate; check how this app migrates its database"
    )
