"""Builders for the objects the fake platform stores: volumes, secrets, machines.

Everything is plain JSON data, kept in the key order flyctl prints (Go struct order), so a
command can print a stored object as it is. IDs are derived from a counter in the state, so
a scenario replayed from the same starting state gets the same IDs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from runner.simulator.render import parse_time, rfc3339

if TYPE_CHECKING:
    from datetime import datetime

JSON = dict[str, Any]

DESTROYED_STATES = frozenset(
    {"scheduling_destroy", "fork_cleanup", "waiting_for_detach", "pending_destroy", "destroying"}
)
_BASE36 = "0123456789abcdefghijklmnopqrstuvwxyz"
_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_ADJECTIVES = ("bold", "calm", "crimson", "dry", "late", "misty", "quiet", "restless", "young")
_NOUNS = ("bird", "brook", "dawn", "field", "frost", "leaf", "moon", "river", "sun", "wave")


def now(state: JSON) -> datetime:
    """The simulated clock: `state["clock"]` when set (tests), else the real time."""
    clock = state.get("clock")
    if clock:
        return parse_time(clock)
    from datetime import UTC, datetime  # on use: most calls never read the clock

    return datetime.now(UTC)


def timestamp(state: JSON) -> str:
    """`now(state)` as the API writes timestamps."""
    return rfc3339(now(state))


def _sha256(data: bytes) -> bytes:
    # hashlib loads OpenSSL (a few ms): imported only by calls that hash.
    import hashlib

    return hashlib.sha256(data).digest()


def _entropy(state: JSON, kind: str) -> bytes:
    state["seq"] = int(state.get("seq", 0)) + 1
    return _sha256(f"{state.get('seed', '')}:{kind}:{state['seq']}".encode())


def _encode(data: bytes, alphabet: str, length: int) -> str:
    number = int.from_bytes(data, "big")
    chars = []
    for _ in range(length):
        number, index = divmod(number, len(alphabet))
        chars.append(alphabet[index])
    return "".join(chars)


def new_id(state: JSON, kind: str) -> str:
    """A fresh ID: `vol_` + 16 base-36 chars, 14 hex for machines, ULID-like otherwise."""
    data = _entropy(state, kind)
    if kind == "volume":
        return "vol_" + _encode(data, _BASE36, 16)
    if kind == "machine":
        return data.hex()[:14]
    if kind == "zone":
        return data.hex()[:4]
    if kind == "name":
        number = int.from_bytes(data[:4], "big")
        adjective = _ADJECTIVES[number % len(_ADJECTIVES)]
        noun = _NOUNS[(number // 16) % len(_NOUNS)]
        return f"{adjective}-{noun}-{number % 10000:04d}"
    return _encode(data, _CROCKFORD, 26)


def salted_digest(salt: str, value: str) -> str:
    """The 16-hex digest the fake API shows: keyed by a per-app salt clients never see."""
    return _sha256(f"{salt}\0{value}".encode()).hex()[:16]


def legacy_digest(value: str) -> str:
    """The GraphQL-era digest: lowercase hex MD5 of the raw value
    (docs/reference/flyctl.md §3.6)."""
    import hashlib

    return hashlib.md5(value.encode()).hexdigest()  # MD5 on purpose: it reproduces Fly's digest


def new_app(name: str, salt: str) -> JSON:
    """An app that exists but was never deployed."""
    return {
        "name": name,
        "deployed": False,
        "release_version": 0,
        "primary_region": None,
        "secret_salt": salt,
        "digest_style": "salted",
        "release_command_exit": 0,
        "config": None,
        "volumes": [],
        "secrets": {},
        "machines": [],
    }


def new_volume(
    state: JSON,
    name: str,
    region: str,
    size_gb: int,
    *,
    encrypted: bool = True,
    snapshot_retention: int = 5,
    scheduled_snapshots: bool = True,
) -> JSON:
    """A §2.1 volume object (plus `scheduled_snapshots`, which only the text output shows)."""
    return {
        "id": new_id(state, "volume"),
        "name": name,
        "state": "created",
        "size_gb": size_gb,
        "region": region,
        "zone": new_id(state, "zone"),
        "encrypted": encrypted,
        "attached_machine_id": None,
        "attached_alloc_id": None,
        "created_at": timestamp(state),
        "host_dedication_id": "",
        "snapshot_retention": snapshot_retention,
        "auto_backup_enabled": scheduled_snapshots,
        "host_status": "ok",
        "scheduled_snapshots": scheduled_snapshots,
    }


def live(volumes: list[JSON]) -> list[JSON]:
    """Volumes not in a destroyed state (what `volumes list` shows without --all)."""
    return [v for v in volumes if v["state"] not in DESTROYED_STATES]


def mount_of(volume: JSON, path: str, extend: JSON | None = None) -> JSON:
    """A machine's `config.mounts[]` entry for `volume` (fly-go MachineMount order)."""
    mount: JSON = {}
    if volume["encrypted"]:
        mount["encrypted"] = True
    mount.update(path=path, size_gb=volume["size_gb"], volume=volume["id"], name=volume["name"])
    mount.update(extend or {})
    return mount


def new_machine(
    state: JSON,
    app: str,
    region: str,
    group: str,
    *,
    env: dict[str, str],
    init_cmd: list[str] | None = None,
    release_version: int = 1,
    mounts: list[JSON] | None = None,
    image: JSON | None = None,
) -> JSON:
    """A §10 machine object in state `started`."""
    stamp = timestamp(state)
    machine: JSON = {
        "id": new_id(state, "machine"),
        "name": new_id(state, "name"),
        "state": "started",
        "region": region,
        "image_ref": image or image_ref(state, app),
        "instance_id": new_id(state, "ulid"),
        "private_ip": "fdaa:0:1:a7b:" + new_id(state, "zone") + ":" + new_id(state, "zone"),
        "created_at": stamp,
        "updated_at": stamp,
        "config": {},
        "host_status": "ok",
        "cordoned": False,
    }
    machine["config"] = machine_config(
        state,
        app,
        machine,
        group,
        env=env,
        init_cmd=init_cmd,
        release_version=release_version,
        mounts=mounts,
    )
    return machine


def image_ref(state: JSON, app: str) -> JSON:
    """A freshly "built" image: `registry.fly.io/<app>:deployment-<id>`."""
    tag = "deployment-" + new_id(state, "ulid")
    return {
        "registry": "registry.fly.io",
        "repository": app,
        "tag": tag,
        "digest": "sha256:" + _sha256(tag.encode()).hex(),
    }


def machine_config(
    state: JSON,
    app: str,
    machine: JSON,
    group: str,
    *,
    env: dict[str, str],
    init_cmd: list[str] | None,
    release_version: int,
    mounts: list[JSON] | None = None,
) -> JSON:
    """A machine's `config` (fly-go MachineConfig order; maps sorted like Go's encoder)."""
    ref = machine["image_ref"]
    metadata = {
        "fly_flyctl_version": str(state.get("version", "")),
        "fly_platform_version": "v2",
        "fly_process_group": group,
        "fly_release_id": new_id(state, "ulid"),
        "fly_release_version": str(release_version),
    }
    config: JSON = {
        "env": dict(sorted(env.items())),
        "init": {"cmd": init_cmd} if init_cmd else {},
        "guest": {"cpu_kind": "shared", "cpus": 1, "memory_mb": 256},
        "metadata": dict(sorted(metadata.items())),
    }
    if mounts:
        config["mounts"] = mounts
    config["image"] = f"{ref['registry']}/{ref['repository']}:{ref['tag']}"
    config["restart"] = {"policy": "on-failure", "max_retries": 10}
    return config


def process_group(machine: JSON) -> str:
    """A machine's process group (`config.metadata.fly_process_group`)."""
    return str(machine.get("config", {}).get("metadata", {}).get("fly_process_group", "app"))
