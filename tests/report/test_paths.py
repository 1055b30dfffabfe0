"""Paths as CI names them (runner/report/paths.py): relative to the repository's root."""

from __future__ import annotations

from pathlib import Path

import pytest

from runner.report.paths import app_line, repo_relative


def test_relative_to_github_workspace_when_inside_it(tmp_path: Path) -> None:
    file = tmp_path / "apps" / "shop" / "fly.toml"
    env = {"GITHUB_WORKSPACE": str(tmp_path)}
    assert repo_relative(file, env) == "apps/shop/fly.toml"


def test_else_relative_to_the_folder_holding_git(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "repo" / ".git").mkdir(parents=True)
    (tmp_path / "repo" / "apps").mkdir()
    monkeypatch.chdir(tmp_path / "repo" / "apps")
    env = {"GITHUB_WORKSPACE": str(tmp_path / "other")}  # not where the file is
    assert repo_relative("shop/fly.toml", env) == "apps/shop/fly.toml"


def test_else_relative_to_the_current_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "a").mkdir()
    monkeypatch.chdir(tmp_path / "a")
    assert repo_relative(tmp_path / "b" / "x.yml", {}) == "../b/x.yml"


def test_app_line_in_a_spec_and_an_inventory(tmp_path: Path) -> None:
    spec = tmp_path / "s.yml"
    spec.write_text("version: 1\napps:\n  - {app: shop, path: a}\n  - app: 'blog'  # x\n")
    assert (app_line(spec, "shop"), app_line(spec, "blog"), app_line(spec, "x")) == (3, 4, None)
    spec.write_text("version: 1\napp: x\n")  # a new version of the file is read again
    assert app_line(spec, "x") == 2 and app_line(tmp_path / "missing.yml", "x") is None
