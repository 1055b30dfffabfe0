"""GitHub Actions annotations (`--format github`): one `::error`/`::warning` line per failed,
pending or unknown task, and per spec problem with its file, line and column. Escaping follows
actions/toolkit (`%`, CR, LF in data; also `:` and `,` in properties)."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from typing import TextIO

from runner.errors import SpecProblem
from runner.model import Status
from runner.results import RunResult


def _data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _prop(text: str) -> str:
    return _data(text).replace(":", "%3A").replace(",", "%2C")


def _relative(path: Path | str) -> str:
    try:
        return os.path.relpath(path)
    except ValueError:
        return str(path)


def annotation(
    level: str,
    message: str,
    *,
    title: str,
    file: str | None = None,
    line: int | None = None,
    col: int | None = None,
) -> str:
    props = [f"file={_prop(file)}"] if file else []
    props += [f"line={line}"] if line else []
    props += [f"col={col}"] if col else []
    props.append(f"title={_prop(title)}")
    return f"::{level} {','.join(props)}::{_data(message)}"


def run_annotations(result: RunResult) -> Iterable[str]:
    pending = "would change" if result.mode == "check" else "changed"
    for app in result.apps:
        for task in app.tasks:
            title = f"flyrun {app.app}: {task.name}"
            if task.status is Status.FAILED:
                yield annotation("error", task.message, title=title, file=_relative(app.spec))
            elif task.status is Status.UNKNOWN:
                yield annotation("warning", task.message, title=title, file=_relative(app.spec))
            elif task.status is Status.CHANGED and result.mode == "check":
                yield annotation(
                    "notice", f"{pending}: {task.message}", title=title, file=_relative(app.spec)
                )


def spec_annotations(problems: Iterable[SpecProblem]) -> Iterable[str]:
    for problem in problems:
        where = problem.location
        yield annotation(
            "error",
            problem.message,
            title="flyrun spec",
            file=_relative(where.file),
            line=where.line,
            col=where.column,
        )


class GithubReporter:
    def __init__(self, stream: TextIO) -> None:
        self.stream = stream

    def render(self, result: RunResult) -> None:
        for line in run_annotations(result):
            self.stream.write(line + "\n")
