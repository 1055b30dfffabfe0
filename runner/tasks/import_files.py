"""The app files a Postgres import needs (docs/import.md): the Rake task that copies the data
(`import_rake`: lib/tasks/flyrun_import.rake, the bundled runner/data/flyrun_import.rake) and
the server start running it right before migrations, in the app's active layout
(`import_step`: runner/handlers/import_step.py). Both are shown as diffs like every edit."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from runner.errors import RunnerError
from runner.facts import ENTRYPOINT, FLY_RAKE
from runner.facts.layout import detect_layout
from runner.importer import RAKE_PATH, TASK, rake_text
from runner.model import Outcome, failed, refused
from runner.tasks.base import TaskContext, no_args, object_schema


class ImportRakeTask:
    name: ClassVar[str] = "import_rake"
    summary: ClassVar[str] = f"{RAKE_PATH} holds flyrun's Postgres import task ({TASK}), as bundled"
    args: ClassVar[Mapping[str, Any]] = no_args()
    requires: ClassVar[Mapping[str, str]] = {}
    guards: ClassVar[Mapping[str, str]] = {}
    remote: ClassVar[bool] = False
    fresh: ClassVar[frozenset[str]] = frozenset()

    def check(self, ctx: TaskContext) -> Outcome:
        try:
            old = ctx.read(RAKE_PATH)
        except RunnerError as exc:
            return refused(exc)
        wanted = rake_text()
        if old == wanted:
            return ctx.edit(RAKE_PATH, old, wanted, f"{RAKE_PATH} is flyrun's import task")
        action = "add" if old is None else "update (flyrun's version differs)"
        return ctx.edit(RAKE_PATH, old or "", wanted, f"{action} {RAKE_PATH} ({TASK})")


class ImportStepTask:
    name: ClassVar[str] = "import_step"
    summary: ClassVar[str] = (
        f"the server start runs {TASK} right before it migrates, in the app's layout"
    )
    args: ClassVar[Mapping[str, Any]] = object_schema(
        {"process_group": {"type": "string", "minLength": 1}}, ("process_group",)
    )
    requires: ClassVar[Mapping[str, str]] = {}
    guards: ClassVar[Mapping[str, str]] = {}
    remote: ClassVar[bool] = False
    fresh: ClassVar[frozenset[str]] = frozenset()

    def check(self, ctx: TaskContext) -> Outcome:
        """Runs on the text the `migrations` task leaves (check mode's overlay), so the
        import lands before the migration that task put on the server."""
        # lazy: only an import spec runs this task
        from runner.handlers.import_step import add_import_line, add_import_prerequisite

        try:
            files = ctx.facts.app_files()
            layout = detect_layout(files, str(ctx.args["process_group"]))
            if layout.problem is not None:
                return failed(f"layout {layout.kind}: {layout.problem}", *layout.evidence)
            if layout.kind == "rake":
                relative, old = FLY_RAKE, files.fly_rake or ""
                new = add_import_prerequisite(old)
                done = f"fly:server runs {TASK} before its db:* prerequisites"
                todo = f"add {TASK} to fly:server's prerequisites, before db:*"
            else:
                relative, old = ENTRYPOINT, files.entrypoint or ""
                new = add_import_line(old)
                done = f"{ENTRYPOINT} runs {TASK} before migrating"
                todo = f"{ENTRYPOINT} runs {TASK} before migrating (and stops if it fails)"
        except RunnerError as exc:
            return refused(exc)
        message = done if new == old else todo
        return ctx.edit(relative, old, new, f"{layout.kind} layout: {message}")
