"""Task 6 and the deploy handler: running machines use the volume (DESIGN §3 "Converged")."""

from __future__ import annotations

from dataclasses import dataclass

from runner.model import Outcome, RunFlyctl, Status, ok
from runner.record import secret_record
from runner.tasks.base import TaskContext
from runner.tasks.secret import wanted_secrets


@dataclass(frozen=True)
class MachinesUseVolumeTask:
    """Pending (so it notifies deploy) until every machine of the group mounts the volume at
    mount_path and DATABASE_URL is Deployed. It has no effect of its own."""

    name: str

    def check(self, ctx: TaskContext) -> Outcome:
        spec = ctx.spec
        machines = [m for m in ctx.remote.machines if m.group == spec.process_group]
        pending: list[str] = []
        notes: list[str] = []
        if not machines:
            pending.append(f"no machine in group '{spec.process_group}' yet")
        for machine in machines:
            if not any(
                m.path == spec.mount_path and m.name == spec.volume.name for m in machine.mounts
            ):
                pending.append(
                    f"machine {machine.id} does not mount {spec.volume.name} at {spec.mount_path}"
                )
        for want in wanted_secrets(ctx):
            secret = ctx.remote.secret(want.name)
            if secret is None:
                if want.secret:
                    pending.append(f"{want.name} is not set")
            elif secret.status is None:
                record = secret_record(spec.state_file, spec.app, want.name)
                if record is not None and record.deploy_pending:
                    pending.append(f"{want.name} was staged by flyrun and not deployed since")
                else:
                    notes.append(
                        f"this flyctl does not report whether {want.name} is deployed "
                        f"(needs flyctl v0.4.6+); judged by {spec.state_file.name} and the "
                        "machines' mounts"
                    )
            elif secret.status != "Deployed":
                pending.append(f"{want.name} is {secret.status}, not Deployed")
        if pending:
            return Outcome(
                Status.CHANGED, "deploy needed: " + "; ".join(pending), notes=tuple(notes)
            )
        count = len(machines)
        return ok(
            f"{count} machine{'s' if count != 1 else ''} of '{spec.process_group}' mount "
            f"{spec.volume.name} at {spec.mount_path}; database URLs deployed",
            *notes,
        )


@dataclass(frozen=True)
class DeployHandler:
    """`fly deploy` from the app folder; the executor runs it once, at the end, in apply only."""

    name: str

    def check(self, ctx: TaskContext) -> Outcome:
        spec = ctx.spec
        argv = ("deploy", "--app", spec.app, "--config", str(spec.fly_toml))
        return Outcome(
            Status.CHANGED, "deploy the app", (RunFlyctl(argv, summary="deploy", cwd=spec.path),)
        )
