"""Preflight checks of a Postgres import (docs/import.md "Refused before anything changes").
Both pass silently for an app without `import_data`.

`import_ready` (offline, so `flyrun validate` runs it): the production bundle keeps `pg` (the
import connects to PostgreSQL at boot; `sqlite3_gem` checks sqlite3), `db/schema.rb` exists
(`db/structure.sql` is refused: the import loads schema.rb), and every column type and
schema feature maps to SQLite (runner/facts/schema_rb.py), refused at `db/schema.rb:LINE`.

`import_source` (remote): reads the Postgres URL, once, before any effect (the import's
source; runner/facts/import_source.py), when the cutover is still ahead or an import is
under way; refused when it is needed and cannot be read or is not a postgres:// URL.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from runner.errors import Location, PreflightRefused
from runner.facts import GEMFILE
from runner.importer import SOURCE_ENV
from runner.tasks.base import TaskContext
from runner.tasks.import_common import database_path, import_secret, lookup, record
from runner.tasks.secret import SECRET, verify, wanted_urls

# runner.facts.import_source is imported where the checks run (lazy: `flyrun validate` loads
# this module for the registry; an import spec's validate never reads the source).
if TYPE_CHECKING:
    from runner.facts.import_source import Comparison, SourceLookup

SCHEMA_RB, STRUCTURE_SQL = "db/schema.rb", "db/structure.sql"
_SHOWN = 8  # schema refusals listed in the message (all are counted)


def cut_over(ctx: TaskContext) -> bool:
    """DATABASE_URL is verified to be the spec's SQLite URL: the switch is staged or done."""
    primary = wanted_urls(ctx, ctx.spec.mount_path, ctx.spec.database)[0]
    current = ctx.facts.remote.secret(SECRET)
    if not primary.secret:
        return current is None
    if current is None:
        return False
    verdict = verify(ctx.facts.record(SECRET), current.digest, primary.value, "the state file")
    return bool(verdict.equal)


class ImportReadyCheck:
    name: ClassVar[str] = "import_ready"
    summary: ClassVar[str] = (
        "import_data: pg stays in the production bundle and db/schema.rb maps to SQLite"
    )
    remote: ClassVar[bool] = False

    def run(self, ctx: TaskContext) -> tuple[str, ...] | None:
        if ctx.spec.import_data is None:
            return None
        gem = ctx.facts.gem("pg")
        if gem is not None and not gem.ok:
            raise PreflightRefused(
                "pg gem",
                gem.message,
                "The import connects to PostgreSQL at the first boot on SQLite",
                location=gem.at(str(ctx.path(GEMFILE))),
            )
        from runner.facts.schema_rb import schema_file_problem  # lazy: import specs only

        text = ctx.read(SCHEMA_RB)
        problem = schema_file_problem(text is not None, ctx.read(STRUCTURE_SQL) is not None)
        if problem is not None or text is None:
            where = STRUCTURE_SQL if ctx.read(STRUCTURE_SQL) is not None else None
            at = Location(str(ctx.path(where)), 1, 1) if where else None
            fix = "Then run flyrun again" if where else "Dump it (`bin/rails db:schema:dump`)"
            raise PreflightRefused(
                "db/schema.rb", problem or f"{SCHEMA_RB} is missing", fix + ".", location=at
            )
        return _schema_findings(ctx, text)


def _schema_findings(ctx: TaskContext, text: str) -> tuple[str, ...]:
    """Every line of schema.rb SQLite cannot hold, refused at its line; else the notes."""
    from runner.facts.schema_rb import analyze_schema  # lazy: import specs only (start-up)

    analysis = analyze_schema(text)
    if not analysis.ok:
        shown = "; ".join(str(p) for p in analysis.problems[:_SHOWN])
        more = len(analysis.problems) - _SHOWN
        raise PreflightRefused(
            "db/schema.rb",
            f"{len(analysis.problems)} line(s) cannot be carried over to SQLite: {shown}"
            + (f"; and {more} more" if more > 0 else ""),
            "Change the schema so that SQLite can hold it (docs/import.md lists the types), "
            "or move the data by hand",
            location=Location(str(ctx.path(SCHEMA_RB)), analysis.problems[0].line, 1),
        )
    tables = len(analysis.tables)
    return (
        f"import: {SCHEMA_RB} has {tables} table{'s' if tables != 1 else ''} that SQLite can hold",
        *(f"note: {SCHEMA_RB}:{n.line}: {n.reason}" for n in analysis.notes),
    )


class ImportSourceCheck:
    name: ClassVar[str] = "import_source"
    summary: ClassVar[str] = (
        "import_data: the Postgres URL to copy from is read (from a running machine or url_env)"
    )
    remote: ClassVar[bool] = True

    def run(self, ctx: TaskContext) -> tuple[str, ...] | None:
        if ctx.spec.import_data is None:
            return None
        from runner.facts.import_source import PRIMARY  # lazy: import specs only

        done = cut_over(ctx)
        if done and import_secret(ctx) is None:
            return ("import: DATABASE_URL already points at SQLite; the Postgres URL is not read",)
        found = lookup(ctx)
        if found is None or found.url is None:
            why = found.problem if found is not None else "not read"
            if done:  # only a restore would need it: said where it matters
                return (f"import: the Postgres URL could not be read: {why}",)
            raise PreflightRefused(
                "import source",
                f"{why or 'no Postgres URL'}",
                "import_data copies the app's Postgres DATABASE_URL: deploy the app on Postgres "
                "with one machine running, or name a variable holding the URL in "
                "import_data.url_env",
            )
        current = ctx.facts.remote.secret(PRIMARY)
        status = current.status if current is not None else None
        if not done and status not in ("Deployed", None) and found.url.variable == PRIMARY:
            raise PreflightRefused(
                "import source",
                f"DATABASE_URL has a change that is not deployed ({status}), so the value "
                f"read on machine {found.machine} may not be the secret's",
                "Deploy it (`fly secrets deploy`) or set it back, then run flyrun again; or name "
                "the Postgres URL in import_data.url_env",
            )
        compared = _url_env_compared(ctx, found, done) if found.url.variable is None else ()
        if not done:
            _refuse_leftovers(ctx)
        under_way = " (an import is under way)" if found.url.variable == SOURCE_ENV else ""
        return (f"import: copies {found.url}{under_way}", *compared)


def _url_env_compared(ctx: TaskContext, found: SourceLookup, done: bool) -> tuple[str, ...]:
    """`url_env` is the user's word for the app's Postgres URL: importing another database
    would leave the app's data behind, so its value must equal the app's own (runner/facts/
    import_source.py `compare`): refused when it differs, and when it could not be compared
    unless replace_database_url takes it on the user's word (docs/import.md)."""
    name = str(ctx.spec.import_data.url_env if ctx.spec.import_data else "")
    compared = _counted(ctx, found.compared, done)
    if compared.equal:
        return (f"import: {name} equals {compared.against} (compared, not shown)",)
    if compared.equal is False:
        raise _differs(name, found.url.shown if found.url else "", compared)
    if done or ctx.replace_database_url:
        why = "a restore would use it" if done else "replace_database_url takes it on your word"
        return (
            f"import: {name} could not be compared with the app's URL ({compared.reason}); {why}",
        )
    raise PreflightRefused(
        "import source",
        f"import_data.url_env names {name}, which could not be compared with the app's "
        f"DATABASE_URL: {compared.reason}",
        f"Start a machine of group '{ctx.spec.process_group}' (`fly machine start ID`) so "
        f"flyrun compares them over `fly ssh console` (no value is shown), or, if {name} "
        "surely holds the app's DATABASE_URL, set replace_database_url: true in the spec (or "
        "pass --replace-database-url)",
    )


def _differs(name: str, shown: str, compared: Comparison) -> PreflightRefused:
    same = " (they differ in user, password or options)" if compared.shown == shown else ""
    return PreflightRefused(
        "import source",
        f"import_data.url_env names {name}, which holds {shown}, but {compared.against} is "
        f"{compared.shown}{same}: the import would copy another database and leave the app's "
        "data behind",
        f"Set {name} to the app's own DATABASE_URL (import_data copies only the PostgreSQL "
        "database the app runs on), or remove url_env so flyrun reads it from the machine",
    )


def _counted(ctx: TaskContext, compared: Comparison | None, done: bool) -> Comparison:
    """The comparison as far as it tells about the app's Postgres URL now: a machine's
    DATABASE_URL only when the secret has no undeployed change (the machine has the
    deployed value), the secret's digest only before the cutover (after it, it is
    flyrun's SQLite URL's)."""
    from runner.facts.import_source import DIGEST, PRIMARY, Comparison

    if compared is None:
        return Comparison(None, reason="not compared")
    current = ctx.facts.remote.secret(PRIMARY)
    status = current.status if current is not None else None
    if compared.variable == PRIMARY and status not in ("Deployed", None):
        return Comparison(
            None,
            reason=f"DATABASE_URL has a change that is not deployed ({status}), so "
            f"{compared.against} may not be the secret's value",
        )
    if compared.variable == DIGEST and done:
        return Comparison(None, reason="after the cutover the secret's digest is flyrun's own")
    return compared


def _refuse_leftovers(ctx: TaskContext) -> None:
    """Before the cutover the volume must hold no database at the spec's path: an `ok`
    record (an import that finished before Postgres was restored, e.g. when the app then
    failed to start) would make the boot skip the import and run on that stale copy; a file
    with data would make the import refuse at boot."""
    found = record(ctx)
    path = database_path(ctx)
    fix = (
        "Move them aside on the volume (`fly ssh console --machine ID -C 'mv FILE FILE.old'`): "
        "flyrun never deletes data; then run flyrun again to import afresh"
    )
    if found.state == "ok" and found.record is not None:
        raise PreflightRefused(
            "import leftovers",
            f"{found.path} says an import finished at {found.record.finished_at}, but the app "
            f"runs on Postgres again: {path} is a stale copy a boot would use instead of "
            "importing",
            fix,
        )
    if found.machine is None:
        return
    listed = ctx.facts.remote.volume_files(found.machine, ctx.spec.mount_path).files
    held = [f for f in listed if f.path == path and f.size > 0]
    if held:
        raise PreflightRefused(
            "import leftovers",
            f"the volume already holds {path} ({held[0].size} bytes): the import never "
            "overwrites a database",
            fix,
        )
