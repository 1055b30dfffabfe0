"""JUnit XML (`--junit FILE`), rendered from the run's results like every other output.

One `<testsuite>` per app (named by the app), one `<testcase>` per task, named by its stable
playbook id (`volume`, `mount`, `preflight.machines`…) with the app as `classname`, so CI
test history follows a task from run to run. A change pending in check is a `<failure>`
whose message carries the diff (Ansible's `JUNIT_FAIL_ON_CHANGE`, on by default for check);
a failed task an `<error>`; skipped and unknown tasks `<skipped>` with the reason. A run that
stopped before any app (an invalid spec, a stale plan) is one `flyrun` suite with an error
per problem. Only the results' own texts are written, and they never hold a secret value."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path

from runner.errors import Location
from runner.events import AppResult, Event, RunFinished, RunResult, TaskResult, changed_word
from runner.model import Status
from runner.report.files import write_report
from runner.report.paths import repo_relative

# Characters XML 1.0 cannot hold, even escaped (a control character copied from a file).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _clean(text: str) -> str:
    return _NOT_XML.sub("\ufffd", text)


def details(task: TaskResult) -> str:
    """Everything the text report shows for a task, as plain text."""
    lines = [task.message]
    if task.location is not None:
        at = task.location
        lines.append(f"at {repo_relative(at.file)}:{at.line}:{at.column}")
    lines += [f"note: {note}" for note in task.notes]
    if task.before is not None or task.after is not None:
        lines.append(f"before: {task.before}  after: {task.after}")
    lines += [f"$ {command}" for command in task.commands]
    return "\n".join(lines) + ("\n" + "".join(task.diffs) if task.diffs else "")


def _outcome(case: ET.Element, task: TaskResult, mode: str) -> str:
    """Add the task's outcome to its testcase; return its JUnit kind."""
    if task.status is Status.FAILED:
        child = ET.SubElement(case, "error", message=_clean(task.message), type="failed")
        child.text = _clean(details(task))
        return "errors"
    if task.status is Status.CHANGED and mode == "check":
        message = "\n".join((f"would change: {task.message}", *task.diffs))
        child = ET.SubElement(case, "failure", message=_clean(message), type="pending")
        child.text = _clean(details(task))
        return "failures"
    if task.status in (Status.SKIPPED, Status.UNKNOWN):
        reason = f"{task.status.value}: {task.message}"
        ET.SubElement(case, "skipped", message=_clean(reason))
        return "skipped"
    out = ET.SubElement(case, "system-out")  # validate's pending edits too: it exits 0
    word = changed_word(mode) if task.status is Status.CHANGED else task.status.value
    out.text = _clean(f"{word}: {details(task)}")
    return "passed"


def _testcase(suite: ET.Element, classname: str, task: TaskResult, mode: str) -> str:
    case = ET.SubElement(
        suite, "testcase", name=task.id, classname=classname, time=f"{task.duration:.3f}"
    )
    if task.location is not None:  # read by GitLab and Jenkins to link the file
        case.set("file", repo_relative(task.location.file))
        case.set("line", str(task.location.line))
    return _outcome(case, task, mode)


def _suite(parent: ET.Element, name: str, tasks: tuple[TaskResult, ...], mode: str) -> Counter[str]:
    suite = ET.SubElement(parent, "testsuite", name=name)
    kinds = Counter(_testcase(suite, name, task, mode) for task in tasks)
    _count(suite, kinds, sum(t.duration for t in tasks))
    return kinds


def _count(element: ET.Element, kinds: Counter[str], seconds: float) -> None:
    element.set("tests", str(sum(kinds.values())))
    for kind in ("failures", "errors", "skipped"):
        element.set(kind, str(kinds[kind]))
    element.set("time", f"{seconds:.3f}")


def _app_suite(parent: ET.Element, app: AppResult, mode: str) -> Counter[str]:
    kinds = _suite(parent, app.app, app.tasks, mode)
    suite = parent[-1]
    properties = ET.Element("properties")
    for name, value in (
        ("spec", repo_relative(app.spec)),
        ("status", app.status.value),
        ("layout", app.layout or ""),
    ):
        ET.SubElement(properties, "property", name=name, value=_clean(value))
    suite.insert(0, properties)
    suite.set("time", f"{app.duration:.3f}")
    return kinds


def _run_problems(result: RunResult) -> tuple[TaskResult, ...]:
    """A run stopped before any app: each problem (or the error) as a failed `spec`/`run`."""
    if result.problems:
        return tuple(_problem(at, message) for at, message in result.problems)
    return (TaskResult("run", "run", Status.FAILED, result.error or "failed"),)


def _problem(at: Location, message: str) -> TaskResult:
    return TaskResult("spec", "spec", Status.FAILED, message, location=at)


def to_junit(result: RunResult) -> ET.Element:
    root = ET.Element("testsuites", name=f"flyrun {result.mode}")
    kinds: Counter[str] = Counter()
    for app in result.apps:
        kinds += _app_suite(root, app, result.mode)
    if result.error is not None:
        kinds += _suite(root, "flyrun", _run_problems(result), result.mode)
    _count(root, kinds, result.duration)
    return root


def junit_text(result: RunResult) -> str:
    root = to_junit(result)
    ET.indent(root)
    return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"


class JunitWriter:
    """Writes the JUnit file when the run finishes (also when it stopped early)."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def __call__(self, event: Event) -> None:
        if isinstance(event, RunFinished):
            write_report(self.path, junit_text(event.result), "JUnit report")
