"""Task `production_warning`: config/environments/production.rb silences Rails' SQLite
production warning, in the guarded form that cannot crash boot on another Rails version
(README "The spec": `silence_sqlite_warning`)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, ClassVar

from runner.errors import EditRefused
from runner.facts import PRODUCTION_RB
from runner.facts.gemfile import Version
from runner.handlers import production_rb as prb
from runner.model import Outcome, failed, ok, skipped
from runner.tasks.base import TaskContext, object_schema

SILENCING_VERSIONS = ((7, 0), (7, 1))
CRASH = (
    "a bare sqlite3_production_warning line crashes boot on Rails {v} "
    "(NoMethodError: undefined method `sqlite3_production_warning=')"
)


def why_not(version: Version | None) -> str:
    """Why `auto` leaves production.rb alone on this Rails version."""
    if version is None:
        return "version unknown (no rails in Gemfile.lock), so the line is not added"
    if version[:2] == (7, 2):
        return "sqlite3_production_warning is deprecated and has no effect on 7.2"
    return (
        "the setting exists only in Rails 7.0 and 7.1; on this version a bare line "
        "crashes boot and there is no warning to silence"
    )


class ProductionWarningTask:
    name: ClassVar[str] = "production_warning"
    summary: ClassVar[str] = (
        "production.rb silences the SQLite production warning where the Rails version has it"
    )
    args: ClassVar[Mapping[str, Any]] = object_schema(
        {"mode": {"enum": ["auto", "true", "false"]}}, ("mode",)
    )
    requires: ClassVar[Mapping[str, str]] = {}
    guards: ClassVar[Mapping[str, str]] = {}
    remote: ClassVar[bool] = False
    fresh: ClassVar[frozenset[str]] = frozenset()

    def check(self, ctx: TaskContext) -> Outcome:
        text = ctx.read(PRODUCTION_RB)
        if text is None:
            return skipped(f"{PRODUCTION_RB} not found")
        version = ctx.facts.rails_version()
        shown = ".".join(map(str, version)) if version else "unknown"
        has_setting = version is not None and version[:2] in SILENCING_VERSIONS
        setting = prb.warning_setting(text)
        mode = str(ctx.args["mode"])
        if setting is prb.WarningSetting.BARE and not has_setting:
            if mode == "false":
                return failed(
                    CRASH.format(v=shown) + "; silence_sqlite_warning is false, so "
                    "flyrun leaves it: guard or remove the line"
                )
            return _guard(ctx, text, prb.guard_bare_warning, CRASH.format(v=shown))
        if mode == "false":
            return skipped("silence_sqlite_warning is false")
        if mode == "auto" and not has_setting:
            return skipped(f"Rails {shown}: {why_not(version)}")
        if setting in (prb.WarningSetting.BARE, prb.WarningSetting.GUARDED):
            return ok("production.rb already sets sqlite3_production_warning")
        message = f"silence the SQLite production warning (Rails {shown})"
        return _guard(ctx, text, prb.add_guarded_warning, message)


def _guard(ctx: TaskContext, text: str, handler: Callable[[str], str], message: str) -> Outcome:
    try:
        new = handler(text)
    except EditRefused as exc:
        if exc.location is not None:  # it names the file and the line
            return failed(str(exc), location=exc.location)
        return failed(f"{PRODUCTION_RB}: {exc}")
    return ctx.edit(PRODUCTION_RB, text, new, message)
