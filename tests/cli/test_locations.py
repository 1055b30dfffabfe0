"""Every problem in an app file is reported where the user can open it from the folder they
ran flyrun in (`FILE:LINE:COL`), in every output: text, validate, JSON, GitHub annotations
(repository-relative) and SARIF; never relative to the app folder, never at the spec's
`app:` line when the file and line are known."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from runner.cli import main
from runner.demo import copy_tree
from runner.resources import bundled

RAKE = "lib/tasks/fly.rake"


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A repository holding the example app in `specs/shop`; flyrun runs at its root."""
    (tmp_path / ".git").mkdir()
    copy_tree(bundled("playbooks") / "examples" / "shop", tmp_path / "specs" / "shop")
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("GITHUB_WORKSPACE", raising=False)
    return tmp_path


def _append(path: Path, data: bytes) -> int:
    """Append `data` as a new last line; its line number."""
    text = path.read_bytes()
    path.write_bytes(text + data)
    return text.count(b"\n") + 1


def _check(capsys: pytest.CaptureFixture[str], spec: str, *extra: str) -> tuple[str, str]:
    code = main(["check", spec, "--offline", "--format", "github", *extra])
    out, err = capsys.readouterr()
    assert code == 1 and "Traceback" not in out + err
    return out, err


def _sarif_uris(path: Path) -> list[tuple[str, int]]:
    results = json.loads(path.read_text())["runs"][0]["results"]
    return [
        (
            r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
            r["locations"][0]["physicalLocation"]["region"]["startLine"],
        )
        for r in results
    ]


def _json_locations(capsys: pytest.CaptureFixture[str], spec: str) -> list[Any]:
    assert main(["check", spec, "--offline", "--format", "json"]) == 1
    report = json.loads(capsys.readouterr().out)
    return [t["location"] for a in report["apps"] for t in a["tasks"] if t["status"] == "failed"]


def test_a_bad_byte_in_an_app_file_is_named_from_where_flyrun_ran(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    line = _append(repo / "specs/shop" / RAKE, "# caf\u00e9\n".encode("latin-1"))
    out, _ = _check(capsys, "specs/shop/fly-sqlite.yml", "--sarif", "r.sarif")
    assert f"failed: preflight: layout — specs/shop/{RAKE}:{line}:6: shop: not UTF-8" in out
    assert f"::error file=specs/shop/{RAKE},line={line},col=6," in out
    assert (f"specs/shop/{RAKE}", line) in _sarif_uris(repo / "r.sarif")
    located = {"file": f"specs/shop/{RAKE}", "line": line, "column": 6}
    assert _json_locations(capsys, "specs/shop/fly-sqlite.yml") == [located]


def test_from_a_subfolder_text_is_relative_to_it_and_github_to_the_repository(
    repo: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    line = _append(repo / "specs/shop/Dockerfile", "# caf\u00e9\n".encode("latin-1"))
    monkeypatch.chdir(repo / "specs")
    out, _ = _check(capsys, "shop/fly-sqlite.yml")
    assert f"— shop/Dockerfile:{line}:6: shop: not UTF-8" in out
    assert f"::error file=specs/shop/Dockerfile,line={line},col=6," in out
    code = main(["validate", "shop/fly-sqlite.yml"])
    err = capsys.readouterr().err
    assert code == 1 and err.startswith(f"shop/Dockerfile:{line}:6: shop: not UTF-8 text")


def test_a_mounts_refusal_says_its_fly_toml_line_in_text_and_validate(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    line = _append(repo / "specs/shop/fly.toml", b'[mounts]\n  source = "x"\n')
    _append(repo / "specs/shop/fly.toml", b'  destination = "/data"\n  initial_size = "0GB"\n')
    out, _ = _check(capsys, "specs/shop/fly-sqlite.yml")
    assert f"— specs/shop/fly.toml:{line}:1: shop: fly.toml mounts refused:" in out
    assert f"::error file=specs/shop/fly.toml,line={line},col=1," in out
    assert main(["validate", "specs/shop/fly-sqlite.yml"]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"specs/shop/fly.toml:{line}:1: shop: fly.toml mounts refused:")


def test_a_fly_rake_that_does_not_parse_is_reported_where_the_quote_is_missing(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rake = repo / "specs/shop" / RAKE
    rake.write_text(rake.read_text().replace("'db:migrate'", "'db:migrate"))
    out, _ = _check(capsys, "specs/shop/fly-sqlite.yml")
    assert f"— specs/shop/{RAKE}:13:20: {RAKE} does not parse as Ruby (line 13: " in out
    assert "a quote opened there only closes on line 21" in out
    assert f"::error file=specs/shop/{RAKE},line=13,col=20," in out


def test_a_missing_playbook_is_reported_at_the_specs_playbook_line(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    line = _append(repo / "specs/shop/fly-sqlite.yml", b"playbook: nope.yml\n")
    out, err = _check(capsys, "specs/shop/fly-sqlite.yml")
    said = "playbook: no playbook file 'specs/shop/nope.yml' (relative to the spec's folder)"
    assert f"specs/shop/fly-sqlite.yml:{line}:11: {said}" in err
    assert f"::error file=specs/shop/fly-sqlite.yml,line={line},col=11," in out
    assert str(repo) not in out + err


def test_an_unknown_process_group_is_reported_at_the_specs_value(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    line = _append(repo / "specs/shop/fly-sqlite.yml", b"process_group: worker\n")
    out, _ = _check(capsys, "specs/shop/fly-sqlite.yml")
    said = "process_group: specs/shop/fly.toml has no process group 'worker' (it has app"
    assert f"failed: spec — specs/shop/fly-sqlite.yml:{line}:16: {said}" in out
    assert f"::error file=specs/shop/fly-sqlite.yml,line={line},col=16," in out


def test_a_gemfile_that_does_not_parse_is_refused_at_its_line(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    gemfile = repo / "specs/shop/Gemfile"
    lines = gemfile.read_text().splitlines()
    number = next(i for i, line in enumerate(lines, 1) if line.startswith("gem "))
    lines[number - 1] = lines[number - 1].replace("'", "", 1).replace('"', "", 1)
    gemfile.write_text("\n".join(lines) + "\n")
    out, _ = _check(capsys, "specs/shop/fly-sqlite.yml")
    assert f"— specs/shop/Gemfile:{number}:" in out and "Gemfile does not parse as Ruby" in out
    assert f"::error file=specs/shop/Gemfile,line={number}," in out
