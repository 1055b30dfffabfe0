"""`flyrun tasks`: every registered task type and preflight check, with the arguments of its
schema, what it requires and the checks it needs, in text and JSON (README "Playbooks")."""

from __future__ import annotations

import json

import pytest

from runner.cli import main
from runner.tasks import CHECKS, REGISTRY


def test_text_lists_every_type_with_its_arguments_and_every_check(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["tasks"]) == 0
    out = capsys.readouterr().out
    for name in (*REGISTRY, *CHECKS):
        assert f"  {name}" in out, name
    assert "args.size: integer (1..500)" in out  # the volume task's schema, as generated
    assert "args.region: string (pattern ^[a-z]{3}$)" in out
    assert "requires a `secret` task: it checks that the database URLs" in out
    assert "needs preflight `live_data`: it refuses when the app's live data would be" in out


def test_json_is_the_registry_itself(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["tasks", "--format", "json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    tasks = {t["type"]: t for t in listed["tasks"]}
    assert set(tasks) == set(REGISTRY)
    assert all(tasks[name]["args"] == kind.args for name, kind in REGISTRY.items())
    assert tasks["secret"]["guards"] == dict(REGISTRY["secret"].guards)
    assert tasks["secret"]["remote"] is True and tasks["fly_toml_mount"]["remote"] is False
    assert [c["check"] for c in listed["preflight"]] == list(CHECKS)
