"""Task `volume`: a volume of this name exists in the region, at least this size. Volumes
only grow: flyrun never shrinks or destroys one (README "Reliability")."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from runner.flyctl import commands
from runner.flyctl.parse import Volume
from runner.model import Outcome, Status, ok
from runner.tasks.base import TaskContext, object_schema


@dataclass(frozen=True)
class Want:
    name: str
    size: int
    region: str


def _create(app: str, want: Want, notes: tuple[str, ...]) -> Outcome:
    return Outcome(
        Status.CHANGED,
        f"create volume {want.name} ({want.size} GB) in {want.region}",
        (commands.create_volume(app, want.name, want.region, want.size),),
        notes,
        before="absent",
        after=f"{want.name}: {want.size} GB in {want.region}",
    )


def _extend(app: str, volume: Volume, size: int, notes: tuple[str, ...]) -> Outcome:
    return Outcome(
        Status.CHANGED,
        f"extend volume {volume.id} from {volume.size_gb} GB to {size} GB",
        (commands.extend_volume(app, volume.id, size),),
        notes,
        before=f"{volume.size_gb} GB",
        after=f"{size} GB",
    )


def decide(app: str, want: Want, volumes: tuple[Volume, ...]) -> Outcome:
    """Matched by name *in the region*; a same-named volume elsewhere is only a note."""
    named = [v for v in volumes if v.name == want.name]
    here = sorted((v for v in named if v.region == want.region), key=lambda v: -v.size_gb)
    notes = tuple(
        f"a volume named {want.name} also exists in {r}; it is not used (not in {want.region})"
        for r in sorted({v.region for v in named if v.region != want.region})
    )
    if not here:
        return _create(app, want, notes)
    volume = here[0]
    if len(here) > 1:
        notes += (
            f"{len(here)} volumes named {want.name} in {want.region}; checked the largest, "
            f"{volume.id}",
        )
    if volume.size_gb < want.size:
        return _extend(app, volume, want.size, notes)
    if volume.size_gb > want.size:
        notes += (
            f"volume is {volume.size_gb} GB, larger than the spec's {want.size} GB; "
            "volumes never shrink, left as is",
        )
    return ok(f"volume {want.name} ({volume.id}, {volume.size_gb} GB) in {want.region}", *notes)


class VolumeTask:
    name: ClassVar[str] = "volume"
    summary: ClassVar[str] = (
        "a Fly volume of this name exists in the region, at least this size (grow only)"
    )
    args: ClassVar[Mapping[str, Any]] = object_schema(
        {
            "name": {"type": "string", "pattern": "^[a-z0-9_]{1,30}$"},
            "size": {"type": "integer", "minimum": 1, "maximum": 500},
            "region": {"type": "string", "pattern": "^[a-z]{3}$"},
        },
        ("name", "size", "region"),
    )
    requires: ClassVar[Mapping[str, str]] = {}
    guards: ClassVar[Mapping[str, str]] = {}
    remote: ClassVar[bool] = True
    # Re-read right before creating, so two runs (even from two machines) do not both create.
    fresh: ClassVar[frozenset[str]] = frozenset({commands.VOLUMES})

    def check(self, ctx: TaskContext) -> Outcome:
        want = Want(str(ctx.args["name"]), int(ctx.args["size"]), str(ctx.args["region"]))
        return decide(ctx.spec.app, want, ctx.facts.remote.volumes())
