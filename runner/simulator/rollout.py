"""Machine updates shared by `deploy` and secret changes: releases, restarts, secrets."""

from __future__ import annotations

from typing import Any

from runner.simulator import records
from runner.simulator.context import Ctx

JSON = dict[str, Any]


def live_machines(app: JSON) -> list[JSON]:
    """Machines that are not destroyed."""
    return [m for m in app["machines"] if m.get("state") != "destroyed"]


def mark_secrets_deployed(app: JSON) -> None:
    """Every secret of the app is now part of the running release."""
    for record in app["secrets"].values():
        record["deployed"] = True


def bump_release(ctx: Ctx, app: JSON, machine: JSON) -> None:
    """Put `machine` on the app's current release."""
    config = machine["config"]
    metadata = dict(config.get("metadata", {}))
    metadata["fly_release_id"] = records.new_id(ctx.state, "ulid")
    metadata["fly_release_version"] = str(app["release_version"])
    config["metadata"] = dict(sorted(metadata.items()))
    machine["updated_at"] = records.timestamp(ctx.state)


def restart_only(ctx: Ctx, app: JSON, *, detach: bool, dns_checks: bool = True) -> None:
    """A restart-only deployment (after `secrets set/unset/import` or `secrets deploy`):
    the deployed config, a new release, every machine restarted with the new secrets."""
    machines = live_machines(app)
    if not machines:
        return
    app["release_version"] = int(app["release_version"]) + 1
    from runner.simulator import boot  # machines boot only when something restarts them

    ctx.echo(f"Updating existing machines in '{app['name']}' with rolling strategy")
    ctx.echo()
    for index, machine in enumerate(machines, start=1):
        bump_release(ctx, app, machine)
        # secrets commands never skip smoke checks (only health checks, with --detach)
        boot.updated(ctx, app, machine, f"[{index}/{len(machines)}]", smoke=True)
        group = records.process_group(machine)
        ctx.echo(
            f"  ✔ [{index}/{len(machines)}] Machine {machine['id']} [{group}] update succeeded"
        )
    mark_secrets_deployed(app)
    if not detach and dns_checks:
        ctx.echo(f"Checking DNS configuration for {app['name']}.fly.dev")
        ctx.echo("✓ DNS configuration verified")
