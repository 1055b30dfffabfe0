"""The saved plan's effects (runner/plan_file.py): portable, secret-free; a plan is told from
a spec by its content."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from runner.cli import main
from runner.flyctl import commands
from runner.model import RecordState, SecretIntent, WriteFile
from runner.plan_file import effect_json, is_plan
from runner.state_file import sha256

URL = "sqlite3:///mnt/shop_data/production.sqlite"


def test_a_secret_is_in_the_plan_only_as_its_sha256(tmp_path: Path) -> None:
    effect = commands.import_secrets("shop", {"DATABASE_URL": URL})
    data = effect_json(effect, tmp_path)
    assert data == {
        "kind": "flyctl",
        "argv": ["secrets", "import", "--app", "shop", "--stage"],
        "secrets": {"DATABASE_URL": sha256(URL)},
    }
    assert URL not in json.dumps(data)


def test_paths_are_relative_to_the_app_folder(tmp_path: Path) -> None:
    deploy = commands.deploy("shop", tmp_path, tmp_path / "fly.toml")
    assert effect_json(deploy, tmp_path)["argv"] == [
        "deploy",
        ".",
        "--app",
        "shop",
        "--config",
        "fly.toml",
    ]
    outside = commands.deploy("shop", tmp_path.parent, tmp_path.parent / "fly.toml")
    assert effect_json(outside, tmp_path)["argv"][1] == str(tmp_path.parent)  # kept as is
    write = WriteFile(tmp_path / "config" / "x.rb", "a\n", "b\n", tmp_path)
    assert effect_json(write, tmp_path) == {
        "kind": "write_file",
        "path": "config/x.rb",
        "old_sha256": sha256("a\n"),
        "new_sha256": sha256("b\n"),
        "new_text": "b\n",
    }
    record = RecordState(tmp_path / ".flyrun-state.json", "shop", SecretIntent("X", "ab", None))
    assert effect_json(record, tmp_path) == {
        "kind": "record", "file": ".flyrun-state.json", "change": "secret_intent",
        "name": "X", "sha256": "ab", "replaces": None,
    }  # fmt: skip


def test_a_plan_is_told_from_a_spec_by_its_content(tmp_path: Path) -> None:
    plan, spec, json_spec = tmp_path / "p", tmp_path / "s.yml", tmp_path / "s.json"
    plan.write_text('{"flyrun_plan": 1}')
    spec.write_text("version: 1\napp: shop\n")
    json_spec.write_text('{"version": 1, "app": "shop"}')
    assert [is_plan(p) for p in (plan, spec, json_spec, tmp_path / "missing", tmp_path)] == [
        True, False, False, False, False
    ]  # fmt: skip


def test_flyrun_schema_plan_prints_the_plan_schema(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["schema", "--plan"]) == 0
    schema = json.loads(capsys.readouterr().out)
    assert schema["$id"] == "https://flyrun.dev/schemas/plan.schema.json"
    assert schema["properties"]["flyrun_plan"] == {
        **schema["properties"]["flyrun_plan"],
        "const": 1,
    }
