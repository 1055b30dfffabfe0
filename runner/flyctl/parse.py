"""Parse flyctl's `--json` output in every shape it has had (docs/reference/flyctl.md §2.1, §3.5,
§10). Pure functions: text in, frozen dataclasses out."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from runner.errors import RunnerError

T = TypeVar("T")

GONE_STATES = frozenset(
    {"scheduling_destroy", "fork_cleanup", "waiting_for_detach", "pending_destroy", "destroying"}
)


@dataclass(frozen=True)
class Volume:
    id: str
    name: str
    region: str
    size_gb: int
    state: str
    attached_machine_id: str | None


@dataclass(frozen=True)
class Secret:
    name: str
    digest: str
    status: str | None  # Deployed | Staged | Partial | Unknown; None when flyctl does not say


@dataclass(frozen=True)
class MachineMount:
    path: str
    name: str
    volume: str


@dataclass(frozen=True)
class Machine:
    id: str
    region: str
    state: str
    group: str
    mounts: tuple[MachineMount, ...]


def _load_list(text: str, what: str) -> list[dict[str, Any]]:
    try:
        data = json.loads(text) if text.strip() else []
    except json.JSONDecodeError as exc:
        raise RunnerError(f"flyctl printed something that is not JSON for {what}: {exc}") from exc
    if data is None:
        return []
    if not isinstance(data, list) or not all(isinstance(item, dict) for item in data):
        raise RunnerError(
            f"unexpected JSON shape from flyctl for {what}: expected a list of objects"
        )
    return data


def _get(item: dict[str, Any], *keys: str, default: Any = None) -> Any:
    """First present key: snake_case (Machines API era) or Go field names (GraphQL era)."""
    for key in keys:
        if key in item and item[key] is not None:
            return item[key]
    return default


def _parsed(text: str, what: str, build: Callable[[list[dict[str, Any]]], T]) -> T:
    """`build` on the list flyctl printed; a field of an unexpected type (a list for a size,
    a string for a mapping) is a clear error, not a crash."""
    items = _load_list(text, what)
    try:
        return build(items)
    except (TypeError, ValueError, AttributeError, OverflowError) as exc:
        raise RunnerError(f"unexpected JSON from flyctl for {what}: {exc}") from exc


def parse_volumes(text: str) -> tuple[Volume, ...]:
    return _parsed(text, "volumes list", _volumes)


def parse_secrets(text: str) -> tuple[Secret, ...]:
    return _parsed(text, "secrets list", _secrets)


def parse_machines(text: str) -> tuple[Machine, ...]:
    return _parsed(text, "machines list", _machines)


def _volumes(items: list[dict[str, Any]]) -> tuple[Volume, ...]:
    volumes = []
    for item in items:
        attached = _get(item, "attached_machine_id")
        legacy_machine = _get(item, "AttachedMachine")
        if attached is None and isinstance(legacy_machine, dict):
            attached = legacy_machine.get("id") or legacy_machine.get("ID")
        volume = Volume(
            id=str(_get(item, "id", "ID", default="")),
            name=str(_get(item, "name", "Name", default="")),
            region=str(_get(item, "region", "Region", default="")),
            size_gb=int(_get(item, "size_gb", "SizeGb", default=0)),
            state=str(_get(item, "state", "State", default="")),
            attached_machine_id=str(attached) if attached else None,
        )
        if volume.state not in GONE_STATES:
            volumes.append(volume)
    return tuple(volumes)


def _secrets(items: list[dict[str, Any]]) -> tuple[Secret, ...]:
    return tuple(
        Secret(
            name=str(_get(item, "name", "Name", default="")),
            digest=str(_get(item, "digest", "Digest", default="")),
            status=_get(item, "status", "Status"),
        )
        for item in items
    )


def _machines(items: list[dict[str, Any]]) -> tuple[Machine, ...]:
    machines = []
    for item in items:
        config = item.get("config") or {}
        metadata = config.get("metadata") or {}
        mounts = tuple(
            MachineMount(str(m.get("path", "")), str(m.get("name", "")), str(m.get("volume", "")))
            for m in (config.get("mounts") or [])
            if isinstance(m, dict)
        )
        machines.append(
            Machine(
                id=str(item.get("id", "")),
                region=str(item.get("region", "")),
                state=str(item.get("state", "")),
                group=str(metadata.get("fly_process_group") or "app"),
                mounts=mounts,
            )
        )
    return tuple(machines)
