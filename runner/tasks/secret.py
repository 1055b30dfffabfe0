"""Task 2: the DATABASE_URL secret holds the spec's value, staged, sent on stdin."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from runner.model import Outcome, RecordSecret, RunFlyctl, Status, ok, unknown
from runner.record import secret_record, sha256
from runner.tasks.base import TaskContext

SECRET = "DATABASE_URL"
_MD5 = re.compile(r"^[0-9a-f]{32}$")


@dataclass(frozen=True)
class Verdict:
    """Whether the secret in Fly is the wanted value: True, False, or None (cannot tell)."""

    equal: bool | None
    reason: str


def verify(ctx: TaskContext, digest: str, value: str) -> Verdict:
    """Legacy digests are MD5 of the value; newer ones are checked against flyrun's record."""
    if _MD5.match(digest):
        if hashlib.md5(value.encode("utf-8")).hexdigest() == digest:
            return Verdict(True, "legacy MD5 digest matches")
        return Verdict(False, "its legacy MD5 digest shows a different value")
    record = secret_record(ctx.spec.state_file, ctx.spec.app, SECRET)
    if record is None:
        return Verdict(None, f"digest {digest} cannot be compared and "
                       f"{ctx.spec.state_file.name} has no record of it")
    if record.digest != digest:
        return Verdict(None, f"digest {digest} is not the one flyrun recorded ({record.digest}); "
                       "it was changed since")
    if record.value_sha256 != sha256(value):
        return Verdict(False, "flyrun's record shows it was set to another value")
    return Verdict(True, f"digest matches {ctx.spec.state_file.name}")


def set_effects(ctx: TaskContext, value: str) -> tuple[RunFlyctl | RecordSecret, ...]:
    argv = ("secrets", "import", "--app", ctx.spec.app, "--stage")
    return (
        RunFlyctl(argv, stdin=f"{SECRET}={value}\n", secret=True,
                  summary=f"stage secret {SECRET} (value on stdin)"),
        RecordSecret(ctx.spec.state_file, ctx.spec.app, SECRET, sha256(value)),
    )


@dataclass(frozen=True)
class SecretTask:
    name: str

    def check(self, ctx: TaskContext) -> Outcome:
        value = ctx.spec.database_url
        current = ctx.remote.secret(SECRET)
        if current is None:
            return Outcome(Status.CHANGED, f"set {SECRET} (staged)", set_effects(ctx, value),
                           before="absent", after="set (value not shown)")
        verdict = verify(ctx, current.digest, value)
        if verdict.equal:
            return ok(f"{SECRET} is set to the wanted value ({verdict.reason})")
        if not ctx.replace_database_url:
            return unknown(
                f"{SECRET} exists and cannot be verified equal: {verdict.reason}. "
                "flyrun will not replace it (the app may be using another database); "
                "set replace_database_url: true or pass --replace-database-url to replace it"
            )
        return Outcome(Status.CHANGED, f"replace {SECRET} ({verdict.reason}; replacement allowed)",
                       set_effects(ctx, value), before=f"digest {current.digest}",
                       after="set (value not shown)")
