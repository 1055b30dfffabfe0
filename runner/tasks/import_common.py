"""What the Postgres import's tasks share (docs/import.md): where the cutover stands, the
import's source URL as a fact of the run, and when the app's existing DATABASE_URL is the
Postgres database `import_data` adopts as that source instead of a value flyrun must not
replace.

Kept apart from `runner/tasks/secret.py` (which asks `adopts`) and
`runner/tasks/import_data.py` (which uses the secret task's verification), so neither
imports the other."""

from __future__ import annotations

from typing import TYPE_CHECKING

from runner.importer import SOURCE_ENV
from runner.tasks.base import TaskContext

# The import's fact modules are imported where they are used (lazy: `flyrun validate` loads
# the task modules for the registry but never runs them).
if TYPE_CHECKING:
    from runner.facts.import_record import RecordLookup
    from runner.facts.import_source import SourceLookup, SourceUrl
    from runner.flyctl.parse import Machine, Secret


def importing(ctx: TaskContext) -> bool:
    return ctx.spec.import_data is not None


def lookup(ctx: TaskContext) -> SourceLookup | None:
    """The source as read this run (None: no import, or offline)."""
    from runner.facts.remote import Offline

    imported = ctx.spec.import_data
    if imported is None or not ctx.facts.remote.online:
        return None
    try:
        return ctx.facts.import_source(ctx.spec.process_group, imported.url_env)
    except Offline:
        return None


def source(ctx: TaskContext) -> SourceUrl | None:
    found = lookup(ctx)
    return found.url if found is not None else None


def group_machines(ctx: TaskContext) -> list[Machine]:
    return [m for m in ctx.facts.remote.machines() if m.group == ctx.spec.process_group]


def import_secret(ctx: TaskContext) -> Secret | None:
    """FLYRUN_IMPORT_DATABASE_URL, while an import is staged, running or not cleaned up."""
    return ctx.facts.remote.secret(SOURCE_ENV)


def adopts(ctx: TaskContext, current: Secret) -> str | None:
    """Why the existing DATABASE_URL secret `current`, which flyrun cannot verify, may be
    replaced: it is the Postgres database the import copies (None: it is not known to be).
    The value read from a machine is its *deployed* DATABASE_URL, so a staged, undeployed
    change of the secret leaves it unknown. `url_env` is not taken on its word: its value
    must have compared equal to the machine's DATABASE_URL, or to a legacy MD5 digest
    (runner/facts/import_source.py `compare`; docs/import.md "The Postgres URL")."""
    from runner.facts.import_source import PRIMARY

    if current.name != PRIMARY or not importing(ctx):
        return None
    url = source(ctx)
    if url is None:
        return None
    via = url.variable
    if via is None:  # url_env
        found = lookup(ctx)
        compared = found.compared if found is not None else None
        if compared is None or not compared.equal:
            return None
        via = compared.variable
    if via == SOURCE_ENV:
        return None  # an import under way: DATABASE_URL is flyrun's SQLite URL already
    if via == PRIMARY and current.status not in ("Deployed", None):
        return None  # the machine's value is the deployed one, maybe not the secret's
    return f"{PRIMARY} is the Postgres database import_data copies ({url.shown}, {known(ctx)})"


def known(ctx: TaskContext) -> str:
    """How the import's URL is known: where it was read, and for `url_env` what it
    compared equal to."""
    found = lookup(ctx)
    if found is None or found.url is None:
        return "not read"
    compared = found.compared
    if compared is None or not compared.equal:
        return found.url.origin
    return f"{found.url.origin}, equal to {compared.against}"


def source_problem(ctx: TaskContext) -> str:
    found = lookup(ctx)
    if found is None:
        return "the Postgres URL was not read (offline)"
    return found.problem or "no Postgres URL"


def database_path(ctx: TaskContext) -> str:
    return f"{ctx.spec.mount_path}/{ctx.spec.database}"


def record(ctx: TaskContext) -> RecordLookup:
    """The import's record on the volume, from a started machine that mounts it."""
    from runner.facts.import_record import read_record

    spec = ctx.spec
    machines = ctx.facts.remote.machines()
    return read_record(
        ctx.facts.remote, machines, spec.process_group, spec.volume.name, database_path(ctx)
    )
