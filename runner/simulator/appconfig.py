"""fly.toml: finding and loading it, the parts deploy needs, and flyctl's mount validation."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from runner.simulator.errors import SimError

_NAMES = ("fly.toml", "fly.json", "fly.yaml")
_GO_FLOAT = re.compile(r"[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?")
_UNITS = {"k": 10**3, "m": 10**6, "g": 10**9, "t": 10**12, "p": 10**15}
STRATEGIES = ("canary", "rolling", "immediate", "bluegreen")


@dataclass
class Mount:
    """One `[mounts]`/`[[mounts]]` entry (flyctl's appconfig.Mount)."""

    source: str
    destination: str
    initial_size: str = ""
    snapshot_retention: int | None = None
    scheduled_snapshots: bool | None = None
    threshold: int = 0
    increment: str = ""
    limit: str = ""
    processes: list[str] = field(default_factory=list)


@dataclass
class AppConfig:
    """The parts of fly.toml the simulator uses."""

    path: Path
    app: str = ""
    primary_region: str = ""
    processes: dict[str, str] = field(default_factory=dict)
    mounts: list[Mount] = field(default_factory=list)
    env: dict[str, str] = field(default_factory=dict)
    strategy: str = ""
    release_command: str = ""

    def groups(self) -> list[str]:
        """Process group names (`app` without a [processes] section)."""
        return list(self.processes) or ["app"]

    def mounts_for(self, group: str) -> list[Mount]:
        """Mounts that apply to `group` (all of them when a mount names no processes)."""
        return [m for m in self.mounts if not m.processes or group in m.processes]


def find_config(cwd: Path, explicit: str, *, strict: bool) -> Path | None:
    """flyctl's lookup: `-c P` tries P then P/fly.toml; else fly.toml/json/yaml in cwd only.

    `strict` (v0.4.80+): an explicit path that matches nothing is an error.
    """
    if explicit:
        given = cwd / explicit
        for candidate in (given, given / "fly.toml"):
            if candidate.is_file():
                return candidate
        if strict:
            raise SimError(
                f"config file not found at specified path: {explicit} "
                f"(also tried: {Path(explicit) / 'fly.toml'})"
            )
        return None
    for name in _NAMES:
        if (cwd / name).is_file():
            return cwd / name
    return None


def _yaml() -> Any:
    """PyYAML, also when started by the shim with `python -S` (no site-packages yet)."""
    try:
        import yaml
    except ImportError:
        import site

        site.main()
        import yaml
    return yaml


def _read(path: Path) -> dict[str, Any]:
    # The parsers are imported on use: yaml alone costs more than a whole `version` call.
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".json":
        data = json.loads(text)
    elif path.suffix in (".yaml", ".yml"):
        yaml = _yaml()
        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError as exc:  # reported like the other parse errors
            raise ValueError(str(exc)) from None
    else:
        import tomllib

        data = tomllib.loads(text)
    if not isinstance(data, dict):
        raise ValueError("the file does not hold a table")
    return data


def _as_list(value: Any) -> list[dict[str, Any]]:
    if isinstance(value, dict):
        return [value]
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def _mount(raw: dict[str, Any]) -> Mount:
    retention = raw.get("snapshot_retention")
    scheduled = raw.get("scheduled_snapshots")
    return Mount(
        source=str(raw.get("source", "")),
        destination=str(raw.get("destination", "")),
        initial_size=str(raw.get("initial_size", "")),
        snapshot_retention=int(retention) if retention is not None else None,
        scheduled_snapshots=bool(scheduled) if scheduled is not None else None,
        threshold=int(raw.get("auto_extend_size_threshold", 0)),
        increment=str(raw.get("auto_extend_size_increment", "")),
        limit=str(raw.get("auto_extend_size_limit", "")),
        processes=[str(p) for p in raw.get("processes", [])],
    )


def load_config(path: Path) -> AppConfig:
    """Parse a config file; `failed loading app config from <path>: <err>` on failure."""
    try:
        data = _read(path)
        # patchMounts: both `mount` and `mounts`, a table or an array of tables, concatenated.
        mounts = [_mount(m) for key in ("mount", "mounts") for m in _as_list(data.get(key))]
        deploy: dict[str, Any] = data["deploy"] if isinstance(data.get("deploy"), dict) else {}
        return AppConfig(
            path=path,
            app=str(data.get("app", "") or ""),
            primary_region=str(data.get("primary_region", "") or ""),
            processes={str(k): str(v) for k, v in (data.get("processes") or {}).items()},
            mounts=mounts,
            env={str(k): str(v) for k, v in (data.get("env") or {}).items()},
            strategy=str(deploy.get("strategy", "") or ""),
            release_command=str(deploy.get("release_command", "") or ""),
        )
    except (OSError, ValueError, TypeError, AttributeError) as exc:
        raise SimError(f"failed loading app config from {path}: {exc}") from None


def human_size(text: str) -> int:
    """docker/go-units FromHumanSize (decimal units: 1gb = 10**9), with its error texts."""
    sep = max(text.rfind(c) for c in "0123456789. ")
    if sep == -1:
        raise ValueError(f"invalid size: '{text}'")
    number = text[: sep + 1] if text[sep] != " " else text[:sep]
    suffix = text[sep + 1 :]
    if not _GO_FLOAT.fullmatch(number):
        raise ValueError(f'strconv.ParseFloat: parsing "{number}": invalid syntax')
    size = float(number)
    if size < 0:
        raise ValueError(f"invalid size: '{text}'")
    if not suffix:
        return int(size)
    if len(suffix) > 3:
        raise ValueError(f"invalid suffix: '{suffix}'")
    suffix = suffix.lower()
    if suffix[0] == "b" and len(suffix) == 1:
        return int(size)
    # One unit letter, optionally followed by `b` or `ib` (kb, KiB, g, GB …).
    if suffix[0] not in _UNITS or suffix[1:] != ("", "b", "ib")[len(suffix) - 1]:
        raise ValueError(f"invalid suffix: '{suffix}'")
    return int(size * _UNITS[suffix[0]])


def parse_size(text: str) -> int:
    """flyctl helpers.ParseSize(s, units.FromHumanSize, units.GB): GB as an int."""
    if re.fullmatch(r"[+-]?[0-9]+", text):
        return int(text)
    try:
        return human_size(text) // 10**9
    except ValueError as exc:
        raise ValueError(f"invalid size: {exc}") from None


def _size_check(mount: Mount, key: str, text: str) -> tuple[str, int]:
    if not text:
        return "", 0
    try:
        value = parse_size(text)
    except ValueError as exc:
        return f"mount '{mount.source}' with {key} '{text}' will fail because of: {exc}\n", 0
    if value < 1:
        return f"mount '{mount.source}' has an {key} '{text}' value which is smaller than 1GB\n", 0
    return "", value


def _validate_mount(m: Mount) -> str:
    """validateMounts for one mount (flyctl internal/appconfig/validation.go)."""
    info, _ = _size_check(m, "initial_size", m.initial_size)
    if m.snapshot_retention is not None and not 1 <= m.snapshot_retention <= 60:
        info += (
            f"mount '{m.source}' has a snapshot_retention value which is not between 1 and 60 "
            "days inclusive\n"
        )
    inc_info, increment = _size_check(m, "auto_extend_size_increment", m.increment)
    limit_info, limit = _size_check(m, "auto_extend_size_limit", m.limit)
    info += inc_info + limit_info
    if m.threshold or increment or limit:
        if m.threshold and not increment and not limit:
            info += (
                f"mount '{m.source}' auto_extend_size_threshold, auto_extend_size_increment and "
                "auto_extend_size_limit must be all defined or none\n"
            )
        if not 50 <= m.threshold <= 99:
            info += f"mount '{m.source}' auto_extend_size_threshold must be between 50 and 99\n"
        if not 1 <= increment <= 100:
            info += f"mount '{m.source}' auto_extend_size_increment must be between 1GB and 100GB\n"
        if limit and not 1 <= limit <= 500:
            info += f"mount '{m.source}' auto_extend_size_limit must be between 1GB and 500GB\n"
    return info


def validate(cfg: AppConfig) -> tuple[bool, str]:
    """(valid, report) like `Config.Validate`, flattened per process group for the
    one-mount-per-group rule. The report ends with `✓ Configuration is valid` or `✘…`."""
    import shlex

    info = ""
    if cfg.release_command:
        try:
            shlex.split(cfg.release_command)
        except ValueError:
            info += f"Can't shell split release command: '{cfg.release_command}'\n"
    if cfg.strategy and cfg.strategy not in STRATEGIES:
        info += (
            f"unsupported deployment strategy '{cfg.strategy}'; Apps v2 supports the following "
            f"strategies: {', '.join(STRATEGIES)}"
        )
    if cfg.strategy == "canary" and cfg.mounts:
        info += "error canary deployment strategy is not supported when using mounted volumes"
    for group in cfg.groups():
        if len(cfg.mounts_for(group)) > 1:
            info += f"group '{group}' has more than one [[mounts]] section defined\n"
    for mount in cfg.mounts:
        info += _validate_mount(mount)
    report = f"Validating {cfg.path}\n{info}"
    if info:
        return False, report + "\n   ✘invalid app configuration\n"
    return True, report + "✓ Configuration is valid\n"
