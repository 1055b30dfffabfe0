"""Canned facts for task unit tests: an app folder with the files a test gives, and a
`Queries` stand-in answering with the remote facts it was given (nothing is run)."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from runner.facts import AppFacts
from runner.flyctl.parse import Machine, MachineMount, Secret, Volume
from runner.model import Outcome
from runner.spec import AppSpec, VolumeSpec
from runner.tasks.base import Options, TaskContext

URL = "sqlite3:///mnt/shop_data/production.sqlite"
FLY_TOML = 'app = "shop"\nprimary_region = "iad"\n'


@dataclass
class Canned:
    volumes_: tuple[Volume, ...] = ()
    secrets_: tuple[Secret, ...] = ()
    machines_: tuple[Machine, ...] = ()
    listing: str = "flyrun-listing-done\n"
    asked: list[str] = field(default_factory=list)

    def volumes(self, app: str) -> tuple[Volume, ...]:
        self.asked.append("volumes")
        return self.volumes_

    def secrets(self, app: str) -> tuple[Secret, ...]:
        self.asked.append("secrets")
        return self.secrets_

    def machines(self, app: str) -> tuple[Machine, ...]:
        self.asked.append("machines")
        return self.machines_

    def ssh(self, app: str, machine: str, script: str) -> str:
        self.asked.append(f"ssh {machine}")
        return self.listing


def spec(root: Path, **changes: Any) -> AppSpec:
    base = AppSpec(
        spec_file=root / "fly-sqlite.yml",
        app="shop",
        path=root,
        volume=VolumeSpec("shop_data", 3, "iad"),
        mount_path="/mnt/shop_data",
        database="production.sqlite",
        process_group="app",
        silence_sqlite_warning="auto",
        replace_database_url=False,
        deploy=True,
    )
    return dataclasses.replace(base, **changes)


def context(
    root: Path,
    remote: Canned | None = None,
    *,
    files: Mapping[str, str] | None = None,
    args: Mapping[str, Any] | None = None,
    required: Mapping[str, Outcome] | None = None,
    options: Options | None = None,
    **changes: Any,
) -> TaskContext:
    for name, text in {"fly.toml": FLY_TOML, **(files or {})}.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")
    app = spec(root, **changes)
    facts = AppFacts(root, app.app, remote if remote is not None else Canned(), app.state_file)
    return TaskContext(app, facts, options or Options(), dict(args or {}), dict(required or {}))


def volume(size: int, region: str = "iad", vid: str = "vol_1", name: str = "shop_data") -> Volume:
    return Volume(vid, name, region, size, "created", None)


def machine(
    mid: str = "m1", region: str = "iad", group: str = "app", mounted: bool = False
) -> Machine:
    mounts = (MachineMount("/mnt/shop_data", "shop_data", "vol_1"),) if mounted else ()
    return Machine(mid, region, "started", group, mounts)


def secret(digest: str, status: str | None = "Deployed", name: str = "DATABASE_URL") -> Secret:
    return Secret(name, digest, status)
