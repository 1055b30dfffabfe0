"""`--list-tasks` (runner/report/listing.py): the rendered task list, nothing run."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from runner.cli import main
from tests.cli.harness import FlyApp, make_app


@pytest.fixture
def fly_app(tmp_path: Path) -> FlyApp:
    return make_app(tmp_path)


def test_text_lists_checks_tasks_and_handlers_as_rendered(
    fly_app: FlyApp, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = fly_app.run(capsys, "check", "--list-tasks")
    assert code == 0
    assert "  machines [remote]: the group's machines are in the volume's region" in out
    assert "  volume  [volume, remote]  volume shop_data (3 GB) in iad" in out
    assert '      args: name="shop_data" size=3 region="iad"' in out
    assert "      requires: secret" in out and "      notify: deploy" in out
    assert "handlers (once, at the end of apply, when notified):\n  deploy  [deploy, remote]" in out
    assert fly_app.calls() == []  # nothing ran


def test_json_names_every_step_by_its_stable_id(
    fly_app: FlyApp, capsys: pytest.CaptureFixture[str]
) -> None:
    spec = fly_app.spec
    spec.write_text(spec.read_text().replace("deploy: true", "deploy: false"))
    assert main(["apply", str(spec), "--list-tasks", "--format", "json"]) == 0
    (app,) = json.loads(capsys.readouterr().out)["apps"]
    assert [t["id"] for t in app["tasks"]] == ["volume", "secret", "mount", "migrations", "warning"]
    assert app["handlers"] == []  # `when: deploy` is false: not rendered
    assert app["tasks"][1]["args"] == {
        "mount_path": "/mnt/shop_data",
        "database": "production.sqlite",
    }
    assert "live_data" in [c["check"] for c in app["preflight"]]


def test_an_app_whose_folder_is_unusable_is_listed_as_a_problem(
    fly_app: FlyApp, capsys: pytest.CaptureFixture[str]
) -> None:
    toml = fly_app.app_dir / "fly.toml"
    toml.write_text(toml.read_text().replace('app = "shop"', 'app = "blog"'))
    assert main(["validate", str(fly_app.spec), "--list-tasks"]) == 1
    assert "does not match app 'blog'" in capsys.readouterr().out
