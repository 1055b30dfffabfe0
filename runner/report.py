"""Render a RunResult: text for people (colour on a TTY unless NO_COLOR), JSON for machines
(schemas/report.schema.json). Reporters only render; they never decide."""

from __future__ import annotations

import json
import os
from collections import Counter
from typing import Any, Protocol, TextIO

from runner.model import Status
from runner.results import AppResult, RunResult, TaskResult

FORMAT_VERSION = "1.0"
COUNTED = ("ok", "changed", "failed", "skipped", "unknown")
_COLOURS = {
    Status.OK: "32",
    Status.CHANGED: "33",
    Status.SKIPPED: "36",
    Status.FAILED: "31",
    Status.UNKNOWN: "35",
}


class Reporter(Protocol):
    def render(self, result: RunResult) -> None: ...


def counts(tasks: tuple[TaskResult, ...]) -> dict[str, int]:
    found = Counter(t.status.value for t in tasks)
    return {name: found.get(name, 0) for name in COUNTED}


def use_colour(stream: TextIO) -> bool:
    if os.environ.get("NO_COLOR") or os.environ.get("TERM") == "dumb":
        return False
    return stream.isatty()


class TextReporter:
    def __init__(self, stream: TextIO, *, colour: bool | None = None) -> None:
        self.stream = stream
        self.colour = use_colour(stream) if colour is None else colour

    def _paint(self, status: Status, text: str) -> str:
        return f"\033[{_COLOURS[status]}m{text}\033[0m" if self.colour else text

    def _line(self, text: str = "") -> None:
        self.stream.write(text + "\n")

    def render(self, result: RunResult) -> None:
        verb = "would change" if result.mode == "check" else "changed"
        if result.flyctl:
            self._line(result.flyctl)
        for app in result.apps:
            self._app(app, verb)
        self._line()
        for app in result.apps:
            recap = " ".join(f"{k}={v}" for k, v in counts(app.tasks).items())
            self._line(f"{self._paint(app.status, app.app.ljust(24))} : {recap}")

    def _app(self, app: AppResult, verb: str) -> None:
        self._line()
        self._line(f"APP [{app.app}] ({app.spec})")
        if app.layout:
            self._line(f"layout: {app.layout} ({'; '.join(app.evidence)})")
        for task in app.tasks:
            word = verb if task.status is Status.CHANGED else task.status.value
            self._line(f"{self._paint(task.status, word + ':')} {task.name} — {task.message}")
            for note in task.notes:
                self._line(f"    note: {note}")
            if task.before is not None or task.after is not None:
                self._line(f"    before: {task.before}  after: {task.after}")
            for command in task.commands:
                self._line(f"    $ {command}")
            for diff in task.diffs:
                for row in diff.splitlines():
                    self._line("    " + self._diff_colour(row))

    def _diff_colour(self, row: str) -> str:
        if not self.colour or row.startswith(("+++", "---")):
            return row
        if row.startswith("+"):
            return self._paint(Status.OK, row)
        if row.startswith("-"):
            return self._paint(Status.FAILED, row)
        return row


def to_json(result: RunResult) -> dict[str, Any]:
    apps = [_app_json(app) for app in result.apps]
    summary: dict[str, Any] = {"apps": len(apps)}
    for status in ("ok", "changed", "unknown", "failed"):
        summary[f"apps_{status}"] = sum(1 for a in result.apps if a.status.value == status)
    task_counts = Counter(t.status.value for a in result.apps for t in a.tasks)
    summary["tasks"] = {name: task_counts.get(name, 0) for name in COUNTED}
    return {
        "format_version": FORMAT_VERSION,
        "mode": result.mode,
        "offline": result.offline,
        "apps": apps,
        "summary": summary,
    }


def _app_json(app: AppResult) -> dict[str, Any]:
    return {
        "app": app.app,
        "spec": str(app.spec),
        "status": app.status.value,
        "layout": app.layout,
        "evidence": list(app.evidence),
        "counts": counts(app.tasks),
        "tasks": [
            {
                "name": t.name,
                "status": t.status.value,
                "message": t.message,
                "notes": list(t.notes),
                "diff": "".join(t.diffs),
                "commands": list(t.commands),
                "before": t.before,
                "after": t.after,
            }
            for t in app.tasks
        ],
    }


class JsonReporter:
    def __init__(self, stream: TextIO) -> None:
        self.stream = stream

    def render(self, result: RunResult) -> None:
        json.dump(to_json(result), self.stream, indent=2)
        self.stream.write("\n")


def error_report(mode: str, message: str, problems: list[dict[str, Any]]) -> dict[str, Any]:
    """The report when the run stopped before any app (invalid spec, flyctl unusable)."""
    empty = to_json(RunResult(mode, ()))
    empty["error"] = {"message": message, "problems": problems}
    return empty
