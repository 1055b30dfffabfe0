"""Every output lists the apps in the order of the run's input (inventory order after
--limit/--shard), whatever order they ran in: here the first app is held back until the last
one finished, so it starts last."""

from __future__ import annotations

import json
import threading
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

import runner.run
from runner.cli import main
from tests.cli.harness import make_fleet

NAMES = ["shop0", "shop1", "shop2"]


def _first_runs_last(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Hold shop0 back until shop2 finished; returns the order the apps started in."""
    real = runner.run._one
    gate = threading.Event()
    started: list[str] = []

    def held(executor: Any, mode: str, item: Any, session: Any) -> Any:
        if item.app == "shop0":
            assert gate.wait(30), "the apps did not run in parallel"
        started.append(item.app)
        result = real(executor, mode, item, session)
        if item.app == "shop2":
            gate.set()
        return result

    monkeypatch.setattr(runner.run, "_one", held)
    return started


def test_check_reports_list_apps_in_input_order_not_start_order(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    inventory, _ = make_fleet(tmp_path, 3)
    started = _first_runs_last(monkeypatch)
    junit, sarif = tmp_path / "junit.xml", tmp_path / "sarif.json"
    argv = ["check", str(inventory), "--offline", "-j", "3", "--format", "json"]
    assert main([*argv, "--junit", str(junit), "--sarif", str(sarif)]) == 2
    out, err = capsys.readouterr()
    assert started[-1] == "shop0"
    assert [a["app"] for a in json.loads(out)["apps"]] == NAMES
    suites = ET.parse(junit).getroot().findall("testsuite")
    assert [s.get("name") for s in suites] == NAMES
    apps = [
        r["message"]["text"].split(":")[0]
        for r in json.loads(sarif.read_text())["runs"][0]["results"]
    ]
    assert list(dict.fromkeys(apps)) == NAMES
    recap = [line.split()[0] for line in err.splitlines() if line.startswith("shop")]
    assert recap == NAMES


def test_validate_prints_apps_in_input_order(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    inventory, _ = make_fleet(tmp_path, 3)
    started = _first_runs_last(monkeypatch)
    assert main(["validate", str(inventory)]) == 0
    out = capsys.readouterr().out
    assert started[-1] == "shop0"
    lines = out.splitlines()
    assert [line.split("app ")[1].split(";")[0] for line in lines[:-1]] == NAMES
    assert lines[-1].startswith("3 apps: 3 valid (")  # the closing line, as every text report
