"""The Postgres import itself (docs/import.md "How it works"): task `postgres_import` reports
and converges where the import stands; handler `import_verify` runs right after this run's
deploy (also when it failed) and either finishes the import or undoes the cutover.

The copy happens on the app's machine at its first boot on SQLite (the Rake task the
`import_rake`/`import_step` tasks add), after the Postgres-backed process has stopped; it
leaves a record beside the database (runner/facts/import_record.py).

- `postgres_import`: record `ok` → check reports per-table counts; FLYRUN_IMPORT_DATABASE_URL
  still set → unset it (staged). Before the cutover → pending (the deploy imports). After the
  cutover without an `ok` record → failed with what to do: a later run never restores on its
  own, because it cannot tell a failed import from an app that has been running (and
  writing) on SQLite since.
- `import_verify` (a handler, after the deploy): the deploy succeeded and the record says
  `ok` → unset the import secret; else the cutover did not finish in this very deploy:
  restore Postgres (DATABASE_URL back to the Postgres URL known in memory, import secret
  unset, redeploy, start the machine the failed boot left stopped) and fail with the
  import's own message (from its record, else from the deploy's output). A failed deploy is
  undone even after an `ok` record: never a half state (docs/import.md).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, ClassVar

from runner.flyctl import commands
from runner.importer import SOURCE_ENV
from runner.model import Effect, Outcome, Status, failed, ok, skipped, unknown
from runner.tasks.base import Performed, TaskContext, no_args
from runner.tasks.import_checks import cut_over
from runner.tasks.import_common import group_machines, import_secret, source
from runner.tasks.secret import SECRET

if TYPE_CHECKING:
    from runner.facts.import_record import RecordLookup

GUIDE = 'docs/import.md, "If an import fails"'
PREFIX = "flyrun import:"


def record(ctx: TaskContext) -> RecordLookup:
    from runner.facts.import_record import read_record  # lazy: import specs only

    spec = ctx.spec
    database = f"{spec.mount_path}/{spec.database}"
    return read_record(
        ctx.facts.remote,
        ctx.facts.remote.machines(),
        spec.process_group,
        spec.volume.name,
        database,
    )


def _unset(ctx: TaskContext) -> Effect:
    """Staged: the running machine keeps the variable until its next restart, harmlessly
    (the record stops any second import); no restart right after the cutover."""
    return commands.unset_secrets(ctx.spec.app, (SOURCE_ENV,))


def finished(ctx: TaskContext, found: RecordLookup) -> Outcome:
    """The record says `ok`: per-table counts, and the import secret goes."""
    message = f"imported: {found.summary()}; PostgreSQL and SQLite counts match"
    notes = found.table_lines()
    if import_secret(ctx) is None:
        return ok(message, *notes)
    return Outcome(
        Status.CHANGED,
        f"{message}; unset {SOURCE_ENV} (staged: the next deploy drops it from the machine)",
        (_unset(ctx),),
        notes,
        before=f"{SOURCE_ENV} set",
        after=f"{SOURCE_ENV} unset",
    )


def pending(ctx: TaskContext, found: RecordLookup) -> Outcome:
    url = source(ctx)
    shown = url.shown if url is not None else "the Postgres database"
    notes = [f"source: {url}"] if url is not None else []
    if found.state == "failed":
        notes.append(f"the last import failed ({found.path}): {found.reason}; it runs again")
    return Outcome(
        Status.CHANGED,
        f"copy {shown} into {ctx.spec.mount_path}/{ctx.spec.database} at the first boot on "
        "SQLite (the deploy), then verify it",
        notes=tuple(notes),
    )


class PostgresImportTask:
    name: ClassVar[str] = "postgres_import"
    summary: ClassVar[str] = (
        "the app's Postgres data is in its SQLite database: the import's record on the volume "
        "says ok with equal per-table counts"
    )
    args: ClassVar[Mapping[str, Any]] = no_args()
    requires: ClassVar[Mapping[str, str]] = {}
    guards: ClassVar[Mapping[str, str]] = {
        "import_ready": "a schema SQLite cannot hold, or a bundle without pg, fails at boot",
        "import_source": "the Postgres URL is read once, before any effect",
    }
    remote: ClassVar[bool] = True
    fresh: ClassVar[frozenset[str]] = frozenset()

    def check(self, ctx: TaskContext) -> Outcome:
        if ctx.spec.import_data is None:
            return skipped("import_data is not set in the spec")
        found = record(ctx)
        if found.state == "ok":
            return finished(ctx, found)
        if not cut_over(ctx) or not _deployed(ctx):
            return pending(ctx, found)
        return self._stuck(ctx, found)

    @staticmethod
    def _stuck(ctx: TaskContext, found: RecordLookup) -> Outcome:
        """After the cutover without an `ok` record, found by a later run."""
        if import_secret(ctx) is None:
            if found.state == "unreadable":
                return ok(
                    f"imported (verified when it finished; flyrun unsets {SOURCE_ENV} only then)",
                    f"the record was not re-read: {found.reason}",
                )
            return unknown(
                f"DATABASE_URL points at SQLite but {found.reason or 'the import record is not ok'}"
                f", and no import is under way ({SOURCE_ENV} is not set): flyrun cannot tell "
                "whether the Postgres data was imported. If this app was converted without an "
                "import, remove import_data from the spec"
            )
        machines = ", ".join(f"{m.id} ({m.state})" for m in group_machines(ctx)) or "none"
        what = {
            "failed": f"the import failed: {found.reason}",
            "absent": "no import record: the app booted on SQLite without importing",
            "unreadable": f"the import did not report back ({found.reason})",
        }[found.state]
        return failed(
            f"{what}. DATABASE_URL points at SQLite and {SOURCE_ENV} is still set (machines: "
            f"{machines}). flyrun restores Postgres on its own only right after its deploy; "
            f"now it cannot tell what ran on SQLite since. See {GUIDE}"
        )


def _deployed(ctx: TaskContext) -> bool:
    """DATABASE_URL's SQLite value is live on the machines (flyctl before v0.4.6 does not
    say: then flyrun's record of a deploy still pending decides, as machines_use_volume)."""
    secret = ctx.facts.remote.secret(SECRET)
    if secret is not None and secret.status is not None:
        return secret.status == "Deployed"
    record = ctx.facts.record(SECRET)
    return record is None or not record.deploy_pending


def _deploy(ctx: TaskContext) -> Performed | None:
    return next((p for p in ctx.performed if p.type == "deploy"), None)


def _import_lines(text: str) -> tuple[list[str], list[str]]:
    """The import's own lines in a deploy's output: those saying it failed or refused, and
    all of them."""
    lines = [line.strip() for line in text.splitlines() if PREFIX in line]
    said = [line[line.index(PREFIX) :] for line in lines]
    return [line for line in said if "FAILED" in line or "refused" in line], said


def _tail(text: str) -> str:
    """The end of a deploy's failure (the machine's last log lines come last)."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return " / ".join(lines[-3:])[-400:]


def _what_failed(found: RecordLookup, deploy: Performed) -> str:
    """The import's own message: its `failed` record, else its lines in the boot output
    (the machine is stopped), else the deploy's failure."""
    bad, said = _import_lines(deploy.text)
    if found.state == "ok":  # and the deploy failed
        return (
            f"the import finished ({found.summary()}; counts match), but the deploy failed, so "
            "the app is not known to run on SQLite: the copy on the volume is stale from now on "
            f"(whatever the app wrote since it booted stays there only): {_tail(deploy.text)}"
        )
    if found.state == "failed":
        return f"the import did not finish: {found.reason}"
    if bad:
        return f"the import did not finish: {' '.join(bad[-2:])}"
    if said and deploy.status is Status.FAILED:
        return (
            "the import finished, but the app did not start on SQLite (the copy on the volume "
            f"is stale from now on): {_tail(deploy.text)}"
        )
    if deploy.status is Status.FAILED:
        return f"the import did not finish: the deploy failed: {_tail(deploy.text)}"
    return f"the import did not finish: {found.reason}"


class ImportVerifyTask:
    name: ClassVar[str] = "import_verify"
    summary: ClassVar[str] = (
        "after this run's deploy: it succeeded and the import's record says ok (import secret "
        "unset), or Postgres is restored (DATABASE_URL back, redeploy) and the run fails"
    )
    args: ClassVar[Mapping[str, Any]] = no_args()
    requires: ClassVar[Mapping[str, str]] = {}
    guards: ClassVar[Mapping[str, str]] = {}
    remote: ClassVar[bool] = True
    fresh: ClassVar[frozenset[str]] = frozenset({"machines", "secrets", "volume_files"})
    after_failure: ClassVar[bool] = True  # it undoes what a failed deploy left half done
    after_deploy: ClassVar[bool] = True  # its effects depend on the deploy: no plan holds them

    def check(self, ctx: TaskContext) -> Outcome:
        """Check mode (nothing performed yet): the plan. Apply: after this run's deploy,
        finish or restore; without a deploy in this run, nothing to undo."""
        if ctx.spec.import_data is None:
            return skipped("import_data is not set in the spec")
        deploy = _deploy(ctx)
        found = record(ctx)
        # A failed deploy is undone even when the copy finished: the app is not known to run
        # on SQLite (its machine may be crash-looping after the import, or the deploy
        # stopped part-way), and a later run never restores on its own (docs/import.md).
        if found.state == "ok" and (deploy is None or deploy.status is not Status.FAILED):
            return (
                finished(ctx, found) if deploy is not None else ok(f"imported: {found.summary()}")
            )
        if deploy is not None:
            return self._restore(ctx, found, deploy)
        if ctx.performed:
            return skipped("no deploy ran in this run: nothing to verify or undo")
        return Outcome(
            Status.CHANGED,
            "after the deploy: read the import record and show per-table counts, unset "
            f"{SOURCE_ENV}; if the import did not finish, set DATABASE_URL back to Postgres, "
            "redeploy and fail",
        )

    @staticmethod
    def _restore(ctx: TaskContext, found: RecordLookup, deploy: Performed) -> Outcome:
        what = _what_failed(found, deploy)
        url = source(ctx)
        if url is None:
            return failed(
                f"{what}. flyrun cannot restore Postgres: the URL was not read this run. "
                f"See {GUIDE}"
            )
        app = ctx.spec.app
        stopped = [m.id for m in group_machines(ctx) if m.state == "stopped"]
        effects: tuple[Effect, ...] = (
            commands.import_secrets(app, {SECRET: url.value}),
            commands.unset_secrets(app, (SOURCE_ENV,)),
            commands.deploy(app, ctx.spec.path, ctx.spec.fly_toml),
            *(commands.start_machine(app, machine) for machine in stopped),
        )
        return Outcome(
            Status.FAILED,
            f"{what}. PostgreSQL was only read. flyrun restores it: DATABASE_URL back to "
            f"{url.shown}, {SOURCE_ENV} unset, redeploy"
            + (f", start {', '.join(stopped)}" if stopped else "")
            + f"; if a command below failed, finish by hand ({GUIDE})",
            effects,
            before="DATABASE_URL: SQLite",
            after=f"DATABASE_URL: {url.shown} (values not shown)",
        )
