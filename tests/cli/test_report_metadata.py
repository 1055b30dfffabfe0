"""Every report says what ran: `mode` is validate, check or apply, and `offline` is true
whenever flyctl was not (or would not have been) asked, also for a run stopped early."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from runner.cli import main
from runner.resources import load_json
from tests.cli.harness import FlyApp


def _valid(report: dict[str, Any]) -> None:
    validator = Draft202012Validator(load_json("schemas", "report.schema.json"))
    assert list(validator.iter_errors(report)) == []


def _json(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, dict[str, Any], str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    report: dict[str, Any] = json.loads(out)
    _valid(report)
    return code, report, err


@pytest.mark.parametrize(
    ("argv", "mode", "offline"),
    [
        (["check", "--offline"], "check", True),
        (["check"], "check", False),
        (["validate"], "validate", True),
        (["apply"], "apply", False),
    ],
)
def test_an_early_failure_reports_what_would_have_run(
    fly_app: FlyApp,
    capsys: pytest.CaptureFixture[str],
    argv: list[str],
    mode: str,
    offline: bool,
) -> None:
    fly_app.spec.write_text(fly_app.spec.read_text() + "volume_size: 3\n")  # unknown key
    code, report, _ = _json(capsys, *argv, str(fly_app.spec), "--format", "json")
    assert code == 1 and "error" in report
    assert (report["mode"], report["offline"]) == (mode, offline)


def test_validate_reports_say_validate_and_agree_with_its_exit_code(
    fly_app: FlyApp, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    junit = tmp_path / "junit.xml"
    argv = ["validate", str(fly_app.spec), "--format", "json", "--junit", str(junit)]
    code, report, err = _json(capsys, *argv)
    assert code == 0 and report["summary"]["exit_code"] == 0
    assert (report["mode"], report["offline"]) == ("validate", True)
    assert report["summary"]["apps_changed"] == 1  # edits pending: not validate's failure
    assert "would change: fly.toml mounts" in err and "\nchanged:" not in err
    root = ET.parse(junit).getroot()
    assert root.get("name") == "flyrun validate"
    assert (root.get("failures"), root.get("errors")) == ("0", "0")
    assert "would change:" in ET.tostring(root, encoding="unicode")


def test_flyrun_schema_report_prints_the_schema_reports_are_valid_in(
    fly_app: FlyApp, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["schema", "--report"]) == 0
    schema = json.loads(capsys.readouterr().out)
    assert schema["$id"] == "https://flyrun.dev/schemas/report.schema.json"
    _, report, _ = _json(capsys, "check", "--offline", "--format", "json", str(fly_app.spec))
    assert list(Draft202012Validator(schema).iter_errors(report)) == []
    assert main(["schema", "--report", "--plan"]) == 1  # one schema at a time
    assert "--plan: not allowed with argument --report" in capsys.readouterr().err


@pytest.mark.parametrize("command", ["check", "apply"])
def test_ctrl_c_before_any_app_ran_writes_every_report_and_says_nothing_changed(
    fly_app: FlyApp,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    command: str,
) -> None:
    """Ctrl-C while the specs are read: exit 130, the report files still written (a CI
    shard's report says it was interrupted), and no claim that an app may be half done."""
    import runner.cli

    def interrupted(*args: Any) -> Any:
        raise KeyboardInterrupt

    monkeypatch.setattr(runner.cli, "_load_specs", interrupted)
    saved = tmp_path / "report.json"
    argv = [command, str(fly_app.spec), "--format", "json", "--json", str(saved)]
    code, report, err = _json(capsys, *argv)
    assert code == 130
    assert report["summary"]["exit_code"] == 130 and report["summary"]["interrupted"] is True
    assert report["apps"] == [] and report["mode"] == command
    assert json.loads(saved.read_text()) == report
    assert "interrupted before any app ran: nothing was changed" in err
    assert "partly converted" not in err
