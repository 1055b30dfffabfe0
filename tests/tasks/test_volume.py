"""Task `volume`, effect level: given these volumes, these commands."""

from __future__ import annotations

from pathlib import Path

import pytest

from runner.flyctl.commands import VOLUMES, FlyctlCommand
from runner.model import Status
from runner.tasks.volume import VolumeTask
from tests.tasks.canned import Canned, context, volume

ARGS = {"name": "shop_data", "size": 3, "region": "iad"}


def test_absent_gives_create_in_the_region(tmp_path: Path) -> None:
    ctx = context(tmp_path, Canned(volumes_=(volume(3, "ams"),)), args=ARGS)
    outcome = VolumeTask().check(ctx)
    (effect,) = outcome.effects
    assert isinstance(effect, FlyctlCommand)
    assert effect.argv == (
        "volumes",
        "create",
        "shop_data",
        "--app",
        "shop",
        "--region",
        "iad",
        "--size",
        "3",
        "--yes",
        "--json",
    )
    assert effect.invalidates == frozenset({VOLUMES})
    assert "also exists in ams" in outcome.notes[0]


@pytest.mark.parametrize(("size", "status"), [(1, Status.CHANGED), (3, Status.OK), (9, Status.OK)])
def test_grows_only(tmp_path: Path, size: int, status: Status) -> None:
    outcome = VolumeTask().check(context(tmp_path, Canned(volumes_=(volume(size),)), args=ARGS))
    assert outcome.status is status
    if status is Status.CHANGED:
        (effect,) = outcome.effects
        assert isinstance(effect, FlyctlCommand)
        assert effect.argv == ("volumes", "extend", "vol_1", "--app", "shop", "--size", "3")
    if size == 9:
        assert "never shrink" in outcome.notes[0]


def test_arguments_not_the_spec_decide(tmp_path: Path) -> None:
    args = {"name": "other", "size": 5, "region": "iad"}
    outcome = VolumeTask().check(context(tmp_path, Canned(volumes_=(volume(3),)), args=args))
    (effect,) = outcome.effects
    assert isinstance(effect, FlyctlCommand) and effect.argv[2] == "other"


def test_two_in_the_region_checks_the_largest(tmp_path: Path) -> None:
    canned = Canned(volumes_=(volume(1, vid="vol_a"), volume(5, vid="vol_b")))
    outcome = VolumeTask().check(context(tmp_path, canned, args=ARGS))
    assert outcome.status is Status.OK and "vol_b" in outcome.message
    assert "2 volumes named shop_data" in outcome.notes[0]


def test_volumes_are_re_read_right_before_apply_creates() -> None:
    assert VolumeTask.fresh == frozenset({VOLUMES})
