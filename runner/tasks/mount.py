"""Task `fly_toml_mount`: fly.toml mounts the volume at the path, for the process group
(`processes = [group]` when fly.toml defines more than one), with a byte-exact text edit."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from runner.errors import RunnerError
from runner.facts.flytoml import FILE
from runner.handlers.flytoml import add_mount
from runner.model import Outcome, failed
from runner.tasks.base import TaskContext, object_schema


class MountTask:
    name: ClassVar[str] = "fly_toml_mount"
    summary: ClassVar[str] = "fly.toml [mounts] mounts the volume at the path for the group"
    args: ClassVar[Mapping[str, Any]] = object_schema(
        {
            "source": {"type": "string", "minLength": 1},
            "destination": {"type": "string", "pattern": "^/"},
            "process_group": {"type": "string", "minLength": 1},
        },
        ("source", "destination", "process_group"),
    )
    requires: ClassVar[Mapping[str, str]] = {}
    guards: ClassVar[Mapping[str, str]] = {}
    remote: ClassVar[bool] = False
    fresh: ClassVar[frozenset[str]] = frozenset()

    def check(self, ctx: TaskContext) -> Outcome:
        source, destination = str(ctx.args["source"]), str(ctx.args["destination"])
        group = str(ctx.args["process_group"])
        text = ctx.read(FILE)
        if text is None:
            return failed(f"{FILE} not found in {ctx.spec.path}")
        try:
            groups = ctx.facts.fly_toml().process_groups
            processes = (group,) if len(groups) > 1 else None
            new = add_mount(text, source, destination, processes)
        except RunnerError as exc:
            return failed(str(exc) if str(exc).startswith(FILE) else f"{FILE}: {exc}")
        verb = "mounts" if new == text else "add mount"
        notes = tuple(
            f"process group '{g}' gets no volume: declared in groups_without_database, so it "
            "must never open the database"
            for g in groups
            if g != group and g in ctx.spec.groups_without_database
        )
        return ctx.edit(FILE, text, new, f"{verb} {source} at {destination}", notes)
