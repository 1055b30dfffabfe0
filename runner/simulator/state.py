"""The simulator's state file: create, load and save it, and set up scenarios for tests.

See the package docstring (`runner/simulator/__init__.py`) for the format.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from runner.simulator import records
from runner.simulator.versions import DEFAULT_VERSION, parse_version

JSON = dict[str, Any]
FORMAT = 1
MountSpec = str | Mapping[str, str]


def new_state(
    apps: list[str],
    *,
    version: str = DEFAULT_VERSION,
    logged_in: bool = True,
    email: str = "user@example.com",
    clock: str | None = None,
) -> JSON:
    """A fresh state: the given apps exist (never deployed, nothing in them)."""
    parse_version(version)  # fail early on a typo
    state: JSON = {
        "format": FORMAT,
        "version": version,
        "logged_in": logged_in,
        "email": email,
        "organization": "personal",
        "clock": clock,
        "seed": "flyrun",
        "seq": 0,
        "apps": {},
    }
    for name in apps:
        add_app(state, name)
    return state


def add_app(state: JSON, name: str) -> JSON:
    """Create app `name` (never deployed) with a random secret-digest salt; return it."""
    import secrets as random_source  # only scenario set-up needs randomness

    app = records.new_app(name, random_source.token_hex(16))
    state["apps"][name] = app
    return app


def app(state: JSON, name: str) -> JSON:
    """The stored app `name` (KeyError when it does not exist)."""
    found: JSON = state["apps"][name]
    return found


def dumps(state: JSON) -> str:
    """The exact text `save` writes."""
    return json.dumps(state, indent=2, ensure_ascii=False) + "\n"


def load(path: Path | str) -> JSON:
    """Read a state file; ValueError when it is not a simulator state."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    if not isinstance(data, dict) or data.get("format") != FORMAT or "apps" not in data:
        raise ValueError(f"{path}: not a flyctl simulator state (format {FORMAT})")
    parse_version(str(data.get("version", "")))
    return data


def save(path: Path | str, state: JSON) -> None:
    """Write atomically: a temporary file in the same folder, then os.replace."""
    import tempfile  # read-only calls never save: they should not pay for it

    target = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=target.name + ".", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(dumps(state))
        Path(tmp).replace(target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def add_volume(
    state: JSON,
    app_name: str,
    name: str,
    region: str,
    size_gb: int,
    *,
    encrypted: bool = True,
    snapshot_retention: int = 5,
    host_status: str = "ok",
) -> JSON:
    """Add an unattached volume to `app_name`; return it."""
    volume = records.new_volume(
        state, name, region, size_gb, encrypted=encrypted, snapshot_retention=snapshot_retention
    )
    volume["host_status"] = host_status
    app(state, app_name)["volumes"].append(volume)
    return volume


def secret_digest(state: JSON, app_name: str, value: str, *, legacy_md5: bool = False) -> str:
    """The digest the fake API shows for `value` in `app_name` (test oracle only)."""
    if legacy_md5:
        return records.legacy_digest(value)
    return records.salted_digest(app(state, app_name)["secret_salt"], value)


def put_secret(state: JSON, app_name: str, name: str, value: str, *, legacy_md5: bool) -> JSON:
    """Store (or replace) a secret as not deployed yet. The value is kept only so that
    machines can get it (runtime.snapshot_secrets); no command ever prints it."""
    secrets = app(state, app_name)["secrets"]
    stamp = records.timestamp(state)
    created = secrets[name]["created_at"] if name in secrets else stamp
    record = {
        "digest": secret_digest(state, app_name, value, legacy_md5=legacy_md5),
        "deployed": False,
        "created_at": created,
        "updated_at": stamp,
        "value": value,
    }
    secrets[name] = record
    return record


def add_secret(
    state: JSON,
    app_name: str,
    name: str,
    value: str,
    *,
    deployed: bool = True,
    legacy_md5: bool = False,
) -> JSON:
    """Add secret `name`; `legacy_md5` gives it a GraphQL-era MD5 digest. A deployed secret
    is in the environment of the app's machines too. Return the record."""
    record = put_secret(state, app_name, name, value, legacy_md5=legacy_md5)
    record["deployed"] = deployed
    target = app(state, app_name)
    for machine in target["machines"] if deployed else []:
        target.setdefault("deployed_secrets", {}).setdefault(machine["id"], {})[name] = value
    return record


def find_volume(state: JSON, app_name: str, volume_id: str) -> JSON:
    """The volume `volume_id` of `app_name` (KeyError when absent)."""
    for volume in app(state, app_name)["volumes"]:
        if volume["id"] == volume_id:
            return volume  # type: ignore[no-any-return]
    raise KeyError(volume_id)


def add_machine(
    state: JSON,
    app_name: str,
    region: str,
    group: str = "app",
    mounts: Sequence[MountSpec] = (),
    *,
    env: Mapping[str, str] | None = None,
) -> JSON:
    """Add a started machine of `group`; each mount is a volume ID (mounted at /data) or a
    mapping with `volume` and `path`. Mounted volumes become attached, and the app counts as
    deployed (release 1 at least), as an app with machines has been. Return the machine.
    """
    target = app(state, app_name)
    entries, volumes = [], []
    for spec in mounts:
        volume_id, path = (
            (spec, "/data") if isinstance(spec, str) else (spec["volume"], spec["path"])
        )
        volume = find_volume(state, app_name, volume_id)
        volumes.append(volume)
        entries.append(records.mount_of(volume, path))
    full_env = {"FLY_PROCESS_GROUP": group, "PRIMARY_REGION": region, **(env or {})}
    release = max(int(target["release_version"]), 1)
    target.update(deployed=True, release_version=release)
    machine = records.new_machine(
        state, app_name, region, group, env=full_env, release_version=release, mounts=entries
    )
    for volume in volumes:
        volume["attached_machine_id"] = machine["id"]
    target["machines"].append(machine)
    deployed = {
        n: r["value"] for n, r in target["secrets"].items() if r["deployed"] and "value" in r
    }
    target.setdefault("deployed_secrets", {})[machine["id"]] = deployed
    return machine


def add_fault(
    state: JSON,
    command: str,
    kind: str,
    *,
    app: str | None = None,
    times: int | None = 1,
    seconds: float = 0.0,
    exit: int = 1,  # shadows the builtin: it is the state file's key
    stderr: str | None = None,
    stdout: str | None = None,
) -> JSON:
    """Inject a fault into the next `times` calls of `command` ("volumes list", "secrets
    import", "deploy", "ssh console"; aliases allowed), for `app` or any app; `times=None`:
    every call. Kinds (runner.simulator.faults): `fail` (exit `exit`, `Error: <stderr>`),
    `lost_response`, `hang`, `garbage` (exit 0, `stdout` or an HTML error page), `latency`
    (`seconds`, then the normal call). Return the stored entry."""
    from runner.simulator.faults import validate

    entry: JSON = {"command": command, "kind": kind, "app": app, "times": times}
    if kind == "fail":
        entry.update(exit=exit, stderr=stderr)
    if kind == "garbage":
        entry["stdout"] = stdout
    if kind == "latency":
        entry["seconds"] = seconds
    validate(entry, parse_version(str(state["version"])))
    state.setdefault("faults", []).append(entry)
    return entry


def set_boot_command(state: JSON, app_name: str, command: str | Sequence[str] | None) -> None:
    """What the app's machines run at boot after a deploy or a secrets restart (see
    runner.simulator.boot); a string runs with `sh -c`. None removes it."""
    argv = ["sh", "-c", command] if isinstance(command, str) else command
    app(state, app_name)["boot_command"] = list(argv) if argv is not None else None


def volume_path(state_path: Path | str, volume_id: str) -> Path:
    """The host folder behind volume `volume_id` of the state file at `state_path`."""
    from runner.simulator.runtime import volume_dir  # not needed by ordinary calls

    return volume_dir(state_path, volume_id)


def _volume_file(
    state_path: Path | str, app_name: str, volume_id: str, relative: str, state: JSON | None
) -> Path:
    find_volume(state if state is not None else load(state_path), app_name, volume_id)
    inner = Path(relative)
    if inner.is_absolute() or ".." in inner.parts or not inner.parts:
        raise ValueError(f"not a path inside the volume: {relative!r}")
    return volume_path(state_path, volume_id) / inner


def seed_volume_file(
    state_path: Path | str,
    app_name: str,
    volume_id: str,
    relative_path: str,
    data: bytes,
    *,
    state: JSON | None = None,
) -> Path:
    """Put a file on a volume: a machine mounting the volume at /data sees `data` at
    /data/<relative_path>. The volume must exist in `state` (default: the saved state).
    Return the host path written."""
    target = _volume_file(state_path, app_name, volume_id, relative_path, state)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)
    return target


def read_volume_file(
    state_path: Path | str,
    app_name: str,
    volume_id: str,
    relative_path: str,
    *,
    state: JSON | None = None,
) -> bytes:
    """The bytes of <mount>/<relative_path> on a volume (FileNotFoundError when absent)."""
    return _volume_file(state_path, app_name, volume_id, relative_path, state).read_bytes()
