"""`flyctl deploy` (flyctl.md §4, §6): validation, first-deploy volumes, machines, releases."""

from __future__ import annotations

import dataclasses
import shlex
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from runner.simulator import boot, records
from runner.simulator.appconfig import AppConfig, Mount, parse_size, validate
from runner.simulator.context import Ctx, require_app_name
from runner.simulator.errors import NOT_INTERACTIVE_YES, SimError
from runner.simulator.rollout import bump_release, live_machines, mark_secrets_deployed
from runner.simulator.versions import DEFAULT_SIZE_1GB, FIRST_DEPLOY_3GB

JSON = dict[str, Any]


@dataclass
class Plan:
    """What a deploy will do, worked out before any machine changes."""

    region: str
    first: bool
    # machine id → mount entry to give it (None: no mount)
    mounts: dict[str, JSON | None] = field(default_factory=dict)
    detach: list[JSON] = field(default_factory=list)  # volumes to detach
    create: list[tuple[str, str, JSON | None]] = field(default_factory=list)  # group, region, mount
    taken: set[str] = field(default_factory=set)  # volume ids claimed by this plan


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


def _first_deploy_size(ctx: Ctx, mount: Mount) -> int:
    if mount.initial_size:
        return parse_size(mount.initial_size)
    if ctx.flag("volume-initial-size"):
        return int(ctx.flag("volume-initial-size"))
    v = ctx.version
    return 3 if v.at_least(FIRST_DEPLOY_3GB) and v.before(DEFAULT_SIZE_1GB) else 1


def _free_volume(app: JSON, plan: Plan, name: str, region: str) -> JSON | None:
    """popVolumeFor: an unattached, healthy, same-name volume in `region`."""
    for volume in records.live(app["volumes"]):
        if (
            volume["name"] == name
            and volume["region"] == region
            and not volume["attached_machine_id"]
            and volume.get("host_status", "ok") == "ok"
            and volume["id"] not in plan.taken
        ):
            plan.taken.add(volume["id"])
            return volume
    return None


def _mount_entry(volume: JSON, mount: Mount) -> JSON:
    extend: JSON = {}
    if mount.threshold:
        extend = {
            "extend_threshold_percent": mount.threshold,
            "add_size_gb": parse_size(mount.increment) if mount.increment else 0,
            "size_gb_limit": parse_size(mount.limit) if mount.limit else 0,
        }
    return records.mount_of(volume, mount.destination, {k: v for k, v in extend.items() if v})


def _plan_new_group(ctx: Ctx, app: JSON, plan: Plan, group: str, mount: Mount | None) -> None:
    if mount is None:
        plan.create += [(group, plan.region, None)] * (2 if ctx.flag("ha") is not False else 1)
        return
    volume = _free_volume(app, plan, mount.source, plan.region)
    if volume is None and not plan.first:
        raise SimError(
            f"creating a new machine in group '{group}' requires an unattached '{mount.source}' "
            f"volume. Create it with `fly volume create {mount.source}`"
        )
    if volume is None:
        size = _first_deploy_size(ctx, mount)
        ctx.echo(
            f"Creating a {size} GB volume named '{mount.source}' for process group '{group}'. "
            "Use 'fly vol extend' to increase its size"
        )
        volume = records.new_volume(
            ctx.state,
            mount.source,
            plan.region,
            size,
            snapshot_retention=mount.snapshot_retention or 5,
            scheduled_snapshots=mount.scheduled_snapshots is not False,
        )
        app["volumes"].append(volume)
        plan.taken.add(volume["id"])
    plan.create.append((group, plan.region, _mount_entry(volume, mount)))


def _plan_group(ctx: Ctx, app: JSON, plan: Plan, machines: list[JSON], mount: Mount) -> None:
    group = records.process_group(machines[0])
    missing: Counter[str] = Counter()
    for machine in machines:
        current = next(iter(machine["config"].get("mounts", [])), None)
        if current and current.get("name") == mount.source:
            volume = next(v for v in app["volumes"] if v["id"] == current["volume"])
            plan.mounts[machine["id"]] = _mount_entry(volume, mount)
            continue
        if current:
            ctx.warn(
                f"Machine {machine['id']} has volume '{current.get('name')}' attached but "
                f"fly.toml have a different name: '{mount.source}'"
            )
            plan.detach += [v for v in app["volumes"] if v["id"] == current.get("volume")]
        volume = _free_volume(app, plan, mount.source, machine["region"])
        if volume is None:
            missing[machine["region"]] += 1
        else:
            plan.mounts[machine["id"]] = _mount_entry(volume, mount)
    if missing:
        counts = " ".join(f"{region}={n}" for region, n in sorted(missing.items()))
        raise SimError(
            f"Process group '{group}' needs volumes with name '{mount.source}' to fulfill mounts "
            f"defined in fly.toml; Run `fly volume create {mount.source} -r REGION -n COUNT` for "
            f"the following regions and counts: {counts}"
        )


def _plan(ctx: Ctx, app: JSON, cfg: AppConfig) -> Plan:
    machines = live_machines(app)
    region = str(ctx.flag("primary-region") or cfg.primary_region or app["primary_region"] or "iad")
    plan = Plan(region=region, first=not app["deployed"] and not machines)
    for group in cfg.groups():
        mine = [m for m in machines if records.process_group(m) == group]
        mounts = cfg.mounts_for(group)
        mount = mounts[0] if mounts else None
        if not mine:
            _plan_new_group(ctx, app, plan, group, mount)
        elif mount:
            _plan_group(ctx, app, plan, mine, mount)
        else:
            mounted = [m for m in mine if m["config"].get("mounts")]
            if mounted and not (ctx.flag("yes") or ctx.flag("auto-confirm")):
                raise SimError(NOT_INTERACTIVE_YES)
            for machine in mine:
                plan.mounts[machine["id"]] = None
                ids = {m.get("volume") for m in machine["config"].get("mounts", [])}
                plan.detach += [v for v in app["volumes"] if v["id"] in ids]
    return plan


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


def _apply(ctx: Ctx, app: JSON, cfg: AppConfig, plan: Plan) -> None:
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
    plan = _plan(ctx, app, cfg)
    _release_command(ctx, app, cfg)
    _apply(ctx, app, cfg, plan)
    ctx.echo()
    ctx.echo(f"Visit your newly deployed app at https://{name}.fly.dev/")
