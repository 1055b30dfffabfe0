"""People at a terminal: -q/-v, NO_COLOR/FORCE_COLOR/--no-color, and closing lines that say
what happened and what to run next."""

from __future__ import annotations

from pathlib import Path

import pytest

from runner.cli import main
from runner.events import AppResult, RunResult, TaskResult
from runner.model import Status
from runner.report.closing import closing_line
from tests.cli.harness import FlyApp

ESC = "\033["


def _check(app: FlyApp, capsys: pytest.CaptureFixture[str], *args: str) -> str:
    assert main(["check", str(app.spec), "--offline", *args]) == 2
    return capsys.readouterr().out


@pytest.mark.parametrize(
    ("env", "args", "coloured"),
    [
        ({}, [], False),  # not a terminal
        ({"FORCE_COLOR": "1"}, [], True),
        ({"FORCE_COLOR": "1"}, ["--no-color"], False),
        ({"FORCE_COLOR": "1", "NO_COLOR": "1"}, [], False),  # NO_COLOR wins
        ({"FORCE_COLOR": "1", "TERM": "dumb"}, [], False),
    ],
)
def test_colour(
    fly_app: FlyApp,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    env: dict[str, str],
    args: list[str],
    coloured: bool,
) -> None:
    for name in ("FORCE_COLOR", "NO_COLOR", "TERM"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert (ESC in _check(fly_app, capsys, *args)) is coloured


def test_quiet_shows_only_what_changes_or_fails(
    fly_app: FlyApp, capsys: pytest.CaptureFixture[str]
) -> None:
    full, quiet = _check(fly_app, capsys), _check(fly_app, capsys, "-q")
    assert "layout: rake" in full and "layout: rake" not in quiet
    assert "would change: fly.toml mounts" in quiet and "+[mounts]" in quiet
    assert "unknown: volume" in full and "unknown: volume" not in quiet  # --offline's own
    assert quiet.rstrip().endswith("run `flyrun apply " + str(fly_app.spec) + "`")


def test_verbose_adds_the_state_file_records(
    fly_app: FlyApp, capsys: pytest.CaptureFixture[str]
) -> None:
    assert fly_app.run(capsys, "check")[1].count("record in .flyrun-state.json") == 0
    verbose = fly_app.run(capsys, "check", "-v")[1]
    assert "record in .flyrun-state.json: about to set DATABASE_URL" in verbose


def _result(mode: str, *statuses: Status, interrupted: bool = False) -> RunResult:
    tasks = tuple(TaskResult(f"t{i}", f"t{i}", s, "m") for i, s in enumerate(statuses))
    return RunResult(mode, (AppResult("shop", Path("shop.yml"), tasks),), interrupted=interrupted)


@pytest.mark.parametrize(
    ("result", "code", "says"),
    [
        (_result("check", Status.OK), 0, "1 app: 1 converged — nothing to do"),
        (_result("check", Status.CHANGED), 2, "1 pending change — run `flyrun apply "),
        (_result("check", Status.FAILED), 1, "1 failed — fix what failed above, then "),
        (_result("apply", Status.CHANGED), 0, "1 changed — applied and verified"),
        (_result("validate", Status.CHANGED), 0, "1 valid (1 pending change) — run `flyrun check"),
        (_result("validate", Status.OK), 0, "1 app: 1 valid — run `flyrun check"),
        (_result("validate", Status.FAILED), 1, "then run `flyrun validate shop.yml` again"),
        (_result("apply", Status.OK, interrupted=True), 130, "interrupted: run `flyrun"),
        (_result("check", Status.FAILED), 3, "flyrun hit a bug"),
    ],
)
def test_the_closing_line_says_what_happened_and_what_to_run_next(
    result: RunResult, code: int, says: str
) -> None:
    assert says in closing_line(result, code, "flyrun")


def test_the_suggested_command_keeps_the_options_that_chose_what_was_checked(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from runner.resources import bundled
    from tests.cli.harness import make_fleet

    make_fleet(tmp_path, 3)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "my playbook.yml").write_text(
        (bundled("playbooks") / "sqlite-volume.yml").read_text()
    )
    chosen = ["--limit", "shop1*", "--shard", "1/1", "--playbook", "my playbook.yml"]
    kept = "inventory.yml --limit 'shop1*' --shard 1/1 --playbook 'my playbook.yml'"
    assert main(["check", "inventory.yml", "--offline", "-j", "2", *chosen]) == 2
    assert capsys.readouterr().out.rstrip().endswith(f"— run `flyrun apply {kept}`")
    assert main(["validate", "inventory.yml", "--format", "json", *chosen]) == 0
    assert (
        capsys.readouterr()
        .err.rstrip()
        .endswith(f"run `flyrun check {kept}` to see what would change on Fly")
    )


def test_the_suggested_apply_keeps_flyctl_and_replace_database_url_not_how_it_ran(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.cli.harness import make_fleet

    inventory, shim = make_fleet(tmp_path, 2)
    summary = tmp_path / "summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    argv = ["check", str(inventory), "--limit", "shop1", "--flyctl", str(shim)]
    argv += ["--replace-database-url", "--jobs", "2", "--flyctl-timeout", "30", "-q"]
    assert main(argv) == 2
    kept = f"{inventory} --limit shop1 --flyctl {shim} --replace-database-url"
    assert capsys.readouterr().out.rstrip().endswith(f"— run `flyrun apply {kept}`")
    assert f"run `flyrun apply {kept}`" in summary.read_text()


def test_after_apply_plan_the_suggestion_keeps_the_plans_own_options() -> None:
    from argparse import Namespace

    from runner.cli_args import next_options

    args = Namespace(limit=[], shard=None, playbook=None, flyctl="fly", replace_database_url=False)
    assert next_options(args) == ("--flyctl", "fly")
    kept = next_options(args, ("--limit", "'shop*'", "--replace-database-url"))
    assert kept == ("--limit", "'shop*'", "--replace-database-url", "--flyctl", "fly")
