"""Running many apps (README "Many apps"): apps in parallel, in threads and, for a fleet, in
worker processes, with one bound on the flyctl processes running at once across all of them.

Why processes: each app spends ~20 ms of Python between its flyctl calls, and threads share
one interpreter lock, so on a fleet the interpreter, not flyctl, would set the pace
(bench/PROFILE.md). Worker processes are forked before any thread starts; each runs its
apps in threads and sends every event back to this process, which alone renders them.

`--max-fail-percent P` stops starting new apps once more than P % of all apps failed (the
apps never started are then reported `skipped`). Ctrl-C stops every worker: no app starts
another effect, running flyctl calls get the interrupt, and what was done is reported."""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from runner.events import AppFinished, AppResult, AppStarted, Bus, TaskFinished, TaskResult
from runner.model import Status

APPS_PER_PROCESS = 24  # below this a worker process costs more than it saves
RunOne = Callable[[int], AppResult | None]  # None: never started (session refused)
MakeRunOne = Callable[[Bus, threading.Event, Any], RunOne]  # (bus, cancel, flyctl slots)


def plan_processes(apps: int, jobs: int, forced: str | None = None) -> int:
    """How many worker processes a run of `apps` apps uses (1: threads in this one).
    `FLYRUN_PROCESSES` (`forced`) overrides, for tests and benchmarks."""
    if forced:
        return max(1, int(forced))
    if apps < 2 * APPS_PER_PROCESS or jobs < 2 or not hasattr(os, "fork"):
        return 1
    return max(1, min(os.cpu_count() or 1, apps // APPS_PER_PROCESS, 8))


class _Cell:
    """A counter with multiprocessing.Value's `.value`, for threads of one process."""

    def __init__(self) -> None:
        self.value = 0


class Gate:
    """Where each app waits, its read-only queries already in flight, before it starts, for
    the run's flyctl session check (runner/flyctl/session.py) to pass or fail; in shared
    memory for worker processes (made before the fork)."""

    def __init__(self, *, shared: bool) -> None:
        self._done: Any
        if shared:
            import multiprocessing

            context = multiprocessing.get_context("fork")
            self._done, self._ok = context.Event(), context.Value("b", 0, lock=False)
        else:
            self._done, self._ok = threading.Event(), _Cell()

    def open(self, ok: bool) -> None:
        self._ok.value = int(ok)
        self._done.set()

    def wait(self) -> bool:
        """True once the session passed; False when it failed or was interrupted."""
        self._done.wait()
        return bool(self._ok.value)


def make_slots(jobs: int, *, shared: bool) -> Any:
    """The bound of `jobs` flyctl processes at once: shared by worker processes (made before
    the fork), or for threads of this one."""
    if shared:
        import multiprocessing

        return multiprocessing.get_context("fork").BoundedSemaphore(jobs)
    return threading.BoundedSemaphore(jobs)


class Dispatcher:
    """Hands out app indexes to workers (threads or processes) until every app started,
    Ctrl-C, or too many failed; in shared memory, so processes see one count."""

    def __init__(self, total: int, max_fail_percent: float | None, *, shared: bool) -> None:
        self.total = total
        self.max_fail_percent = max_fail_percent
        self._lock: Any
        if shared:  # before the fork: worker processes see one count
            import multiprocessing

            context = multiprocessing.get_context("fork")
            self._lock = context.Lock()
            self._next = context.Value("i", 0, lock=False)
            self._failed = context.Value("i", 0, lock=False)
            self._stopped = context.Value("b", 0, lock=False)
        else:  # threads alone: multiprocessing costs start-up time (bench/README.md)
            self._lock = threading.Lock()
            self._next, self._failed, self._stopped = _Cell(), _Cell(), _Cell()

    def take(self) -> int | None:
        with self._lock:
            if self._stopped.value or self._next.value >= self.total or self._too_many():
                return None
            index = int(self._next.value)
            self._next.value += 1
            return index

    def failed(self) -> None:
        with self._lock:
            self._failed.value += 1

    def stop(self) -> None:
        with self._lock:
            self._stopped.value = 1

    @property
    def stopped_early(self) -> bool:
        with self._lock:
            return bool(self._too_many())

    def _too_many(self) -> bool:
        limit = self.max_fail_percent
        return limit is not None and self._failed.value * 100 > limit * self.total


def run_threads(
    run_one: RunOne, dispatcher: Dispatcher, jobs: int, on_interrupt: Callable[[], None]
) -> bool:
    """`jobs` threads take apps until none is left; True when an app was stopped by Ctrl-C
    reaching its flyctl (then no further app starts). Ctrl-C in this thread calls
    `on_interrupt` (stop the apps, interrupt their flyctl calls) before waiting for the
    threads, which would otherwise wait on a hung flyctl, then propagates."""
    interrupted = threading.Event()

    def worker() -> None:
        while (index := dispatcher.take()) is not None:
            try:
                result = run_one(index)
            except KeyboardInterrupt:
                interrupted.set()
                dispatcher.stop()
                return
            if result is not None and result.status is Status.FAILED:
                dispatcher.failed()

    if jobs == 1:
        worker()
        return interrupted.is_set()
    pool = ThreadPoolExecutor(max_workers=jobs)
    try:
        for future in [pool.submit(worker) for _ in range(jobs)]:
            future.result()
    except KeyboardInterrupt:
        on_interrupt()
        raise
    finally:
        dispatcher.stop()
        pool.shutdown(wait=True, cancel_futures=True)
    return interrupted.is_set()


@dataclass(frozen=True)
class _Done:
    """A worker process's last message."""

    worker: int
    interrupted: bool


def run_processes(
    make_run_one: MakeRunOne,
    dispatcher: Dispatcher,
    processes: int,
    jobs: int,
    bus: Bus,
    slots: Any = None,
    forked: Callable[[], None] = lambda: None,
) -> bool:
    """Fork `processes` workers sharing one bound of `jobs` flyctl processes (`slots`, from
    make_slots, or a new one); relay their events to `bus` as they come. `forked` runs in
    this process once the workers started (threads are safe from then on). True on Ctrl-C."""
    import multiprocessing

    context = multiprocessing.get_context("fork")
    queue = context.SimpleQueue()
    slots = slots if slots is not None else make_slots(jobs, shared=True)
    workers = [
        context.Process(
            target=_worker, args=(n, make_run_one, dispatcher, jobs, queue, slots), daemon=True
        )
        for n in range(processes)
    ]
    for process in workers:
        process.start()
    forked()
    return _relay(queue, workers, bus, dispatcher)


def _relay(queue: Any, workers: Sequence[Any], bus: Bus, dispatcher: Dispatcher) -> bool:
    done, interrupted = 0, False

    def on_interrupt(signum: int, frame: object) -> None:
        # A handler that returns, never a KeyboardInterrupt: one raised inside queue.get()
        # can cut a message in half, and the next read fails (EOFError), losing the report.
        nonlocal interrupted
        interrupted = True
        dispatcher.stop()
        from runner.flyctl.process import interrupt_all  # lazy: only on Ctrl-C

        interrupt_all()  # this process's own flyctl calls (the session check's)
        for process in workers:  # a terminal sends it to the workers too; a kill may not
            if process.is_alive() and process.pid is not None:
                os.kill(process.pid, signal.SIGINT)

    main = threading.current_thread() is threading.main_thread()  # where signals go
    previous = signal.signal(signal.SIGINT, on_interrupt) if main else None
    try:
        while done < len(workers):
            message = queue.get()
            if isinstance(message, _Done):
                done += 1
                interrupted |= message.interrupted
            else:
                bus.emit(message)
    finally:
        if previous is not None:  # None: not this thread's, or not set from Python
            signal.signal(signal.SIGINT, previous)
    for process in workers:
        process.join(5)
    return interrupted


def _worker(
    number: int,
    make_run_one: MakeRunOne,
    dispatcher: Dispatcher,
    jobs: int,
    queue: Any,
    slots: Any,
) -> None:
    """A worker process: its apps in threads, every event sent back to the parent."""
    cancel = threading.Event()

    def on_interrupt(signum: int, frame: object) -> None:
        cancel.set()  # no app of this worker starts another effect
        dispatcher.stop()
        from runner.flyctl.process import interrupt_all  # lazy: only on Ctrl-C

        interrupt_all()

    signal.signal(signal.SIGINT, on_interrupt)
    interrupted = False
    try:
        run_one = make_run_one(Bus([queue.put]), cancel, slots)
        interrupted = run_threads(run_one, dispatcher, jobs, lambda: on_interrupt(0, None))
    finally:
        queue.put(_Done(number, interrupted or cancel.is_set()))


def report_not_started(bus: Bus, items: Sequence[Any], started: set[str], reason: str) -> None:
    """Apps never started (too many failures, Ctrl-C): each reported with app status
    `skipped` and a task saying why, so every report covers every app of the run."""
    for item in items:
        if item.app in started:
            continue
        bus.emit(AppStarted(item.app, item.spec_file))
        task = TaskResult("not_started", "not started", Status.SKIPPED, reason)
        bus.emit(TaskFinished(item.app, task))
        bus.emit(AppFinished(AppResult(item.app, item.spec_file, (task,), started=False)))
