"""The JSON report (`--format json`, `schemas/report.schema.json`), rendered from the results
the event stream built. Its summary agrees with the exit code in every case."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any, TextIO

from runner.events import AppResult, Event, RunFinished, RunResult, TaskResult
from runner.report.inert import inert_json
from runner.report.progress import APP_STATUSES, COUNTED, counts

FORMAT_VERSION = "1.2"  # 1.2: apps_skipped, app status skipped, mode validate


def to_json(result: RunResult, exit_code: int) -> dict[str, Any]:
    apps = [_app(app) for app in result.apps]
    summary: dict[str, Any] = {"apps": len(apps)}
    for status in APP_STATUSES:
        summary[f"apps_{status}"] = sum(1 for a in result.apps if a.status.value == status)
    task_counts = Counter(t.status.value for a in result.apps for t in a.tasks)
    summary["tasks"] = {name: task_counts.get(name, 0) for name in COUNTED}
    summary["exit_code"] = exit_code
    summary["interrupted"] = result.interrupted
    summary["internal_errors"] = sum(1 for a in result.apps if a.internal_error)
    summary["problems"] = len(result.problems)
    report: dict[str, Any] = {
        "format_version": FORMAT_VERSION,
        "mode": result.mode,
        "offline": result.offline,
        "flyctl": result.flyctl,
        "apps": apps,
        "summary": summary,
    }
    if result.error is not None:
        report["error"] = {
            "message": result.error,
            "problems": [
                {"file": at.file, "line": at.line, "column": at.column, "message": message}
                for at, message in result.problems
            ],
        }
    return report


def _app(app: AppResult) -> dict[str, Any]:
    return {
        "app": app.app,
        "spec": str(app.spec),
        "status": app.status.value,
        "layout": app.layout,
        "evidence": list(app.evidence),
        "findings": list(app.findings),
        "duration": round(app.duration, 3),
        "counts": counts(app.tasks),
        "tasks": [_task(t) for t in app.tasks],
    }


def _task(task: TaskResult) -> dict[str, Any]:
    location = None
    if task.location is not None:
        location = {
            "file": task.location.file,
            "line": task.location.line,
            "column": task.location.column,
        }
    return {
        "id": task.id,
        "name": task.title,
        "status": task.status.value,
        "message": task.message,
        "notes": list(task.notes),
        "diff": "".join(task.diffs),
        "commands": list(task.commands),
        "records": list(task.records),
        "before": task.before,
        "after": task.after,
        "location": location,
    }


class JsonReporter:
    def __init__(self, stream: TextIO) -> None:
        self.stream = stream

    def __call__(self, event: Event) -> None:
        if isinstance(event, RunFinished):
            text = json.dumps(to_json(event.result, event.exit_code), indent=2)
            self.stream.write(inert_json(text) + "\n")
            self.stream.flush()
