"""SIGKILL at any point of apply (a real process, killed right after each effect, and inside
each atomic write before its rename): every file is wholly old or wholly new, the state file
is valid, and the next apply converges, running each mutation once over both runs."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from runner import state_file
from tests.cli.harness import REPO, FlyApp, make_app
from tests.inproc import use_in_process
from tests.reliability.helpers import calls

FILES = ("fly.toml", "lib/tasks/fly.rake", "config/environments/production.rb")
# Killed after each effect of the example's apply (volume, intent, import, record, 3 files,
# deploy, record), and inside the first atomic write of the state file and of fly.toml.
POINTS = [f"effect:{n}" for n in range(1, 10)] + [f"write:{n}" for n in (1, 3)]


def _killed_at(app: FlyApp, point: str) -> subprocess.Popen[str]:
    argv = [sys.executable, "-m", "tests.reliability.killpoint", "apply", str(app.spec)]
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(REPO), "NO_COLOR": "1"}
    # its own lock folder: every app here is "shop", and a stopped run holds the app's lock
    env.update(KILL_AT=point, SIM_STATE=str(app.state_path), FLYRUN_LOCK_DIR=str(app.root))
    argv += ["--flyctl", str(app.shim), "--format", "json"]
    return subprocess.Popen(
        argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=env, cwd=app.root
    )


def _wait_and_kill(process: subprocess.Popen[str], point: str) -> None:
    assert process.stderr is not None
    lines = []
    for line in process.stderr:
        lines.append(line)
        if line.strip() == "STOPPED":
            break
    else:
        raise AssertionError(f"{point}: apply ended before the kill point: {''.join(lines)}")
    process.kill()  # SIGKILL: no handler, no cleanup, no flush
    process.wait(timeout=10)


def test_sigkill_at_every_point_leaves_whole_files_and_the_next_apply_converges(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    golden = make_app(tmp_path / "golden")
    use_in_process(monkeypatch, golden.state_path)
    assert golden.run(capsys, "apply")[0] == 0
    new = {name: (golden.app_dir / name).read_bytes() for name in FILES}
    old = {name: _original(name) for name in FILES}
    apps = {point: make_app(tmp_path / point.replace(":", "-")) for point in POINTS}
    running = {point: _killed_at(app, point) for point, app in apps.items()}
    try:
        for point, process in running.items():
            _wait_and_kill(process, point)
    finally:
        for process in running.values():
            process.kill()
    for point, app in apps.items():
        for name in FILES:
            data = (app.app_dir / name).read_bytes()
            assert data in (old[name], new[name]), f"{point}: {name} is neither old nor new"
        state_file.load(app.app_dir / ".flyrun-state.json")  # absent, or whole and valid
        litter = [p.name for p in app.app_dir.rglob("*.flyrun")]
        assert len(litter) == (1 if point.startswith("write") else 0), (point, litter)

        use_in_process(monkeypatch, app.state_path)
        code, out, _ = app.run(capsys, "apply", "--format", "json")
        assert code == 0, (point, out)
        assert app.run(capsys, "check")[0] == 0, point
        assert [(app.app_dir / name).read_bytes() for name in FILES] == list(new.values())
        for mutation in (("volumes", "create"), ("secrets", "import"), ("deploy",)):
            assert len(calls(app, *mutation)) == 1, (point, mutation)
        records = json.loads((app.app_dir / ".flyrun-state.json").read_text())
        assert "intent" not in records["apps"]["shop"]["secrets"]["DATABASE_URL"], point


def _original(name: str) -> bytes:
    from runner.resources import bundled

    return (bundled("playbooks") / "examples" / "shop" / name).read_bytes()
