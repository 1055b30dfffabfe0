"""Git safety: apply does not edit a file with uncommitted changes in a git work tree unless
`--allow-dirty` (naming the files), and the report lists every file apply edits. Outside a
work tree, or without git, the check is skipped and the report says so."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from tests.cli.harness import FlyApp, tree_digest
from tests.reliability.helpers import report_of

EDITED = "fly.toml, lib/tasks/fly.rake, config/environments/production.rb"
pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="needs git")


def _git(folder: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args],
        cwd=folder,
        check=True,
        capture_output=True,
    )


def _committed(app: FlyApp) -> None:
    _git(app.app_dir, "init", "-q")
    _git(app.app_dir, "add", "-A")
    _git(app.app_dir, "commit", "-qm", "app")


def test_a_dirty_file_is_not_edited_unless_allowed(
    quick_app: FlyApp, capsys: pytest.CaptureFixture[str]
) -> None:
    _committed(quick_app)
    toml = quick_app.app_dir / "fly.toml"
    toml.write_text(toml.read_text() + "# my own edit, not committed\n")
    files, sim = tree_digest(quick_app.app_dir), quick_app.state_path.read_bytes()
    code, report, _ = report_of(quick_app, capsys, "apply")
    assert code == 1
    refusal = report["apps"][0]["tasks"][-1]
    assert refusal["id"] == "preflight.git_clean" and refusal["status"] == "failed"
    assert (
        "uncommitted changes in fly.toml (modified); apply would edit " + EDITED
        in (refusal["message"])
    )
    assert "--allow-dirty" in refusal["message"]
    assert tree_digest(quick_app.app_dir) == files and quick_app.state_path.read_bytes() == sim

    code, report, _ = report_of(quick_app, capsys, "apply", "--allow-dirty")
    assert code == 0
    assert report["apps"][0]["findings"][-1] == (
        f"apply edits {EDITED} (--allow-dirty: uncommitted changes in fly.toml (modified) allowed)"
    )


def test_committed_files_are_edited_and_listed(
    quick_app: FlyApp, capsys: pytest.CaptureFixture[str]
) -> None:
    _committed(quick_app)
    docker = quick_app.app_dir / "Dockerfile"
    docker.write_text(docker.read_text() + "# dirty, but apply does not edit it\n")
    code, report, _ = report_of(quick_app, capsys, "apply")
    assert code == 0
    assert (
        f"apply edits {EDITED} (git: no uncommitted changes in them)"
        in (report["apps"][0]["findings"])
    )


def test_an_untracked_file_counts_as_uncommitted(
    quick_app: FlyApp, capsys: pytest.CaptureFixture[str]
) -> None:
    _git(quick_app.app_dir, "init", "-q")
    _git(quick_app.app_dir, "add", "fly.toml", "Gemfile")
    _git(quick_app.app_dir, "commit", "-qm", "part")
    code, report, _ = report_of(quick_app, capsys, "apply")
    message = report["apps"][0]["tasks"][-1]["message"]
    assert code == 1
    assert "lib/tasks/fly.rake (untracked)" in message
    assert "config/environments/production.rb (untracked)" in message
    assert "fly.toml (" not in message.split("; apply would edit")[0]


def test_outside_a_work_tree_or_without_git_the_check_is_skipped_with_a_note(
    quick_app: FlyApp, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    toml = quick_app.app_dir / "fly.toml"
    original = toml.read_bytes()
    monkeypatch.setenv("PATH", str(quick_app.root / "nothing"))
    code, report, _ = report_of(quick_app, capsys, "apply")
    assert code == 0
    assert report["apps"][0]["findings"][-1] == (
        f"apply edits {EDITED} (git not found: uncommitted changes were not checked)"
    )
    monkeypatch.setenv("PATH", "/usr/bin:/bin")
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(quick_app.root))  # a git tree above
    toml.write_bytes(original)  # the mount to add again
    code, report, _ = report_of(quick_app, capsys, "apply")
    assert code == 0
    assert report["apps"][0]["findings"][-1] == (
        "apply edits fly.toml (not in a git work tree: uncommitted changes were not checked)"
    )
