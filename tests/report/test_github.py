from __future__ import annotations

from pathlib import Path

import pytest

from runner.errors import Location
from runner.events import AppResult, RunResult, TaskResult
from runner.model import OFFLINE, Status
from runner.report.github import annotation, escape_data, run_annotations


def test_escaping_follows_the_actions_toolkit() -> None:
    line = annotation("error", "50% done\nnext", title="a: b, c", at=Location("x,y.yml", 3, 4))
    assert line == "::error file=x%2Cy.yml,line=3,col=4,title=a%3A b%2C c::50%25 done%0Anext"


def test_input_text_cannot_form_a_workflow_command() -> None:
    message = "bad key\n::error file=/etc/passwd::owned\r\n%0A"
    line = annotation("error", message, title="t\n::warning::x")
    assert line.count("\n") == 0 and "\r" not in line
    assert line.startswith("::error title=t%0A%3A%3Awarning%3A%3Ax::")
    assert escape_data("%0A") == "%250A"  # an escape in the input stays literal


def test_spec_problems_point_at_file_line_col(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    at = Location(str(tmp_path / "fly-sqlite.yml"), 5, 3)
    result = RunResult("check", (), error="invalid spec", problems=((at, "unknown key"),))
    assert list(run_annotations(result)) == [
        "::error file=fly-sqlite.yml,line=5,col=3,title=flyrun spec::unknown key"
    ]


def _task(task_id: str, status: Status, message: str, at: Location | None = None) -> TaskResult:
    return TaskResult(task_id, task_id, status, message, location=at)


def test_one_annotation_per_failed_unknown_or_pending_task(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    tasks = (
        _task("volume", Status.CHANGED, "create"),
        _task("secret", Status.UNKNOWN, "cannot verify"),
        _task("mount", Status.FAILED, "conflict", Location(str(tmp_path / "fly.toml"), 7, 1)),
        _task("warning", Status.SKIPPED, "Rails 6.1"),
        _task("x", Status.OK, "ok"),
        _task("machines", Status.UNKNOWN, OFFLINE + "not asked"),
    )
    result = RunResult("check", (AppResult("shop", tmp_path / "fly-sqlite.yml", tasks),))
    lines = list(run_annotations(result))
    assert [line.split(" ", 1)[0] for line in lines] == ["::notice", "::warning", "::error"]
    assert lines[2].startswith("::error file=fly.toml,line=7,col=1,title=flyrun shop%3A mount::")
    assert lines[0].startswith("::notice file=fly-sqlite.yml,title=flyrun shop%3A volume::")
    applied = RunResult("apply", result.apps)
    assert [line.split(" ", 1)[0] for line in run_annotations(applied)] == ["::warning", "::error"]
