"""How flyctl prints volumes, by flyctl version (docs/reference/flyctl.md §1.6, §2.1, §2.2)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from runner.simulator.render import humanize_since, rfc822, table
from runner.simulator.versions import (
    AUTO_BACKUP,
    HOST_DEDICATION,
    HOST_STATUS,
    SNAPSHOT_RETENTION,
    VOLUMES_MACHINES_API,
    WORKER_STATUS,
    Version,
)

if TYPE_CHECKING:
    from datetime import datetime

JSON = dict[str, Any]
_BASE_KEYS = (
    "id",
    "name",
    "state",
    "size_gb",
    "region",
    "zone",
    "encrypted",
    "attached_machine_id",
    "attached_alloc_id",
    "created_at",
)


def _graphql_volume(volume: JSON, app_name: str) -> JSON:
    """≤ v0.1.71: api.Volume had a json tag on `id` only, so keys are Go field names."""
    attached = volume["attached_machine_id"]
    return {
        "id": volume["id"],
        "App": {"Name": app_name, "PlatformVersion": "machines"},
        "Name": volume["name"],
        "SizeGb": volume["size_gb"],
        "Snapshots": {"Nodes": []},
        "State": volume["state"],
        "Region": volume["region"],
        "Encrypted": volume["encrypted"],
        "CreatedAt": volume["created_at"],
        "AttachedAllocation": None,
        # The GraphQL Machine object had more fields; the simulator fills only its ID.
        "AttachedMachine": {"ID": attached} if attached else None,
        "Host": {"ID": volume["zone"]},
    }


def volume_json(volume: JSON, app_name: str, version: Version) -> JSON:
    """The object `--json` prints for one volume at this flyctl version."""
    if version.before(VOLUMES_MACHINES_API):
        return _graphql_volume(volume, app_name)
    shown = {key: volume[key] for key in _BASE_KEYS}
    if version.at_least(HOST_DEDICATION):
        shown["host_dedication_id"] = volume["host_dedication_id"]
    if version.at_least(SNAPSHOT_RETENTION):
        shown["snapshot_retention"] = volume["snapshot_retention"]
    if version.at_least(AUTO_BACKUP):
        shown["auto_backup_enabled"] = volume["auto_backup_enabled"]
    status_key = "host_status" if version.at_least(HOST_STATUS) else "worker_status"
    if version.at_least(WORKER_STATUS) and volume.get("host_status"):
        shown[status_key] = volume["host_status"]  # omitempty
    return shown


def _go_bool(value: Any) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)


def volume_text(volume: JSON, app_name: str, version: Version) -> str:
    """printVolume: right-aligned labels (10 columns before v0.1.113, then 20)."""
    width = 20 if version.at_least(SNAPSHOT_RETENTION) else 10
    rows = [
        ("ID", volume["id"]),
        ("Name", volume["name"]),
        ("App", app_name),
        ("Region", volume["region"]),
        ("Zone", volume["zone"]),
        ("Size GB", volume["size_gb"]),
        ("Encrypted", volume["encrypted"]),
        ("Created at", rfc822(volume["created_at"])),
    ]
    if version.at_least(SNAPSHOT_RETENTION):
        rows.append(("Snapshot retention", volume["snapshot_retention"]))
    if version.at_least(AUTO_BACKUP):
        rows.append(("Scheduled snapshots", volume.get("scheduled_snapshots", True)))
    return "".join(f"{label:>{width}}: {_go_bool(value)}\n" for label, value in rows)


def volumes_table(volumes: list[JSON], now: datetime) -> str:
    """`volumes list` without --json."""
    rows = []
    for v in volumes:
        star = "*" if v.get("host_status") == "unreachable" else ""
        rows.append(
            [
                v["id"] + star,
                v["state"],
                v["name"],
                f"{v['size_gb']}GB",
                v["region"],
                v["zone"],
                _go_bool(v["encrypted"]),
                v["attached_machine_id"] or "",
                humanize_since(v["created_at"], now),
            ]
        )
    headers = ("ID", "State", "Name", "Size", "Region", "Zone", "Encrypted", "Attached VM")
    text = table((*headers, "Created At"), rows)
    if any(v.get("host_status") == "unreachable" for v in volumes):
        text += "* These volumes' hosts could not be reached.\n"
    return text
