"""The event stream of a run, and the results it carries (README "Reports").

The executor emits events as it goes: run started, app started, the app's facts (layout),
task started and finished, effect started and finished, the app's plan entry (`check --out`),
app finished, run finished (also on Ctrl-C and on a crash). Every output is a subscriber;
none renders from anything else. The bus delivers events one at a time (apps run in parallel
threads)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Protocol

from runner.errors import Location
from runner.model import Status, worst

Redact = Callable[[str], str]  # masks the secret values one app's pass learnt


@dataclass(frozen=True)
class TaskResult:
    id: str  # the playbook task id (stable: reports filter on it)
    title: str  # for people
    status: Status
    message: str
    notes: tuple[str, ...] = ()
    diffs: tuple[str, ...] = ()
    commands: tuple[str, ...] = ()
    records: tuple[str, ...] = ()  # .flyrun-state.json updates
    before: str | None = None
    after: str | None = None
    location: Location | None = None  # the file (and line) at fault or first changed
    duration: float = 0.0
    # Each file the task writes (or would write), at its first changed line: CI annotations
    # point at every edited file, not only the first (runner/report/github.py, sarif.py).
    edits: tuple[Location, ...] = ()


@dataclass(frozen=True)
class AppResult:
    app: str
    spec: Path
    tasks: tuple[TaskResult, ...]
    layout: str | None = None  # rake | entrypoint | custom (runner/facts/layout.py)
    evidence: tuple[str, ...] = ()
    duration: float = 0.0
    findings: tuple[str, ...] = ()
    internal_error: bool = False  # a bug in flyrun while handling this app
    # False: the run never started it (--max-fail-percent, Ctrl-C); its one task says why.
    started: bool = True

    @property
    def status(self) -> Status:
        """The worst task status; `skipped` for an app never started, which is not
        converged, whatever its (skipped) task would make it (README "Many apps")."""
        if not self.started:
            return Status.SKIPPED
        return worst([t.status for t in self.tasks])


@dataclass(frozen=True)
class RunResult:
    mode: str  # validate | check | apply: what ran
    apps: tuple[AppResult, ...]
    flyctl: str = ""
    offline: bool = False
    interrupted: bool = False
    error: str | None = None  # the run stopped before any app (or crashed): why
    problems: tuple[tuple[Location, str], ...] = ()  # spec/playbook problems, located
    duration: float = 0.0


def changed_word(mode: str) -> str:
    """What a `changed` task is called: `would change` in check and validate (previews)."""
    return "would change" if previews(mode) else "changed"


def previews(mode: str) -> bool:
    """check and validate change nothing: a `changed` task there is a change that would be
    made (`would change`); only apply's were made. `mode` is RunResult's or RunStarted's."""
    return mode in ("check", "validate")


# --- events ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class RunStarted:
    mode: str
    apps: tuple[str, ...]
    flyctl: str = ""


@dataclass(frozen=True)
class AppStarted:
    app: str
    spec: Path


@dataclass(frozen=True)
class AppFacts:
    app: str
    layout: str | None
    evidence: tuple[str, ...] = ()
    findings: tuple[str, ...] = ()  # what preflight learnt (where the database is, …)


@dataclass(frozen=True)
class TaskStarted:
    app: str
    id: str
    title: str


@dataclass(frozen=True)
class TaskFinished:
    app: str
    result: TaskResult


@dataclass(frozen=True)
class EffectStarted:
    app: str
    task: str
    description: str


@dataclass(frozen=True)
class EffectFinished:
    app: str
    task: str
    description: str
    ok: bool
    seconds: float


@dataclass(frozen=True)
class AppFinished:
    result: AppResult


@dataclass(frozen=True)
class AppPlanned:
    """`check --out`: what the app's check read and every effect apply would perform, as
    the saved plan's JSON entry (runner/plan_file.py: secret-free)."""

    app: str
    entry: Mapping[str, Any]


@dataclass(frozen=True)
class RunFinished:
    result: RunResult
    exit_code: int


Event = (
    RunStarted
    | AppStarted
    | AppFacts
    | TaskStarted
    | TaskFinished
    | EffectStarted
    | EffectFinished
    | AppFinished
    | AppPlanned
    | RunFinished
)


class Subscriber(Protocol):
    def __call__(self, event: Event) -> None: ...


@dataclass
class Bus:
    """Delivers each event to every subscriber, in order, one event at a time."""

    subscribers: Sequence[Subscriber | Callable[[Event], None]] = ()
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def emit(self, event: Event) -> None:
        with self._lock:
            for subscriber in self.subscribers:
                subscriber(event)


class Collector:
    """Builds the results from the events (what every report renders): finished apps, and
    for an app cut short (Ctrl-C, crash) the tasks it finished."""

    def __init__(self) -> None:
        self.inputs: dict[str, int] = {}  # the run's apps → position in its input (RunStarted)
        self.started: dict[str, Path] = {}
        self.partial: dict[str, list[TaskResult]] = {}
        self.layouts: dict[str, AppFacts] = {}
        self.finished: dict[str, AppResult] = {}
        self.order: list[str] = []
        self.mode = "apply"  # until RunStarted says: what an app cut short may have done

    def __call__(self, event: Event) -> None:
        if isinstance(event, RunStarted):
            self.inputs = {app: position for position, app in enumerate(event.apps)}
            self.mode = event.mode
        elif isinstance(event, AppStarted):
            self.started[event.app] = event.spec
            self.partial[event.app] = []
            self.order.append(event.app)
        elif isinstance(event, AppFacts):
            self.layouts[event.app] = event
        elif isinstance(event, TaskFinished):
            self.partial.setdefault(event.app, []).append(event.result)
        elif isinstance(event, AppFinished):
            self.finished[event.result.app] = event.result

    def apps(self, cut_short: str = "interrupted") -> tuple[AppResult, ...]:
        """Every app that started, in the run's input order (apps run in parallel: the order
        they started in differs from run to run, and reports must not); an unfinished one ends
        with an `interrupted` task saying what was done: failed in apply (the app may be
        partly converted), unknown in check and validate (nothing changed; the verdict is
        simply not known)."""
        status = Status.UNKNOWN if previews(self.mode) else Status.FAILED
        results = []
        for app in sorted(self.order, key=self._rank):
            if app in self.finished:
                results.append(self.finished[app])
                continue
            facts = self.layouts.get(app)
            done = self.partial.get(app, [])
            stop = TaskResult("interrupted", "interrupted", status, cut_short)
            results.append(
                AppResult(
                    app,
                    self.started[app],
                    (*done, stop),
                    facts.layout if facts else None,
                    facts.evidence if facts else (),
                    findings=facts.findings if facts else (),
                )
            )
        return tuple(results)

    def _rank(self, app: str) -> int:
        """Position in the input; an app the run did not announce goes last, as it started."""
        if app in self.inputs:
            return self.inputs[app]
        return len(self.inputs) + self.order.index(app)


def redacted(result: TaskResult, redact: Redact) -> TaskResult:
    """`result` with every secret value the app's pass learnt masked (the executor passes
    the app's runner/facts/redact.py Redactor; docs/import.md): no text from flyctl, Rails
    or a task reaches an output with the Postgres URL in it."""
    return replace(
        result,
        message=redact(result.message),
        notes=tuple(redact(n) for n in result.notes),
        diffs=tuple(redact(d) for d in result.diffs),
        commands=tuple(redact(c) for c in result.commands),
        before=None if result.before is None else redact(result.before),
        after=None if result.after is None else redact(result.after),
    )
