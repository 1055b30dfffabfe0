"""The JSON report (`--format json`, `schemas/report.schema.json`), rendered from the results
the event stream built. Its summary agrees with the exit code in every case."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any, TextIO

from runner.events import AppResult, Event, RunFinished, RunResult, TaskResult
from runner.report.files import write_report
from runner.report.inert import inert_json
from runner.report.progress import APP_STATUSES, COUNTED, counts

FORMAT_VERSION = "1.3"  # 1.2: apps_skipped, app status skipped, mode validate; 1.3: shard


Shard = tuple[int, int]  # `--shard I/N`: (I, N)


def to_json(result: RunResult, exit_code: int, shard: Shard | None = None) -> dict[str, Any]:
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
    if shard is not None:  # `report merge` tells a missing shard from a converged fleet
        report["shard"] = {"index": shard[0], "count": shard[1]}
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


def json_text(finished: RunFinished, shard: Shard | None) -> str:
    report = to_json(finished.result, finished.exit_code, shard)
    return inert_json(json.dumps(report, indent=2)) + "\n"


class JsonReporter:
    """`--format json`: the report on stdout."""

    def __init__(self, stream: TextIO, shard: Shard | None = None) -> None:
        self.stream = stream
        self.shard = shard

    def __call__(self, event: Event) -> None:
        if isinstance(event, RunFinished):
            self.stream.write(json_text(event, self.shard))
            self.stream.flush()


class JsonWriter:
    """`--json FILE`: the same report in a file, whatever stdout shows (a CI shard keeps
    its annotations on stdout and its report for `flyrun report merge`)."""

    def __init__(self, path: Path, shard: Shard | None = None) -> None:
        self.path = path
        self.shard = shard

    def __call__(self, event: Event) -> None:
        if isinstance(event, RunFinished):
            write_report(self.path, json_text(event, self.shard), "JSON report")
