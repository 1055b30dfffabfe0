from __future__ import annotations

import pytest

from runner.fleet import Dispatcher, plan_processes


@pytest.mark.parametrize("shared", [True, False])
def test_the_dispatcher_hands_out_each_app_once_and_stops_past_the_failure_share(
    shared: bool,
) -> None:
    dispatcher = Dispatcher(10, 20.0, shared=shared)
    taken = [dispatcher.take() for _ in range(3)]
    assert taken == [0, 1, 2]
    for _ in range(3):
        dispatcher.failed()  # 3 of 10 > 20 %
    assert dispatcher.take() is None and dispatcher.stopped_early


@pytest.mark.parametrize("shared", [True, False])
def test_without_a_limit_it_hands_out_every_app_then_none(shared: bool) -> None:
    dispatcher = Dispatcher(3, None, shared=shared)
    assert [dispatcher.take() for _ in range(4)] == [0, 1, 2, None]
    assert not dispatcher.stopped_early


def test_worker_processes_only_for_a_fleet() -> None:
    assert plan_processes(1, 8) == 1
    assert plan_processes(40, 8) == 1  # too few apps to pay for a process
    assert plan_processes(400, 1) == 1  # one job: nothing to spread
    assert plan_processes(10, 8, forced="3") == 3


def test_ctrl_c_while_relaying_never_cuts_a_worker_message() -> None:
    """Ctrl-C reaches the relay (the parent) while it reads and delivers the workers'
    events: the run is marked interrupted and every message still arrives whole (a
    KeyboardInterrupt inside the read once left the pipe out of step: EOFError, exit 3)."""
    import os
    import signal
    import threading
    from pathlib import Path
    from typing import Any

    from runner.events import AppResult, Bus
    from runner.fleet import run_processes

    def make_run_one(bus: Any, cancel: threading.Event, slots: Any) -> Any:
        def run_one(index: int) -> AppResult:
            for _ in range(5):
                bus.emit(("chunk", index, "x" * 200_000))  # several pipe reads each
            return AppResult(f"app{index}", Path("fly-sqlite.yml"), ())

        return run_one

    received: list[Any] = []

    def deliver(message: Any) -> None:
        if not received:
            os.kill(os.getpid(), signal.SIGINT)  # handled in this thread, mid-relay
        received.append(message)

    dispatcher = Dispatcher(12, None, shared=True)
    try:
        interrupted = run_processes(make_run_one, dispatcher, 2, 2, Bus([deliver]))
    except KeyboardInterrupt:
        pytest.fail("Ctrl-C escaped the relay")
    assert interrupted
    assert received and all(len(m[2]) == 200_000 for m in received)
