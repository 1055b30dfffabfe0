"""Timeouts and retries: every flyctl call has a timeout; a timed-out call is a clear failure
and its process group (flyctl and its children) is gone; read-only queries are retried with
backoff on transient errors a bounded number of times; a mutation never is."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
from invoke.exceptions import CommandTimedOut
from invoke.runners import Result

from runner.errors import FlyctlError
from runner.flyctl import commands
from runner.flyctl.client import Flyctl, Timeouts
from tests.cli.harness import FlyApp
from tests.reliability.helpers import alive, calls, fault, report_of, simulators, task

TRANSIENT = "Get https://api.fly.io/graphql: read: connection reset by peer"


def _wrapper(app: FlyApp) -> tuple[Path, Path]:
    """A flyctl that, for `volumes list`, first starts a child that holds its output pipes
    (as a helper flyctl spawns might) and records its pid."""
    pids = app.root / "children"
    script = app.root / "bin" / "flyctl-with-child"
    script.write_text(
        "#!/bin/sh\n"
        'if [ "$1" = volumes ] && [ "$2" = list ]; then\n'
        f"  sleep 20 & echo $! >> {pids}\n"
        "fi\n"
        f'exec {app.shim} "$@"\n'
    )
    script.chmod(0o755)
    return script, pids


def test_a_hung_query_is_stopped_with_its_children_within_seconds(
    fly_app: FlyApp, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    fault(fly_app, "volumes list", "hang", times=None)
    flyctl, pids = _wrapper(fly_app)
    monkeypatch.setenv("FLYRUN_FLYCTL_TIMEOUT", "1")
    started = time.monotonic()
    code = _main("check", str(fly_app.spec), "--flyctl", str(flyctl), "--format", "json")
    elapsed = time.monotonic() - started
    out = capsys.readouterr().out
    assert code == 1
    assert elapsed < 5, f"took {elapsed:.1f} s"  # two 1 s attempts and one backoff, not 90 s
    failure = next(t for t in _report(out)["apps"][0]["tasks"] if t["status"] == "failed")
    assert failure["name"].startswith("preflight: ")  # the task
    assert failure["message"].startswith("shop: `fly volumes list --app shop --json` timed out")
    assert "after 1 s" in failure["message"] and "--flyctl-timeout" in failure["message"]
    assert len(calls(fly_app, "volumes", "list")) == 2  # a timeout is retried once only
    children = [int(pid) for pid in pids.read_text().split()]
    assert len(children) == 2
    time.sleep(0.2)
    assert not [pid for pid in children if alive(pid)], "a hung flyctl's child outlived it"
    assert simulators(fly_app.state_path) == []


def _main(*argv: str) -> int:
    from runner.cli import main

    return main(list(argv))


def _report(out: str) -> dict[str, Any]:
    import json

    report: dict[str, Any] = json.loads(out)
    return report


def test_flyctl_timeout_option_beats_the_environment_and_deploy_has_its_own(
    quick_app: FlyApp, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FLYRUN_FLYCTL_TIMEOUT", "30")
    fault(quick_app, "deploy", "hang")
    code, report, _ = report_of(
        quick_app, capsys, "apply", "--flyctl-timeout", "0.2", "--deploy-timeout", "0.6"
    )
    assert code == 1
    message = task(report, "deploy")["message"]  # the failure is the failed task's message
    assert "timed out after 0.6 s" in message and "--deploy-timeout" in message
    assert len(calls(quick_app, "deploy")) == 1  # a mutation is not retried
    fault(quick_app, "machines list", "hang", times=None)
    started = time.monotonic()
    code, report, _ = report_of(quick_app, capsys, "check", "--flyctl-timeout", "0.2")
    assert code == 1 and "timed out after 0.2 s" in str(report)
    assert time.monotonic() - started < 3


def test_a_transient_query_failure_is_retried(
    quick_app: FlyApp, capsys: pytest.CaptureFixture[str]
) -> None:
    fault(quick_app, "volumes list", "fail", stderr=TRANSIENT, times=1)
    code, report, _ = report_of(quick_app, capsys, "check")
    assert code == 2 and task(report, "volume")["status"] == "changed"
    listed = [c for c in _log(quick_app) if c["argv"][:2] == ["volumes", "list"]]
    assert [c.get("fault") for c in listed[:2]] == ["fail", None]


def test_a_failed_mutation_is_never_retried_blindly(
    quick_app: FlyApp, capsys: pytest.CaptureFixture[str]
) -> None:
    fault(quick_app, "volumes create", "fail", stderr=TRANSIENT, times=1)
    code, report, _ = report_of(quick_app, capsys, "apply")
    assert code == 1 and task(report, "volume")["status"] == "failed"
    argvs = [c["argv"][:2] for c in _log(quick_app)]
    assert argvs.count(["volumes", "create"]) == 1
    create = argvs.index(["volumes", "create"])
    assert ["volumes", "list"] in argvs[create:]  # re-read to see whether it landed
    assert quick_app.state["apps"]["shop"]["volumes"] == []
    assert quick_app.run(capsys, "apply")[0] == 0  # the next run creates it, once
    assert len(quick_app.state["apps"]["shop"]["volumes"]) == 1


def _log(app: FlyApp) -> list[dict[str, Any]]:
    import json

    return [json.loads(line) for line in app.log_text().splitlines()]


class Scripted:
    """A CommandRunner answering from a list: an exit code and stderr, or a timeout."""

    def __init__(self, answers: list[tuple[int, str] | None]) -> None:
        self.answers = answers
        self.timeouts: list[float] = []

    def run(self, command: str, **kwargs: Any) -> Result:
        self.timeouts.append(kwargs["timeout"])
        answer = self.answers.pop(0)
        if answer is None:
            raise CommandTimedOut(Result(command=command), kwargs["timeout"])
        return Result(command=command, exited=answer[0], stdout="[]", stderr=answer[1])


def _client(answers: list[tuple[int, str] | None]) -> tuple[Flyctl, Scripted, list[float]]:
    runner = Scripted(answers)
    client = Flyctl("fly", runner, timeouts=Timeouts(query=5, deploy=50))
    slept: list[float] = []
    client._sleep = lambda seconds: slept.append(float(seconds))
    return client, runner, slept


@pytest.mark.parametrize(
    ("answers", "attempts", "ok"),
    [
        ([(1, "Error: 503 Service Unavailable"), (1, TRANSIENT), (0, "")], 3, True),
        ([(1, TRANSIENT)] * 3, 3, False),  # bounded: three attempts, then the error
        ([(1, "Error: app not found")], 1, False),  # not transient: no retry
        ([None, None], 2, False),  # a timeout is retried once only
        ([None, (1, TRANSIENT), (0, "")], 3, True),
    ],
)
def test_query_retries_are_bounded_with_backoff(
    answers: list[tuple[int, str] | None], attempts: int, ok: bool
) -> None:
    client, runner, slept = _client(list(answers))
    try:
        client.volumes("shop")
    except FlyctlError:
        assert not ok
    else:
        assert ok
    assert len(runner.timeouts) == attempts and set(runner.timeouts) == {5}
    assert slept == [1.0, 2.0][: attempts - 1]  # backoff doubles


def test_a_mutation_is_run_once_with_its_own_timeout() -> None:
    client, runner, slept = _client([(1, TRANSIENT)])
    with pytest.raises(FlyctlError):
        client.perform(commands.create_volume("shop", "shop_data", "iad", 3))
    client2, runner2, _ = _client([None])
    with pytest.raises(FlyctlError, match=r"timed out after 50 s.*--deploy-timeout"):
        client2.perform(commands.deploy("shop", Path("/app"), Path("/app/fly.toml")))
    assert (runner.timeouts, slept, runner2.timeouts) == ([5], [], [50])
