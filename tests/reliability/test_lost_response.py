"""Intent before effect: a mutation whose response is lost (the simulator's `lost_response`:
the change lands, flyctl reports a dropped connection) is recognised in the same run by
re-reading, and, when that re-read fails too, by the next run; never done twice."""

from __future__ import annotations

import json

import pytest

from runner.events import EffectFinished, Event
from runner.simulator.state import add_fault
from tests.cli.harness import FlyApp
from tests.reliability.helpers import URL, calls, fault, hooked, report_of, task

LOST = "but re-reading shows the change landed (a lost response)"


def _then_fail_next(app: FlyApp, task_id: str, query: str) -> object:
    """A hook: right after `task_id`'s mutation failed, the re-read `query` fails too (as if
    the network dropped for good), so this run cannot tell whether the change landed."""

    def hook(event: Event) -> None:
        if isinstance(event, EffectFinished) and event.task == task_id and not event.ok:
            state = app.state
            add_fault(state, query, "fail", stderr="unauthorized")  # not transient
            app.edit_state(state)

    return hook


def test_lost_responses_are_recognised_in_the_same_run(
    quick_app: FlyApp, capsys: pytest.CaptureFixture[str]
) -> None:
    fault(quick_app, "volumes create", "lost_response")
    fault(quick_app, "secrets import", "lost_response")
    code, report, _ = report_of(quick_app, capsys, "apply")
    assert code == 0
    for task_id in ("volume", "secret"):
        assert any(LOST in note for note in task(report, task_id)["notes"]), task_id
    assert len(quick_app.state["apps"]["shop"]["volumes"]) == 1
    assert len(calls(quick_app, "volumes", "create")) == 1
    assert len(calls(quick_app, "secrets", "import")) == 1
    assert quick_app.run(capsys, "check")[0] == 0


def test_lost_secrets_import_is_recognised_by_the_next_run_without_override(
    quick_app: FlyApp, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    fault(quick_app, "secrets import", "lost_response")
    with hooked(monkeypatch, _then_fail_next(quick_app, "secret", "secrets list")):  # type: ignore[arg-type]
        code, report, _ = report_of(quick_app, capsys, "apply")
    assert code == 1 and task(report, "secret")["status"] == "failed"
    record = json.loads((quick_app.app_dir / ".flyrun-state.json").read_text())
    entry = record["apps"]["shop"]["secrets"]["DATABASE_URL"]
    assert "intent" in entry and "sha256" not in entry  # the intent, written before staging
    assert URL not in json.dumps(record)

    code, report, _ = report_of(quick_app, capsys, "check")
    secret = task(report, "secret")
    assert code == 2 and secret["status"] == "changed", secret  # not `unknown`: no override
    assert secret["message"] == "record DATABASE_URL in .flyrun-state.json"
    assert any(
        "flyrun's own change landed although flyctl's response was lost" in n
        for n in secret["notes"]
    )

    assert quick_app.run(capsys, "apply")[0] == 0  # no --replace-database-url needed
    assert len(calls(quick_app, "secrets", "import")) == 1  # never staged twice
    assert quick_app.run(capsys, "check")[0] == 0


def test_lost_volume_create_then_no_answer_next_run_finds_the_volume(
    quick_app: FlyApp, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    fault(quick_app, "volumes create", "lost_response")
    with hooked(monkeypatch, _then_fail_next(quick_app, "volume", "volumes list")):  # type: ignore[arg-type]
        code, report, _ = report_of(quick_app, capsys, "apply")
    assert code == 1 and task(report, "volume")["status"] == "failed"
    assert not calls(quick_app, "secrets", "import")  # nothing after the failed task

    code, report, _ = report_of(quick_app, capsys, "check")
    assert task(report, "volume")["status"] == "ok"
    assert quick_app.run(capsys, "apply")[0] == 0
    assert len(quick_app.state["apps"]["shop"]["volumes"]) == 1
    assert len(calls(quick_app, "volumes", "create")) == 1


def test_lost_deploy_the_next_run_sees_it_landed(
    quick_app: FlyApp, capsys: pytest.CaptureFixture[str]
) -> None:
    """(With a flyctl older than v0.4.6, which does not say whether a secret is deployed,
    the next run deploys once more: tests/cli/test_cases.py, old flyctl failed deploy.)"""
    fault(quick_app, "deploy", "lost_response")
    code, report, _ = report_of(quick_app, capsys, "apply")
    assert code == 1 and task(report, "deploy")["status"] == "failed"
    assert quick_app.state["apps"]["shop"]["machines"][0]["config"]["mounts"]  # it landed
    assert quick_app.run(capsys, "check")[0] == 0
    assert quick_app.run(capsys, "apply")[0] == 0
    assert len(calls(quick_app, "deploy")) == 1
