"""What a run found and did, per task and per app: the data the reporters render."""

from __future__ import annotations

import difflib
import shlex
from dataclasses import dataclass
from pathlib import Path

from runner.model import Effect, Outcome, RunFlyctl, Status, WriteFile, worst


@dataclass(frozen=True)
class TaskResult:
    name: str
    status: Status
    message: str
    notes: tuple[str, ...] = ()
    diffs: tuple[str, ...] = ()
    commands: tuple[str, ...] = ()
    before: str | None = None
    after: str | None = None


@dataclass(frozen=True)
class AppResult:
    app: str
    spec: Path
    tasks: tuple[TaskResult, ...]
    layout: str | None = None  # rake | entrypoint | custom (runner.layout)
    evidence: tuple[str, ...] = ()

    @property
    def status(self) -> Status:
        return worst([t.status for t in self.tasks])


@dataclass(frozen=True)
class RunResult:
    mode: str
    apps: tuple[AppResult, ...]
    flyctl: str = ""
    offline: bool = False


def describe_command(effect: RunFlyctl) -> str:
    """The command as a user could type it; a secret's value is never included."""
    line = shlex.join(("fly", *effect.argv))
    if effect.stdin is not None:
        names = [row.split("=", 1)[0] for row in effect.stdin.splitlines() if "=" in row]
        shown = ", ".join(f"{n}=<redacted>" for n in names) if effect.secret else "<stdin>"
        line += f"   (stdin: {shown})"
    if effect.cwd is not None:
        line = f"(cd {shlex.quote(str(effect.cwd))}) {line}"
    return line


def unified_diff(effect: WriteFile, root: Path) -> str:
    try:
        label = str(effect.path.relative_to(root))
    except ValueError:
        label = str(effect.path)
    lines = difflib.unified_diff(
        effect.old.splitlines(keepends=True),
        effect.new.splitlines(keepends=True),
        fromfile=f"a/{label}",
        tofile=f"b/{label}",
    )
    return "".join(
        line if line.endswith("\n") else line + "\n\\ No newline at end of file\n" for line in lines
    )


def task_result(
    name: str,
    outcome: Outcome,
    root: Path,
    *,
    status: Status | None = None,
    extra_notes: tuple[str, ...] = (),
) -> TaskResult:
    effects: tuple[Effect, ...] = outcome.effects
    return TaskResult(
        name=name,
        status=status or outcome.status,
        message=outcome.message,
        notes=outcome.notes + extra_notes,
        diffs=tuple(unified_diff(e, root) for e in effects if isinstance(e, WriteFile)),
        commands=tuple(describe_command(e) for e in effects if isinstance(e, RunFlyctl)),
        before=outcome.before,
        after=outcome.after,
    )
