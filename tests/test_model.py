from __future__ import annotations

import pytest

from runner.model import Status, worst

S = Status


@pytest.mark.parametrize(
    ("statuses", "expected"),
    [
        ([], S.OK),
        ([S.OK, S.SKIPPED], S.OK),
        ([S.SKIPPED], S.OK),
        ([S.OK, S.UNKNOWN], S.UNKNOWN),
        ([S.UNKNOWN, S.CHANGED, S.OK], S.CHANGED),
        ([S.CHANGED, S.FAILED, S.UNKNOWN], S.FAILED),
    ],
)
def test_app_status_is_the_worst_task(statuses: list[Status], expected: Status) -> None:
    assert worst(statuses) is expected
