"""A reader that goes away (`flyrun … | head -1`) is not a bug: flyrun, a real process whose
stdout (or stderr) is a pipe with no reader left, stops writing there silently, finishes its
work (an apply converges) and exits with the run's own exit code, with no traceback and no
"Exception ignored" at interpreter exit. The pipe's read end is closed before flyrun starts,
so every write meets EPIPE whatever the timing."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from runner.cli import main
from tests.cli.harness import REPO, FlyApp

ENV = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(REPO), "NO_COLOR": "1"}


@contextmanager
def _readerless_pipe() -> Iterator[int]:
    """The write end of a pipe whose reader is already gone."""
    read, write = os.pipe()
    os.close(read)
    try:
        yield write
    finally:
        os.close(write)


def _flyrun(cwd: Path, *args: str, closed: str = "stdout") -> subprocess.CompletedProcess[str]:
    argv = [sys.executable, "-m", "runner", *args]
    with _readerless_pipe() as pipe:
        return subprocess.run(
            argv,
            stdout=pipe if closed == "stdout" else subprocess.PIPE,
            stderr=pipe if closed == "stderr" else subprocess.PIPE,
            text=True,
            cwd=cwd,
            env=ENV,
            stdin=subprocess.DEVNULL,
            check=False,
            timeout=120,
        )


def _quiet(stderr: str) -> bool:
    return "Traceback" not in stderr and "Exception ignored" not in stderr


@pytest.mark.parametrize(
    ("args", "code"),
    [(["schema"], 0), (["check", "--offline"], 2), (["check", "--offline", "--format", "json"], 2)],
)
def test_a_closed_stdout_is_silence_not_a_bug(fly_app: FlyApp, args: list[str], code: int) -> None:
    spec = [str(fly_app.spec)] if args[0] == "check" else []
    done = _flyrun(fly_app.root, *args, *spec)
    assert done.returncode == code and _quiet(done.stderr), done.stderr


def test_an_apply_whose_reader_left_still_converges_and_exits_0(
    fly_app: FlyApp, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ("apply", str(fly_app.spec), "--flyctl", str(fly_app.shim), "--yes")
    done = _flyrun(fly_app.root, *args)
    assert done.returncode == 0 and _quiet(done.stderr), done.stderr
    assert main(["check", str(fly_app.spec), "--flyctl", str(fly_app.shim)]) == 0  # converged
    capsys.readouterr()


def test_a_closed_stderr_leaves_the_json_report_whole(fly_app: FlyApp) -> None:
    args = ("check", str(fly_app.spec), "--offline", "--format", "json")
    done = _flyrun(fly_app.root, *args, closed="stderr")
    assert done.returncode == 2
    assert json.loads(done.stdout)["summary"]["exit_code"] == 2
