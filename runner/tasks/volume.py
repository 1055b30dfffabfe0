"""Task 1: the volume exists in the region, at least the spec's size (grow only)."""

from __future__ import annotations

from dataclasses import dataclass

from runner.flyctl import Volume
from runner.model import Outcome, RunFlyctl, Status, ok
from runner.spec import AppSpec
from runner.tasks.base import TaskContext


def _create(spec: AppSpec, notes: tuple[str, ...]) -> Outcome:
    want = spec.volume
    argv = (
        "volumes",
        "create",
        want.name,
        "--app",
        spec.app,
        "--region",
        want.region,
        "--size",
        str(want.size),
        "--yes",
        "--json",
    )
    return Outcome(
        Status.CHANGED,
        f"create volume {want.name} ({want.size} GB) in {want.region}",
        (RunFlyctl(argv, summary=f"create volume {want.name}"),),
        notes,
        before="absent",
        after=f"{want.name}: {want.size} GB in {want.region}",
    )


def _extend(spec: AppSpec, volume: Volume, notes: tuple[str, ...]) -> Outcome:
    size = spec.volume.size
    argv = ("volumes", "extend", volume.id, "--app", spec.app, "--size", str(size))
    return Outcome(
        Status.CHANGED,
        f"extend volume {volume.id} from {volume.size_gb} GB to {size} GB",
        (RunFlyctl(argv, summary=f"extend volume {volume.id}"),),
        notes,
        before=f"{volume.size_gb} GB",
        after=f"{size} GB",
    )


@dataclass(frozen=True)
class VolumeTask:
    name: str

    def check(self, ctx: TaskContext) -> Outcome:
        spec, want = ctx.spec, ctx.spec.volume
        named = [v for v in ctx.remote.volumes if v.name == want.name]
        here = sorted((v for v in named if v.region == want.region), key=lambda v: -v.size_gb)
        notes = tuple(
            f"a volume named {want.name} also exists in {r}; it is not used (not in {want.region})"
            for r in sorted({v.region for v in named if v.region != want.region})
        )
        if not here:
            return _create(spec, notes)
        volume = here[0]
        if len(here) > 1:
            notes += (
                f"{len(here)} volumes named {want.name} in {want.region}; "
                f"checked the largest, {volume.id}",
            )
        if volume.size_gb < want.size:
            return _extend(spec, volume, notes)
        if volume.size_gb > want.size:
            notes += (
                f"volume is {volume.size_gb} GB, larger than the spec's {want.size} GB; "
                "volumes never shrink, left as is",
            )
        return ok(f"volume {want.name} ({volume.id}, {volume.size_gb} GB) in {want.region}", *notes)
