"""`flyctl volumes create|list|show|extend|destroy` (docs/reference/flyctl.md §1, §2)."""

from __future__ import annotations

import re
from typing import Any

from runner.simulator import records
from runner.simulator.context import Ctx, app_name_if_present
from runner.simulator.errors import NOT_INTERACTIVE_YES, SimError
from runner.simulator.regions import check_region
from runner.simulator.versions import (
    DESTROY_MESSAGE_NEW,
    VOLUME_CREATE_ERR_FLAPS,
    VOLUMES_MACHINES_API,
    VOLUMES_YES,
    WARNING_TEXT_2,
    WARNING_URL_NEW,
    Version,
)
from runner.simulator.volume_views import volume_json, volume_text, volumes_table

JSON = dict[str, Any]
MAX_SIZE_GB = 500
_NAME_RE = re.compile(r"[a-z0-9_]{1,30}")
NEED_ID = "volume ID must be specified when not running interactively"


def pinned_warning(version: Version) -> str:
    """The single-volume warning `volumes create` prints to stderr (v0.0.500+)."""
    url = (
        "https://fly.io/docs/volumes/overview/"
        if version.at_least(WARNING_URL_NEW)
        else "https://fly.io/docs/reference/volumes/"
    )
    if version.at_least(WARNING_TEXT_2):
        return (
            "Warning! Every volume is pinned to a specific physical host. You should create two "
            f"or more volumes per application to avoid downtime. Learn more at {url}"
        )
    return (
        "Warning! Individual volumes are pinned to individual hosts. You should create two or "
        "more volumes per application. You will have downtime if you only create one. Learn "
        f"more at {url}"
    )


def create_error(version: Version, message: str) -> SimError:
    # Server-side refusals. The real server texts are UNKNOWN (docs/reference/flyctl.md §1.5,
    # §9): the messages passed in here are made up; only the flyctl wrapping is documented.
    if version.at_least(VOLUME_CREATE_ERR_FLAPS):
        return SimError(f"failed to create volume: {message}")
    if version.at_least(VOLUMES_MACHINES_API):
        return SimError(f"failed creating volume: failed to create volume: {message}")
    return SimError(f"failed creating volume: {message}")


def _print_volume(ctx: Ctx, volume: JSON) -> None:
    if ctx.json_output():
        ctx.print_json(volume_json(volume, ctx.app_name, ctx.version))
    else:
        ctx.out.write(volume_text(volume, ctx.app_name, ctx.version))


def create(ctx: Ctx) -> None:
    """`volumes create NAME`: confirmation (§1.3), region (§1.4), then one or more volumes."""
    name = ctx.args[0]
    fs_type = ctx.flag("fs-type")
    if fs_type is not None and fs_type not in ("ext4", "raw"):
        raise SimError(f'filesystem "{fs_type}" must be either "ext4" or "raw"')
    app = ctx.app()
    count = int(ctx.flag("count") or 1)
    confirm = ctx.version.at_least(VOLUMES_YES) and not ctx.flag("yes") and count <= 1
    if confirm and not any(v["name"] == name for v in records.live(app["volumes"])):
        ctx.warn(pinned_warning(ctx.version))
        raise SimError(NOT_INTERACTIVE_YES)
    region = str(ctx.flag("region") or ctx.env.get("FLY_REGION", ""))
    if not region:
        raise SimError("region code must be specified when not running interactively")
    check_region(region, ctx.version)
    size = int(ctx.flag("size"))
    if not _NAME_RE.fullmatch(name):
        raise create_error(
            ctx.version,
            "Volume name must contain only lowercase letters, digits and underscores, "
            "and be at most 30 characters long",
        )
    if not 1 <= size <= MAX_SIZE_GB:
        raise create_error(ctx.version, f"size_gb must be between 1 and {MAX_SIZE_GB}")
    for _ in range(count):
        volume = records.new_volume(
            ctx.state,
            name,
            region,
            size,
            encrypted=not ctx.flag("no-encryption"),
            snapshot_retention=int(ctx.flag("snapshot-retention") or 5),
            scheduled_snapshots=ctx.flag("scheduled-snapshots") is not False,
        )
        app["volumes"].append(volume)
        _print_volume(ctx, volume)


def list_volumes(ctx: Ctx) -> None:
    """`volumes list`: a JSON array or a table; destroyed states only with `--all`."""
    app = ctx.app()
    volumes = app["volumes"] if ctx.flag("all") else records.live(app["volumes"])
    if ctx.json_output():
        ctx.print_json([volume_json(v, ctx.app_name, ctx.version) for v in volumes])
    else:
        ctx.out.write(volumes_table(volumes, ctx.now()))


def _locate(ctx: Ctx, volume_id: str, wrap: str) -> JSON:
    """Find a volume in the resolved app, or in any app when none was given."""
    apps = [ctx.app()] if ctx.app_name else list(ctx.state["apps"].values())
    for app in apps:
        for volume in app["volumes"]:
            if volume["id"] == volume_id:
                ctx.app_name = app["name"]
                return volume  # type: ignore[no-any-return]
    # The Machines API's not-found text is UNKNOWN; this one is made up.
    raise SimError(f"{wrap}: volume {volume_id} not found")


def show(ctx: Ctx) -> None:
    """`volumes show ID`: the app is optional (derived from the volume)."""
    app_name_if_present(ctx)
    if not ctx.args:
        raise SimError(NEED_ID)
    _print_volume(ctx, _locate(ctx, ctx.args[0], "failed retrieving volume"))


def extend(ctx: Ctx) -> None:
    """`volumes extend ID --size N|+N`: grow only."""
    from runner.simulator.appconfig import parse_size  # fly.toml machinery, on use

    ctx.app()
    size_flag = str(ctx.flag("size") or "")
    try:
        size = parse_size(size_flag)
    except ValueError as exc:
        raise SimError(str(exc)) from None
    if size == 0:
        raise SimError("Volume size must be specified")
    if not ctx.args:
        raise SimError(NEED_ID)
    volume = _locate(ctx, ctx.args[0], "failed to extend volume")
    if size_flag.startswith("+"):
        size += volume["size_gb"]
    # Shrinking is refused server-side; the real text is UNKNOWN (docs/reference/flyctl.md
    # §2.4): made up.
    if size < volume["size_gb"]:
        raise SimError(
            f"failed to extend volume: size_gb ({size}) must be greater than or equal to the "
            f"current size ({volume['size_gb']}GB); volumes can only be extended"
        )
    if size > MAX_SIZE_GB:
        raise SimError(f"failed to extend volume: size_gb must be between 1 and {MAX_SIZE_GB}")
    volume["size_gb"] = size
    _print_volume(ctx, volume)
    if not ctx.json_output():
        ctx.echo("Your Machine got its volume size extended without needing a restart")


def destroy(ctx: Ctx) -> None:
    """`volumes destroy ID...`: soft delete (state `pending_destroy`)."""
    app_name_if_present(ctx)
    if not ctx.args:
        raise SimError(NEED_ID)
    found = [(_locate(ctx, vid, "failed retrieving volume"), ctx.app_name) for vid in ctx.args]
    if not ctx.flag("yes"):
        volume, app_name = found[0]
        same = [
            v for v in records.live(ctx.app(app_name)["volumes"]) if v["name"] == volume["name"]
        ]
        if len(same) <= 2:
            left = len(same) - 1
            ctx.warn(
                "Warning! Every volume is pinned to a specific physical host. You should create "
                "two or more volumes per application. Deleting this volume will leave you with "
                f"{left} volume(s) for this application, and it is not reversible.  Learn more "
                "at https://fly.io/docs/volumes/overview/"
            )
        else:
            ctx.warn("Deleting a volume is not reversible.")
        raise SimError(NOT_INTERACTIVE_YES)
    for volume, app_name in found:
        if volume["attached_machine_id"]:
            # Server-side refusal; the real text is UNKNOWN: made up.
            raise SimError(
                f"failed to destroy volume: volume {volume['id']} is attached to machine "
                f"{volume['attached_machine_id']}"
            )
        volume["state"] = "pending_destroy"
        if ctx.version.at_least(DESTROY_MESSAGE_NEW):
            ctx.echo(f"Destroyed volume ID: {volume['id']} name: {volume['name']}")
        else:
            ctx.echo(f"Destroyed volume {volume['id']} from {app_name}")
