"""Custom playbooks are a public interface: the examples run end to end through the CLI
against the simulator, with the same check → apply → check as the built-in one."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from runner.resources import bundled
from tests.cli.harness import FlyApp, tree_digest

EXAMPLES = Path(str(bundled("playbooks"))) / "examples"
READ_ONLY = {
    ("version",),
    ("auth", "whoami"),
    ("volumes", "list"),
    ("secrets", "list"),
    ("machines", "list"),
    ("ssh", "console"),
}


def _mutations(app: FlyApp) -> list[list[str]]:
    return [
        c for c in app.calls() if tuple(c[:1]) not in READ_ONLY and tuple(c[:2]) not in READ_ONLY
    ]


def test_files_only_checks_offline_exactly_and_touches_nothing_remote(
    fly_app: FlyApp, capsys: pytest.CaptureFixture[str]
) -> None:
    playbook = str(EXAMPLES / "files-only.yml")
    code, report = fly_app.run_json(capsys, "check", "--offline", "--playbook", playbook)
    assert code == 2 and fly_app.calls() == []  # offline: flyctl never ran
    assert [t["id"] for t in report["apps"][0]["tasks"]] == ["mount", "migrations", "warning"]
    assert {t["status"] for t in report["apps"][0]["tasks"]} == {"changed"}
    assert fly_app.run(capsys, "apply", "--playbook", playbook)[0] == 0
    assert _mutations(fly_app) == []
    assert "[mounts]" in (fly_app.app_dir / "fly.toml").read_text()
    code, report = fly_app.run_json(capsys, "check", "--offline", "--playbook", playbook)
    assert code == 0 and report["summary"]["apps_ok"] == 1


def test_volume_first_creates_and_mounts_but_never_sets_the_database(
    fly_app: FlyApp, capsys: pytest.CaptureFixture[str]
) -> None:
    fly_app.spec.write_text(fly_app.spec.read_text() + "playbook: volume-first.yml\n")
    (fly_app.app_dir / "volume-first.yml").write_bytes((EXAMPLES / "volume-first.yml").read_bytes())
    before = tree_digest(fly_app.app_dir)
    code, report = fly_app.run_json(capsys, "check")
    assert code == 2 and tree_digest(fly_app.app_dir) == before
    assert [t["id"] for t in report["apps"][0]["tasks"]] == ["volume", "mount", "deploy"]
    assert fly_app.run(capsys, "apply")[0] == 0
    assert [m[:2] for m in _mutations(fly_app)] == [
        ["volumes", "create"],
        ["deploy", str(fly_app.app_dir)],
    ]
    assert "DATABASE_URL" not in json.dumps(fly_app.state["apps"]["shop"]["secrets"])
    assert fly_app.run(capsys, "check")[0] == 0
    assert "task :release => 'db:migrate'" in (fly_app.app_dir / "lib/tasks/fly.rake").read_text()


def test_a_broken_custom_playbook_stops_the_run_at_its_line(
    fly_app: FlyApp, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = fly_app.root / "bad.yml"
    bad.write_text(
        "name: bad\ntasks:\n  - {id: m, name: m, type: machines_use_volume,"
        " args: {volume: v, mount_path: /v, process_group: app}}\n"
    )
    code, _, err = fly_app.run(capsys, "check", "--playbook", str(bad))
    assert code == 1 and fly_app.calls() == []
    assert f"{bad}:3:5: m: a machines_use_volume task requires a `secret` task" in err


def test_a_custom_playbook_cannot_switch_the_database_without_the_live_data_checks(
    fly_app: FlyApp, capsys: pytest.CaptureFixture[str]
) -> None:
    """The hazard a reviewer found: volume, secret and deploy with `preflight: [fly_toml]`
    would have pointed an app at an empty file beside its live one. Refused before flyctl."""
    mine = fly_app.root / "mine.yml"
    mine.write_text(
        "name: mine\npreflight: [fly_toml]\ntasks:\n"
        "  - {id: volume, name: v, type: volume,"
        ' args: {name: "${volume.name}", size: 3, region: iad}}\n'
        "  - {id: secret, name: s, type: secret,"
        ' args: {mount_path: "${mount_path}", database: "${database}"}, notify: deploy}\n'
        "handlers:\n  - {id: deploy, name: deploy, type: deploy}\n"
    )
    files = tree_digest(fly_app.app_dir)
    for mode in ("check", "apply"):
        code, _, err = fly_app.run(capsys, mode, "--playbook", str(mine))
        assert code == 1, err
        assert f"{mine}:5:5: secret: a secret task needs these checks in `preflight:`" in err
        assert "add live_data, process_groups, machines, secret_replaceable" in err
    assert fly_app.calls() == [] and tree_digest(fly_app.app_dir) == files
