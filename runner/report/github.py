"""GitHub Actions annotations (`--format github`): `::error` for a failed task or refusal,
`::warning` for `unknown`, `::notice` for a change pending in check, each at the file and
line at fault when known (a spec problem at the spec's line, a fly.toml problem at fly.toml's,
a pending edit at the first changed line of each file it edits), else at the spec; paths
are relative to the repository's root (runner/report/paths.py). Escaping follows actions/toolkit
(`%`, CR, LF in data; also `:` and `,` in properties), so no text from input can form a
workflow command."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import TextIO

from runner.errors import Location
from runner.events import Event, RunFinished, RunResult, TaskResult, previews
from runner.model import OFFLINE, Status
from runner.report.paths import app_line, repo_relative


def escape_data(text: str) -> str:
    escaped = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    return escaped.replace("##[", "## [")  # the runner's older command form, anywhere


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def relative(path: Path | str) -> str:
    """As GitHub names files: relative to the repository's root (runner/report/paths.py)."""
    return repo_relative(path)


def annotation(
    level: str, message: str, *, title: str, at: Location | None = None, file: str | None = None
) -> str:
    if at is not None and message.startswith(f"{at}: "):  # said by the annotation's place
        message = message[len(f"{at}: ") :]
    props = []
    where = relative(at.file) if at is not None else file
    if where:
        props.append(f"file={escape_property(where)}")
    if at is not None:
        props += [f"line={at.line}", f"col={at.column}"]
    props.append(f"title={escape_property(title)}")
    return f"::{level} {','.join(props)}::{escape_data(message)}"


def run_annotations(result: RunResult) -> Iterable[str]:
    for at, message in result.problems:
        yield annotation("error", message, title="flyrun spec", at=at)
    if result.error is not None and not result.problems:
        yield annotation("error", result.error, title="flyrun")
    for app in result.apps:
        line = app_line(app.spec, app.app)  # a task with no file of its own: the app's line
        anchor = Location(str(app.spec), line, 1) if line is not None else None
        for task in app.tasks:
            yield from _task_annotations(result.mode, app.app, relative(app.spec), task, anchor)


def _task_annotations(
    mode: str, app: str, spec: str, task: TaskResult, anchor: Location | None
) -> Iterable[str]:
    title = f"flyrun {app}: {task.id}"
    at = task.location or anchor
    if task.status is Status.FAILED:
        yield annotation("error", task.message, title=title, at=at, file=spec)
    elif task.status is Status.UNKNOWN and not task.message.startswith(OFFLINE):
        yield annotation("warning", task.message, title=title, at=at, file=spec)
    elif task.status is Status.CHANGED and previews(mode):
        for edit in task.edits or (at,):  # each file it would edit, else where it is about
            yield annotation(
                "notice", f"would change: {task.message}", title=title, at=edit, file=spec
            )


class GithubReporter:
    def __init__(self, stream: TextIO) -> None:
        self.stream = stream

    def __call__(self, event: Event) -> None:
        if isinstance(event, RunFinished):
            for line in run_annotations(event.result):
                self.stream.write(line + "\n")
            self.stream.flush()
