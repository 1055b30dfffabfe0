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

import posixpath
import re
from collections.abc import Sequence

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


# --- where a volume may be mounted (the spec's mount_path) ---------------------------------

# Folders of the image's operating system a volume must not hide: a mount replaces what the
# image has there, from the first boot on. The list follows the Filesystem Hierarchy Standard
# 3.0 for the Debian images the Rails Dockerfiles build on (ruby:*-slim; merged /usr, so
# /bin, /sbin and /lib* are links into /usr); /var itself only: /var/lib/NAME is a fine
# place for a volume, /var as a whole holds the package database and caches.
SYSTEM_FOLDERS: dict[str, str] = {
    "/bin": "the image's programs",
    "/boot": "the operating system's boot files",
    "/dev": "the device files the kernel provides at boot",
    "/etc": "the system's configuration, such as users, DNS and TLS certificates",
    "/lib": "the image's libraries",
    "/lib32": "the image's libraries",
    "/lib64": "the image's libraries and its dynamic loader",
    "/libx32": "the image's libraries",
    "/proc": "the kernel's view of the processes, filled at boot",
    "/run": "the boot's runtime state, pid files and sockets, expected empty at each boot",
    "/sbin": "the image's system programs",
    "/sys": "the kernel's view of the devices, filled at boot",
    "/tmp": "every process's short-lived files and sockets, expected empty at each boot",
    "/usr": "the image's programs and libraries, Ruby and its gems among them",
    "/var/lock": "the boot's lock files, through a link into /run",
    "/var/run": "the boot's runtime state, through a link to /run",
}
SYSTEM_EXACT: dict[str, str] = {"/var": "the package database, caches and spools"}
# Files an empty folder is kept in git with (Rails generates `storage/.keep`, `log/.keep`,
# `tmp/.keep`): they hide nothing the app needs.
PLACEHOLDERS = frozenset({".keep", ".gitkeep"})
SAFE = "/data or /mnt/<volume name>"


def system_folder_problem(path: str) -> str | None:
    """Why the normalised absolute `path` is a system folder of the image (None: it is not)."""
    if path in SYSTEM_EXACT:
        return f"{path!r} is a system folder holding {SYSTEM_EXACT[path]}: {_hides()}"
    for folder, what in SYSTEM_FOLDERS.items():
        if path == folder or path.startswith(folder + "/"):
            where = "is" if path == folder else f"is inside {folder},"
            return f"{path!r} {where} a system folder holding {what}: {_hides()}"
    return None


def _hides() -> str:
    return (
        "a volume mounted there hides what the image has there, and the machine would not "
        f"boot properly; use a folder of its own, such as {SAFE}"
    )


def app_files(paths: Sequence[str]) -> list[str]:
    """The files among `paths` that are not placeholders."""
    return [p for p in paths if posixpath.basename(p) not in PLACEHOLDERS]


def app_folder_problem(
    path: str, rails_root: str, held: Sequence[str], *, tracked: bool = True
) -> str | None:
    """Why a volume at `path` would hide the app (None: it would not). `rails_root` is
    where the image holds the app (the Dockerfile's WORKDIR); `held` the app's files
    (relative to the app folder) under the corresponding subfolder of the app folder,
    those git tracks (`tracked`) or, outside a git work tree, all of them."""
    root = posixpath.normpath(rails_root)
    said = f"Rails.root (the Dockerfile's WORKDIR is {root})"
    if path == root:
        return f"{path!r} is {said}: a volume there hides the whole app; use {SAFE}"
    if root.startswith(path.rstrip("/") + "/"):
        return f"{path!r} holds {said}: a volume there hides the whole app; use {SAFE}"
    files = app_files(held)
    if not path.startswith(root + "/") or not files:
        return None
    relative = posixpath.relpath(path, root)
    shown = ", ".join(files[:3]) + (f" and {len(files) - 3} more" if len(files) > 3 else "")
    which = "files git tracks" if tracked else "files (not a git work tree: every file counts)"
    return (
        f"{path!r} is the app's {relative}/ (Rails.root is {root}, the Dockerfile's WORKDIR), "
        f"which holds {which}: {shown}; a volume there hides them from the first boot on and "
        f"the app breaks. Use a folder outside the app, such as {SAFE}, or one that holds "
        "only placeholders (.keep), such as storage/"
    )
