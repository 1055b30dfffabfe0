"""Task 1: the volume exists in the region, at least the spec's size (grow only)."""

from __future__ import annotations

from dataclasses import dataclass

from runner.model import Outcome, RunFlyctl, Status, ok
from runner.tasks.base import TaskContext


@dataclass(frozen=True)
class VolumeTask:
    name: str

    def check(self, ctx: TaskContext) -> Outcome:
        spec = ctx.spec
        want = spec.volume
        named = [v for v in ctx.remote.volumes if v.name == want.name]
        here = sorted((v for v in named if v.region == want.region), key=lambda v: -v.size_gb)
        elsewhere = sorted({v.region for v in named if v.region != want.region})
        notes = tuple(
            f"a volume named {want.name} also exists in {r}; it is not used (not in {want.region})"
            for r in elsewhere
        )
        argv: tuple[str, ...]
        if not here:
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
                status=Status.CHANGED,
                message=f"create volume {want.name} ({want.size} GB) in {want.region}",
                effects=(RunFlyctl(argv, summary=f"create volume {want.name}"),),
                notes=notes,
                before="absent",
                after=f"{want.name}: {want.size} GB in {want.region}",
            )
        volume = here[0]
        if len(here) > 1:
            notes += (
                f"{len(here)} volumes named {want.name} in {want.region}; "
                f"checked the largest, {volume.id}",
            )
        if volume.size_gb < want.size:
            argv = ("volumes", "extend", volume.id, "--app", spec.app, "--size", str(want.size))
            return Outcome(
                status=Status.CHANGED,
                message=f"extend volume {volume.id} from {volume.size_gb} GB to {want.size} GB",
                effects=(RunFlyctl(argv, summary=f"extend volume {volume.id}"),),
                notes=notes,
                before=f"{volume.size_gb} GB",
                after=f"{want.size} GB",
            )
        if volume.size_gb > want.size:
            notes += (
                f"volume is {volume.size_gb} GB, larger than the spec's {want.size} GB; "
                "volumes never shrink, left as is",
            )
        return ok(f"volume {want.name} ({volume.id}, {volume.size_gb} GB) in {want.region}", *notes)
