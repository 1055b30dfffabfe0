"""The text report: live per task for one app, per app with a status line for a fleet, the
recap table and the closing line."""

from __future__ import annotations

import io
from pathlib import Path

from runner.events import (
    AppFacts,
    AppFinished,
    AppResult,
    AppStarted,
    EffectStarted,
    RunFinished,
    RunResult,
    RunStarted,
    TaskFinished,
    TaskResult,
)
from runner.model import Status
from runner.report.closing import closing_line
from runner.report.progress import CLEAR, totals_line
from runner.report.text import TextReporter, use_colour

SPEC = Path("/x/fly-sqlite.yml")


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def _task(task_id: str, status: Status = Status.CHANGED) -> TaskResult:
    return TaskResult(task_id, f"title {task_id}", status, f"message {task_id}")


def test_one_app_is_printed_task_by_task_as_it_happens() -> None:
    out = io.StringIO()
    report = TextReporter(out, live=True)
    report(RunStarted("apply", ("shop",), "flyctl v0.4.87"))
    report(AppStarted("shop", SPEC))
    report(AppFacts("shop", "rake", ("Dockerfile CMD x",), ("database primary: /data/x",)))
    report(TaskFinished("shop", _task("volume")))
    assert out.getvalue().endswith("changed: title volume — message volume\n")
    report(EffectStarted("shop", "deploy", "fly deploy /app --app shop"))
    assert out.getvalue().endswith("  … running: fly deploy /app --app shop\n")  # before it ends
    report(EffectStarted("shop", "secret", "record in .flyrun-state.json: deployed"))
    assert "record in" not in out.getvalue()  # only slow flyctl effects are announced
    text = out.getvalue()
    assert text.index("layout: rake") < text.index("database primary") < text.index("changed:")


def test_a_fleet_prints_each_app_when_it_finishes_with_a_status_line() -> None:
    out = Terminal()
    report = TextReporter(out, live=False, status_line=True)
    report(RunStarted("check", ("a", "b"), ""))
    report(AppStarted("a", SPEC))
    report(AppStarted("b", SPEC))
    report(TaskFinished("a", _task("volume")))
    assert "APP [a]" not in out.getvalue()
    report(AppFinished(AppResult("a", SPEC, (_task("volume"),))))
    text = out.getvalue()
    assert "APP [a]" in text and "would change: title volume" in text
    assert text.endswith("[1/2] 1 in flight · 1 would change · 0 failed · 00:00 · ETA 00:00")
    assert text.count("[1/2]") == 1
    assert CLEAR in text


def test_recap_table_totals_and_closing_line() -> None:
    out = io.StringIO()
    report = TextReporter(out, live=False)
    apps = (
        AppResult("a", SPEC, (_task("volume", Status.OK),), duration=1.25),
        AppResult("b", SPEC, (_task("volume"), _task("secret")), duration=2.0),
    )
    report(RunStarted("check", ("a", "b"), ""))
    report(RunFinished(RunResult("check", apps, duration=3.5), 2))
    text = out.getvalue()
    assert "a    ok       " in text and "1.2 s" in text
    assert (
        "totals: 2 apps (1 ok, 1 changed); tasks ok=1 changed=2 failed=0 skipped=0 unknown=0; 3.5 s"
        in text
    )
    assert (
        "2 apps: 1 converged, 1 with 2 pending changes — run `flyrun apply /x/fly-sqlite.yml`"
        in text
    )


def test_closing_lines_say_what_to_do_next() -> None:
    failed = RunResult("apply", (AppResult("a", SPEC, (_task("v", Status.FAILED),)),))
    assert closing_line(failed, 1, "flyrun").endswith(
        "fix what failed above, then run `flyrun check /x/fly-sqlite.yml` again"
    )
    done = RunResult("apply", (AppResult("a", SPEC, (_task("v"),)),))
    assert closing_line(done, 0, "flyrun").endswith("applied and verified: nothing left to do")
    stopped = RunResult("apply", done.apps, interrupted=True)
    assert "interrupted: run `flyrun check" in closing_line(stopped, 130, "flyrun")


def test_quiet_hides_what_is_fine_and_verbose_shows_records() -> None:
    out = io.StringIO()
    report = TextReporter(out, live=True, quiet=True)
    report(RunStarted("check", ("a",), "flyctl v1"))
    report(AppStarted("a", SPEC))
    report(TaskFinished("a", _task("volume", Status.OK)))
    report(TaskFinished("a", _task("secret")))
    assert out.getvalue() == ""  # quiet: the app's block waits for its end
    report(AppFinished(AppResult("a", SPEC, (_task("volume", Status.OK), _task("secret")))))
    assert "title volume" not in out.getvalue() and "title secret" in out.getvalue()
    assert "flyctl v1" not in out.getvalue()
    loud = io.StringIO()
    TextReporter(loud, live=True, verbose=True)(
        TaskFinished("a", TaskResult("s", "s", Status.CHANGED, "m", records=("record x",)))
    )
    assert "    record x" in loud.getvalue()


def test_colour_follows_no_color_and_force_color() -> None:
    assert not use_colour(Terminal(), {"NO_COLOR": "1"})
    assert use_colour(Terminal(), {})
    assert not use_colour(io.StringIO(), {})
    assert use_colour(io.StringIO(), {"FORCE_COLOR": "1"})
    assert not use_colour(Terminal(), {"TERM": "dumb"})


def test_apps_never_started_are_counted_skipped_never_converged() -> None:
    reason = TaskResult("not_started", "not started", Status.SKIPPED, "not started: …")
    apps = (
        AppResult("a", SPEC, (_task("v", Status.FAILED),)),
        AppResult("b", SPEC, (reason,), started=False),
    )
    result = RunResult("check", apps)
    assert apps[1].status is Status.SKIPPED
    assert closing_line(result, 1, "flyrun").startswith("2 apps: 1 failed, 1 not started — fix")
    assert "totals: 2 apps (1 failed, 1 skipped);" in totals_line(result)
