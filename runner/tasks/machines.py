"""Task `machines_use_volume`: the running machines use the conversion — every machine of the
group mounts the volume at the path, and the database URLs the `secret` task manages are
deployed (README "How flyrun works": converged). It has no effect of its own: while pending
it notifies the deploy handler, so a failed or skipped deploy is retried by the next apply."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from runner.flyctl.parse import Machine
from runner.model import Outcome, Status, ok
from runner.tasks.base import TaskContext, object_schema


def _unmounted(machines: list[Machine], volume: str, mount_path: str, group: str) -> list[str]:
    if not machines:
        return [f"no machine in group '{group}' yet"]
    return [
        f"machine {m.id} does not mount {volume} at {mount_path}"
        for m in machines
        if not any(x.path == mount_path and x.name == volume for x in m.mounts)
    ]


class MachinesUseVolumeTask:
    name: ClassVar[str] = "machines_use_volume"
    summary: ClassVar[str] = (
        "every machine of the group mounts the volume and runs with the deployed database URLs"
    )
    args: ClassVar[Mapping[str, Any]] = object_schema(
        {
            "volume": {"type": "string", "minLength": 1},
            "mount_path": {"type": "string", "pattern": "^/"},
            "process_group": {"type": "string", "minLength": 1},
        },
        ("volume", "mount_path", "process_group"),
    )
    requires: ClassVar[Mapping[str, str]] = {
        "secret": "it checks that the database URLs that task sets are deployed"
    }
    guards: ClassVar[Mapping[str, str]] = {}
    remote: ClassVar[bool] = True
    fresh: ClassVar[frozenset[str]] = frozenset()

    def check(self, ctx: TaskContext) -> Outcome:
        volume, mount_path = str(ctx.args["volume"]), str(ctx.args["mount_path"])
        group = str(ctx.args["process_group"])
        machines = [m for m in ctx.facts.remote.machines() if m.group == group]
        pending = _unmounted(machines, volume, mount_path, group)
        notes: list[str] = []
        for name in ctx.required["secret"].provided("secrets"):
            pending += self._deployed(ctx, name, notes)
        if pending:
            message = "deploy needed: " + "; ".join(pending)
            return Outcome(Status.CHANGED, message, notes=tuple(notes))
        count = len(machines)
        return ok(
            f"{count} machine{'s' if count != 1 else ''} of '{group}' mount "
            f"{volume} at {mount_path}; database URLs deployed",
            *notes,
        )

    @staticmethod
    def _deployed(ctx: TaskContext, name: str, notes: list[str]) -> list[str]:
        """Why `name` is not live on the machines (empty: it is, or cannot be told)."""
        secret = ctx.facts.remote.secret(name)
        if secret is None:
            return [f"{name} is not set"]
        if secret.status is None:  # flyctl older than v0.4.6 does not say
            record = ctx.facts.record(name)
            if record is not None and record.deploy_pending:
                return [f"{name} was staged by flyrun and not deployed since"]
            notes.append(
                f"this flyctl does not report whether {name} is deployed (needs flyctl "
                f"v0.4.6+); judged by {ctx.spec.state_file.name} and the machines' mounts"
            )
            return []
        if secret.status != "Deployed":
            return [f"{name} is {secret.status}, not Deployed"]
        return []
