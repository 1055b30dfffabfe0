"""The Markdown job summary, appended to `$GITHUB_STEP_SUMMARY` when it is set (GitHub
Actions shows it on the run's page): the closing line, a table of apps with their counts, and
per app the tasks that are not ok, with their diffs and commands, rendered from the same
results as every other output.

Text from input (messages, file contents in diffs) is made inert for Markdown: HTML
characters become entities and Markdown punctuation is backslash-escaped; diffs go in fenced
blocks longer than any backtick run inside them. GitHub caps a step summary at 1 MiB: past
that the per-app details are left out and the summary says so."""

from __future__ import annotations

import re
import sys
from pathlib import Path

from runner.events import AppResult, Event, RunFinished, RunResult, TaskResult, changed_word
from runner.model import Status
from runner.report.closing import closing_line, offline
from runner.report.paths import repo_relative
from runner.report.progress import COUNTED, counts

LIMIT = 1000 * 1024  # below GitHub's 1 MiB per step, with room for other steps' lines
# Inline text never starts a line here, so only what acts mid-line needs escaping.
_MARKDOWN = re.compile(r"([\\`*_\[\]|~])")
_HEADLINE = {0: "nothing left to do", 1: "failed", 2: "changes pending", 3: "internal error"}


def inline(text: str) -> str:
    """`text` shown as is in Markdown (one line: newlines become spaces)."""
    html = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _MARKDOWN.sub(r"\\\1", " ".join(html.splitlines()))


def with_code(text: str) -> str:
    """Like `inline`, but flyrun's own `command` spans stay code spans."""
    parts = text.split("`")
    if len(parts) % 2 == 0:  # an odd number of backticks: no spans to keep
        return inline(text)
    return "".join(f"`{part}`" if i % 2 else inline(part) for i, part in enumerate(parts))


def fenced(text: str, language: str = "") -> list[str]:
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return [f"{fence}{language}", *text.rstrip("\n").splitlines(), fence]


def _word(task: TaskResult, mode: str) -> str:
    if task.status is Status.CHANGED:
        return changed_word(mode)
    return task.status.value


def _task_lines(task: TaskResult, mode: str) -> list[str]:
    lines = [
        f"- **{_word(task, mode)}** `{task.id}`: {inline(task.title)} — {inline(task.message)}"
    ]
    if task.location is not None:
        at = task.location
        lines.append(f"  at `{repo_relative(at.file)}:{at.line}:{at.column}`")
    lines += [f"  - note: {inline(note)}" for note in task.notes]
    if task.commands:
        lines += ["", *("  " + line for line in fenced("\n".join(task.commands), "sh"))]
    for diff in task.diffs:
        lines += ["", *("  " + line for line in fenced(diff, "diff"))]
    return lines


def _shown(task: TaskResult) -> bool:
    """Failed, changed, or unknown for a reason other than --offline."""
    return task.status in (Status.FAILED, Status.CHANGED, Status.UNKNOWN) and not offline(task)


def _app_details(app: AppResult, mode: str) -> list[str]:
    tasks = [t for t in app.tasks if _shown(t)]
    if not tasks:
        return []
    head = f"<details><summary><b>{inline(app.app)}</b>: {app.status.value}</summary>"
    lines = [head, ""]
    for task in tasks:
        lines += _task_lines(task, mode)
    return [*lines, "", "</details>", ""]


def _table(result: RunResult) -> list[str]:
    if not result.apps:
        return []
    lines = ["| app | status | " + " | ".join(COUNTED) + " |", "|---|---|" + "---:|" * 5]
    for app in result.apps:
        values = " | ".join(str(v) for v in counts(app.tasks).values())
        lines.append(f"| {inline(app.app)} | {app.status.value} | {values} |")
    return [*lines, ""]


def _problems(result: RunResult) -> list[str]:
    lines = [
        f"- `{repo_relative(at.file)}:{at.line}:{at.column}`: {inline(message)}"
        for at, message in result.problems
    ]
    if result.error is not None and not lines:
        lines = [f"- {inline(result.error)}"]
    return [*lines, ""] if lines else []


def to_markdown(result: RunResult, exit_code: int, carry: tuple[str, ...] = ()) -> str:
    headline = _HEADLINE.get(exit_code, f"exit {exit_code}")
    if result.mode == "validate" and exit_code == 0:
        headline = "valid"
    head = [f"### flyrun {result.mode}: {headline} (exit {exit_code})", ""]
    head += [with_code(closing_line(result, exit_code, "flyrun", carry)), ""]
    head += _problems(result) + _table(result)
    details = [line for app in result.apps for line in _app_details(app, result.mode)]
    text = "\n".join(head + details) + "\n"
    if len(text.encode("utf-8")) <= LIMIT:
        return text
    note = "Details left out (GitHub's 1 MiB summary limit): see the JUnit, SARIF or JSON report."
    return "\n".join([*head, note, ""]) + "\n"


class StepSummary:
    """Appends the summary to `path` (`$GITHUB_STEP_SUMMARY`) when the run finishes."""

    def __init__(self, path: Path, carry: tuple[str, ...] = ()) -> None:
        self.path = path
        self.carry = carry  # options the suggested next command keeps (runner/report/closing.py)

    def __call__(self, event: Event) -> None:
        if isinstance(event, RunFinished):
            text = to_markdown(event.result, event.exit_code, self.carry)
            try:
                with self.path.open("a", encoding="utf-8") as handle:
                    handle.write(text + "\n")
            except OSError as exc:
                print(
                    f"flyrun: could not append the job summary to {self.path}: {exc}",
                    file=sys.stderr,
                )
