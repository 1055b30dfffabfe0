"""Task 4: migrations run on the server machine, which has the volume — in whichever layout
is active (runner.layout). Release machines have no volume: a migrating release step goes."""

from __future__ import annotations

from dataclasses import dataclass

from runner.errors import EditRefused
from runner.layout import (
    AppFiles,
    Layout,
    detect_layout,
    entrypoint_mentions_prepare,
    entrypoint_prepares,
    fly_overrides,
    release_migrates,
)
from runner.model import Effect, Outcome, Status, WriteFile, failed, ok
from runner.tasks.base import TaskContext
from runner.tasks.files import FLY_RAKE, FLY_TOML

ENTRYPOINT = "bin/docker-entrypoint"
RELEASE_NOTE = "flyrun: release machines have no volume; migrations run on the server (see {where})"


def app_files(ctx: TaskContext) -> AppFiles:
    from runner.handlers.flytoml import parse_fly_toml

    text = ctx.read(FLY_TOML)
    if text is None:
        raise EditRefused(f"{FLY_TOML} not found in {ctx.spec.path}")
    overrides = fly_overrides(text)
    return AppFiles(
        parse_fly_toml(text),
        ctx.read(overrides.dockerfile),
        ctx.read(ENTRYPOINT),
        ctx.read("Procfile"),
        ctx.read(FLY_RAKE),
        overrides,
    )


def app_layout(ctx: TaskContext) -> Layout:
    return detect_layout(app_files(ctx), ctx.spec.process_group)


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
            (*self.effects, WriteFile(ctx.path(relative), old, new)),
            (*self.messages, message),
            self.notes + notes,
        )


def _rake(ctx: TaskContext, files: AppFiles) -> Edits:
    from runner.handlers.rake import convert_fly_rake, release_and_server

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
    from runner.handlers.rake import release_and_server

    if files.fly_rake is None:
        return False
    return bool(release_and_server(files.fly_rake).release_db)


def _release_command(ctx: TaskContext, files: AppFiles, edits: Edits, *, rake: bool) -> Edits:
    from runner.handlers.flytoml import comment_out_release_command

    command = files.fly_toml.release_command
    if not release_migrates(command) or command is None:
        return edits
    if "fly:release" in command and (rake or not _release_rake_migrates(files)):
        return edits  # the rake edit empties fly:release; it stays harmless
    text = ctx.read(FLY_TOML) or ""
    where = ENTRYPOINT if not rake else FLY_RAKE
    new = comment_out_release_command(text, RELEASE_NOTE.format(where=where))
    return edits.plus(ctx, FLY_TOML, text, new, f"comment out release_command {command!r}")


def _entrypoint(ctx: TaskContext, files: AppFiles, layout: Layout, edits: Edits) -> Edits:
    from runner.handlers.entrypoint import add_prepare

    script = files.entrypoint or ""
    command = layout.server_command
    if entrypoint_prepares(script, command):
        return edits
    words = (command or "").split()
    if words[-2:] != ["./bin/rails", "server"]:
        raise EditRefused(
            f"the '{ctx.spec.process_group}' machines start with {command!r}, which "
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


@dataclass(frozen=True)
class MigrationsTask:
    name: str

    def check(self, ctx: TaskContext) -> Outcome:
        try:
            files = app_files(ctx)
            layout = detect_layout(files, ctx.spec.process_group)
            if layout.problem is not None:
                return failed(f"layout {layout.kind}: {layout.problem}", *layout.evidence)
            if layout.kind == "rake":
                edits = _release_command(ctx, files, _rake(ctx, files), rake=True)
            else:
                edits = _entrypoint(
                    ctx, files, layout, _release_command(ctx, files, Edits(), rake=False)
                )
        except EditRefused as exc:
            return failed(str(exc))
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
