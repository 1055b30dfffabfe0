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
