from __future__ import annotations

from pathlib import Path

import pytest

from runner.errors import Location, SpecProblem
from runner.model import Status
from runner.report_github import annotation, run_annotations, spec_annotations
from runner.results import AppResult, RunResult, TaskResult


def test_escaping_follows_the_actions_toolkit() -> None:
    line = annotation("error", "50% done\nnext", title="a: b, c", file="x,y.yml", line=3, col=4)
    assert line == "::error file=x%2Cy.yml,line=3,col=4,title=a%3A b%2C c::50%25 done%0Anext"


def test_spec_problems_point_at_file_line_col(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    problem = SpecProblem(Location(str(tmp_path / "fly-sqlite.yml"), 5, 3), "unknown key")
    assert list(spec_annotations([problem])) == [
        "::error file=fly-sqlite.yml,line=5,col=3,title=flyrun spec::unknown key"
    ]


def test_one_annotation_per_failed_unknown_or_pending_task() -> None:
    tasks = (
        TaskResult("volume", Status.CHANGED, "create"),
        TaskResult("secret", Status.UNKNOWN, "cannot verify"),
        TaskResult("mount", Status.FAILED, "conflict"),
        TaskResult("warning", Status.SKIPPED, "Rails 6.1"),
        TaskResult("x", Status.OK, "ok"),
    )
    result = RunResult("check", (AppResult("shop", Path("/a/fly-sqlite.yml"), tasks),))
    levels = [line.split(" ", 1)[0] for line in run_annotations(result)]
    assert levels == ["::notice", "::warning", "::error"]
    applied = RunResult("apply", result.apps)
    assert [line.split(" ", 1)[0] for line in run_annotations(applied)] == ["::warning", "::error"]
