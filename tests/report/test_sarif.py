"""SARIF 2.1.0 (runner/report/sarif.py): valid against the official schema (vendored from
oasis-tcs/sarif-spec, `sarif-2.1/schema/sarif-schema-2.1.0.json`), stable rule ids, paths
relative to the repository, start lines."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft4Validator  # type: ignore[import-untyped, unused-ignore]

from runner.events import RunFinished, RunResult
from runner.report.sarif import SarifWriter, to_sarif
from tests.report.results import run_result, spec_failure

SCHEMA = Path(__file__).with_name("sarif-schema-2.1.0.json")


@cache
def _validator() -> Any:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    Draft4Validator.check_schema(schema)
    return Draft4Validator(schema)


def valid_sarif(log: dict[str, Any]) -> dict[str, Any]:
    errors = [e.message for e in _validator().iter_errors(log)]
    assert errors == []
    return log


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An app folder `apps/shop` in a repository (the folder holding `.git`)."""
    (tmp_path / ".git").mkdir()
    (tmp_path / "apps" / "shop").mkdir(parents=True)
    monkeypatch.delenv("GITHUB_WORKSPACE", raising=False)
    monkeypatch.chdir(tmp_path / "apps")  # paths do not depend on where flyrun ran
    return tmp_path / "apps" / "shop"


def _where(result: dict[str, Any]) -> tuple[str, int]:
    physical = result["locations"][0]["physicalLocation"]
    assert physical["artifactLocation"]["uriBaseId"] == "%SRCROOT%"
    return physical["artifactLocation"]["uri"], physical["region"]["startLine"]


def test_a_check_is_valid_sarif_with_one_result_per_finding(repo: Path) -> None:
    log = valid_sarif(to_sarif(run_result(repo), 2))
    (run,) = log["runs"]
    found = [(r["ruleId"], r["level"], *_where(r)) for r in run["results"]]
    assert found == [
        ("migrations", "note", "apps/shop/fly.toml", 2),  # each edited file, its first change
        ("migrations", "note", "apps/shop/lib/tasks/fly.rake", 3),
        ("secret", "note", "apps/shop/fly-sqlite.yml", 2),  # no file of its own: `app:` line
        ("preflight.machines", "error", "apps/shop/fly.toml", 7),
        ("machines", "warning", "apps/shop/fly-sqlite.yml", 2),  # offline unknown: none
    ]
    assert [r["id"] for r in run["tool"]["driver"]["rules"]] == sorted(
        {"migrations", "secret", "preflight.machines", "machines"}
    )
    assert run["invocations"][0] == {"executionSuccessful": True, "exitCode": 2}
    assert "+[mounts]" in run["results"][0]["message"]["text"]


def test_rule_ids_are_stable_across_runs_and_apps(repo: Path) -> None:
    first = to_sarif(run_result(repo), 2)["runs"][0]["results"]
    second = to_sarif(run_result(repo), 2)["runs"][0]["results"]
    assert [r["ruleId"] for r in first] == [r["ruleId"] for r in second]


def test_apply_reports_failures_not_the_changes_it_made(repo: Path) -> None:
    log = valid_sarif(to_sarif(run_result(repo, "apply"), 1))
    levels = [(r["ruleId"], r["level"]) for r in log["runs"][0]["results"]]
    assert levels == [("preflight.machines", "error"), ("machines", "warning")]
    assert log["runs"][0]["invocations"][0]["executionSuccessful"] is False


def test_a_spec_problem_is_a_result_at_its_line(repo: Path) -> None:
    log = valid_sarif(to_sarif(spec_failure(repo), 1))
    (result,) = log["runs"][0]["results"]
    assert result["ruleId"] == "spec" and _where(result) == ("apps/shop/fly-sqlite.yml", 3)
    assert result["locations"][0]["physicalLocation"]["region"]["startColumn"] == 9


def test_an_error_before_any_app_is_a_tool_notification(repo: Path) -> None:
    log = valid_sarif(to_sarif(RunResult("check", (), error="flyctl not found"), 1))
    (invocation,) = log["runs"][0]["invocations"]
    assert invocation["toolExecutionNotifications"][0]["message"]["text"] == "flyctl not found"
    assert log["runs"][0]["results"] == []


def test_a_file_outside_the_repository_is_an_absolute_uri(tmp_path: Path) -> None:
    (tmp_path / "repo" / ".git").mkdir(parents=True)
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    result = spec_failure(outside)
    log = valid_sarif(to_sarif(result, 1))
    location = log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"].startswith("file:///")


def test_the_writer_writes_valid_sarif(repo: Path) -> None:
    target = repo / "out" / "flyrun.sarif"
    SarifWriter(target)(RunFinished(run_result(repo), 2))
    valid_sarif(json.loads(target.read_text(encoding="utf-8")))
