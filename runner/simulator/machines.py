"""`flyctl machines list|start` and `flyctl status` (docs/reference/flyctl.md §10)."""

from __future__ import annotations

from typing import Any

from runner.simulator import records
from runner.simulator.context import Ctx
from runner.simulator.errors import SimError
from runner.simulator.render import humanize_since, table
from runner.simulator.rollout import live_machines

JSON = dict[str, Any]


def _mount_paths(machine: JSON) -> str:
    mounts = machine.get("config", {}).get("mounts", [])
    return ",".join(f"{m.get('volume', '')}" for m in mounts)


def _rows(ctx: Ctx, machines: list[JSON]) -> list[list[str]]:
    return [
        [
            m["id"],
            m.get("name", ""),
            m.get("state", ""),
            m.get("region", ""),
            records.process_group(m),
            _mount_paths(m),
            humanize_since(m["created_at"], ctx.now()),
        ]
        for m in machines
    ]


def list_machines(ctx: Ctx) -> None:
    """`machines list`: a JSON array (`[]` when none), IDs with -q, or a table."""
    app = ctx.app()
    machines = live_machines(app)
    if ctx.json_output():
        ctx.print_json(machines)
        return
    if ctx.flag("quiet"):
        for machine in machines:
            ctx.echo(machine["id"])
        return
    if not machines:
        ctx.echo(f"No machines are available on this app {app['name']}")
        return
    ctx.echo(f"{len(machines)} machines have been retrieved from app {app['name']}.")
    ctx.echo(f"View them in the UI here (https://fly.io/apps/{app['name']}/machines/)")
    ctx.echo()
    headers = ("ID", "Name", "State", "Region", "Process Group", "Volume", "Created")
    ctx.out.write(table(headers, _rows(ctx, machines)))


def start_machines(ctx: Ctx) -> None:
    """`machine start ID...` (flyctl@v0.4.87 internal/command/machine/start.go): each machine
    is looked up first (`could not get machine ID: …`), then started in turn, printing
    `ID has been started`. Starting a started machine, and the error text of an unknown ID
    (flyctl rewrites the API's not-found error), are UNKNOWN: the first is accepted, the
    second made up. Without IDs flyctl prompts; off a terminal that fails (as here)."""
    app = ctx.app()
    if not ctx.args:
        raise SimError("selecting machines: prompt: non interactive")
    chosen = []
    for wanted in ctx.args:
        machine = next((m for m in live_machines(app) if m["id"] == wanted), None)
        if machine is None:
            raise SimError(f"could not get machine {wanted}: machine not found")
        chosen.append(machine)
    from runner.simulator import boot  # machines boot only when something starts them

    for machine in chosen:
        boot.started(ctx, app, machine)
        ctx.echo(f"{machine['id']} has been started")


def status(ctx: Ctx) -> None:
    """`status`: a map with sorted keys in JSON, a short summary otherwise."""
    app = ctx.app()
    machines = live_machines(app)
    name = app["name"]
    if ctx.json_output():
        organization = {"Name": "Personal", "Slug": ctx.state.get("organization", "personal")}
        ctx.print_json(
            {
                "AppURL": f"https://{name}.fly.dev",
                "Deployed": app["deployed"],
                "Hostname": f"{name}.fly.dev",
                "ID": name,
                "Machines": machines,
                "Name": name,
                "Organization": organization,
                "PlatformVersion": "machines",
                "Status": "deployed" if app["deployed"] else "pending",
                "Version": app["release_version"],
            }
        )
        return
    ctx.echo(f"App\n  Name     = {name}\n  Owner    = personal\n  Hostname = {name}.fly.dev")
    ctx.echo("  Platform = machines")
    ctx.echo()
    if not machines:
        ctx.echo("No machines are available on this app")
        return
    ctx.echo("Machines")
    headers = ("ID", "Name", "State", "Region", "Process Group", "Volume", "Created")
    ctx.out.write(table(headers, _rows(ctx, machines)))
