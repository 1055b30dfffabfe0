"""`flyrun validate` in text: one line per problem on stderr (`SPEC: app APP: TASK: …`), one
`ok` line per app without a problem on stdout, then the closing line every text report ends
with (runner/report/closing.py: on stdout when valid, else on stderr). Nothing runs flyctl
(README "Commands").

Printed when the run finishes, from its results, so the apps come in the order of the input
whatever order they ran in (like every other output)."""

from __future__ import annotations

import os
from typing import TextIO

from runner.events import AppResult, Event, RunFinished
from runner.model import Status
from runner.report.closing import closing_line


class ValidateReporter:
    def __init__(self, out: TextIO, err: TextIO, carry: tuple[str, ...] = ()) -> None:
        self.out = out
        self.err = err
        self.carry = carry  # options the suggested next command keeps

    def __call__(self, event: Event) -> None:
        if isinstance(event, RunFinished):
            for result in event.result.apps:
                self._app(result)
            if event.result.apps:  # a run refused before any app has said why already
                line = closing_line(event.result, event.exit_code, "flyrun", self.carry)
                (self.out if event.exit_code == 0 else self.err).write(line + "\n")
            self.err.flush()
            self.out.flush()

    def _app(self, result: AppResult) -> None:
        spec = os.path.relpath(result.spec) if result.spec.is_absolute() else str(result.spec)
        if not result.started:  # not validated at all (Ctrl-C): never an `ok` line
            for task in result.tasks:
                self.err.write(f"{spec}: app {result.app}: {task.message}\n")
            return
        failed = [t for t in result.tasks if t.status is Status.FAILED]
        for task in failed:
            if task.location is not None and task.message.startswith(f"{task.location}: "):
                self.err.write(task.message + "\n")  # already FILE:LINE:COL, as spec errors
            else:
                self.err.write(f"{spec}: app {result.app}: {task.title}: {task.message}\n")
        if not failed:
            edits = sum(len(t.diffs) for t in result.tasks if t.status is Status.CHANGED)
            more = f"; {edits} file edit(s) pending (`flyrun check` shows them)" if edits else ""
            self.out.write(f"{spec}: ok: app {result.app}{more}\n")
