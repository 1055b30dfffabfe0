"""Task `migrations`: migrations run on the server machine, which has the volume, in
whichever layout is active (`runner/facts/layout.py`, README "Layouts"). Release machines
have no volume: a migrating release step goes."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from runner.errors import EditRefused, RunnerError
from runner.facts import ENTRYPOINT, FLY_RAKE
from runner.facts.flytoml import FILE as FLY_TOML
from runner.facts.layout import (
    AppFiles,
    Layout,
    detect_layout,
    entrypoint_mentions_prepare,
    entrypoint_prepares,
    release_migrates,
)
from runner.facts.rake import release_and_server
from runner.handlers.entrypoint import add_prepare
from runner.handlers.flytoml import comment_out_release_command
from runner.handlers.rake import convert_fly_rake
from runner.model import Effect, Outcome, Status, WriteFile, failed, ok, refused
from runner.tasks.base import TaskContext, object_schema

RELEASE_NOTE = "flyrun: release machines have no volume; migrations run on the server (see {where})"


@dataclass(frozen=True)
class Edits:
    effects: tuple[Effect, ...] = ()
    messages: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()

    def plus(
        self,
        ctx: TaskContext,
        relative: str,
        old: str,
        new: str,
        message: str,
        notes: tuple[str, ...] = (),
    ) -> Edits:
        if new == old:
            return Edits(self.effects, self.messages, self.notes + notes)
        return Edits(
            (*self.effects, WriteFile(ctx.path(relative), old, new, ctx.spec.path)),
            (*self.messages, message),
            self.notes + notes,
        )


def _rake(ctx: TaskContext, files: AppFiles) -> Edits:
    text = files.fly_rake or ""
    result = convert_fly_rake(text)
    if not release_and_server(result.text).server_db:
        raise EditRefused(
            "lib/tasks/fly.rake does not migrate: neither fly:release nor fly:server runs a "
            "db:* task, so the new volume would start without a schema; add 'db:migrate' to "
            "`task :server` (after :swapfile) or run migrations another way"
        )
    moved = ", ".join(result.moved)
    return Edits().plus(
        ctx,
        FLY_RAKE,
        text,
        result.text,
        f"move {moved} from fly:release to fly:server",
        result.notes,
    )


def _release_rake_migrates(files: AppFiles) -> bool:
    """`release_command = "bin/rails fly:release"` migrates when fly:release has db deps."""
    if files.fly_rake is None:
        return False
    return bool(release_and_server(files.fly_rake).release_db)


def _release_command(ctx: TaskContext, files: AppFiles, edits: Edits, *, rake: bool) -> Edits:
    command = files.fly_toml.release_command
    if not release_migrates(command) or command is None:
        return edits
    if "fly:release" in command and (rake or not _release_rake_migrates(files)):
        return edits  # the rake edit empties fly:release; it stays harmless
    text = ctx.read(FLY_TOML) or ""
    where = ENTRYPOINT if not rake else FLY_RAKE
    new = comment_out_release_command(text, RELEASE_NOTE.format(where=where))
    return edits.plus(ctx, FLY_TOML, text, new, f"comment out release_command {command!r}")


def _entrypoint(
    ctx: TaskContext, files: AppFiles, layout: Layout, edits: Edits, group: str
) -> Edits:
    script = files.entrypoint or ""
    command = layout.server_command
    if entrypoint_prepares(script, command):
        return edits
    words = (command or "").split()
    if words[-2:] != ["./bin/rails", "server"]:
        raise EditRefused(
            f"the '{group}' machines start with {command!r}, which "
            f"{ENTRYPOINT}'s db:prepare guard does not match (it needs ./bin/rails server); "
            "start them with `./bin/rails server` (fly.toml [processes] or Dockerfile CMD) "
            "or run `./bin/rails db:prepare` before the server yourself"
        )
    if entrypoint_mentions_prepare(script):
        raise EditRefused(
            f"{ENTRYPOINT} runs db:prepare under a condition flyrun does not "
            f"recognise; make sure it runs for {command!r}"
        )
    return edits.plus(
        ctx,
        ENTRYPOINT,
        script,
        add_prepare(script),
        f"{ENTRYPOINT} runs db:prepare before {command}",
    )


class MigrationsTask:
    name: ClassVar[str] = "migrations"
    summary: ClassVar[str] = (
        "migrations run on the server machine (which has the volume), in the app's layout"
    )
    args: ClassVar[Mapping[str, Any]] = object_schema(
        {"process_group": {"type": "string", "minLength": 1}}, ("process_group",)
    )
    requires: ClassVar[Mapping[str, str]] = {}
    guards: ClassVar[Mapping[str, str]] = {}
    remote: ClassVar[bool] = False
    fresh: ClassVar[frozenset[str]] = frozenset()

    def check(self, ctx: TaskContext) -> Outcome:
        group = str(ctx.args["process_group"])
        try:
            files = ctx.facts.app_files()
            layout = detect_layout(files, group)
            if layout.problem is not None:
                return failed(f"layout {layout.kind}: {layout.problem}", *layout.evidence)
            if layout.kind == "rake":
                edits = _release_command(ctx, files, _rake(ctx, files), rake=True)
            else:
                edits = _entrypoint(
                    ctx, files, layout, _release_command(ctx, files, Edits(), rake=False), group
                )
        except RunnerError as exc:
            return refused(exc)
        if not edits.effects:
            where = "fly:server" if layout.kind == "rake" else ENTRYPOINT
            return ok(
                f"{layout.kind} layout: migrations already run on the server ({where})",
                *edits.notes,
            )
        return Outcome(
            Status.CHANGED,
            f"{layout.kind} layout: " + "; ".join(edits.messages),
            edits.effects,
            edits.notes,
        )
