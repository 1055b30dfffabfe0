"""Planning a deploy (docs/reference/flyctl.md §4.2 step 3, §6.4, §6.5): which volume each
machine of each process group mounts, which volumes first deploys create, which machines are new."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from runner.simulator import records
from runner.simulator.appconfig import AppConfig, Mount, parse_size
from runner.simulator.context import Ctx
from runner.simulator.errors import NOT_INTERACTIVE_YES, SimError
from runner.simulator.rollout import live_machines
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


def mount_entry(volume: JSON, mount: Mount) -> JSON:
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
    plan.create.append((group, plan.region, mount_entry(volume, mount)))


def _plan_group(ctx: Ctx, app: JSON, plan: Plan, machines: list[JSON], mount: Mount) -> None:
    group = records.process_group(machines[0])
    missing: Counter[str] = Counter()
    for machine in machines:
        current = next(iter(machine["config"].get("mounts", [])), None)
        if current and current.get("name") == mount.source:
            volume = next(v for v in app["volumes"] if v["id"] == current["volume"])
            plan.mounts[machine["id"]] = mount_entry(volume, mount)
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
            plan.mounts[machine["id"]] = mount_entry(volume, mount)
    if missing:
        counts = " ".join(f"{region}={n}" for region, n in sorted(missing.items()))
        raise SimError(
            f"Process group '{group}' needs volumes with name '{mount.source}' to fulfill mounts "
            f"defined in fly.toml; Run `fly volume create {mount.source} -r REGION -n COUNT` for "
            f"the following regions and counts: {counts}"
        )


def make_plan(ctx: Ctx, app: JSON, cfg: AppConfig) -> Plan:
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
