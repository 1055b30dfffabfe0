"""The text report for people, a subscriber to the event stream (README "Reports").

With one app in flight at a time it is live: each task is printed as it finishes (Ansible's
way), and a slow effect (a deploy) is announced when it starts. With apps in parallel, each
app's block is printed when it finishes, with a progress line (on a terminal a status line,
redrawn about once a second: runner/report/ticker.py); at the end a recap line per
app and a closing line that says what happened and what to run next. Colour on a terminal
unless NO_COLOR (FORCE_COLOR forces it)."""

from __future__ import annotations

import os
import threading
from typing import TextIO

from runner.events import (
    AppFacts,
    AppFinished,
    AppResult,
    AppStarted,
    EffectStarted,
    Event,
    RunFinished,
    RunResult,
    RunStarted,
    TaskFinished,
    TaskResult,
    changed_word,
)
from runner.model import Status
from runner.report.closing import closing_line, offline
from runner.report.progress import CLEAR, Progress, counts, recap_table
from runner.report.ticker import Ticker

_COLOURS = {
    Status.OK: "32",
    Status.CHANGED: "33",
    Status.SKIPPED: "36",
    Status.FAILED: "31",
    Status.UNKNOWN: "35",
}


def use_colour(stream: TextIO, env: dict[str, str] | None = None) -> bool:
    env = dict(os.environ) if env is None else env
    if env.get("NO_COLOR") or env.get("TERM") == "dumb":
        return False
    if env.get("FORCE_COLOR"):
        return True
    return stream.isatty()


class TextReporter:
    def __init__(
        self,
        stream: TextIO,
        *,
        live: bool,
        colour: bool = False,
        quiet: bool = False,
        verbose: bool = False,
        command: str = "flyrun",
        carry: tuple[str, ...] = (),  # options the suggested next command keeps (closing.py)
        status_line: bool = False,
        tick_every: float = 1.0,  # seconds between redraws of the status line
        closing: bool = True,  # False: apply's confirmation pass, which asks instead
    ) -> None:
        self.stream = stream
        self.live = live
        self.colour = colour
        self.quiet = quiet
        self.verbose = verbose
        self.command = command
        self.carry = carry
        self.closing = closing
        self.mode = "check"
        self.progress = Progress()
        self.status_line = status_line  # a live status line (a terminal, several apps)
        self._blocks: dict[str, list[str]] = {}
        # The ticker's thread writes too: one write at a time, the status line always last.
        self._lock = threading.Lock()
        self.ticker = Ticker(self.tick, tick_every)

    def __call__(self, event: Event) -> None:
        if isinstance(event, RunStarted):
            self.mode, self.progress.total = event.mode, len(event.apps)
            self.status_line = self.status_line and self.progress.total > 1
            if event.flyctl and not self.quiet:
                self._write([event.flyctl])
        elif isinstance(event, AppStarted):
            if self.status_line:  # apps run now: workers, if any, were forked before
                self.ticker.start()
            self.progress.in_flight += 1
            self._blocks[event.app] = ["", f"APP [{event.app}] ({event.spec})"]
            self._flush(event.app)
        elif isinstance(event, AppFacts) and not self.quiet:
            lines = (
                [f"layout: {event.layout} ({'; '.join(event.evidence)})"] if event.layout else []
            )
            self._add(event.app, lines + list(event.findings))
        elif isinstance(event, EffectStarted) and self.live and not self.quiet:
            if event.description.startswith("fly "):  # the slow ones: say what runs now
                self._add(event.app, [f"  … running: {event.description}"])
        elif isinstance(event, TaskFinished):
            self._add(event.app, self._task(event.result))
        elif isinstance(event, AppFinished):
            self._app_finished(event.result)
        elif isinstance(event, RunFinished):
            self.close()
            self._recap(event.result, event.exit_code)

    def tick(self) -> None:
        """Draw the status line again (elapsed time and ETA move on between events)."""
        with self._lock:
            if self.status_line:
                self.stream.write(CLEAR + self.progress.line(self._verb()))
                self.stream.flush()

    def close(self) -> None:
        """Stop redrawing the status line (at the run's end, or when it ended in a crash)."""
        self.ticker.stop()

    # --- blocks -----------------------------------------------------------------------------

    def _add(self, app: str, lines: list[str]) -> None:
        self._blocks.setdefault(app, []).extend(lines)
        self._flush(app)

    def _flush(self, app: str) -> None:
        if self.live and not self.quiet:
            self._write(self._blocks.get(app, []))
            self._blocks[app] = []

    def _app_finished(self, result: AppResult) -> None:
        self.progress.finished(result)
        block = self._blocks.pop(result.app, [])
        # Quiet, each app's block waits for its end (like parallel apps) and is shown only
        # when something in it changed or failed.
        fine = result.status in (Status.OK, Status.SKIPPED)
        shown_block = (not self.live or self.quiet) and not (self.quiet and fine)
        lines = list(block) if shown_block else []
        if self.progress.total > 1 and not self.status_line:
            shown = self._paint(result.status, result.status.value)
            done, total = self.progress.done, self.progress.total
            lines.append(f"[{done}/{total}] {result.app}: {shown} ({result.duration:.1f} s)")
        self._write(lines)  # with a status line, also its new counts

    def _task(self, task: TaskResult) -> list[str]:
        if self.quiet and (task.status in (Status.OK, Status.SKIPPED) or offline(task)):
            return []
        word = self._verb() if task.status is Status.CHANGED else task.status.value
        lines = [f"{self._paint(task.status, word + ':')} {task.title} — {task.message}"]
        lines += [f"    note: {note}" for note in task.notes]
        if task.before is not None or task.after is not None:
            lines.append(f"    before: {task.before}  after: {task.after}")
        lines += [f"    $ {command}" for command in task.commands]
        if self.verbose:
            lines += [f"    {record}" for record in task.records]
        for diff in task.diffs:
            lines += ["    " + self._diff_colour(row) for row in diff.splitlines()]
        return lines

    # --- recap ------------------------------------------------------------------------------

    def _recap(self, result: RunResult, code: int) -> None:
        with self._lock:
            if self.status_line:
                self.stream.write(CLEAR)
                self.status_line = False
        lines = [""]
        if len(result.apps) > 1:
            lines += recap_table(result, self._paint)
        for app in result.apps if len(result.apps) == 1 else ():
            recap = " ".join(f"{k}={v}" for k, v in counts(app.tasks).items())
            lines.append(f"{self._paint(app.status, app.app.ljust(24))} : {recap}")
        if self.closing:
            lines += ["", closing_line(result, code, self.command, self.carry)]
        self._write(lines)

    def _write(self, lines: list[str]) -> None:
        """Print lines; with a status line, above it, and draw it again below them."""
        with self._lock:
            if not lines and not self.status_line:
                return
            text = "".join(line + "\n" for line in lines)
            if self.status_line:
                text = CLEAR + text + self.progress.line(self._verb())
            self.stream.write(text)
            self.stream.flush()

    def _verb(self) -> str:
        return changed_word(self.mode)

    def _paint(self, status: Status, text: str) -> str:
        return f"\033[{_COLOURS[status]}m{text}\033[0m" if self.colour else text

    def _diff_colour(self, row: str) -> str:
        if not self.colour or row.startswith(("+++", "---")):
            return row
        if row.startswith("+"):
            return self._paint(Status.OK, row)
        if row.startswith("-"):
            return self._paint(Status.FAILED, row)
        return row
