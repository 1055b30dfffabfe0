"""`flyctl deploy` (docs/reference/flyctl.md §4, §6): validation, release command, machines,
releases (the volume plan is deploy_plan.py; machines booting, boot.py)."""

from __future__ import annotations

import dataclasses
import shlex
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from runner.simulator import boot, records
from runner.simulator.appconfig import AppConfig, Mount, validate
from runner.simulator.context import Ctx, require_app_name
from runner.simulator.deploy_plan import Plan, make_plan
from runner.simulator.errors import SimError
from runner.simulator.rollout import bump_release, live_machines, mark_secrets_deployed

JSON = dict[str, Any]


def _stored_config(app: JSON, path: Path) -> AppConfig:
    data = app.get("config")
    if not data:
        return AppConfig(path=path, app=app["name"])
    mounts = [Mount(**m) for m in data.get("mounts", [])]
    return AppConfig(**{**data, "path": Path(data["path"]), "mounts": mounts})


def _config_record(cfg: AppConfig) -> JSON:
    data = dataclasses.asdict(cfg)
    data["path"] = str(cfg.path)
    return data


def _release_command(ctx: Ctx, app: JSON, cfg: AppConfig) -> None:
    if not cfg.release_command or ctx.flag("skip-release-command"):
        return
    ctx.warn(f"Running {app['name']} release_command: {cfg.release_command}")
    machine_id = records.new_id(ctx.state, "machine")
    code = int(app.get("release_command_exit", 0))
    if code:
        ctx.echo(
            f"Error release_command failed running on machine {machine_id} with exit code {code}."
        )
        raise SimError(
            f"release command failed - aborting deployment. machine {machine_id} exited with "
            f"non-zero status of {code}"
        )
    ctx.echo(f"  ✔ release_command {machine_id} completed successfully")


def _env(ctx: Ctx, cfg: AppConfig, group: str, region: str) -> dict[str, str]:
    extra = dict(item.partition("=")[::2] for item in ctx.flag("env") or [])
    return {**cfg.env, **extra, "FLY_PROCESS_GROUP": group, "PRIMARY_REGION": region}


def _init_cmd(cfg: AppConfig, group: str) -> list[str] | None:
    command = cfg.processes.get(group, "")
    return shlex.split(command) if command else None


def _attach(app: JSON, mount: JSON | None, machine: JSON) -> None:
    """Mark the volume behind `mount` as attached to `machine`."""
    for volume in app["volumes"]:
        if mount and volume["id"] == mount["volume"]:
            volume["attached_machine_id"] = machine["id"]


@dataclass(frozen=True)
class Rollout:
    """What every machine of one deploy gets: release, image, and whether flyctl runs
    smoke checks (skipped by --detach and --smoke-checks=false)."""

    release: int
    image: JSON
    smoke: bool


def _update(ctx: Ctx, app: JSON, cfg: AppConfig, plan: Plan, rollout: Rollout) -> None:
    machines = live_machines(app)
    if machines:
        ctx.echo(f"Updating existing machines in '{app['name']}' with rolling strategy")
    for index, machine in enumerate(machines, start=1):
        group = records.process_group(machine)
        mount = plan.mounts.get(
            machine["id"], next(iter(machine["config"].get("mounts", [])), None)
        )
        machine["image_ref"] = rollout.image
        machine["config"] = records.machine_config(
            ctx.state,
            app["name"],
            machine,
            group,
            env=_env(ctx, cfg, group, plan.region),
            init_cmd=_init_cmd(cfg, group),
            release_version=rollout.release,
            mounts=[mount] if mount else None,
        )
        bump_release(ctx, app, machine)
        _attach(app, mount, machine)
        line = f"[{index}/{len(machines)}]"
        boot.updated(ctx, app, machine, line, smoke=rollout.smoke)
        ctx.echo(f"  ✔ {line} Machine {machine['id']} [{group}] update succeeded")


def _create(ctx: Ctx, app: JSON, cfg: AppConfig, plan: Plan, rollout: Rollout) -> None:
    for group, region, mount in plan.create:
        ctx.echo(f"No machines in group {group}, launching a new machine")
        machine = records.new_machine(
            ctx.state,
            app["name"],
            region,
            group,
            env=_env(ctx, cfg, group, region),
            init_cmd=_init_cmd(cfg, group),
            release_version=rollout.release,
            mounts=[mount] if mount else None,
            image=rollout.image,
        )
        app["machines"].append(machine)
        _attach(app, mount, machine)
        ctx.echo(f"  Machine {machine['id']} [{group}] was created")
        boot.created(ctx, app, machine, smoke=rollout.smoke)


def _remove_undeclared(ctx: Ctx, app: JSON, cfg: AppConfig) -> None:
    """flyctl destroys the machines of process groups the config does not declare before it
    updates the rest (docs/reference/flyctl.md §4.2 step 5): those of the Fly apps platform
    (`fly_platform_version` v2, what `fly deploy` made); their volumes come loose."""
    gone = [
        m
        for m in live_machines(app)
        if records.process_group(m) not in cfg.groups()
        and m.get("config", {}).get("metadata", {}).get("fly_platform_version") == "v2"
    ]
    if not gone:
        return
    ctx.echo("Process groups have changed. This will:")
    counts = Counter(records.process_group(m) for m in gone)
    for group, count in counts.items():
        ctx.echo(f' * destroy {count} "{group}" machine{"s" if count != 1 else ""}')
    ctx.echo()
    for machine in gone:
        machine["state"] = "destroyed"
        for volume in app["volumes"]:
            if volume.get("attached_machine_id") == machine["id"]:
                volume["attached_machine_id"] = None


def _apply(ctx: Ctx, app: JSON, cfg: AppConfig, plan: Plan) -> None:
    _remove_undeclared(ctx, app, cfg)
    app["release_version"] = int(app["release_version"]) + 1
    rollout = Rollout(
        release=app["release_version"],
        image=records.image_ref(ctx.state, app["name"]),
        smoke=not ctx.flag("detach") and ctx.flag("smoke-checks") is not False,
    )
    for volume in plan.detach:
        volume["attached_machine_id"] = None
    _update(ctx, app, cfg, plan, rollout)
    _create(ctx, app, cfg, plan, rollout)
    mark_secrets_deployed(app)
    app.update(deployed=True, primary_region=plan.region, config=_config_record(cfg))


def deploy(ctx: Ctx) -> None:
    """`deploy [WORKING_DIRECTORY]`."""
    if ctx.args:
        target = ctx.cwd / ctx.args[0]
        if not target.is_dir():
            reason = "no such file or directory"
            raise SimError(f"failed to change working directory: chdir {ctx.args[0]}: {reason}")
        ctx.cwd = target
    name = require_app_name(ctx)
    app = ctx.state["apps"].get(name)
    if ctx.config is None and app is None:
        raise SimError(
            f"the app name {name} could not be found, did you create the app or misspell it in "
            "the fly.toml file or via -a?"
        )
    app = ctx.app()
    cfg = ctx.config or _stored_config(app, ctx.cwd / "fly.toml")
    ctx.echo("==> Verifying app config")
    valid, report = validate(cfg)
    ctx.out.write(report)
    if not valid:
        raise SimError("App configuration is not valid")
    ctx.echo("--> Verified app config")
    ctx.echo("==> Building image")
    if ctx.flag("build-only"):
        return
    ctx.echo(f"Watch your deployment at https://fly.io/apps/{name}/monitoring")
    ctx.echo()
    plan = make_plan(ctx, app, cfg)
    _release_command(ctx, app, cfg)
    _apply(ctx, app, cfg, plan)
    ctx.echo()
    ctx.echo(f"Visit your newly deployed app at https://{name}.fly.dev/")
