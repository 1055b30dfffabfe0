"""The machine side of the fake platform: what a machine's processes see.

- Environment (docs@3a6e39ec:machines/runtime-environment.html.md): the machine config's
  `env` (fly.toml `[env]` plus what flyctl adds, e.g. PRIMARY_REGION), the app's secrets as
  they were when this machine was last updated (secrets are injected at boot, so a staged
  secret is not there until the machine restarts), and Fly's runtime variables FLY_APP_NAME,
  FLY_MACHINE_ID, FLY_ALLOC_ID, FLY_REGION, FLY_PUBLIC_IP, FLY_IMAGE_REF,
  FLY_MACHINE_VERSION, FLY_PRIVATE_IP, FLY_PROCESS_GROUP, FLY_VM_MEMORY_MB. When names
  collide, secrets win over `[env]` (what Fly users report; the docs do not say) and
  runtime variables win over both. PATH is this host's, so the host's programs run.
- Files: each volume is the host folder `<state>.volumes/<volume id>/`; a machine's mounts
  map their paths to those folders (see sandbox for how paths are mapped).
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

from runner.simulator.sandbox import RemoteRun

JSON = dict[str, Any]
_VOLUME_ID = re.compile(r"vol_[0-9a-z]+")


def volume_dir(state_path: Path | str, volume_id: str) -> Path:
    """The host folder holding volume `volume_id` (not created here)."""
    if not _VOLUME_ID.fullmatch(volume_id):
        raise ValueError(f"not a volume ID: {volume_id!r}")
    return Path(f"{Path(state_path).resolve()}.volumes") / volume_id


def scratch_dir(state_path: Path | str, machine_id: str) -> Path:
    """The working folder of commands on machine `machine_id` (its root filesystem is not
    simulated; this folder keeps their relative paths away from the test's files)."""
    return Path(f"{Path(state_path).resolve()}.machines") / machine_id


def snapshot_secrets(app: JSON, machine: JSON) -> None:
    """`machine` (re)boots now: it gets every secret value the app's vault holds."""
    values = {name: rec["value"] for name, rec in app["secrets"].items() if "value" in rec}
    app.setdefault("deployed_secrets", {})[machine["id"]] = values


def machine_env(app: JSON, machine: JSON) -> dict[str, str]:
    """The environment of a process on `machine` (without PATH)."""
    config = machine.get("config", {})
    image = machine.get("image_ref", {})
    env = dict(config.get("env", {}))
    env.update(app.get("deployed_secrets", {}).get(machine["id"], {}))
    env.update(
        FLY_APP_NAME=app["name"],
        FLY_MACHINE_ID=machine["id"],
        FLY_ALLOC_ID=machine["id"],
        FLY_REGION=machine.get("region", ""),
        FLY_PUBLIC_IP="2001:db8::" + machine["id"][:4],  # documentation prefix (RFC 3849)
        FLY_IMAGE_REF=f"{image.get('registry')}/{image.get('repository')}:{image.get('tag')}",
        FLY_MACHINE_VERSION=machine.get("instance_id", ""),
        FLY_PRIVATE_IP=machine.get("private_ip", ""),
        FLY_PROCESS_GROUP=config.get("metadata", {}).get("fly_process_group", "app"),
        FLY_VM_MEMORY_MB=str(config.get("guest", {}).get("memory_mb", "")),
    )
    return env


def mounts(state_path: Path | str, machine: JSON) -> tuple[tuple[str, str], ...]:
    """(mount path, host folder) for each volume mounted on `machine`; folders created."""
    pairs = []
    for mount in machine.get("config", {}).get("mounts", []):
        folder = volume_dir(state_path, mount["volume"])
        folder.mkdir(parents=True, exist_ok=True)
        pairs.append((mount["path"], str(folder)))
    return tuple(pairs)


def remote_run(
    state_path: Path | str,
    app: JSON,
    machine: JSON,
    argv: list[str],
    *,
    host_path: str | None,
    pty: bool = False,
    extra_env: dict[str, str] | None = None,
) -> RemoteRun:
    """The plan to run `argv` on `machine` (the host PATH lets it find programs)."""
    env = machine_env(app, machine)
    env.update(extra_env or {})
    env["PATH"] = host_path or os.defpath
    cwd = scratch_dir(state_path, machine["id"])
    cwd.mkdir(parents=True, exist_ok=True)
    return RemoteRun(
        argv=tuple(argv),
        env=tuple(sorted(env.items())),
        mounts=mounts(state_path, machine),
        cwd=str(cwd),
        pty=pty,
    )
