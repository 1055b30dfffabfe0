"""The facts of a fly.toml that flyrun reads: app, region, mounts, process groups, release
command, env, build args. The fast reader (tomllib) only; the edits in
`runner/handlers/flytoml.py` parse again with tomlkit. Errors are `FileError`s at
`fly.toml:LINE:COL`."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Literal

from runner.errors import FileError
from runner.syntax.toml import read

FILE = "fly.toml"
DEFAULT_GROUP = "app"  # flyctl's group name when fly.toml has no [processes]
MOUNT_KEYS = ("mount", "mounts")  # flyctl reads both, in this order (patchMounts)

MountStyle = Literal["table", "array"]


@dataclass(frozen=True)
class Mount:
    """One `[mounts]`/`[[mounts]]` entry. Sizes are kept as flyctl sees them (strings)."""

    source: str
    destination: str
    processes: tuple[str, ...] | None
    initial_size: str | None = None
    snapshot_retention: int | None = None
    auto_extend_size_threshold: int | None = None
    auto_extend_size_increment: str | None = None
    auto_extend_size_limit: str | None = None

    def applies_to(self, group: str) -> bool:
        """Whether machines of `group` get this mount (no `processes` = every group)."""
        return not self.processes or group in self.processes


@dataclass(frozen=True)
class FlyToml:
    """The facts of a fly.toml that flyrun reads."""

    app: str | None
    primary_region: str | None
    mounts: tuple[Mount, ...]
    mount_style: MountStyle | None  # [mounts] (or an inline table) vs [[mounts]]/arrays
    process_groups: tuple[str, ...]  # keys of [processes], or ("app",) when none
    processes: dict[str, str] = field(default_factory=dict)
    release_command: str | None = None
    env: dict[str, str] = field(default_factory=dict)
    build_args: dict[str, str] = field(default_factory=dict)
    # What changes what the machines run: `[experimental] cmd` replaces the image's CMD;
    # `[experimental] entrypoint/exec` and `[build] image` hide it from flyrun.
    experimental_cmd: str | None = None
    hidden_start: tuple[str, ...] = ()
    dockerfile: str = "Dockerfile"  # `[build] dockerfile`


@lru_cache(maxsize=64)
def parse_fly_toml(text: str) -> FlyToml:
    """Read `text` with the fast reader; FileError (`fly.toml:LINE:COL: …`) when it is not
    valid TOML or when a value flyrun relies on has a type flyctl would not accept. Cached by
    text: the spec, preflight and several tasks read the same fly.toml (do not mutate)."""
    return from_data(read(text, FILE))


def from_data(data: dict[str, Any]) -> FlyToml:
    """The facts, from a tomllib dict."""
    mounts, style = read_mounts(data)
    processes = _process_map(data)
    deploy = _table(data, "deploy", "[deploy]")
    build = _table(data, "build", "[build]")
    return FlyToml(
        app=_opt_str(data, "app", "`app`"),
        primary_region=_opt_str(data, "primary_region", "`primary_region`"),
        mounts=mounts,
        mount_style=style,
        process_groups=tuple(processes) or (DEFAULT_GROUP,),
        processes=processes,
        release_command=_opt_str(deploy, "release_command", "[deploy] release_command"),
        env=_scalar_map(data, "env", "[env]"),
        build_args=_scalar_map(build, "args", "[build.args]"),
        **_start_overrides(data, build),
    )


def _start_overrides(data: dict[str, Any], build: dict[str, Any]) -> dict[str, Any]:
    experimental = data.get("experimental")
    experimental = experimental if isinstance(experimental, dict) else {}
    cmd = experimental.get("cmd")
    if isinstance(cmd, list):
        cmd = " ".join(str(word) for word in cmd)
    hidden = tuple(f"[experimental] {k}" for k in ("entrypoint", "exec") if experimental.get(k))
    hidden += ("[build] image",) if build.get("image") else ()
    dockerfile = build.get("dockerfile")
    return {
        "experimental_cmd": cmd if isinstance(cmd, str) and cmd else None,
        "hidden_start": hidden,
        "dockerfile": dockerfile if isinstance(dockerfile, str) and dockerfile else "Dockerfile",
    }


def read_mounts(data: dict[str, Any]) -> tuple[tuple[Mount, ...], MountStyle | None]:
    """Mounts under `mount` then `mounts` (flyctl concatenates both); style of `mounts`
    when present, else of `mount`."""
    mounts: list[Mount] = []
    style: MountStyle | None = None
    for key in MOUNT_KEYS:
        if key not in data:
            continue
        raw = data[key]
        entries = [raw] if isinstance(raw, dict) else raw
        if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
            raise FileError(
                FILE, f"`{key}` is {_kind(raw)}; flyctl expects a table or an array of tables"
            )
        style = "table" if isinstance(raw, dict) else "array"
        mounts.extend(_mount(entry, key) for entry in entries)
    return tuple(mounts), style


def _mount(entry: dict[str, Any], key: str) -> Mount:
    where = f"[{key}]"
    for name in ("source", "destination"):
        if not isinstance(entry.get(name), str) or not entry[name]:
            raise FileError(FILE, f"a {where} entry has no `{name}` string")
    processes = entry.get("processes")
    if processes is not None and not (
        isinstance(processes, list) and all(isinstance(p, str) for p in processes)
    ):
        raise FileError(FILE, f"{where} processes must be an array of group names")
    return Mount(
        source=entry["source"],
        destination=entry["destination"],
        processes=None if processes is None else tuple(processes),
        initial_size=_size(entry, "initial_size", where),
        snapshot_retention=_opt_int(entry, "snapshot_retention", where),
        auto_extend_size_threshold=_opt_int(entry, "auto_extend_size_threshold", where),
        auto_extend_size_increment=_size(entry, "auto_extend_size_increment", where),
        auto_extend_size_limit=_size(entry, "auto_extend_size_limit", where),
    )


def _size(entry: dict[str, Any], name: str, where: str) -> str | None:
    # flyctl turns an integer initial_size into a string (castToString); flyrun accepts an
    # integer for the auto-extend sizes too (GB), which flyctl's decoder may not (UNKNOWN).
    value = entry.get(name)
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return go_string(value)
    raise FileError(FILE, f'{where} {name} is {_kind(value)}; expected a size like "1GB"')


def _opt_int(entry: dict[str, Any], name: str, where: str) -> int | None:
    value = entry.get(name)
    if value is None or (isinstance(value, int) and not isinstance(value, bool)):
        return value
    raise FileError(FILE, f"{where} {name} is {_kind(value)}; flyctl expects an integer")


def _table(data: dict[str, Any], key: str, where: str) -> dict[str, Any]:
    value = data.get(key, {})
    if not isinstance(value, dict):
        raise FileError(FILE, f"{where} is {_kind(value)}; expected a table")
    return value


def _opt_str(data: dict[str, Any], key: str, where: str) -> str | None:
    value = data.get(key)
    if value is None or isinstance(value, str):
        return value
    raise FileError(FILE, f"{where} is {_kind(value)}; expected a string")


def _process_map(data: dict[str, Any]) -> dict[str, str]:
    raw = data.get("processes")
    if raw == []:  # old flyctl wrote `processes = []` at the top; flyctl drops it
        return {}
    table = _table(data, "processes", "[processes]")
    for name, command in table.items():
        if not isinstance(command, str):
            raise FileError(FILE, f"[processes] {name} is {_kind(command)}; expected a string")
    return dict(table)


def _scalar_map(data: dict[str, Any], key: str, where: str) -> dict[str, str]:
    # flyctl stringifies numbers and booleans here (`PORT = 8080` works).
    result: dict[str, str] = {}
    for name, value in _table(data, key, where).items():
        if not isinstance(value, str | int | float):
            raise FileError(FILE, f"{where} {name} is {_kind(value)}; expected a string")
        result[name] = go_string(value)
    return result


def go_string(value: str | float) -> str:
    """Go's `fmt.Sprint` of a TOML scalar, as flyctl turns values into strings."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e21:
        return str(int(value))
    return value if isinstance(value, str) else repr(value)


def _kind(value: object) -> str:
    kinds = {bool: "a boolean", int: "an integer", float: "a float", str: "a string"}
    kinds |= {list: "an array", dict: "a table"}
    return kinds.get(type(value), "a date or time")
