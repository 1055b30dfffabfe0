"""JUnit XML (runner/report/junit.py): parses, with the right counts, stable names, and the
outcome of each status."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from runner.events import RunFinished, RunResult, TaskResult
from runner.model import Status
from runner.report.junit import JunitWriter, junit_text
from tests.report.results import DIFF, run_result, spec_failure


def _parse(result: RunResult) -> ET.Element:
    return ET.fromstring(junit_text(result))


def _cases(root: ET.Element) -> dict[str, ET.Element]:
    return {case.get("name", ""): case for case in root.iter("testcase")}


def test_check_one_suite_per_app_one_case_per_task(tmp_path: Path) -> None:
    root = _parse(run_result(tmp_path))
    (suite,) = root.findall("testsuite")
    assert suite.get("name") == "shop"
    expected = {"tests": "7", "failures": "2", "errors": "1", "skipped": "3"}
    assert {k: suite.get(k) for k in expected} == expected
    assert {k: root.get(k) for k in expected} == expected
    cases = _cases(root)
    assert list(cases) == [
        "volume",
        "migrations",
        "secret",
        "preflight.machines",
        "warning",
        "machines",
        "deploy",
    ]  # the stable task ids
    assert {case.get("classname") for case in cases.values()} == {"shop"}
    assert len(cases["volume"]) == 1 and cases["volume"][0].tag == "system-out"  # passed


def test_pending_is_a_failure_with_the_diff_in_its_message(tmp_path: Path) -> None:
    cases = _cases(_parse(run_result(tmp_path)))
    failure = cases["migrations"].find("failure")
    assert failure is not None and failure.get("type") == "pending"
    message = failure.get("message", "")
    assert message.startswith("would change: move db:migrate\n") and DIFF in message
    assert cases["migrations"].get("file", "").endswith("fly.toml")
    assert cases["migrations"].get("line") == "2"
    secret = cases["secret"].find("failure")
    assert secret is not None and "<redacted>" in (secret.text or "")


def test_failed_is_an_error_skipped_and_unknown_are_skipped_with_the_reason(
    tmp_path: Path,
) -> None:
    cases = _cases(_parse(run_result(tmp_path)))
    error = cases["preflight.machines"].find("error")
    assert error is not None and error.get("message") == "two machines in group app"
    reasons = {name: cases[name].find("skipped") for name in ("warning", "machines", "deploy")}
    assert {n: s.get("message") if s is not None else None for n, s in reasons.items()} == {
        "warning": "skipped: Rails 7.2: deprecated",
        "machines": "unknown: cannot tell",
        "deploy": "unknown: offline: not asked",
    }


def test_apply_counts_a_change_made_as_passed(tmp_path: Path) -> None:
    root = _parse(run_result(tmp_path, "apply"))
    assert root.get("failures") == "0" and root.get("errors") == "1"
    assert _cases(root)["migrations"].find("failure") is None


def test_a_run_stopped_early_is_one_flyrun_suite_with_an_error_per_problem(
    tmp_path: Path,
) -> None:
    root = _parse(spec_failure(tmp_path))
    (suite,) = root.findall("testsuite")
    assert suite.get("name") == "flyrun" and suite.get("errors") == "1"
    (case,) = suite.iter("testcase")
    assert case.get("name") == "spec" and case.get("line") == "3"
    stopped = RunResult("check", (), error="flyctl not found")
    assert _cases(_parse(stopped))["run"].find("error") is not None


def test_control_characters_from_input_still_parse(tmp_path: Path) -> None:
    result = run_result(tmp_path)
    odd = TaskResult("mount", "mount", Status.FAILED, "bad byte \x00\x1b[31m here")
    app = result.apps[0]
    result = RunResult("check", (type(app)(app.app, app.spec, (odd,)),))
    error = _cases(_parse(result))["mount"].find("error")
    assert error is not None and "\ufffd" in error.get("message", "")


def test_the_writer_writes_the_file_when_the_run_finishes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "reports" / "junit.xml"
    JunitWriter(target)(RunFinished(run_result(tmp_path), 1))
    assert ET.parse(target).getroot().get("tests") == "7"
    JunitWriter(tmp_path)(RunFinished(run_result(tmp_path), 1))  # a folder: said, not raised
    err = capsys.readouterr().err
    assert err == f"flyrun: could not write the JUnit report to {tmp_path}: is a folder\n"
