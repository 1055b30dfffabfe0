"""flyctl's offline validation of fly.toml mounts, reproduced message for message.

Source: flyctl `internal/appconfig/validation.go` (`validateMounts`), run by flyctl once on
the whole config and once per process group on the flattened config (`processgroups.go`:
a mount without `processes` belongs to every group). Sizes are parsed as flyctl's
`helpers.ParseSize(s, units.FromHumanSize, units.GB)`: a plain integer is GB, anything
else goes through docker/go-units (decimal units: 1GB = 10^9 bytes) and is divided by 10^9
rounding down, so "512mb" is 0 GB. The logic follows flyctl's code, which is looser than
its message: a threshold and an increment without a limit pass.
"""

from __future__ import annotations

import re

from runner.facts.flytoml import Mount, parse_fly_toml

_GB = 1_000_000_000
_DECIMAL = {"k": 10**3, "m": 10**6, "g": 10**9, "t": 10**12, "p": 10**15}
_GO_INT = re.compile(r"[+-]?[0-9]+\Z")
_GO_FLOAT = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?\Z")


def mount_problems(text: str) -> list[str]:
    """flyctl's complaints about the mounts of `text` (empty when there are none), in the
    order flyctl reports them: per mount, then per process group. FileError when the
    file does not parse."""
    config = parse_fly_toml(text)
    problems: list[str] = []
    for mount in config.mounts:
        problems.extend(p for p in _problems_of(mount) if p not in problems)
    for group in config.process_groups:
        if sum(mount.applies_to(group) for mount in config.mounts) > 1:
            problems.append(f"group '{group}' has more than one [[mounts]] section defined")
    return problems


def _problems_of(mount: Mount) -> list[str]:
    name = mount.source
    problems: list[str] = []
    if mount.destination == "/":  # flyrun's own rule: a volume cannot replace the root
        problems.append(f"mount '{name}' has destination '/', which is not allowed")
    if mount.initial_size:
        problems.extend(_size_problems(name, "initial_size", mount.initial_size)[1])
    retention = mount.snapshot_retention
    if retention is not None and not 1 <= retention <= 60:
        problems.append(
            f"mount '{name}' has a snapshot_retention value which is not between 1 and 60 "
            "days inclusive"
        )
    problems.extend(_auto_extend_problems(mount))
    return problems


def _auto_extend_problems(mount: Mount) -> list[str]:
    name = mount.source
    increment, problems = _size_problems(
        name, "auto_extend_size_increment", mount.auto_extend_size_increment
    )
    limit, limit_problems = _size_problems(
        name, "auto_extend_size_limit", mount.auto_extend_size_limit
    )
    problems += limit_problems
    threshold = mount.auto_extend_size_threshold or 0
    if threshold == 0 and increment == 0 and limit == 0:
        return problems
    if threshold != 0 and increment == 0 and limit == 0:
        problems.append(
            f"mount '{name}' auto_extend_size_threshold, auto_extend_size_increment and "
            "auto_extend_size_limit must be all defined or none"
        )
    if not 50 <= threshold <= 99:
        problems.append(f"mount '{name}' auto_extend_size_threshold must be between 50 and 99")
    if not 1 <= increment <= 100:
        problems.append(f"mount '{name}' auto_extend_size_increment must be between 1GB and 100GB")
    if limit != 0 and not 1 <= limit <= 500:
        problems.append(f"mount '{name}' auto_extend_size_limit must be between 1GB and 500GB")
    return problems


def _size_problems(name: str, key: str, value: str | None) -> tuple[int, list[str]]:
    """(size in GB, 0 when absent or invalid; flyctl's messages about it)."""
    if not value:
        return 0, []
    try:
        size = size_in_gb(value)
    except ValueError as err:
        return 0, [f"mount '{name}' with {key} '{value}' will fail because of: invalid size: {err}"]
    if size < 1:
        return size, [f"mount '{name}' has an {key} '{value}' value which is smaller than 1GB"]
    return size, []


def size_in_gb(value: str) -> int:
    """flyctl's `ParseSize(value, units.FromHumanSize, units.GB)`; ValueError with go-units'
    message when it cannot be read."""
    if _GO_INT.match(value):
        return int(value)
    return _from_human_size(value) // _GB


def _from_human_size(text: str) -> int:
    # docker/go-units parseSize with the decimal map, branch for branch.
    sep = max(text.rfind(c) for c in "0123456789. ")
    if sep == -1:
        raise ValueError(f"invalid size: '{text}'")
    number, suffix = (
        (text[: sep + 1], text[sep + 1 :]) if text[sep] != " " else (text[:sep], text[sep + 1 :])
    )
    if not _GO_FLOAT.match(number):
        raise ValueError(f'strconv.ParseFloat: parsing "{number}": invalid syntax')
    size = float(number)
    if size < 0:
        raise ValueError(f"invalid size: '{text}'")
    lowered = suffix.lower()
    if not suffix or lowered == "b":
        return int(size)
    known = len(suffix) <= 3 and lowered[0] in _DECIMAL
    if not known or lowered[1:] not in ("", "b", "ib"):
        raise ValueError(f"invalid suffix: '{lowered if len(suffix) <= 3 else suffix}'")
    return int(size * _DECIMAL[lowered[0]])
