"""One run over many apps: flyctl's session checked once, apps in parallel (bounded), every
output a subscriber of one event stream, and the exit code from the outcome table (README
"Exit codes"). On Ctrl-C no app starts another effect, running flyctl calls get the
interrupt, and what was done is still reported."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from functools import partial
from typing import TYPE_CHECKING

from runner.errors import FlyctlNotFound, PreflightRefused
from runner.events import (
    AppFinished,
    AppResult,
    AppStarted,
    Bus,
    Collector,
    Event,
    RunFinished,
    RunResult,
    RunStarted,
    TaskFinished,
    TaskResult,
)
from runner.executor import Executor
from runner.fleet import (
    Dispatcher,
    Gate,
    RunOne,
    make_slots,
    plan_processes,
    report_not_started,
    run_processes,
    run_threads,
)
from runner.flyctl.client import Flyctl, Slots, Timeouts, find_flyctl
from runner.flyctl.session import BackgroundSession, Verdict, check_session
from runner.model import OFFLINE, Status
from runner.spec import AppFailure, AppSpec
from runner.tasks.base import Options

if TYPE_CHECKING:
    from runner.plan_file import SavedPlan

Item = AppSpec | AppFailure
EXIT_OK, EXIT_FAILED, EXIT_PENDING, EXIT_INTERNAL, EXIT_INTERRUPTED = 0, 1, 2, 3, 130
NOT_STARTED_INTERRUPTED = "not started: the run was interrupted (Ctrl-C)"


@dataclass(frozen=True)
class RunRequest:
    mode: str  # check | apply | validate
    specs: tuple[Item, ...]
    flyctl: str | None = None
    jobs: int = 8
    replace_database_url: bool = False
    offline: bool = False
    timeouts: Timeouts = field(default_factory=Timeouts)
    lock_wait: float = 60.0
    max_fail_percent: float | None = None
    planning: bool = False  # check --out: the executor emits each app's plan entry
    saved: SavedPlan | None = None  # apply PLAN (runner/plan_guard.py)
    allow_dirty: bool = False  # apply --allow-dirty (runner/vcs.py)


def exit_code(result: RunResult) -> int:
    if result.interrupted:
        return EXIT_INTERRUPTED
    if any(app.internal_error for app in result.apps):
        return EXIT_INTERNAL
    statuses = {app.status for app in result.apps}
    if result.error is not None or Status.FAILED in statuses:
        return EXIT_FAILED
    # validate only says whether specs and files are valid: pending changes are check's news
    if result.mode == "check" and any(_pending(t) for a in result.apps for t in a.tasks):
        return EXIT_PENDING
    return EXIT_OK


def _pending(task: TaskResult) -> bool:
    """Changed, or unknown for a reason other than --offline (README "Exit codes")."""
    if task.status is Status.UNKNOWN:
        return not task.message.startswith(OFFLINE)
    return task.status is Status.CHANGED


def run(
    request: RunRequest, subscribers: list[Callable[[Event], None]], env: Mapping[str, str]
) -> int:
    """Run every app; the subscribers get every event (the last one `RunFinished`)."""
    collector = Collector()
    bus = Bus([collector, *subscribers])
    start = time.monotonic()
    offline = request.offline or request.mode == "validate"
    options = Options(request.replace_database_url, offline, request.allow_dirty)
    cancel = threading.Event()
    binary, missing = _binary(request, env, offline)
    if binary is not None:
        # lazy: invoke costs start-up time; imported here, before any thread or fork, so the
        # session thread and the worker processes find it (≈ 40 ms of CPU each otherwise)
        from runner.flyctl.process import new_run

        new_run()
    if binary is not None and request.saved is None:
        described, interrupted = _with_session(binary, request, bus, cancel, collector, options)
    else:
        flyctl, described, refused = _session(binary, missing, request, offline)
        bus.emit(RunStarted(request.mode, tuple(item.app for item in request.specs), described))
        executor = Executor(flyctl, options, bus, cancel, request.lock_wait, request.planning)
        interrupted = False
        if refused is not None:
            _all_refused(bus, request.specs, refused)
        else:
            if request.saved is not None:  # every app's inputs compared before any app changes
                from runner.plan_guard import PlanGuard  # lazy: apply PLAN only

                executor.guard = PlanGuard(request.saved)
                executor.guard.verify(request.specs, flyctl)
            interrupted = _run_all(executor, request, bus, cancel, collector)
    result = RunResult(
        request.mode,
        collector.apps(
            "interrupted: Ctrl-C stopped this app; run `flyrun check` to see what is left"
        ),
        described,
        offline,
        interrupted,
        duration=time.monotonic() - start,
    )
    code = exit_code(result)
    bus.emit(RunFinished(result, code))
    return code


@dataclass(frozen=True)
class Refusal:
    """Why flyctl cannot be used in this run (not found, too old, not logged in)."""

    check: str
    message: str


def _refusal(exc: PreflightRefused) -> Refusal:
    return Refusal(exc.check, f"{exc.check} refused: {exc.found}. {exc.fix}")


def _binary(
    request: RunRequest, env: Mapping[str, str], offline: bool
) -> tuple[str | None, Refusal | None]:
    """flyctl's path (None offline), or why there is none."""
    if offline:
        return None, None
    try:
        return find_flyctl(request.flyctl, env), None
    except FlyctlNotFound as exc:  # refused like a session: every app fails, and says why
        return None, Refusal("flyctl", str(exc))


def _session(
    binary: str | None, missing: Refusal | None, request: RunRequest, offline: bool
) -> tuple[Flyctl | None, str, Refusal | None]:
    """The session checked before any app starts (offline, flyctl missing, apply PLAN)."""
    if offline:
        return None, "offline: flyctl is not used", None
    if binary is None:
        return None, "", missing
    flyctl = Flyctl(binary, timeouts=request.timeouts, max_processes=request.jobs)
    try:
        return flyctl, check_session(flyctl), None
    except PreflightRefused as exc:
        return flyctl, "", _refusal(exc)


def _with_session(
    binary: str,
    request: RunRequest,
    bus: Bus,
    cancel: threading.Event,
    collector: Collector,
    options: Options,
) -> tuple[str, bool]:
    """Every app, with the session check running meanwhile (runner/flyctl/session.py
    BackgroundSession): each app starts its read-only queries, then waits at the gate, and
    starts (its first event) only once the check passed. When it fails, no app started, and
    every app reports the refusal, as when it ran first. Returns the session's description
    and whether Ctrl-C stopped the run."""
    processes, dispatcher = _fleet_plan(request)
    shared = processes > 1
    slots, gate = make_slots(request.jobs, shared=shared), Gate(shared=shared)
    names = tuple(item.app for item in request.specs)
    verdicts: list[Verdict] = []

    def done(verdict: Verdict) -> None:  # in the session's thread
        verdicts.append(verdict)
        try:
            bus.emit(RunStarted(request.mode, names, verdict.described))
            if not verdict.described:  # refused, interrupted or a bug: no app starts
                dispatcher.stop()
        finally:
            gate.open(bool(verdict.described))

    def client(reserved: int) -> Flyctl:
        return Flyctl(binary, timeouts=request.timeouts, max_processes=reserved)

    session = BackgroundSession(client, slots, request.jobs, done)
    flyctl = Flyctl(binary, timeouts=request.timeouts, slots=slots)
    executor = Executor(flyctl, options, bus, cancel, request.lock_wait, request.planning)
    reached = partial(_verdict_reached, session)
    fleet = _Fleet(processes, slots, dispatcher, session.start, gate, reached)
    interrupted = _run_all(executor, request, bus, cancel, collector, fleet)
    verdict = verdicts[0]
    if verdict.error is not None:
        raise verdict.error
    rest = tuple(item for item in request.specs if item.app not in collector.started)
    if verdict.refused is not None:
        _all_refused(bus, rest, _refusal(verdict.refused))
    elif verdict.interrupted:  # the check's flyctl was interrupted: no app started
        report_not_started(bus, rest, set(), NOT_STARTED_INTERRUPTED)
        interrupted = True
    return verdict.described, interrupted


def _verdict_reached(session: BackgroundSession, stop: Callable[[], None]) -> bool:
    """Wait for the session check's verdict (it ends soon after Ctrl-C: `stop` interrupts
    its flyctl too); True when Ctrl-C came meanwhile."""
    stopped = False
    while True:
        try:
            session.finish()
            return stopped
        except KeyboardInterrupt:
            stopped = True
            stop()


def _fleet_plan(request: RunRequest) -> tuple[int, Dispatcher]:
    """How many worker processes run the apps (runner/fleet.py), and what hands them out."""
    processes = plan_processes(len(request.specs), request.jobs, os.environ.get("FLYRUN_PROCESSES"))
    return processes, Dispatcher(len(request.specs), request.max_fail_percent, shared=processes > 1)


def _all_refused(bus: Bus, items: tuple[Item, ...], refused: Refusal) -> None:
    """flyctl is unusable: every app fails with the reason, so every output counts them
    and the counts agree with the exit code (1)."""
    title = f"preflight: {refused.check}"
    for item in items:
        bus.emit(AppStarted(item.app, item.spec_file))
        task = TaskResult("preflight.flyctl", title, Status.FAILED, refused.message)
        bus.emit(TaskFinished(item.app, task))
        bus.emit(AppFinished(AppResult(item.app, item.spec_file, (task,))))


def _one(executor: Executor, mode: str, item: Item, gate: Gate | None) -> AppResult | None:
    """One app; with a `gate` its queries start first, and the app itself only once the
    session check passed (None: it never started)."""
    facts = None
    if gate is not None:
        facts = executor.early_queries(item) if isinstance(item, AppSpec) else None
        if not gate.wait():
            if facts is not None:
                facts.remote.settle()  # no query of an app that never started outlives it
            return None
    if isinstance(item, AppFailure):  # its folder or fly.toml: it fails alone
        executor.bus.emit(AppStarted(item.app, item.spec_file))
        tasks = []
        for problem in item.problems:
            task = TaskResult(
                "spec", "spec", Status.FAILED, str(problem), location=problem.location
            )
            executor.bus.emit(TaskFinished(item.app, task))
            tasks.append(task)
        result = AppResult(item.app, item.spec_file, tuple(tasks))
        executor.bus.emit(AppFinished(result))
        return result
    if mode == "apply":
        return executor.apply(item, facts)
    return executor.check(item, facts)


@dataclass(frozen=True)
class _Fleet:
    """How the apps run, when chosen before them (the background session needs the slots
    and the dispatcher first): worker processes, the flyctl bound, and what to start once
    the workers are forked (threads are safe from then on)."""

    processes: int
    slots: Slots | None
    dispatcher: Dispatcher
    forked: Callable[[], None] = lambda: None
    gate: Gate | None = None  # each app waits here before it starts
    # waits for the gate's verdict, given how to stop the run on Ctrl-C; True on Ctrl-C
    verdict: Callable[[Callable[[], None]], bool] = lambda stop: False


def _run_all(
    executor: Executor,
    request: RunRequest,
    bus: Bus,
    cancel: threading.Event,
    started: Collector,
    fleet: _Fleet | None = None,
) -> bool:
    """Every app, in threads or worker processes (runner/fleet.py); True on Ctrl-C."""
    items = request.specs
    if fleet is None:
        processes, dispatcher = _fleet_plan(request)
        fleet = _Fleet(processes, None, dispatcher)
    processes, dispatcher = fleet.processes, fleet.dispatcher

    def make_run_one(relay: Bus, stop: threading.Event, slots: Slots | None) -> RunOne:
        local = executor
        if slots is not None:  # in a worker process: its own client, the shared bound
            flyctl = executor.flyctl
            if flyctl is not None:
                flyctl = Flyctl(flyctl.binary, timeouts=flyctl.timeouts, slots=slots)
            local = replace(executor, flyctl=flyctl, bus=relay, cancel=stop)
        return lambda index: _one(local, request.mode, items[index], fleet.gate)

    def stop() -> None:
        cancel.set()  # running apps stop before their next effect; queued ones never start
        dispatcher.stop()
        from runner.flyctl.process import interrupt_all  # lazy: invoke costs start-up time

        interrupt_all()  # and their flyctl calls get the Ctrl-C a terminal would have sent

    try:
        if processes > 1:
            interrupted = run_processes(
                make_run_one, dispatcher, processes, request.jobs, bus, fleet.slots, fleet.forked
            )
        else:
            fleet.forked()
            run_one = make_run_one(bus, cancel, None)
            interrupted = run_threads(run_one, dispatcher, request.jobs, stop)
    except KeyboardInterrupt:
        interrupted = True
    if interrupted:  # also when an app's thread caught it: its prefetch calls may still run
        stop()
    if fleet.verdict(stop):  # from here every app that started has said so (the Collector)
        stop()
        interrupted = True
    reason = _why_not_started(interrupted, dispatcher.stopped_early, request.max_fail_percent)
    if reason is not None:  # every report covers every app of the run
        report_not_started(bus, items, set(started.started), reason)
    return interrupted


def _why_not_started(interrupted: bool, too_many_failed: bool, percent: float | None) -> str | None:
    """Why the apps not started yet never will be, if they won't."""
    if interrupted:
        return NOT_STARTED_INTERRUPTED
    if too_many_failed:
        return f"not started: more than {percent:g} % of the apps failed (--max-fail-percent)"
    return None
