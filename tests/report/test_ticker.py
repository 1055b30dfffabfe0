"""The live status line moves on between events (elapsed, ETA): redrawn by a ticker thread
that starts only once apps run (never before worker processes are forked) and stops when the
run finishes. Tested with a fake clock and direct ticks, never by waiting for seconds."""

from __future__ import annotations

import io
import threading
from pathlib import Path

from runner.events import AppFinished, AppResult, AppStarted, RunFinished, RunResult, RunStarted
from runner.report.progress import CLEAR
from runner.report.text import TextReporter
from runner.report.ticker import Ticker

SPEC = Path("/x/fly-sqlite.yml")


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def _reporter(out: io.StringIO, now: list[float], *, status_line: bool = True) -> TextReporter:
    report = TextReporter(out, live=False, status_line=status_line, tick_every=3600)
    report.progress.started, report.progress.clock = 0.0, lambda: now[0]
    return report


def test_the_ticker_calls_back_until_stopped_and_never_after() -> None:
    ticked = threading.Event()
    ticker = Ticker(ticked.set, interval=0.001)
    assert not ticker.running
    ticker.start()
    assert ticked.wait(30) and ticker.running
    ticker.stop()
    assert not ticker.running
    ticked.clear()
    ticker.start()  # a stopped ticker stays stopped
    assert not ticker.running and not ticked.is_set()


def test_the_status_line_is_redrawn_with_the_time_that_passed_while_apps_run() -> None:
    out, now = Terminal(), [0.0]
    report = _reporter(out, now)
    report(RunStarted("apply", ("a", "b")))
    assert not report.ticker.running  # no thread before apps start: workers fork first
    report(AppStarted("a", SPEC))
    assert report.ticker.running
    report(AppFinished(AppResult("a", SPEC, ())))
    now[0] = 65.0  # a deploy of b takes a while: no event arrives
    report.tick()
    assert out.getvalue().endswith(
        CLEAR + "[1/2] 0 in flight · 0 changed · 0 failed · 01:05 · ETA 01:05"
    )
    report(RunFinished(RunResult("apply", (AppResult("a", SPEC, ()),)), 0))
    assert not report.ticker.running
    before = out.getvalue()
    report.tick()  # after the recap: the status line is gone for good
    assert out.getvalue() == before and before.endswith("nothing left to do\n")


def test_no_ticker_off_a_terminal() -> None:
    report = _reporter(io.StringIO(), [0.0], status_line=False)
    report(RunStarted("check", ("a", "b")))
    report(AppStarted("a", SPEC))
    assert not report.ticker.running
