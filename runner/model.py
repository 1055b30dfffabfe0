"""Plain data shared by tasks, the executor and the reporters: effects, outcomes, statuses."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path


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
    """The app status for a list of task statuses (DESIGN §3)."""
    result = Status.OK
    for status in statuses:
        if _SEVERITY[status] > _SEVERITY[result]:
            result = status
    return result


@dataclass(frozen=True)
class WriteFile:
    """Replace the text of `path` (whose current text is `old`) by `new`."""

    path: Path
    old: str
    new: str


@dataclass(frozen=True)
class RunFlyctl:
    """Run a mutating flyctl command. `stdin` carries secret values, never argv."""

    argv: tuple[str, ...]
    stdin: str | None = None
    secret: bool = False
    summary: str = ""
    cwd: Path | None = None  # run from this folder (deploy runs from the app folder)


@dataclass(frozen=True)
class RecordSecret:
    """After the secret is set, remember what flyrun set (`.flyrun-state.json`, DESIGN §5)."""

    state_file: Path
    app: str
    name: str
    value_sha256: str


Effect = WriteFile | RunFlyctl | RecordSecret


@dataclass(frozen=True)
class Outcome:
    """What a task found: a status, a reason, and the effects that would converge it."""

    status: Status
    message: str
    effects: tuple[Effect, ...] = ()
    notes: tuple[str, ...] = ()
    before: str | None = None  # remote objects: what is there (never a secret value)
    after: str | None = None  # remote objects: what will be there


def ok(message: str, *notes: str) -> Outcome:
    return Outcome(Status.OK, message, notes=notes)


def skipped(message: str, *notes: str) -> Outcome:
    return Outcome(Status.SKIPPED, message, notes=notes)


def failed(message: str, *notes: str) -> Outcome:
    return Outcome(Status.FAILED, message, notes=notes)


def unknown(message: str, *notes: str) -> Outcome:
    return Outcome(Status.UNKNOWN, message, notes=notes)
