"""Exit codes, refusals and remote-state cases through the CLI, against the simulator."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

import runner.run
from runner.cli import main
from runner.simulator.state import add_secret, add_volume
from tests.cli.harness import FlyApp, make_app, tree_digest

URL = "sqlite3:///mnt/shop_data/production.sqlite"


def _task(report: dict[str, Any], task_id: str) -> dict[str, Any]:
    tasks: list[dict[str, Any]] = report["apps"][0]["tasks"]
    return next(t for t in tasks if t["id"] == task_id)


def test_invalid_spec_exit_1_with_location(
    fly_app: FlyApp, capsys: pytest.CaptureFixture[str]
) -> None:
    fly_app.spec.write_text("version: 1\napp: shop\nvolume:\n  name: shop_data\n  sise: 3\n")
    code, out, err = fly_app.run(capsys, "check")
    assert code == 1 and out == ""
    assert "fly-sqlite.yml:5:3: volume.sise: unknown key (did you mean 'size'?)" in err
    assert fly_app.calls() == [], "an invalid spec must not reach flyctl"


def test_flyctl_not_found_exit_1(
    fly_app: FlyApp,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    monkeypatch.delenv("FLYRUN_FLYCTL", raising=False)
    code = main(["check", str(fly_app.spec)])
    out = capsys.readouterr().out
    assert code == 1
    assert (
        "failed: preflight: flyctl — flyctl not found: looked for --flyctl, $FLYRUN_FLYCTL" in out
    )
    assert "1 app: 1 failed — fix what failed above" in out


@pytest.mark.parametrize("how", ["--flyctl", "PATH"])
def test_flyctl_not_found_fails_every_app_so_the_counts_agree_with_the_exit_code(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, how: str
) -> None:
    from tests.cli.harness import make_fleet

    inventory, _ = make_fleet(tmp_path, 2)
    monkeypatch.delenv("FLYRUN_FLYCTL", raising=False)
    argv = ["check", str(inventory), "--format", "json"]
    if how == "PATH":
        monkeypatch.setenv("PATH", "")
    else:
        argv += ["--flyctl", "/nonexistent"]
    assert main(argv) == 1
    report = json.loads(capsys.readouterr().out)
    summary = report["summary"]
    assert (summary["apps"], summary["apps_failed"], summary["exit_code"]) == (2, 2, 1)
    assert summary["tasks"]["failed"] == 2
    for app in report["apps"]:
        (task,) = app["tasks"]
        assert task["id"] == "preflight.flyctl" and task["message"].startswith("flyctl not found")


def test_not_logged_in_is_a_preflight_refusal(
    fly_app: FlyApp, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("FLY_API_TOKEN", "FLY_ACCESS_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    state = fly_app.state
    state["logged_in"] = False
    fly_app.edit_state(state)
    code, out, _ = fly_app.run(capsys, "check")
    assert code == 1
    assert "flyctl login refused: flyctl says: no access token available" in out, out
    assert "Run `fly auth login`" in out
    code, report = fly_app.run_json(capsys, "check")
    assert code == 1 and report["summary"]["apps_failed"] == 1  # the early failure counts
    assert report["summary"]["exit_code"] == 1


def test_old_flyctl_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    app = make_app(tmp_path, version="0.0.450")
    code, out, _ = app.run(capsys, "check")
    assert code == 1 and "Upgrade flyctl to v0.1.0" in out


def test_unverifiable_secret_refused_in_check_and_apply(
    fly_app: FlyApp, capsys: pytest.CaptureFixture[str]
) -> None:
    """Check fails as apply will: exit 2 would say "run apply", and that apply refuses."""
    state = fly_app.state
    add_secret(state, "shop", "DATABASE_URL", "postgres://u:p@db.internal/shop")
    fly_app.edit_state(state)
    files, sim = tree_digest(fly_app.app_dir), fly_app.state_path.read_bytes()
    code, report = fly_app.run_json(capsys, "check")
    assert code == 1 and report["apps"][0]["status"] == "failed"
    assert "replace_database_url" in report["apps"][0]["tasks"][0]["message"]
    code, report = fly_app.run_json(capsys, "apply")
    assert code == 1 and report["apps"][0]["status"] == "failed"
    assert "replace_database_url" in report["apps"][0]["tasks"][0]["message"]
    assert tree_digest(fly_app.app_dir) == files and fly_app.state_path.read_bytes() == sim


def test_replace_flag_replaces_unverifiable_secret(
    fly_app: FlyApp, capsys: pytest.CaptureFixture[str]
) -> None:
    state = fly_app.state
    add_secret(state, "shop", "DATABASE_URL", "postgres://u:p@db.internal/shop")
    fly_app.edit_state(state)
    assert fly_app.run(capsys, "apply", "--replace-database-url")[0] == 0
    code, report = fly_app.run_json(capsys, "check")
    assert code == 0 and _task(report, "secret")["status"] == "ok"


def test_legacy_md5_digest_equal_is_ok(fly_app: FlyApp, capsys: pytest.CaptureFixture[str]) -> None:
    state = fly_app.state
    add_secret(state, "shop", "DATABASE_URL", URL, legacy_md5=True)
    fly_app.edit_state(state)
    code, report = fly_app.run_json(capsys, "check")
    assert "legacy MD5 digest matches" in _task(report, "secret")["message"]
    assert _task(report, "secret")["status"] == "ok" and code == 2


def test_legacy_md5_digest_different_is_refused(
    fly_app: FlyApp, capsys: pytest.CaptureFixture[str]
) -> None:
    state = fly_app.state
    add_secret(state, "shop", "DATABASE_URL", "sqlite3:///elsewhere/x.db", legacy_md5=True)
    fly_app.edit_state(state)
    code, report = fly_app.run_json(capsys, "apply")
    assert code == 1
    assert "legacy MD5 digest shows a different value" in json.dumps(report)


def test_smaller_volume_is_extended_larger_is_left(
    fly_app: FlyApp, capsys: pytest.CaptureFixture[str]
) -> None:
    state = fly_app.state
    small = add_volume(state, "shop", "shop_data", "iad", 1)
    add_volume(state, "shop", "shop_data", "ams", 10)
    fly_app.edit_state(state)
    code, report = fly_app.run_json(capsys, "check")
    volume = _task(report, "volume")
    assert volume["status"] == "changed"
    assert volume["commands"] == [f"fly volumes extend {small['id']} --app shop --size 3"]
    assert any("also exists in ams" in n for n in volume["notes"])
    assert fly_app.run(capsys, "apply")[0] == 0
    state = fly_app.state
    state["apps"]["shop"]["volumes"][0]["size_gb"] = 50
    fly_app.edit_state(state)
    code, report = fly_app.run_json(capsys, "check")
    volume = _task(report, "volume")
    assert code == 0 and volume["status"] == "ok"
    assert any("never shrink" in n for n in volume["notes"])


def test_deploy_false_never_deploys(fly_app: FlyApp, capsys: pytest.CaptureFixture[str]) -> None:
    fly_app.spec.write_text(fly_app.spec.read_text().replace("deploy: true", "deploy: false"))
    assert fly_app.run(capsys, "apply")[0] == 0
    assert not any(c[0] == "deploy" for c in fly_app.calls())
    code, report = fly_app.run_json(capsys, "check")
    assert code == 0
    assert not any(t["id"] == "machines" for t in report["apps"][0]["tasks"])


def test_failed_deploy_fails_apply_and_check_stays_pending(
    fly_app: FlyApp, capsys: pytest.CaptureFixture[str]
) -> None:
    state = fly_app.state
    state["apps"]["shop"]["release_command_exit"] = 1
    fly_app.edit_state(state)
    code, report = fly_app.run_json(capsys, "apply")
    assert code == 1
    assert _task(report, "deploy")["status"] == "failed"
    state = fly_app.state
    state["apps"]["shop"]["release_command_exit"] = 0
    fly_app.edit_state(state)
    code, report = fly_app.run_json(capsys, "check")
    assert code == 2 and _task(report, "machines")["status"] == "changed"
    assert fly_app.run(capsys, "apply")[0] == 0
    assert fly_app.run(capsys, "check")[0] == 0


def test_two_machines_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    app = make_app(tmp_path, machines=2)
    code, out, _ = app.run(capsys, "check")
    assert code == 1 and "machine count" in out and "fly scale count 1" in out


def test_ctrl_c_is_130_and_internal_error_is_3(
    fly_app: FlyApp, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def interrupted(*_: object) -> int:
        raise KeyboardInterrupt

    def broken(*_: object) -> int:
        raise ZeroDivisionError("boom")

    monkeypatch.setattr(runner.run, "run", interrupted)
    assert fly_app.run(capsys, "check")[0] == 130
    monkeypatch.setattr(runner.run, "run", broken)
    code, _, err = fly_app.run(capsys, "check")
    assert code == 3 and "ZeroDivisionError: boom" in err and "internal error" in err


def test_inventory_batch_converges_every_app(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from tests.cli.harness import make_fleet as batch

    inventory, shim = batch(tmp_path, 3)
    argv = [str(inventory), "--flyctl", str(shim), "--jobs", "3", "--format", "json"]
    assert main(["check", *argv]) == 2
    first = json.loads(capsys.readouterr().out)
    assert [a["app"] for a in first["apps"]] == ["shop0", "shop1", "shop2"]
    assert main(["apply", *argv]) == 0
    capsys.readouterr()
    assert main(["check", *argv]) == 0
    third = json.loads(capsys.readouterr().out)
    assert third["summary"]["apps_ok"] == 3


class _Terminal:
    def __init__(self, answer: str) -> None:
        self.answer = answer

    def isatty(self) -> bool:
        return True

    def readline(self) -> str:
        return self.answer


@pytest.mark.parametrize(("answer", "code", "changed"), [("n\n", 1, False), ("y\n", 0, True)])
def test_apply_on_a_terminal_asks_first(
    fly_app: FlyApp,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    answer: str,
    code: int,
    changed: bool,
) -> None:
    before = tree_digest(fly_app.app_dir)
    monkeypatch.setattr("sys.stdin", _Terminal(answer))
    result, out, err = fly_app.run(capsys, "apply")
    assert result == code
    assert "Apply these changes? [y/N]" in err
    assert "run `flyrun apply" not in out  # not above the prompt of that very apply
    assert (tree_digest(fly_app.app_dir) != before) is changed


def test_flyctl_timeout_is_a_clear_failure() -> None:
    from invoke.context import MockContext
    from invoke.exceptions import CommandTimedOut
    from invoke.runners import Result

    from runner.errors import FlyctlError
    from runner.flyctl.client import Flyctl

    ctx = MockContext()
    ctx.run = lambda *a, **k: (_ for _ in ()).throw(CommandTimedOut(Result(), 120))  # type: ignore[method-assign]
    with pytest.raises(FlyctlError, match="timed out after 120 s"):
        Flyctl("fly", ctx).volumes("shop")


def test_unknown_process_group_refused(fly_app: FlyApp, capsys: pytest.CaptureFixture[str]) -> None:
    fly_app.spec.write_text(fly_app.spec.read_text() + "process_group: web\n")
    code, out, _ = fly_app.run(capsys, "check")
    assert code == 1
    assert "fly.toml has no process group 'web' (it has app;" in out


def test_json_report_even_when_the_spec_is_invalid(
    fly_app: FlyApp, capsys: pytest.CaptureFixture[str]
) -> None:
    from jsonschema import Draft202012Validator

    from runner.resources import load_json

    fly_app.spec.write_text(
        "version: 1\napp: shop\nvolume:\n  name: shop_data\n  region: iad\n  sise: 3\n"
    )
    code, report = fly_app.run_json(capsys, "check")
    assert code == 1 and report["apps"] == []
    (problem,) = report["error"]["problems"]
    assert (problem["line"], problem["column"]) == (6, 3)
    validator = Draft202012Validator(load_json("schemas", "report.schema.json"))
    assert list(validator.iter_errors(report)) == []


@pytest.mark.parametrize("argv", [["check"], ["check", "-j", "0", "x.yml"], ["apply", "--bogus"]])
def test_usage_errors_exit_1_not_2(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(argv) == 1
    assert "usage: flyrun" in capsys.readouterr().err  # argparse refused it, not a later step
    assert main(["--version"]) == 0


@pytest.mark.parametrize(
    ("argv", "said"),
    [
        (
            ["check", "--jobs", "x", "a.yml"],
            "--jobs: expected a whole number of at least 1, got 'x'",
        ),
        (["check", "-j", "0", "a.yml"], "--jobs: expected a whole number of at least 1, got '0'"),
        (["apply", "--forks", "2.5", "a.yml"], "--jobs: expected a whole number of at least 1"),
        (["check", "--flyctl-timeout", "x", "a.yml"], "--flyctl-timeout: expected a number of "),
        (["check", "--deploy-timeout", "inf", "a.yml"], "--deploy-timeout: expected a number of"),
        (["check", "--lock-timeout", "-1", "a.yml"], "--lock-timeout: expected a number of "),
        (["check", "--max-fail-percent", "x", "a.yml"], "--max-fail-percent: expected a percen"),
        (["check", "--shard", "3/2", "a.yml"], "--shard: expected I/N with 1 <= I <= N, got '3/2'"),
        (["check", "--format", "xml", "a.yml"], "--format: invalid choice: 'xml'"),
    ],
)
def test_a_bad_option_value_is_said_by_the_option(
    argv: list[str], said: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(argv) == 1
    err = capsys.readouterr().err
    assert f"flyrun {argv[0]}: error: {said}" in err
    assert "argument " not in err and "_positive" not in err and "invalid float" not in err


@pytest.mark.parametrize(
    ("argv", "command", "hint"),
    [
        (
            ["validate", "--offline", "a.yml"],
            "validate",
            " (--offline is an option of flyrun check)",
        ),
        (["apply", "--offline", "a.yml"], "apply", " (--offline is an option of flyrun check)"),
        (["check", "--yes", "a.yml"], "check", " (--yes is an option of flyrun apply)"),
        (["report", "merge", "a.json", "--bogus"], "report merge", ""),
    ],
)
def test_an_argument_a_command_does_not_take_shows_that_commands_usage(
    argv: list[str], command: str, hint: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(argv) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"usage: flyrun {command} [-h]")
    unknown = next(a for a in argv if a.startswith("--"))
    assert err.endswith(f"flyrun {command}: error: unrecognized arguments: {unknown}{hint}\n")


def test_unwritable_file_refuses_apply_before_any_effect(
    fly_app: FlyApp, capsys: pytest.CaptureFixture[str]
) -> None:
    (fly_app.app_dir / ".flyrun-state.json").mkdir()  # cannot be written as a file
    files, sim = tree_digest(fly_app.app_dir), fly_app.state_path.read_bytes()
    code, report = fly_app.run_json(capsys, "apply")
    assert code == 1
    tasks = report["apps"][0]["tasks"]
    assert tasks[-1]["name"] == "preflight: files writable" and tasks[-1]["status"] == "failed"
    assert all(t["status"] != "changed" for t in tasks)
    assert "not applied" in tasks[0]["message"]
    assert tree_digest(fly_app.app_dir) == files and fly_app.state_path.read_bytes() == sim


def test_symlinked_fly_toml_inside_the_app_is_edited_outside_refused(
    fly_app: FlyApp, capsys: pytest.CaptureFixture[str]
) -> None:
    shared = fly_app.root / "config" / "shop.toml"
    shared.parent.mkdir()
    (fly_app.app_dir / "fly.toml").rename(shared)
    (fly_app.app_dir / "fly.toml").symlink_to(shared)
    before, sim = shared.read_bytes(), fly_app.state_path.read_bytes()
    code, report = fly_app.run_json(capsys, "apply")
    assert code == 1 and shared.read_bytes() == before  # never written outside the app folder
    assert fly_app.state_path.read_bytes() == sim  # refused before any effect
    assert "is a symlink to" in json.dumps(report) and "outside" in json.dumps(report)
    inside = fly_app.app_dir / "config" / "fly.real.toml"
    (fly_app.app_dir / "fly.toml").unlink()
    inside.write_bytes(before)
    (fly_app.app_dir / "fly.toml").symlink_to(inside)
    assert fly_app.run(capsys, "apply")[0] == 0
    assert (fly_app.app_dir / "fly.toml").is_symlink()
    assert "[mounts]" in inside.read_text()


def test_another_process_group_is_refused_unless_declared(
    fly_app: FlyApp, capsys: pytest.CaptureFixture[str]
) -> None:
    toml = fly_app.app_dir / "fly.toml"
    toml.write_text(
        toml.read_text().replace("processes = []\n", "") + "\n[processes]\n"
        '  app = "bin/rails fly:server"\n  worker = "bundle exec sidekiq"\n'
    )
    files, sim = tree_digest(fly_app.app_dir), fly_app.state_path.read_bytes()
    code, report = fly_app.run_json(capsys, "apply")
    assert code == 1 and _task(report, "preflight.process_groups")["status"] == "failed"
    message = _task(report, "preflight.process_groups")["message"]
    assert "runs 'worker' besides 'app': volume 'shop_data' would be mounted on 'app'" in message
    assert "declare `groups_without_database: [worker]` in fly-sqlite.yml" in message
    assert tree_digest(fly_app.app_dir) == files and fly_app.state_path.read_bytes() == sim
    fly_app.spec.write_text(fly_app.spec.read_text() + "groups_without_database: [worker]\n")
    code, report = fly_app.run_json(capsys, "check")
    assert code == 2
    mount = _task(report, "mount")
    assert 'processes = ["app"]' in mount["diff"]
    assert any("'worker' gets no volume: declared" in n for n in mount["notes"])


def test_after_ctrl_c_no_app_starts_another_effect(
    fly_app: FlyApp, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from runner import executor

    real = executor.Executor._perform

    def perform_then_interrupt(self: executor.Executor, *args: Any, **kwargs: Any) -> Any:
        self.cancel.set()  # as if Ctrl-C arrived during the first task
        return real(self, *args, **kwargs)

    monkeypatch.setattr(executor.Executor, "_perform", perform_then_interrupt)
    code, report = fly_app.run_json(capsys, "apply")
    assert (
        code == 130 and report["summary"]["interrupted"] and report["summary"]["exit_code"] == 130
    )
    assert report["apps"][0]["tasks"][-1]["id"] == "interrupted"
    assert not any(c[:2] == ["volumes", "create"] for c in fly_app.calls())


def test_validate_refuses_offline_what_check_would(
    fly_app: FlyApp, capsys: pytest.CaptureFixture[str]
) -> None:
    toml = fly_app.app_dir / "fly.toml"
    toml.write_text(toml.read_text() + '\n[mounts]\n  source = "data"\n  destination = "/data"\n')
    assert main(["validate", str(fly_app.spec)]) == 1
    out, err = capsys.readouterr()
    assert "app shop: fly.toml mounts shop_data" in err and "already mounts" in err
    assert "\n1 app: 1 failed — fix what failed above, then run `flyrun validate " in err
    assert fly_app.calls() == [] and out == ""
    toml.write_text(toml.read_text().split("\n[mounts]")[0])
    assert main(["validate", str(fly_app.spec)]) == 0
    out = capsys.readouterr().out
    assert "ok: app shop; 3 file edit(s) pending" in out
    assert "\n1 app: 1 valid (3 pending changes) — run `flyrun check " in out
    (fly_app.app_dir / "Gemfile").write_text('source "https://rubygems.org"\ngem "pg"\n')
    assert main(["validate", str(fly_app.spec)]) == 1
    assert "sqlite3 gem refused" in capsys.readouterr().err
    assert fly_app.calls() == []


def test_github_format_annotates_pending_tasks(
    fly_app: FlyApp, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = fly_app.run(capsys, "check", "--format", "github")
    assert code == 2
    notices = [line for line in out.splitlines() if line.startswith("::notice ")]
    assert any("title=flyrun shop%3A secret::would change" in n for n in notices)
    mount = next(n for n in notices if "shop%3A mount::" in n)
    assert mount.startswith("::notice file=") and "fly.toml,line=52,col=1," in mount
    assert "sqlite3:///" not in out


def test_unreadable_state_file_refuses_apply_before_any_effect(
    fly_app: FlyApp, capsys: pytest.CaptureFixture[str]
) -> None:
    state = fly_app.app_dir / ".flyrun-state.json"
    state.write_text('{"format_version": 2, "apps": {"shop": "x"}}')
    sim = fly_app.state_path.read_bytes()
    code, report = fly_app.run_json(capsys, "apply")
    assert code == 1 and "apps.shop is not a mapping" in json.dumps(report)
    assert fly_app.state_path.read_bytes() == sim  # no volume created, no secret staged


def test_old_flyctl_failed_deploy_keeps_check_pending(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    app = make_app(tmp_path, version="0.3.100")  # secrets list has no status before v0.4.6
    state = app.state
    state["apps"]["shop"]["release_command_exit"] = 1
    app.edit_state(state)
    assert app.run(capsys, "apply")[0] == 1
    state = app.state
    state["apps"]["shop"]["release_command_exit"] = 0
    app.edit_state(state)
    code, report = app.run_json(capsys, "check")
    machines = _task(report, "machines")
    assert code == 2 and "staged by flyrun and not deployed since" in machines["message"]
    assert app.run(capsys, "apply")[0] == 0
    assert app.run(capsys, "check")[0] == 0


def test_dockerfile_env_continuation_line_is_seen(
    fly_app: FlyApp, capsys: pytest.CaptureFixture[str]
) -> None:
    docker = fly_app.app_dir / "Dockerfile"
    docker.write_text(
        docker.read_text() + 'ENV RAILS_ENV="production" \\\n'
        '    DATABASE_URL="postgres://u:TopSecret9@db/shop"\n'
    )
    code, out, _ = fly_app.run(capsys, "check")
    assert code == 1 and "another database" in out and "TopSecret9" not in out


def test_experimental_cmd_decides_the_start_command(
    fly_app: FlyApp, capsys: pytest.CaptureFixture[str]
) -> None:
    toml = fly_app.app_dir / "fly.toml"
    toml.write_text(
        toml.read_text().replace(
            "[experimental]\n", '[experimental]\n  cmd = ["bin/rails", "server"]\n'
        )
    )
    code, report = fly_app.run_json(capsys, "check")
    assert code == 1
    assert report["apps"][0]["layout"] == "custom"
    assert "fly.toml [experimental] cmd: bin/rails server" in report["apps"][0]["evidence"]


def test_a_bug_in_one_app_does_not_hide_the_others(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from runner.tasks.volume import VolumeTask
    from tests.cli.harness import make_fleet as batch

    real = VolumeTask.check

    def flaky(self: VolumeTask, ctx: Any) -> Any:
        if ctx.spec.app == "shop1":
            raise ZeroDivisionError("boom")
        return real(self, ctx)

    monkeypatch.setattr(VolumeTask, "check", flaky)
    inventory, shim = batch(tmp_path, 3)
    code = main(["check", str(inventory), "--flyctl", str(shim), "--format", "json"])
    report = json.loads(capsys.readouterr().out)
    assert code == 3 and report["summary"]["exit_code"] == 3  # a bug is a bug, reported
    assert report["summary"]["internal_errors"] == 1
    assert [a["status"] for a in report["apps"]] == ["changed", "failed", "changed"]
    bug = report["apps"][1]["tasks"][-1]
    assert bug["id"] == "internal_error" and "ZeroDivisionError: boom" in bug["message"]
    assert any("Traceback" in n or "line" in n for n in bug["notes"])


def test_one_broken_fly_toml_fails_alone_in_an_inventory(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from tests.cli.harness import make_fleet as batch

    inventory, shim = batch(tmp_path, 3)
    broken = tmp_path / "shop1" / "fly.toml"
    broken.write_text(broken.read_text().replace("kill_timeout = 5", "kill_timeout = = 5"))
    argv = [str(inventory), "--flyctl", str(shim), "--format", "json"]
    assert main(["apply", *argv]) == 1
    report = json.loads(capsys.readouterr().out)
    assert [a["status"] for a in report["apps"]] == ["changed", "failed", "changed"]
    assert "invalid TOML" in report["apps"][1]["tasks"][0]["message"]
    assert main(["validate", str(inventory)]) == 1
    assert "invalid TOML" in capsys.readouterr().err


def test_github_format_annotates_flyctl_not_found_at_each_app(
    fly_app: FlyApp,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    monkeypatch.delenv("FLYRUN_FLYCTL", raising=False)
    assert main(["check", str(fly_app.spec), "--format", "github"]) == 1
    out = capsys.readouterr().out
    assert (
        "::error file=" in out and "title=flyrun shop%3A preflight.flyctl::flyctl not found" in out
    )
