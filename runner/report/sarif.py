"""SARIF 2.1.0 (`--sarif FILE`) for GitHub code scanning, rendered from the run's results.

Each result's `ruleId` is the stable id of what produced it: the playbook task id (`volume`,
`mount`…), `preflight.<check>` for a refusal, `spec` for a spec problem (peers.md §6: stable
rule ids, paths relative to the repository, a start line at least). Levels: `error` for a
failed task, `warning` for `unknown` (not --offline's), `note` for a change pending in check,
one per file it edits, at its first changed line, with the diff. A result with no file of its
own points at the app's `app:` line in its spec, since code scanning needs a location. A run
that stopped before any app reports each spec problem, or its error as a tool notification."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

from runner import __version__
from runner.errors import Location
from runner.events import AppResult, Event, RunFinished, RunResult, TaskResult, previews
from runner.model import OFFLINE, Status
from runner.report.files import write_report
from runner.report.paths import app_line, repo_relative

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
INFORMATION_URI = "https://flyrun.dev/"


def _location(at: Location) -> dict[str, Any]:
    path = repo_relative(at.file)
    artifact: dict[str, Any] = {"uri": quote(path), "uriBaseId": "%SRCROOT%"}
    if path.startswith(("/", "../")):  # outside the repository: an absolute file URI
        artifact = {"uri": Path(at.file).absolute().as_uri()}
    region = {"startLine": max(at.line, 1), "startColumn": max(at.column, 1)}
    return {"physicalLocation": {"artifactLocation": artifact, "region": region}}


def _result(rule: str, level: str, text: str, at: Location) -> dict[str, Any]:
    return {
        "ruleId": rule,
        "level": level,
        "message": {"text": text},
        "locations": [_location(at)],
    }


def _task_results(app: AppResult, task: TaskResult, mode: str) -> Iterator[dict[str, Any]]:
    anchor = Location(str(app.spec), app_line(app.spec, app.app) or 1, 1)
    where = task.location or anchor
    prefix = f"{app.app}: "
    message = task.message.removeprefix(f"{where}: ")  # FILE:LINE:COL is the location's
    if task.status is Status.FAILED:
        yield _result(task.id, "error", prefix + message, where)
    elif task.status is Status.UNKNOWN and not task.message.startswith(OFFLINE):
        yield _result(task.id, "warning", prefix + message, where)
    elif task.status is Status.CHANGED and previews(mode):
        text = f"{prefix}would change: {task.message}"
        if not task.edits:
            yield _result(task.id, "note", "\n".join((text, *task.commands)), where)
        for at, diff in zip(task.edits, task.diffs, strict=False):
            yield _result(task.id, "note", f"{text}\n{diff}", at)


def results(result: RunResult) -> list[dict[str, Any]]:
    found = [
        _result("spec", "error", message, at) for at, message in result.problems
    ]  # a run that stopped before any app, on a spec or playbook problem
    for app in result.apps:
        for task in app.tasks:
            found += _task_results(app, task, result.mode)
    return found


def _rules(found: list[dict[str, Any]]) -> list[dict[str, Any]]:
    ids = sorted({r["ruleId"] for r in found})
    return [
        {
            "id": rule,
            "name": rule,
            "shortDescription": {"text": _describe(rule)},
            "helpUri": INFORMATION_URI,
        }
        for rule in ids
    ]


def _describe(rule: str) -> str:
    if rule == "spec":
        return "flyrun: a spec (or playbook) problem"
    if rule.startswith("preflight."):
        return (
            f"flyrun preflight check {rule.removeprefix('preflight.')}: refused before any change"
        )
    return f"flyrun task {rule}: what check would change, or why it failed"


def to_sarif(result: RunResult, exit_code: int) -> dict[str, Any]:
    found = results(result)
    invocation: dict[str, Any] = {"executionSuccessful": exit_code in (0, 2), "exitCode": exit_code}
    if result.error is not None and not result.problems:
        invocation["toolExecutionNotifications"] = [
            {"level": "error", "message": {"text": result.error}}
        ]
    driver = {
        "name": "flyrun",
        "version": __version__,
        "informationUri": INFORMATION_URI,
        "rules": _rules(found),
    }
    run = {"tool": {"driver": driver}, "invocations": [invocation], "results": found}
    return {"$schema": SCHEMA, "version": "2.1.0", "runs": [run]}


class SarifWriter:
    """Writes the SARIF file when the run finishes (also when it stopped early)."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def __call__(self, event: Event) -> None:
        if isinstance(event, RunFinished):
            text = json.dumps(to_sarif(event.result, event.exit_code), indent=2)
            write_report(self.path, text + "\n", "SARIF report")
