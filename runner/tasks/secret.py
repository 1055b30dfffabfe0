"""Task `secret`: `DATABASE_URL` (and, for Rails 8 multi-database apps, CACHE_/QUEUE_/CABLE_
DATABASE_URL) hold the wanted SQLite URLs: staged, values on stdin, never on argv or in a
report (README "The spec", ".flyrun-state.json").

A secret's digest cannot be recomputed (except legacy MD5 ones), so a value is verified
against what flyrun recorded when it set it. Before staging, flyrun records its intent (the
SHA-256 about to be set and the digest it replaces): if flyctl's response is then lost, the
next run sees the digest changed after that intent and knows the change is its own."""

from __future__ import annotations

import posixpath
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, ClassVar

from runner.facts import DATABASE_YML
from runner.facts.dburl import derived_database, env_name, extra_databases, in_mount, parse_url
from runner.flyctl import commands
from runner.importer import SOURCE_ENV
from runner.model import (
    Effect,
    Outcome,
    RecordState,
    SecretIntent,
    SecretSet,
    Status,
    failed,
    ok,
    unknown,
)
from runner.tasks.base import TaskContext, object_schema
from runner.tasks.import_common import adopts, importing, source, source_problem

# runner.state_file (and hashlib, whose OpenSSL start-up costs 3 ms) is imported where a
# secret is verified or recorded (lazy: `flyrun validate` never compares a secret).
if TYPE_CHECKING:
    from runner.flyctl.parse import Secret
    from runner.state_file import SecretRecord

SECRET = "DATABASE_URL"


@dataclass(frozen=True)
class Wanted:
    """A URL the app must see; `secret` False when fly.toml [env]/Dockerfile already gives it."""

    name: str
    value: str
    secret: bool = True
    source: str = "secret"


@dataclass(frozen=True)
class Verdict:
    """Whether the secret in Fly is the wanted value: True, False, or None (cannot tell).
    `landed`: equal because flyrun's recorded intent landed (its record is still to write)."""

    equal: bool | None
    reason: str
    landed: bool = False


def wanted_urls(ctx: TaskContext, mount_path: str, database: str) -> tuple[Wanted, ...]:
    """The URLs the app must see: DATABASE_URL (reused from the env when it already points
    into the mount) and one per extra production database without its own `url:`."""
    primary = Wanted(SECRET, f"sqlite3://{mount_path}/{database}")
    for env in ctx.facts.env_values(SECRET):
        if env.unknown is None and in_mount(env.value, mount_path):
            primary = Wanted(SECRET, env.value, secret=False, source=env.where)
    stem = posixpath.basename(parse_url(primary.value).path or database)
    extras = tuple(
        Wanted(env_name(name), f"sqlite3://{mount_path}/{derived_database(stem, name)}")
        for name in extra_databases(ctx.read(DATABASE_YML), ctx.facts.rails_env())
    )
    return (primary, *extras)


def _from_env(want: Wanted, mount_path: str, database: str) -> str:
    """A URL the app already gets from a file: said, and when it names another file than
    the spec's `database`, said too (flyrun keeps the app's live file; the spec's name is
    not used, and would be adopted by writing that file's name in the spec)."""
    said = f"{want.name} comes from {want.source} and points into the mount"
    name = posixpath.basename(parse_url(want.value).path or "")
    if want.name != SECRET or name in ("", database):
        return said
    return (
        f"{said}, at {name}, not the spec's database {database}: the app keeps {name} (write "
        f"`database: {name}` in the spec to say so)"
    )


def verify(record: SecretRecord | None, digest: str, value: str, state: str) -> Verdict:
    """Legacy digests are MD5 of the value; newer ones are checked against flyrun's record."""
    from runner.state_file import legacy_md5_match, sha256

    legacy = legacy_md5_match(value, digest)
    if legacy is not None:
        if legacy:
            return Verdict(True, "legacy MD5 digest matches")
        return Verdict(False, "its legacy MD5 digest shows a different value")
    if record is not None and record.digest == digest and record.value_sha256 is not None:
        if record.value_sha256 != sha256(value):
            return Verdict(False, "flyrun's record shows it was set to another value")
        return Verdict(True, f"digest matches {state}")
    intent = record.intent if record is not None else None
    if intent is not None and digest != intent.replaces:
        if intent.sha256 == sha256(value):
            return Verdict(
                True,
                f"it changed after flyrun recorded its intent to set this value in {state}: "
                "flyrun's own change landed although flyctl's response was lost",
                landed=True,
            )
        return Verdict(False, f"{state} shows flyrun was setting another value")
    if record is None or record.digest is None:
        return Verdict(None, f"digest {digest} cannot be compared and {state} has no record of it")
    return Verdict(
        None,
        f"digest {digest} is not the one flyrun recorded ({record.digest}); it was changed since",
    )


def unverified(ctx: TaskContext, wanted: tuple[Wanted, ...]) -> list[tuple[Wanted, Verdict]]:
    """Existing secrets that are not verified equal to what is wanted."""
    found = []
    state = ctx.spec.state_file.name
    for want in wanted:
        current = ctx.facts.remote.secret(want.name)
        if current is not None:
            verdict = verify(ctx.facts.record(want.name), current.digest, want.value, state)
            if not verdict.equal:
                found.append((want, verdict))
    return found


def set_effects(
    ctx: TaskContext, wanted: list[Wanted], extra: Mapping[str, str] | None = None
) -> tuple[Effect, ...]:
    """Intent first, then the staged import, then the record of what landed. `extra` values
    travel in the same import but are not recorded (the import's Postgres URL: not even its
    hash goes to a committed file)."""
    from runner.state_file import sha256

    state, app = ctx.spec.state_file, ctx.spec.app
    intents: list[Effect] = []
    for want in wanted:
        current = ctx.facts.remote.secret(want.name)
        change = SecretIntent(want.name, sha256(want.value), current.digest if current else None)
        intents.append(RecordState(state, app, change))
    values = {**{w.name: w.value for w in wanted}, **(extra or {})}
    records = [RecordState(state, app, SecretSet(w.name, sha256(w.value))) for w in wanted]
    return (*intents, commands.import_secrets(app, values), *records)


class SecretTask:
    name: ClassVar[str] = "secret"
    summary: ClassVar[str] = (
        "DATABASE_URL (and Rails 8's other production databases) point at SQLite files in "
        "the mount; staged, values on stdin only"
    )
    args: ClassVar[Mapping[str, Any]] = object_schema(
        {
            "mount_path": {"type": "string", "pattern": "^/"},
            "database": {"type": "string", "minLength": 1},
        },
        ("mount_path", "database"),
    )
    requires: ClassVar[Mapping[str, str]] = {}
    guards: ClassVar[Mapping[str, str]] = {
        "live_data": "the app's live data would be abandoned",
        "process_groups": "another process group would get the URL without the volume",
        "machines": "more than one machine, or one outside the volume's region, would share it",
        "secret_replaceable": "a DATABASE_URL flyrun cannot verify would be replaced",
    }
    remote: ClassVar[bool] = True
    fresh: ClassVar[frozenset[str]] = frozenset()

    def check(self, ctx: TaskContext) -> Outcome:
        wanted = wanted_urls(ctx, str(ctx.args["mount_path"]), str(ctx.args["database"]))
        provides = (
            ("secrets", tuple(w.name for w in wanted if w.secret)),
            ("env", tuple(w.name for w in wanted if not w.secret)),
        )
        return replace(self._decide(ctx, wanted), provides=provides)

    def _decide(self, ctx: TaskContext, wanted: tuple[Wanted, ...]) -> Outcome:
        to_set: list[Wanted] = []
        landed: list[Wanted] = []
        fine: list[str] = []
        doubts: list[str] = []
        state = ctx.spec.state_file.name
        for want in wanted:
            current = ctx.facts.remote.secret(want.name)
            if current is None:
                if want.secret:
                    to_set.append(want)
                else:
                    fine.append(_from_env(want, ctx.spec.mount_path, ctx.spec.database))
                continue
            verdict = verify(ctx.facts.record(want.name), current.digest, want.value, state)
            if verdict.landed:
                landed.append(want)
                fine.append(f"{want.name}: {verdict.reason}")
            elif verdict.equal:
                fine.append(f"{want.name} is set to the wanted value ({verdict.reason})")
            elif (why := _replaceable(ctx, want, current, verdict)) is not None:
                to_set.append(want)
                fine.append(why)
            else:
                doubts.append(f"{want.name} exists and cannot be verified equal: {verdict.reason}")
        if doubts:
            return unknown(
                "; ".join(doubts) + ". flyrun will not replace it (the app may be "
                "using another database); set replace_database_url: true or pass "
                "--replace-database-url to replace it",
                *fine,
            )
        if to_set:
            return _set(ctx, to_set, fine)
        if landed:
            from runner.state_file import sha256

            names = ", ".join(w.name for w in landed)
            records = tuple(
                RecordState(ctx.spec.state_file, ctx.spec.app, SecretSet(w.name, sha256(w.value)))
                for w in landed
            )
            return Outcome(Status.CHANGED, f"record {names} in {state}", records, tuple(fine))
        return ok("; ".join(fine))


def _replaceable(ctx: TaskContext, want: Wanted, current: Secret, verdict: Verdict) -> str | None:
    """Why a value flyrun cannot verify may be replaced (None: it may not): it is the
    Postgres database import_data copies, or the user allowed replacing it."""
    adopted = adopts(ctx, current)
    if adopted is not None:
        return f"{adopted}: it is replaced"
    if ctx.replace_database_url:
        return f"{want.name} will be replaced ({verdict.reason}; replacement allowed)"
    return None


def _set(ctx: TaskContext, to_set: list[Wanted], fine: list[str]) -> Outcome:
    """Stage `to_set`; when DATABASE_URL switches an importing app to SQLite, the Postgres
    URL goes with it in the same import as FLYRUN_IMPORT_DATABASE_URL (docs/import.md), so
    the first boot on SQLite always finds what to copy."""
    names = ", ".join(w.name for w in to_set)
    extra: dict[str, str] = {}
    message = f"set {names} (staged)"
    if importing(ctx) and any(w.name == SECRET for w in to_set):
        url = source(ctx)
        if url is None:
            return failed(f"import_data: no Postgres URL to import from: {source_problem(ctx)}")
        extra[SOURCE_ENV] = url.value
        message += f" with {SOURCE_ENV} (the import's source: {url.shown})"
    shown = ", ".join([*(w.name for w in to_set), *extra])
    return Outcome(
        Status.CHANGED,
        message,
        set_effects(ctx, to_set, extra),
        notes=tuple(fine),
        before="absent or replaceable",
        after=f"{shown} set (values not shown)",
    )
