"""Reading fly.toml: both TOML parsers, exact error positions, and the facts flyrun uses.

Every read goes through `load`, which parses the text with tomlkit (the style-preserving
parser the edits rely on) *and* with tomllib (the standard library's strict reader) and
refuses a file the two read differently. Both are imported on first use: together they
cost ~30 ms at import time, which `flyrun --help` should not pay.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from functools import cache, lru_cache
from typing import TYPE_CHECKING, Any, Literal

from runner.errors import EditRefused

if TYPE_CHECKING:
    from tomlkit import TOMLDocument
    from tomlkit.exceptions import ParseError

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


@lru_cache(maxsize=32)
def parse_fly_toml(text: str) -> FlyToml:
    """Read `text`; EditRefused (`fly.toml:LINE:COL: …`) when it is not valid TOML or
    when a value flyrun relies on has a type flyctl would not accept. Cached by text: the
    preflight checks and several tasks read the same fly.toml (callers must not mutate)."""
    return from_data(load(text)[1])


def load(text: str) -> tuple[TOMLDocument, dict[str, Any]]:
    """Parse with tomlkit and tomllib; refuse unless both accept and agree."""
    import tomlkit
    from tomlkit.exceptions import ParseError, TOMLKitError

    try:
        doc = tomlkit.parse(text)
    except ParseError as err:
        raise EditRefused(_tomlkit_message(text, err)) from err
    except (TOMLKitError, ValueError) as err:  # e.g. an impossible date
        _tomllib_read(text)
        raise EditRefused(f"{FILE}: tomlkit cannot read this file: {err}") from err
    data = _tomllib_read(text)
    if not same_value(doc.unwrap(), data):
        raise EditRefused(
            f"{FILE}: tomlkit and tomllib read this file differently, so flyrun cannot edit it "
            "with certainty; please report it"
        )
    return doc, data


def _tomllib_read(text: str) -> dict[str, Any]:
    import tomllib

    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise EditRefused(_tomllib_message(text, str(err))) from err


_TOMLKIT_AT = re.compile(r" at line \d+ col \d+\Z")
_TOMLLIB_AT = re.compile(
    r"\A(?P<msg>.*) \(at (?:line (?P<line>\d+), column (?P<col>\d+)|end of document)\)\Z", re.S
)


def _tomlkit_message(text: str, err: ParseError) -> str:
    # tomlkit counts columns from 0 over str.splitlines() rows (which also break at \x85,
    # \u2028, …); older releases also took every line end for 1 character, wrong for CRLF.
    # Undo its arithmetic to get the offset back, then count lines ourselves.
    if _tomlkit_counts_crlf():
        rows = text.splitlines(keepends=True)
    else:
        rows = [row + "_" for row in text.splitlines()]
    offset = sum(len(row) for row in rows[: err.line - 1]) + err.col
    line, col = line_col(text, min(offset, len(text)))
    return f"{FILE}:{line}:{col}: {_TOMLKIT_AT.sub('', str(err))}"


@cache
def _tomlkit_counts_crlf() -> bool:
    """Whether this tomlkit reports positions with CRLF as 2 characters (probed once)."""
    import tomlkit
    from tomlkit.exceptions import ParseError

    try:
        tomlkit.parse("\r\n?")
    except ParseError as err:
        return (err.line, err.col) == (2, 0)
    return True


def _tomllib_message(text: str, message: str) -> str:
    found = _TOMLLIB_AT.match(message)
    if found is None:
        return f"{FILE}: {message}"
    if found["line"] is None:
        line, col = line_col(text, len(text))
    else:
        line, col = int(found["line"]), int(found["col"])
    return f"{FILE}:{line}:{col}: {found['msg']}"


def line_col(text: str, offset: int) -> tuple[int, int]:
    """1-based line and column of a character offset (only "\\n" ends a line)."""
    return text.count("\n", 0, offset) + 1, offset - text.rfind("\n", 0, offset)


def same_value(a: object, b: object) -> bool:
    """Deep equality of parsed TOML where NaN equals NaN and True is not 1."""
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same_value(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same_value(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    return isinstance(a, bool) == isinstance(b, bool) and a == b


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
    )


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
            raise EditRefused(
                f"{FILE}: `{key}` is {_kind(raw)}; flyctl expects a table or an array of tables"
            )
        style = "table" if isinstance(raw, dict) else "array"
        mounts.extend(_mount(entry, key) for entry in entries)
    return tuple(mounts), style


def _mount(entry: dict[str, Any], key: str) -> Mount:
    where = f"[{key}]"
    for name in ("source", "destination"):
        if not isinstance(entry.get(name), str) or not entry[name]:
            raise EditRefused(f"{FILE}: a {where} entry has no `{name}` string")
    processes = entry.get("processes")
    if processes is not None and not (
        isinstance(processes, list) and all(isinstance(p, str) for p in processes)
    ):
        raise EditRefused(f"{FILE}: {where} processes must be an array of group names")
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
    raise EditRefused(f'{FILE}: {where} {name} is {_kind(value)}; expected a size like "1GB"')


def _opt_int(entry: dict[str, Any], name: str, where: str) -> int | None:
    value = entry.get(name)
    if value is None or (isinstance(value, int) and not isinstance(value, bool)):
        return value
    raise EditRefused(f"{FILE}: {where} {name} is {_kind(value)}; flyctl expects an integer")


def _table(data: dict[str, Any], key: str, where: str) -> dict[str, Any]:
    value = data.get(key, {})
    if not isinstance(value, dict):
        raise EditRefused(f"{FILE}: {where} is {_kind(value)}; expected a table")
    return value


def _opt_str(data: dict[str, Any], key: str, where: str) -> str | None:
    value = data.get(key)
    if value is None or isinstance(value, str):
        return value
    raise EditRefused(f"{FILE}: {where} is {_kind(value)}; expected a string")


def _process_map(data: dict[str, Any]) -> dict[str, str]:
    raw = data.get("processes")
    if raw == []:  # old flyctl wrote `processes = []` at the top; flyctl drops it
        return {}
    table = _table(data, "processes", "[processes]")
    for name, command in table.items():
        if not isinstance(command, str):
            raise EditRefused(f"{FILE}: [processes] {name} is {_kind(command)}; expected a string")
    return dict(table)


def _scalar_map(data: dict[str, Any], key: str, where: str) -> dict[str, str]:
    # flyctl stringifies numbers and booleans here (`PORT = 8080` works).
    result: dict[str, str] = {}
    for name, value in _table(data, key, where).items():
        if not isinstance(value, str | int | float):
            raise EditRefused(f"{FILE}: {where} {name} is {_kind(value)}; expected a string")
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
