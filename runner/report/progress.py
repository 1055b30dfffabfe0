"""The batch view of the text report (README "Many apps"): on a terminal one live status
line (apps done/total, in flight, changed, failed, elapsed, ETA) kept below what is printed;
at the end a recap table (app, status, counts, duration) and a totals line."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from runner.events import AppResult, RunResult, TaskResult
from runner.model import Status

COUNTED = ("ok", "changed", "failed", "skipped", "unknown")
# App statuses as the summaries count them: `skipped` is an app never started, not converged.
APP_STATUSES = ("ok", "changed", "unknown", "failed", "skipped")
CLEAR = "\r\033[2K"


def counts(tasks: tuple[TaskResult, ...]) -> dict[str, int]:
    found = Counter(t.status.value for t in tasks)
    return {name: found.get(name, 0) for name in COUNTED}


@dataclass
class Progress:
    """What the live status line shows; updated by the text reporter's events."""

    total: int = 0
    done: int = 0
    in_flight: int = 0
    changed: int = 0
    failed: int = 0
    started: float = field(default_factory=time.monotonic)
    clock: Callable[[], float] = time.monotonic

    def finished(self, result: AppResult) -> None:
        self.done += 1
        self.in_flight = max(0, self.in_flight - 1)
        self.changed += result.status is Status.CHANGED
        self.failed += result.status is Status.FAILED

    def line(self, verb: str) -> str:
        elapsed = self.clock() - self.started
        eta = ""
        if 0 < self.done < self.total:
            eta = f" · ETA {_clock(elapsed / self.done * (self.total - self.done))}"
        return (
            f"[{self.done}/{self.total}] {self.in_flight} in flight · {self.changed} {verb} · "
            f"{self.failed} failed · {_clock(elapsed)}{eta}"
        )


def _clock(seconds: float) -> str:
    whole = int(seconds)
    return f"{whole // 60:02d}:{whole % 60:02d}"


def recap_table(result: RunResult, paint: Callable[[Status, str], str]) -> list[str]:
    """One row per app, then the totals line."""
    width = max([len(a.app) for a in result.apps] + [3])
    head = f"{'app'.ljust(width)}  {'status':8} " + " ".join(f"{k:>7}" for k in COUNTED)
    rows = [head + "  duration"]
    for app in result.apps:
        numbers = " ".join(f"{v:>7}" for v in counts(app.tasks).values())
        status = paint(app.status, f"{app.status.value:8}")
        rows.append(f"{app.app.ljust(width)}  {status} {numbers}  {app.duration:7.1f} s")
    return [*rows, totals_line(result)]


def totals_line(result: RunResult) -> str:
    by = Counter(app.status.value for app in result.apps)
    apps = ", ".join(f"{by[s]} {s}" for s in APP_STATUSES if by[s])
    tasks = Counter(t.status.value for a in result.apps for t in a.tasks)
    shown = " ".join(f"{k}={tasks.get(k, 0)}" for k in COUNTED)
    count = len(result.apps)
    return f"totals: {count} apps ({apps or 'none'}); tasks {shown}; {result.duration:.1f} s"
