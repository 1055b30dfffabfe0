"""check → apply → check on the bundled example against the simulator (README "Development")."""

from __future__ import annotations

import json

import pytest
from jsonschema import Draft202012Validator

from runner.resources import load_json
from tests.cli.harness import FlyApp, tree_digest

MUTATING = {
    ("volumes", "create"),
    ("volumes", "extend"),
    ("secrets", "import"),
    ("secrets", "set"),
    ("deploy",),
}


def _mutations(calls: list[list[str]]) -> list[list[str]]:
    return [c for c in calls if tuple(c[:2]) in MUTATING or tuple(c[:1]) in MUTATING]


def test_check_apply_check(fly_app: FlyApp, capsys: pytest.CaptureFixture[str]) -> None:
    files, state = tree_digest(fly_app.app_dir), fly_app.state_path.read_bytes()
    code, first = fly_app.run_json(capsys, "check")
    assert code == 2 and first["apps"][0]["status"] == "changed"
    assert tree_digest(fly_app.app_dir) == files, "check wrote a file"
    assert fly_app.state_path.read_bytes() == state, "check changed the fake's state"
    assert _mutations(fly_app.calls()) == [], "check ran a mutating flyctl command"

    code, second = fly_app.run_json(capsys, "apply")
    assert code == 0 and second["apps"][0]["status"] == "changed"
    code, third = fly_app.run_json(capsys, "check")
    assert code == 0 and third["apps"][0]["status"] == "ok"
    assert all(t["status"] in ("ok", "skipped") for t in third["apps"][0]["tasks"])

    validator = Draft202012Validator(load_json("schemas", "report.schema.json"))
    for report in (first, second, third):
        assert list(validator.iter_errors(report)) == []


def test_apply_runs_each_mutation_once_with_app_and_deploys_last(
    fly_app: FlyApp, capsys: pytest.CaptureFixture[str]
) -> None:
    assert fly_app.run(capsys, "apply")[0] == 0
    mutations = _mutations(fly_app.calls())
    assert [m[:2] for m in mutations] == [
        ["volumes", "create"],
        ["secrets", "import"],
        ["deploy", str(fly_app.app_dir)],
    ]
    assert all("--app" in m and m[m.index("--app") + 1] == "shop" for m in mutations)
    create = mutations[0]
    assert create[2:] == [
        "shop_data",
        "--app",
        "shop",
        "--region",
        "iad",
        "--size",
        "3",
        "--yes",
        "--json",
    ]
    assert "--stage" in mutations[1]


def test_secret_value_never_in_argv_log_or_report(
    fly_app: FlyApp, capsys: pytest.CaptureFixture[str]
) -> None:
    value = "sqlite3:///mnt/shop_data/production.sqlite"
    code, out, err = fly_app.run(capsys, "apply", "--format", "json")
    assert code == 0
    assert value not in out and value not in err
    assert value not in fly_app.log_text()
    assert all(value not in " ".join(c) for c in fly_app.calls())
    assert value not in (fly_app.app_dir / ".flyrun-state.json").read_text()
    assert fly_app.state["apps"]["shop"]["secrets"]["DATABASE_URL"]["deployed"] is True


def test_json_goes_to_stdout_and_text_to_stderr(
    fly_app: FlyApp, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = fly_app.run(capsys, "check", "--format", "json")
    assert code == 2
    report = json.loads(out)
    assert report["mode"] == "check" and report["format_version"].startswith("1.")
    assert report["apps"][0]["layout"] == "rake"
    assert report["summary"]["apps_changed"] == 1
    assert "would change:" in err and "shop" in err


def test_real_cli_subprocess_exit_codes(fly_app: FlyApp) -> None:
    assert [fly_app.subprocess(cmd).returncode for cmd in ("check", "apply", "check")] == [2, 0, 0]


def test_second_apply_changes_nothing(fly_app: FlyApp, capsys: pytest.CaptureFixture[str]) -> None:
    assert fly_app.run(capsys, "apply")[0] == 0
    files, state = tree_digest(fly_app.app_dir), fly_app.state_path.read_bytes()
    calls = len(fly_app.calls())
    code, report = fly_app.run_json(capsys, "apply")
    assert code == 0 and report["apps"][0]["status"] == "ok"
    assert tree_digest(fly_app.app_dir) == files
    assert fly_app.state_path.read_bytes() == state
    assert _mutations(fly_app.calls()[calls:]) == []
