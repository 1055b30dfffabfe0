from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Any

import pytest
from invoke.context import MockContext
from invoke.runners import Result

from runner.errors import FlyctlError, FlyctlNotFound
from runner.flyctl import commands
from runner.flyctl.client import Flyctl, find_flyctl, parse_version
from runner.flyctl.process import interrupted


def _exe(folder: Path, name: str) -> Path:
    path = folder / name
    path.write_text("#!/bin/sh\n")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return path


def test_find_order(tmp_path: Path) -> None:
    fly = _exe(tmp_path, "fly")
    env = {"PATH": str(tmp_path)}
    assert find_flyctl(None, env) == str(fly)
    flyctl = _exe(tmp_path, "flyctl")
    assert find_flyctl(None, env) == str(flyctl)
    other = _exe(tmp_path, "other")
    assert find_flyctl(None, {**env, "FLYRUN_FLYCTL": str(other)}) == str(other)
    explicit = _exe(tmp_path, "explicit")
    assert find_flyctl(str(explicit), {**env, "FLYRUN_FLYCTL": str(other)}) == str(explicit)


def test_not_found_names_what_was_looked_for(tmp_path: Path) -> None:
    with pytest.raises(FlyctlNotFound, match=r"--flyctl, \$FLYRUN_FLYCTL.*`flyctl` and `fly`"):
        find_flyctl(None, {"PATH": str(tmp_path)})
    with pytest.raises(FlyctlNotFound, match="FLYRUN_FLYCTL names"):
        find_flyctl(None, {"PATH": str(tmp_path), "FLYRUN_FLYCTL": "/nope/flyctl"})


@pytest.mark.parametrize(
    ("text", "version"),
    [
        ("flyctl v0.4.87 linux/amd64 Commit: ad0172f BuildDate: 2026-08-20T00:00:00Z", (0, 4, 87)),
        ("fly v0.0.450 darwin/arm64 Commit: x", (0, 0, 450)),
        ("flyctl v0.1.0-pre-3 linux/amd64", (0, 1, 0)),
        ("garbage", None),
    ],
)
def test_parse_version(text: str, version: tuple[int, int, int] | None) -> None:
    assert parse_version(text) == version


def test_queries_pass_app_and_json_and_never_stdin() -> None:
    ctx = MockContext(run={"fly volumes list --app shop --json": Result("[]")})
    assert Flyctl("fly", ctx).volumes("shop") == ()
    kwargs = ctx.run.call_args.kwargs  # type: ignore[attr-defined]
    assert kwargs["in_stream"] is False and kwargs["hide"] is True and kwargs["warn"] is True


def test_failure_keeps_stderr() -> None:
    ctx = MockContext(
        run={
            "fly secrets list --app ghost --json": Result(
                stderr='Error: Could not find App "ghost"\n', exited=1
            )
        }
    )
    with pytest.raises(FlyctlError, match="Could not find App") as info:
        Flyctl("fly", ctx).secrets("ghost")
    assert info.value.exit_code == 1


def test_secret_value_goes_on_stdin_not_argv() -> None:
    ctx = MockContext(run={"fly secrets import --app shop --stage": Result("ok")})
    effect = commands.import_secrets("shop", {"DATABASE_URL": "sqlite3:///mnt/x/db"})
    Flyctl("fly", ctx).perform(effect)
    call = ctx.run.call_args  # type: ignore[attr-defined]
    assert "sqlite3" not in call.args[0]
    assert call.kwargs["in_stream"].read() == "DATABASE_URL=sqlite3:///mnt/x/db\n"


def test_inherited_fly_app_is_neutralised(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(os.environ, "FLY_APP", "someone-else")
    ctx = MockContext(run={"fly machines list --app shop --json": Result("[]")})
    Flyctl("fly", ctx).machines("shop")
    assert ctx.run.call_args.kwargs["env"] == {"FLY_APP": ""}  # type: ignore[attr-defined]


@pytest.mark.parametrize("exited", [-2, 130])
def test_flyctl_killed_by_ctrl_c_interrupts_the_run(exited: int) -> None:
    ctx = MockContext(run={"fly volumes list --app shop --json": Result(exited=exited)})
    with pytest.raises(KeyboardInterrupt):
        Flyctl("fly", ctx).volumes("shop")


def test_found_flyctl_is_absolute(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _exe(tmp_path, "flyctl")
    monkeypatch.chdir(tmp_path.parent)
    found = find_flyctl(f"{tmp_path.name}/flyctl", {})
    assert Path(found).is_absolute() and Path(found).exists()


def test_flyctl_ctrl_c_exit_127_without_message_is_an_interrupt() -> None:
    assert interrupted(127, "")
    assert not interrupted(127, "sh: 1: flyctl: not found")
    assert not interrupted(1, "")


def test_invoke_settings_are_pinned_and_values_never_echoed() -> None:
    ctx = MockContext(
        run={
            "fly secrets import --app shop --stage": Result(
                stderr="Error: bad value sqlite3:///x/db\n", exited=1
            )
        }
    )
    effect = commands.import_secrets("shop", {"DATABASE_URL": "sqlite3:///x/db"})
    with pytest.raises(FlyctlError) as info:
        Flyctl("fly", ctx).perform(effect)
    assert "sqlite3:///x/db" not in str(info.value) and "<redacted>" in str(info.value)
    kwargs = ctx.run.call_args.kwargs  # type: ignore[attr-defined]
    assert (kwargs["pty"], kwargs["dry"], kwargs["echo"]) == (False, False, False)


def test_whoami_not_json_is_a_flyctl_error() -> None:
    ctx = MockContext(run={"fly auth whoami --json": Result("user@example.com\n")})
    with pytest.raises(FlyctlError, match="not JSON"):
        Flyctl("fly", ctx).whoami()


class _Recorder:
    """Slots that record when they are taken and given back."""

    def __init__(self, events: list[str]) -> None:
        self.events = events

    def __enter__(self) -> None:
        self.events.append("take")

    def __exit__(self, *exc: object) -> None:
        self.events.append("give")


def test_a_slot_is_held_only_while_the_flyctl_process_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """invoke's set-up before the spawn and its thread joins after the exit happen outside
    the slot (runner/flyctl/process.py), so the next flyctl of a fleet starts sooner."""
    import subprocess

    from invoke.runners import Runner

    fly = tmp_path / "fly"
    fly.write_text('#!/bin/sh\necho \'{"email": "a@b.c"}\'\n')
    fly.chmod(0o755)
    events: list[str] = []
    setup, finish, popen = Runner._setup, Runner._collate_result, subprocess.Popen

    def spawned(*args: Any, **kwargs: Any) -> Any:
        events.append("spawn")
        return popen(*args, **kwargs)

    def recorded(name: str, method: Any) -> Any:
        def wrapper(self: Runner, *args: Any) -> Any:
            events.append(name)
            return method(self, *args)

        return wrapper

    monkeypatch.setattr(Runner, "_setup", recorded("setup", setup))
    monkeypatch.setattr(Runner, "_collate_result", recorded("collate", finish))
    monkeypatch.setattr("runner.flyctl.process.subprocess.Popen", spawned)
    client = Flyctl(str(fly), slots=_Recorder(events))
    assert client.whoami() == "a@b.c"
    assert events == ["setup", "take", "spawn", "give", "collate"]


def test_a_slot_is_given_back_when_flyctl_cannot_start(tmp_path: Path) -> None:
    events: list[str] = []
    client = Flyctl(str(tmp_path / "missing"), slots=_Recorder(events))
    with pytest.raises(FlyctlError):
        client.whoami()
    assert events and events.count("take") == events.count("give")
