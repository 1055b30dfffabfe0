"""The exit code of a run, from the outcome table (README "Exit codes")."""

from __future__ import annotations

from pathlib import Path

import pytest

from runner.events import AppResult, RunResult, TaskResult
from runner.model import OFFLINE, Status
from runner.run import exit_code

SPEC = Path("/x/s.yml")


def _run(mode: str, *statuses: Status, message: str = "m", **kwargs: object) -> RunResult:
    tasks = tuple(TaskResult(f"t{n}", "t", s, message) for n, s in enumerate(statuses))
    return RunResult(mode, (AppResult("a", SPEC, tasks),), **kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("mode", "statuses", "code"),
    [
        ("check", (Status.OK, Status.SKIPPED), 0),
        ("check", (Status.OK, Status.CHANGED), 2),
        ("check", (Status.UNKNOWN,), 2),
        ("apply", (Status.CHANGED, Status.UNKNOWN), 0),
        ("check", (Status.CHANGED, Status.FAILED), 1),
        ("apply", (Status.FAILED,), 1),
    ],
)
def test_the_outcome_table(mode: str, statuses: tuple[Status, ...], code: int) -> None:
    assert exit_code(_run(mode, *statuses)) == code


def test_offline_unknowns_do_not_count_toward_pending() -> None:
    assert exit_code(_run("check", Status.OK, Status.UNKNOWN, message=OFFLINE + "x")) == 0


def test_interrupt_and_bugs_win() -> None:
    assert exit_code(_run("check", Status.CHANGED, interrupted=True)) == 130
    bug = RunResult("check", (AppResult("a", SPEC, (), internal_error=True),))
    assert exit_code(bug) == 3
    assert exit_code(RunResult("check", (), error="invalid spec")) == 1
