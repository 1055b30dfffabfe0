"""Task 2: the DATABASE_URL secret (and, for Rails 8 multi-DB apps, CACHE_/QUEUE_/CABLE_
DATABASE_URL) hold the spec's values: staged, values on stdin, never on argv or in reports."""

from __future__ import annotations

import hashlib
import posixpath
import re
from dataclasses import dataclass

from runner.model import Effect, Outcome, RecordSecret, RunFlyctl, Status, ok, unknown
from runner.record import secret_record, sha256
from runner.tasks.base import TaskContext

SECRET = "DATABASE_URL"
DATABASE_YML = "config/database.yml"
_MD5 = re.compile(r"^[0-9a-f]{32}$")


@dataclass(frozen=True)
class Wanted:
    """A URL the app must see; `secret` False when fly.toml [env]/Dockerfile already gives it."""

    name: str
    value: str
    secret: bool = True
    source: str = "secret"


@dataclass(frozen=True)
class Verdict:
    """Whether the secret in Fly is the wanted value: True, False, or None (cannot tell)."""

    equal: bool | None
    reason: str


def wanted_secrets(ctx: TaskContext) -> tuple[Wanted, ...]:
    from runner.dburl import derived_database, env_name, extra_databases, in_mount, parse_url
    from runner.preflight import env_database_urls

    spec = ctx.spec
    primary = Wanted(SECRET, spec.database_url)
    for where, value in env_database_urls(ctx):
        if in_mount(value, spec.mount_path):
            primary = Wanted(SECRET, value, secret=False, source=where)
            break
    database = posixpath.basename(parse_url(primary.value).path or spec.database)
    extras = tuple(
        Wanted(env_name(name), f"sqlite3://{spec.mount_path}/{derived_database(database, name)}")
        for name in extra_databases(ctx.read(DATABASE_YML))
    )
    return (primary, *extras)


def verify(ctx: TaskContext, name: str, digest: str, value: str) -> Verdict:
    """Legacy digests are MD5 of the value; newer ones are checked against flyrun's record."""
    if _MD5.match(digest):
        if hashlib.md5(value.encode("utf-8")).hexdigest() == digest:
            return Verdict(True, "legacy MD5 digest matches")
        return Verdict(False, "its legacy MD5 digest shows a different value")
    state = ctx.spec.state_file.name
    record = secret_record(ctx.spec.state_file, ctx.spec.app, name)
    if record is None:
        return Verdict(None, f"digest {digest} cannot be compared and {state} has no record of it")
    if record.digest != digest:
        return Verdict(
            None,
            f"digest {digest} is not the one flyrun recorded ({record.digest}); "
            "it was changed since",
        )
    if record.value_sha256 != sha256(value):
        return Verdict(False, "flyrun's record shows it was set to another value")
    return Verdict(True, f"digest matches {state}")


def unverified(ctx: TaskContext) -> list[tuple[Wanted, Verdict]]:
    """Existing secrets that are not verified equal to what is wanted."""
    found = []
    for want in wanted_secrets(ctx):
        current = ctx.remote.secret(want.name)
        if current is not None:
            verdict = verify(ctx, want.name, current.digest, want.value)
            if not verdict.equal:
                found.append((want, verdict))
    return found


def set_effects(ctx: TaskContext, wanted: list[Wanted]) -> tuple[Effect, ...]:
    argv = ("secrets", "import", "--app", ctx.spec.app, "--stage")
    names = ", ".join(w.name for w in wanted)
    stdin = "".join(f"{w.name}={w.value}\n" for w in wanted)
    records = tuple(
        RecordSecret(ctx.spec.state_file, ctx.spec.app, w.name, sha256(w.value)) for w in wanted
    )
    return (
        RunFlyctl(argv, stdin=stdin, secret=True, summary=f"stage {names} (values on stdin)"),
        *records,
    )


@dataclass(frozen=True)
class SecretTask:
    name: str

    def check(self, ctx: TaskContext) -> Outcome:
        to_set: list[Wanted] = []
        fine: list[str] = []
        doubts: list[str] = []
        for want in wanted_secrets(ctx):
            current = ctx.remote.secret(want.name)
            if current is None:
                if want.secret:
                    to_set.append(want)
                else:
                    fine.append(f"{want.name} comes from {want.source} and points into the mount")
                continue
            verdict = verify(ctx, want.name, current.digest, want.value)
            if verdict.equal:
                fine.append(f"{want.name} is set to the wanted value ({verdict.reason})")
            elif ctx.replace_database_url:
                to_set.append(want)
                fine.append(f"{want.name} will be replaced ({verdict.reason}; replacement allowed)")
            else:
                doubts.append(f"{want.name} exists and cannot be verified equal: {verdict.reason}")
        if doubts:
            return unknown(
                "; ".join(doubts) + ". flyrun will not replace it (the app may be "
                "using another database); set replace_database_url: true or pass "
                "--replace-database-url to replace it",
                *fine,
            )
        if not to_set:
            return ok("; ".join(fine))
        names = ", ".join(w.name for w in to_set)
        return Outcome(
            Status.CHANGED,
            f"set {names} (staged)",
            set_effects(ctx, to_set),
            notes=tuple(fine),
            before="absent or replaceable",
            after=f"{names} set (values not shown)",
        )
