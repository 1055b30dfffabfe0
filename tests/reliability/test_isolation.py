"""One app's trouble stays with that app: bad bytes in one app's files fail that app alone
(a located message, exit 1, not 3) while the others go on and the JSON report is written;
apps sharing a folder are refused before anything runs; a state file that is not valid as a
whole refuses apply before the first effect."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from runner.cli import main
from tests.cli.harness import make_fleet as batch
from tests.cli.harness import tree_digest
from tests.inproc import use_in_process

FILES = [
    "Dockerfile",
    "lib/tasks/fly.rake",
    "config/environments/production.rb",
    "Gemfile",
    "Gemfile.lock",
    "config/database.yml",
    "fly.toml",
]


def _inventory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, count: int = 2) -> list[str]:
    inventory, shim = batch(tmp_path, count)
    use_in_process(monkeypatch, tmp_path / "state.json")
    return [str(inventory), "--flyctl", str(shim), "--format", "json", "-j", "2"]


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, dict[str, Any], str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, json.loads(out), err


@pytest.mark.parametrize("name", FILES)
def test_bad_bytes_in_one_apps_file_fail_that_app_alone(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    name: str,
) -> None:
    argv = _inventory(tmp_path, monkeypatch)
    broken = tmp_path / "shop1" / name
    text = broken.read_bytes() if broken.exists() else b"production:\n  adapter: sqlite3\n"
    broken.parent.mkdir(parents=True, exist_ok=True)
    broken.write_bytes(text + "# caf\u00e9\n".encode("latin-1"))
    line = text.count(b"\n") + 1
    before = tree_digest(tmp_path / "shop1")
    code, report, err = _run(capsys, "apply", *argv)
    assert code == 1 and "Traceback" not in err
    assert [a["status"] for a in report["apps"]] == ["changed", "failed"]
    assert report["summary"]["internal_errors"] == 0
    (failure,) = [t for t in report["apps"][1]["tasks"] if t["status"] == "failed"]
    file = str((tmp_path / "shop1" / name).resolve())  # as the user opens it (not below cwd)
    assert failure["location"] == {"file": file, "line": line, "column": 6}
    message = failure["message"]  # FILE:LINE:COL first; a preflight adds the app's name
    assert message.startswith(f"{file}:{line}:6: "), message
    assert message.endswith(" not UTF-8 text (byte 0xe9 cannot be decoded)"), message
    assert tree_digest(tmp_path / "shop1") == before  # nothing written for the failed app
    code, report, _ = _run(capsys, "check", *argv)
    assert code == 1 and [a["status"] for a in report["apps"]] == ["ok", "failed"]


def test_apps_sharing_a_folder_are_refused_before_anything_runs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    argv = _inventory(tmp_path, monkeypatch)
    inventory = Path(argv[0])
    inventory.write_text(inventory.read_text().replace("path: shop1", "path: shop0"))
    code, report, err = _run(capsys, "apply", *argv)
    assert code == 1 and report["apps"] == [] and "share" in report["error"]["message"] + err
    assert not (tmp_path / "state.json.log").exists()  # flyctl was never asked anything


def test_an_invalid_state_file_refuses_every_app_before_any_volume(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    argv = _inventory(tmp_path, monkeypatch)
    state = tmp_path / ".flyrun-state.json"
    state.write_text('{"format_version": 2, "apps": {"shop0": {"secrets": {}}, "shop1": [1]}}')
    sim = (tmp_path / "state.json").read_bytes()
    code, report, _ = _run(capsys, "apply", *argv)
    assert code == 1 and [a["status"] for a in report["apps"]] == ["failed", "failed"]
    assert all("apps.shop1 is not a mapping" in json.dumps(a) for a in report["apps"])
    assert (tmp_path / "state.json").read_bytes() == sim  # no volume, no secret
