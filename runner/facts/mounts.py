"""Mounts and what a volume holds: the two facts that make a SQLite file live data.

A file under a mount destination is on a volume and survives deploys; any other path is on
the machine's root filesystem, which Fly rebuilds from the image whenever the machine
(re)starts. What the volume holds is known only when flyrun could look inside a running
machine (`fly ssh console`, README "flyctl"): the caller passes that listing, or None.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Protocol

from runner.flyctl.parse import Machine, MachineMount, Volume

_COMPANIONS = ("-wal", "-shm", "-journal")  # SQLite's side files belong to their database


class MountLike(Protocol):
    """A fly.toml mount (runner.facts.flytoml.Mount fits)."""

    @property
    def source(self) -> str: ...
    @property
    def destination(self) -> str: ...
    @property
    def processes(self) -> tuple[str, ...] | None: ...


@dataclass(frozen=True)
class Mount:
    """A mount for callers (and tests) that have no fly.toml Mount at hand."""

    source: str
    destination: str
    processes: tuple[str, ...] | None = None


@dataclass(frozen=True)
class VolumeFile:
    """A SQLite file found on the volume: absolute path as the machine sees it, bytes."""

    path: str
    size: int


@dataclass(frozen=True)
class VolumeView:
    """What flyrun knows of one volume's contents: the folders it is mounted at
    (`covered`) and each database's size, WAL and journal included (None: not looked)."""

    covered: tuple[str, ...]
    files: Mapping[str, int] | None

    def size(self, path: str) -> int | None:
        """Bytes held at `path` (0: absent or empty), or None when flyrun cannot tell."""
        if self.files is None or not any(under(path, d) for d in self.covered):
            return None
        return self.files.get(path, 0)


def volume_view(
    mounts: Iterable[MountLike], volume: str, listing: Iterable[VolumeFile] | None
) -> VolumeView:
    """The view of volume `volume` from its mounts and a listing of its SQLite files."""
    covered = tuple(m.destination for m in mounts if m.source == volume)
    if listing is None:
        return VolumeView(covered, None)
    sizes: dict[str, int] = {}
    for item in listing:
        path = next((item.path[: -len(c)] for c in _COMPANIONS if item.path.endswith(c)), item.path)
        sizes[path] = sizes.get(path, 0) + max(item.size, 0)
    return VolumeView(covered, sizes)


def machine_mounts(
    machines: Iterable[Machine], volumes: Iterable[Volume] = ()
) -> tuple[Mount, ...]:
    """The mounts the app's machines have now (`fly machines list`: each machine's
    config.mounts, docs/reference/flyctl.md), started or stopped, each for its machine's
    group. They say where a database path is today, whether or not fly.toml declares them
    (a hand-made machine, or a [mounts] removed from fly.toml but never deployed). A mount
    without a volume name is named from the volume list by its id."""
    names = volume_names(volumes)
    found = (
        Mount(mounted_volume(m, names), m.path, (machine.group,))
        for machine in machines
        for m in machine.mounts
        if m.path.startswith("/")
    )
    return tuple(dict.fromkeys(found))


def volume_names(volumes: Iterable[Volume]) -> dict[str, str]:
    """Volume id → name, to name a machine's mount that gives only the id."""
    return {v.id: v.name for v in volumes}


def mounted_volume(mount: MachineMount, names: Mapping[str, str]) -> str:
    """The name of the volume a machine's mount attaches (its id when no name is known)."""
    return mount.name or names.get(mount.volume, mount.volume)


def mount_of(path: str, mounts: Iterable[MountLike]) -> MountLike | None:
    """The mount whose destination holds `path` (the deepest one), or None."""
    holding = [m for m in mounts if under(path, m.destination)]
    return max(holding, key=lambda m: len(m.destination), default=None)


def under(path: str, folder: str) -> bool:
    """Whether `path` is inside `folder` (not the folder itself)."""
    folder = folder.rstrip("/")
    return bool(folder) and path.startswith(folder + "/")
