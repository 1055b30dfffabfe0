"""Files flyrun reads or writes cannot hurt it or escape the app: reads are bounded and
refuse FIFOs, devices and folders; empty files and YAML alias or merge bombs end in a clean
result; writes never follow a symlink out of the app folder (fly.toml, the state file)."""

from __future__ import annotations

import errno
import json
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from runner.cli import main
from tests.cli.harness import FlyApp, tree_digest
from tests.reliability.helpers import report_of

GEMFILE, LOCK, RAKE = "Gemfile", "Gemfile.lock", "lib/tasks/fly.rake"
PRODUCTION, DATABASE = "config/environments/production.rb", "config/database.yml"


def _replace(path: Path, make: Callable[[Path], object]) -> None:
    if path.exists():
        path.unlink()
    path.parent.mkdir(parents=True, exist_ok=True)
    make(path)


def _huge(path: Path, size: int) -> None:
    with path.open("wb") as handle:
        handle.truncate(size)


def _bomb(merge: bool) -> str:
    """Nine levels of nine aliases each: 9^9 nodes if expanded (or merged) naively."""
    lines = ["l0: &l0 {adapter: sqlite3}" if merge else "l0: &l0 [x, x, x, x, x, x, x, x, x]"]
    for level in range(1, 10):
        refs = ", ".join([f"*l{level - 1}"] * 9)
        lines.append(f"l{level}: &l{level} " + (f"{{<<: [{refs}]}}" if merge else f"[{refs}]"))
    tail = "production: {<<: *l9, database: db/x.sqlite3}" if merge else "production: *l9"
    return "\n".join([*lines, tail]) + "\n"


CASES: dict[str, tuple[str, Callable[[Path], object], str | None]] = {
    "huge fly.toml": (
        "fly.toml",
        lambda p: _huge(p, 50 * 1024 * 1024),
        "fly.toml: is 52428800 bytes; flyrun reads files up to 4194304",
    ),
    "FIFO Gemfile": (GEMFILE, os.mkfifo, "Gemfile: is not a regular file (a FIFO"),
    "device production.rb": (
        PRODUCTION,
        lambda p: p.symlink_to("/dev/zero"),
        "production.rb: is not a regular file",
    ),
    "folder Gemfile.lock": (LOCK, lambda p: p.mkdir(), "Gemfile.lock: is a folder, not a file"),
    "folder fly.toml": ("fly.toml", lambda p: p.mkdir(), "fly.toml: is a folder, not a file"),
    "folder fly.rake": (RAKE, lambda p: p.mkdir(), "fly.rake: is a folder, not a file"),
    "alias bomb database.yml": (DATABASE, lambda p: p.write_text(_bomb(False)), None),
    "merge bomb database.yml": (DATABASE, lambda p: p.write_text(_bomb(True)), None),
    **{
        f"empty {name}": (name, lambda p: p.write_text(""), None)
        for name in ("fly.toml", "Dockerfile", GEMFILE, LOCK, RAKE, PRODUCTION, DATABASE)
    },
}


@pytest.mark.parametrize("case", CASES)
def test_hostile_app_files_end_cleanly_and_quickly(
    quick_app: FlyApp, capsys: pytest.CaptureFixture[str], case: str
) -> None:
    name, make, message = CASES[case]
    _replace(quick_app.app_dir / name, make)
    started = time.monotonic()
    code, out, err = quick_app.run(capsys, "check", "--format", "json")
    assert time.monotonic() - started < 5
    assert code in (1, 2) and "Traceback" not in err, err
    report = json.loads(out)
    if message is not None:
        assert code == 1 and message in json.dumps(report), json.dumps(report)[:2000]


def test_alias_bomb_in_the_spec_is_refused(
    quick_app: FlyApp, capsys: pytest.CaptureFixture[str]
) -> None:
    quick_app.spec.write_text(_bomb(False).replace("production:", "x:") + "version: 1\n")
    code, _, err = quick_app.run(capsys, "check")
    assert code == 1 and "aliases expand this document to more than" in err


@pytest.mark.parametrize("kind", ["fifo", "device", "huge"])
def test_a_spec_that_is_no_regular_file_is_refused_not_read(
    quick_app: FlyApp, capsys: pytest.CaptureFixture[str], kind: str
) -> None:
    """The spec itself goes through the same bounded reader as the app's files: a FIFO
    would hang, /dev/zero would exhaust memory, a huge file is refused before parsing."""
    spec = quick_app.root / "spec.yml"
    if kind == "fifo":
        os.mkfifo(spec)
    elif kind == "device":
        spec.symlink_to("/dev/zero")
    else:
        spec.write_text("version: 1\n" + "#" * (5 * 1024 * 1024))
    code = main(["check", str(spec), "--flyctl", str(quick_app.shim)])
    err = capsys.readouterr().err
    why = "bytes; flyrun reads files up to" if kind == "huge" else "is not a regular file"
    assert code == 1 and f"{spec}:1:1: " in err and why in err, err
    assert "Traceback" not in err and quick_app.calls() == []


def test_an_unreadable_file_is_a_clean_failure(
    quick_app: FlyApp, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    unreadable = quick_app.app_dir / GEMFILE
    unreadable.chmod(0)
    if os.geteuid() == 0:  # root reads it anyway: give the answer anyone else gets
        real_open = os.open

        def denying_open(path: Any, flags: int, *args: Any, **kwargs: Any) -> int:
            if Path(path) == unreadable:
                raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(path))
            return real_open(path, flags, *args, **kwargs)

        monkeypatch.setattr(os, "open", denying_open)
    code, out, err = quick_app.run(capsys, "check")
    assert code == 1 and "Gemfile: cannot read it" in out and "Traceback" not in err


def test_a_symlinked_state_file_outside_the_app_is_never_written(
    quick_app: FlyApp, capsys: pytest.CaptureFixture[str]
) -> None:
    outside = quick_app.root / "elsewhere" / "state.json"
    outside.parent.mkdir()
    outside.write_text('{"format_version": 2, "apps": {}}\n')
    (quick_app.app_dir / ".flyrun-state.json").symlink_to(outside)
    files, sim = tree_digest(quick_app.app_dir), quick_app.state_path.read_bytes()
    code, report, _ = report_of(quick_app, capsys, "apply")
    assert code == 1
    refusal = report["apps"][0]["tasks"][-1]
    assert refusal["id"] == "preflight.files_writable"
    assert ".flyrun-state.json: is a symlink to" in refusal["message"]
    assert outside.read_text() == '{"format_version": 2, "apps": {}}\n'
    assert tree_digest(quick_app.app_dir) == files and quick_app.state_path.read_bytes() == sim
