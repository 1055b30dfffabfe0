"""Plain data shared by tasks, the executor and the reports: statuses, effects, outcomes.

A task never changes anything: it returns an `Outcome` whose effects the executor shows
(check) or performs (apply). Every effect names the facts it invalidates, so the next
decision is made on fresh facts (README "How flyrun works")."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

from runner.errors import Location
from runner.flyctl.commands import SECRETS, FlyctlCommand

OFFLINE = "offline: "  # how an `unknown` that only --offline caused starts (README "Exit codes")
# `scheme://user:password@`: the password of a URL in an app file (a Postgres or Redis URL)
_PASSWORD = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*://[^\s/?#@:'\"]*):[^\s/?#'\"]*@")


def redact_credentials(text: str) -> str:
    """`postgres://u:secret@db/x` → `postgres://u:…@db/x` everywhere in `text`: file
    contents reach reports (diffs, quoted lines, layout evidence), passwords never do."""
    return _PASSWORD.sub(r"\1:…@", text)


class Status(StrEnum):
    """Task and app statuses, with Ansible's words."""

    OK = "ok"
    CHANGED = "changed"
    SKIPPED = "skipped"
    FAILED = "failed"
    UNKNOWN = "unknown"


# Worst first: an app's status is the worst of its tasks (skipped counts as ok).
_SEVERITY = {
    Status.FAILED: 3,
    Status.CHANGED: 2,
    Status.UNKNOWN: 1,
    Status.OK: 0,
    Status.SKIPPED: 0,
}


def worst(statuses: list[Status]) -> Status:
    """The app status for a list of task statuses (README "Exit codes")."""
    result = Status.OK
    for status in statuses:
        if _SEVERITY[status] > _SEVERITY[result]:
            result = status
    return result


@dataclass(frozen=True)
class WriteFile:
    """Replace the text of `path` (whose current text is `old`) by `new`. `root` is the
    folder the write must stay in (symlinks out of it are refused)."""

    path: Path
    old: str = field(repr=False)
    new: str = field(repr=False)
    root: Path

    @property
    def invalidates(self) -> frozenset[str]:
        return frozenset()

    @property
    def label(self) -> str:
        try:
            return self.path.relative_to(self.root).as_posix()
        except ValueError:
            return str(self.path)

    def diff(self) -> str:
        lines = difflib.unified_diff(
            self.old.splitlines(keepends=True),
            self.new.splitlines(keepends=True),
            fromfile=f"a/{self.label}",
            tofile=f"b/{self.label}",
        )
        return redact_credentials(
            "".join(
                line if line.endswith("\n") else line + "\n\\ No newline at end of file\n"
                for line in lines
            )
        )

    def first_changed_line(self) -> int:
        """1-based line of the first difference (where an annotation points)."""
        old, new = self.old.splitlines(), self.new.splitlines()
        for number, (a, b) in enumerate(zip(old, new, strict=False), 1):
            if a != b:
                return number
        return min(len(old), len(new)) + 1

    def describe(self) -> str:
        return f"write {self.label}"


@dataclass(frozen=True)
class SecretIntent:
    """Before staging: flyrun is about to set `name` to the value with this SHA-256,
    replacing the secret whose digest is `replaces` (None: there was none). Lets the next run
    tell "my own change landed" from "someone else's value" after a lost response."""

    name: str
    sha256: str
    replaces: str | None


@dataclass(frozen=True)
class SecretSet:
    """After staging: `name` holds the value with this SHA-256; the digest is read from the
    fresh `secrets` fact when the effect is performed. Marks it not yet deployed."""

    name: str
    sha256: str


@dataclass(frozen=True)
class Deployed:
    """After a successful deploy: what flyrun staged is live on the machines."""


StateChange = SecretIntent | SecretSet | Deployed


@dataclass(frozen=True)
class RecordState:
    """An update of `.flyrun-state.json` (runner/state_file.py) for one app."""

    state_file: Path
    app: str
    change: StateChange

    @property
    def invalidates(self) -> frozenset[str]:
        return frozenset({"state"})

    def describe(self) -> str:
        change = self.change
        if isinstance(change, SecretIntent):
            return f"record in {self.state_file.name}: about to set {change.name}"
        if isinstance(change, SecretSet):
            return f"record in {self.state_file.name}: {change.name} set (digest from flyctl)"
        return f"record in {self.state_file.name}: deployed"

    @property
    def reads(self) -> frozenset[str]:
        """Facts the executor reads to perform it (the digest of a secret just set)."""
        return frozenset({SECRETS}) if isinstance(self.change, SecretSet) else frozenset()


Effect = WriteFile | FlyctlCommand | RecordState


@dataclass(frozen=True)
class Outcome:
    """What a task found: a status, a reason, and the effects that would converge it."""

    status: Status
    message: str
    effects: tuple[Effect, ...] = ()
    notes: tuple[str, ...] = ()
    before: str | None = None  # remote objects: what is there (never a secret value)
    after: str | None = None  # remote objects: what will be there
    location: Location | None = None  # where the problem is, when a file is at fault
    provides: tuple[tuple[str, tuple[str, ...]], ...] = ()  # for tasks that require this one

    def provided(self, key: str) -> tuple[str, ...]:
        return next((values for name, values in self.provides if name == key), ())


def ok(message: str, *notes: str) -> Outcome:
    return Outcome(Status.OK, message, notes=notes)


def skipped(message: str, *notes: str) -> Outcome:
    return Outcome(Status.SKIPPED, message, notes=notes)


def failed(message: str, *notes: str, location: Location | None = None) -> Outcome:
    return Outcome(Status.FAILED, message, notes=notes, location=location)


def refused(exc: Exception) -> Outcome:
    """A task stopped by an error it cannot decide past: failed, at the error's place when
    it has one (a file error's, a syntax error's); the executor names that file as the user
    opens it, in the location and in the message's FILE:LINE:COL alike."""
    return failed(str(exc), location=getattr(exc, "location", None))


def unknown(message: str, *notes: str) -> Outcome:
    return Outcome(Status.UNKNOWN, message, notes=notes)


def changed(message: str, effects: tuple[Effect, ...], *notes: str) -> Outcome:
    return Outcome(Status.CHANGED, message, effects, notes)
