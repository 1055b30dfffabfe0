"""The session check (`fly version`, `fly auth whoami`) runs while a fleet's first apps
already query flyctl (runner/flyctl/session.py BackgroundSession), and nothing of those apps
is shown or decided before it passed: when it fails, every app reports the refusal and
nothing else, as if it had run first. Not timed: the wrapper below makes the session wait
until an app's query has started, so the overlap is proven by the order of events."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from runner.cli import main
from tests.cli.harness import REPO, make_fleet


def _wrapper(
    shim: Path, log: Path, *, whoami: str = "", hang: bool = False, wait: bool = True
) -> Path:
    """flyctl that logs each call (`S PID WORDS` / `E PID`); its session commands first wait
    (up to 10 s; not when `wait` is False) for an app's `… list` query to start and log
    `overlap` if one did. `whoami`: `auth whoami` then fails with that error; `hang`:
    `version` then hangs."""
    limit = 100 if wait else 0
    wrapper = shim.parent / "session-flyctl"
    then = 'echo "Error: ' + whoami + '" >&2; echo "E $$" >> ' + str(log) + "; exit 1"
    wrapper.write_text(
        "#!/bin/sh\n"
        f"log={log}\n"
        'echo "S $$ $1 $2" >> "$log"\n'
        'case "$1" in version|auth)\n'
        "  n=0\n"
        f'  while ! grep -q " list" "$log" && [ $n -lt {limit} ]; do sleep 0.1; n=$((n+1)); done\n'
        '  grep -q " list" "$log" && echo "overlap $1" >> "$log"\n'
        + ('  [ "$1" = version ] && sleep 60\n' if hang else "")
        + (f'  [ "$1" = auth ] && {{ {then}; }}\n' if whoami else "")
        + ";;\nesac\n"
        f'"{shim}" "$@"\n'
        "code=$?\n"
        'echo "E $$" >> "$log"\n'
        'exit "$code"\n'
    )
    wrapper.chmod(wrapper.stat().st_mode | stat.S_IXUSR)
    return wrapper


def _lines(log: Path) -> list[str]:
    return log.read_text().splitlines()


@pytest.mark.parametrize("processes", ["1", "2"])  # threads, and worker processes
def test_the_first_apps_query_flyctl_while_the_session_is_checked(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    processes: str,
) -> None:
    inventory, shim = make_fleet(tmp_path, 6)
    monkeypatch.setenv("FLYRUN_PROCESSES", processes)
    log = tmp_path / "calls.log"
    flyctl = _wrapper(shim, log)
    assert main(["check", str(inventory), "--flyctl", str(flyctl), "--jobs", "4"]) == 2
    out = capsys.readouterr().out
    assert {"overlap version", "overlap auth"} <= set(_lines(log))
    # the session's line comes first: an app starts (its first event) only once it passed
    assert out.index("logged in as") < out.index("APP [")
    assert out.count("APP [") == 6 and "6 apps: 6 with" in out


def test_the_jobs_bound_holds_with_the_session_running_beside_the_apps(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """--jobs 1: the session takes the one slot first; the apps' queries wait for it."""
    inventory, shim = make_fleet(tmp_path, 3)
    log = tmp_path / "calls.log"
    wrapper = _wrapper(shim, log, wait=False)  # with one slot, no query can start meanwhile
    assert main(["check", str(inventory), "--flyctl", str(wrapper), "--jobs", "1"]) == 2
    capsys.readouterr()
    running = most = 0
    for line in _lines(log):
        if line[:2] in ("S ", "E "):
            running += 1 if line.startswith("S ") else -1
            most = max(most, running)
    assert most == 1


@pytest.mark.parametrize("processes", ["1", "2"])
def test_a_refused_session_shows_only_the_refusal_for_every_app(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    processes: str,
) -> None:
    inventory, shim = make_fleet(tmp_path, 5)
    monkeypatch.setenv("FLYRUN_PROCESSES", processes)
    log = tmp_path / "calls.log"
    flyctl = _wrapper(shim, log, whoami="no access token available")
    argv = ["check", str(inventory), "--flyctl", str(flyctl), "--jobs", "4", "--format", "json"]
    assert main(argv) == 1
    report: dict[str, Any] = json.loads(capsys.readouterr().out)
    assert "overlap auth" in _lines(log)  # apps had queried flyctl meanwhile
    assert report["flyctl"] == ""  # as when the check runs first: no session to describe
    assert len(report["apps"]) == 5
    for app in report["apps"]:
        assert app["status"] == "failed"
        assert [t["id"] for t in app["tasks"]] == ["preflight.flyctl"]
        assert (
            "flyctl login refused: flyctl says: no access token available"
            in (app["tasks"][0]["message"])
        )
    started = [line.split()[1] for line in _lines(log) if line.startswith("S ")]
    ended = [line.split()[1] for line in _lines(log) if line.startswith("E ")]
    assert sorted(started) == sorted(ended)  # every query ended before flyrun did


def test_ctrl_c_during_the_session_check_reports_every_app_not_started(
    tmp_path: Path,
) -> None:
    inventory, shim = make_fleet(tmp_path, 3)
    log = tmp_path / "calls.log"
    flyctl = _wrapper(shim, log, hang=True)
    argv = [sys.executable, "-m", "runner", "check", str(inventory), "--flyctl", str(flyctl)]
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    flyrun = subprocess.Popen(
        [*argv, "--format", "json"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
        cwd=tmp_path,
        env=env,
        start_new_session=True,
    )
    try:
        for _ in range(200):  # the version call hangs once an app's query started
            if log.exists() and "overlap version" in _lines(log):
                break
            time.sleep(0.05)
        flyrun.send_signal(signal.SIGINT)
        out, err = flyrun.communicate(timeout=20)
    finally:
        flyrun.kill()
    assert flyrun.returncode == 130, err
    assert "Traceback" not in err
    report = json.loads(out)
    assert report["summary"]["interrupted"] is True
    assert [a["status"] for a in report["apps"]] == ["skipped"] * 3
    assert all(a["tasks"][0]["id"] == "not_started" for a in report["apps"])
    time.sleep(0.3)
    pids = [line.split()[1] for line in _lines(log) if line.startswith("S ")]
    alive = [pid for pid in pids if Path(f"/proc/{pid}").exists()]
    assert alive == [], "a flyctl call outlived the run"


def _slow(shim: Path, log: Path, *, session: float = 0, lists: float = 0) -> Path:
    """flyctl logging `S PID WORDS` / `E PID`; the session calls sleep `session` s, the
    apps' `… list` queries `lists` s."""
    wrapper = shim.parent / "slow-flyctl"
    wrapper.write_text(
        "#!/bin/sh\n"
        f'echo "S $$ $1 $2" >> {log}\n'
        f'case "$1" in version|auth) sleep {session};;\n'
        f"  volumes|secrets|machines) sleep {lists};;\nesac\n"
        f'"{shim}" "$@"\ncode=$?\necho "E $$" >> {log}\nexit $code\n'
    )
    wrapper.chmod(wrapper.stat().st_mode | stat.S_IXUSR)
    return wrapper


@pytest.mark.parametrize(
    ("count", "broken", "extra", "processes"),
    [
        (3, (0,), ["--jobs", "1"], "1"),
        (4, (0, 1), ["--jobs", "2"], "1"),
        (6, (0, 1, 2, 3), ["--jobs", "2"], "2"),
    ],
)
def test_max_fail_percent_with_apps_failing_before_the_gate(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    count: int,
    broken: tuple[int, ...],
    extra: list[str],
    processes: str,
) -> None:
    """Apps that fail without a query (a missing folder) also wait for the session's
    verdict: each app is reported once, the failure counts, exit 1 (they once finished
    before it and were reported `not started` as well, and the run exited 0)."""
    monkeypatch.setenv("FLYRUN_PROCESSES", processes)
    inventory, shim = make_fleet(tmp_path, count)
    for i in broken:
        shutil.rmtree(tmp_path / f"shop{i}")
    argv = ["check", str(inventory), "--flyctl", str(shim), "--format", "json"]
    code = main([*argv, *extra, "--max-fail-percent", "0"])
    report = json.loads(capsys.readouterr().out)
    names = [a["app"] for a in report["apps"]]
    assert len(names) == len(set(names)) == count, names
    assert code == 1


def _start(argv: list[str], cwd: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "runner", *argv, "--format", "json"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
        cwd=cwd,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        start_new_session=True,
    )


def _alive(log: Path) -> list[str]:
    pids = [line.split()[1] for line in log.read_text().splitlines() if line.startswith("S ")]
    alive = [pid for pid in pids if Path(f"/proc/{pid}").exists()]
    for pid in alive:  # leave nothing behind (each flyctl call is its own process group)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(int(pid), signal.SIGKILL)
    return alive


def _wait_for(log: Path, word: str) -> None:
    for _ in range(200):
        if log.exists() and word in log.read_text():
            return
        time.sleep(0.05)


def test_ctrl_c_while_only_the_session_runs(tmp_path: Path) -> None:
    """No app waits at the gate (--shard selects none): Ctrl-C while the run waits for the
    session's verdict interrupts its flyctl calls and the run still writes its report."""
    inventory, shim = make_fleet(tmp_path, 2)
    log = tmp_path / "calls.log"
    flyctl = _slow(shim, log, session=6)
    flyrun = _start(["check", str(inventory), "--flyctl", str(flyctl), "--shard", "3/3"], tmp_path)
    try:
        _wait_for(log, "version")
        time.sleep(0.3)
        flyrun.send_signal(signal.SIGINT)
        out, err = flyrun.communicate(timeout=30)
    finally:
        flyrun.kill()
    _alive(log)
    assert flyrun.returncode == 130, err
    ended = [line for line in log.read_text().splitlines() if line.startswith("E ")]
    assert ended == [], "the session's flyctl calls ran to their end after Ctrl-C"
    assert out.strip(), "no JSON report"


def test_ctrl_c_during_the_session_with_jobs_1_leaves_no_flyctl(tmp_path: Path) -> None:
    """--jobs 1: the app's queries wait for the slot the session holds; after Ctrl-C none of
    them starts when the interrupted session gives it back (runner/flyctl/process.py), so
    none outlives flyrun."""
    inventory, shim = make_fleet(tmp_path, 40)  # reporting 40 apps gives the thread time
    log = tmp_path / "calls.log"
    flyctl = _slow(shim, log, session=3, lists=5)
    flyrun = _start(["check", str(inventory), "--flyctl", str(flyctl), "--jobs", "1"], tmp_path)
    try:
        _wait_for(log, "S ")
        time.sleep(0.5)
        flyrun.send_signal(signal.SIGINT)
        _, err = flyrun.communicate(timeout=30)
    finally:
        flyrun.kill()
    assert flyrun.returncode == 130, err
    time.sleep(0.3)
    assert _alive(log) == [], "a flyctl call outlived the run:\n" + log.read_text()


def test_ctrl_c_during_a_retry_backoff_of_the_session_jobs_1(tmp_path: Path) -> None:
    """--jobs 1, Ctrl-C while the session sleeps before retrying a transient whoami error
    (no flyctl to interrupt): every app is reported once."""
    inventory, shim = make_fleet(tmp_path, 3)
    log = tmp_path / "calls.log"
    once = tmp_path / "once"
    flaky = shim.parent / "flaky"
    flaky.write_text(
        "#!/bin/sh\n"
        f'echo "S $$ $1 $2" >> {log}\n'
        f'if [ "$1" = auth ] && [ ! -e {once} ]; then touch {once}; '
        f'echo "Error: connection reset" >&2; echo "E $$" >> {log}; exit 1; fi\n'
        f'"{shim}" "$@"\ncode=$?\necho "E $$" >> {log}\nexit $code\n'
    )
    flaky.chmod(0o755)
    flyrun = _start(["check", str(inventory), "--flyctl", str(flaky), "--jobs", "1"], tmp_path)
    try:
        for _ in range(500):
            if once.exists():
                break
            time.sleep(0.01)
        time.sleep(0.4)  # within the 1 s backoff
        flyrun.send_signal(signal.SIGINT)
        out, err = flyrun.communicate(timeout=30)
    finally:
        flyrun.kill()
    time.sleep(0.3)
    _alive(log)
    assert flyrun.returncode == 130, err
    names = [a["app"] for a in json.loads(out)["apps"]]
    assert len(names) == len(set(names)) == 3, names
