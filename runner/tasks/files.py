"""Tasks 3–5: file edits (fly.toml mount, fly.rake migrations, production.rb warning).
Each computes the new text with a pure handler and returns one `WriteFile` effect."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from runner.errors import EditRefused
from runner.model import Outcome, Status, WriteFile, failed, ok, skipped
from runner.tasks.base import TaskContext

FLY_TOML = "fly.toml"
FLY_RAKE = "lib/tasks/fly.rake"
PRODUCTION_RB = "config/environments/production.rb"
GEMFILE_LOCK = "Gemfile.lock"


def edit(
    ctx: TaskContext, relative: str, old: str, new: str, message: str, notes: tuple[str, ...] = ()
) -> Outcome:
    """`changed` with a WriteFile when the text differs, else `ok`."""
    if new == old:
        return ok(message, *notes)
    return Outcome(Status.CHANGED, message, (WriteFile(ctx.path(relative), old, new),), notes)


@dataclass(frozen=True)
class MountTask:
    name: str

    def check(self, ctx: TaskContext) -> Outcome:
        from runner.handlers.flytoml import add_mount, parse_fly_toml

        text = ctx.read(FLY_TOML)
        if text is None:
            return failed(f"{FLY_TOML} not found in {ctx.spec.path}")
        spec = ctx.spec
        try:
            groups = parse_fly_toml(text).process_groups
            processes = (spec.process_group,) if len(groups) > 1 else None
            others = [g for g in groups if g != spec.process_group]
            new = add_mount(text, spec.volume.name, spec.mount_path, processes)
        except EditRefused as exc:
            return failed(f"{FLY_TOML}: {exc}")
        verb = "mounts" if new == text else "add mount"
        notes = tuple(
            f"process group '{g}' gets DATABASE_URL but not the volume: its machines would open "
            f"an empty SQLite file on their own disk; run that work in '{spec.process_group}' "
            "(SQLite has one writer)"
            for g in others
        )
        return edit(
            ctx, FLY_TOML, text, new, f"{verb} {spec.volume.name} at {spec.mount_path}", notes
        )


SILENCING_VERSIONS = ((7, 0), (7, 1))
CRASH = (
    "a bare sqlite3_production_warning line crashes boot on Rails {v} "
    "(NoMethodError: undefined method `sqlite3_production_warning=')"
)


def why_not(version: tuple[int, int, int] | None) -> str:
    """Why `auto` leaves production.rb alone on this Rails version (reference/rails.md §1)."""
    if version is None:
        return "version unknown (no rails in Gemfile.lock), so the line is not added"
    if version[:2] == (7, 2):
        return "sqlite3_production_warning is deprecated and has no effect on 7.2"
    return (
        "the setting exists only in Rails 7.0 and 7.1; on this version a bare line "
        "crashes boot and there is no warning to silence"
    )


@dataclass(frozen=True)
class ProductionWarningTask:
    name: str

    def check(self, ctx: TaskContext) -> Outcome:
        from runner.handlers import production_rb as prb
        from runner.rails_facts import rails_version

        text = ctx.read(PRODUCTION_RB)
        if text is None:
            return skipped(f"{PRODUCTION_RB} not found")
        lock = ctx.read(GEMFILE_LOCK)
        version = rails_version(lock) if lock is not None else None
        shown = ".".join(map(str, version)) if version else "unknown"
        has_setting = version is not None and version[:2] in SILENCING_VERSIONS
        setting = prb.warning_setting(text)
        mode = ctx.spec.silence_sqlite_warning
        if setting is prb.WarningSetting.BARE and not has_setting:
            if mode == "false":
                return failed(
                    CRASH.format(v=shown) + "; silence_sqlite_warning is false, so "
                    "flyrun leaves it: guard or remove the line"
                )
            return self._guard(ctx, text, prb.guard_bare_warning, CRASH.format(v=shown))
        if mode == "false":
            return skipped("silence_sqlite_warning is false")
        if mode == "auto" and not has_setting:
            return skipped(f"Rails {shown}: {why_not(version)}")
        if setting in (prb.WarningSetting.BARE, prb.WarningSetting.GUARDED):
            return ok("production.rb already sets sqlite3_production_warning")
        return self._guard(
            ctx,
            text,
            prb.add_guarded_warning,
            f"silence the SQLite production warning (Rails {shown})",
        )

    @staticmethod
    def _guard(ctx: TaskContext, text: str, handler: Callable[[str], str], message: str) -> Outcome:
        try:
            new = handler(text)
        except EditRefused as exc:
            return failed(f"{PRODUCTION_RB}: {exc}")
        return edit(ctx, PRODUCTION_RB, text, new, message)
