from __future__ import annotations

from pathlib import Path

from runner.events import (
    AppFacts,
    AppFinished,
    AppResult,
    AppStarted,
    Bus,
    Collector,
    Event,
    RunStarted,
    TaskFinished,
    TaskResult,
)
from runner.model import Status

SPEC = Path("/x/fly-sqlite.yml")


def test_the_collector_keeps_what_an_app_cut_short_did() -> None:
    collector = Collector()
    collector(AppStarted("a", SPEC))
    collector(AppFacts("a", "rake", ("evidence",), ("database primary: /data/x",)))
    collector(TaskFinished("a", TaskResult("volume", "v", Status.CHANGED, "created")))
    collector(AppStarted("b", SPEC))
    done = AppResult("b", SPEC, (TaskResult("volume", "v", Status.OK, "there"),))
    collector(AppFinished(done))
    a, b = collector.apps("interrupted by Ctrl-C")
    assert b == done
    assert [t.id for t in a.tasks] == ["volume", "interrupted"]
    assert a.status is Status.FAILED and a.tasks[-1].message == "interrupted by Ctrl-C"
    assert (a.layout, a.findings) == ("rake", ("database primary: /data/x",))


def test_a_check_cut_short_is_unknown_not_failed() -> None:
    collector = Collector()
    collector(RunStarted("check", ("a",)))
    collector(AppStarted("a", SPEC))
    (a,) = collector.apps()
    assert a.tasks[-1].id == "interrupted" and a.status is Status.UNKNOWN


def test_the_collector_lists_apps_in_input_order_whatever_order_they_started_in() -> None:
    collector = Collector()
    collector(RunStarted("check", ("a", "b", "c")))
    for app in ("c", "x", "a", "b"):  # x: not announced, after the others
        collector(AppStarted(app, SPEC))
        collector(AppFinished(AppResult(app, SPEC, ())))
    assert [r.app for r in collector.apps()] == ["a", "b", "c", "x"]


def test_the_bus_delivers_each_event_to_every_subscriber_in_order() -> None:
    seen: list[tuple[str, Event]] = []
    bus = Bus([lambda e: seen.append(("first", e)), lambda e: seen.append(("second", e))])
    event = AppStarted("a", SPEC)
    bus.emit(event)
    assert seen == [("first", event), ("second", event)]
