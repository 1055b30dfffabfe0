"""The explicit registry of task types named in playbooks."""

from __future__ import annotations

from collections.abc import Callable

from runner.tasks.base import Task
from runner.tasks.files import MountTask, ProductionWarningTask
from runner.tasks.machines import DeployHandler, MachinesUseVolumeTask
from runner.tasks.migrations import MigrationsTask
from runner.tasks.secret import SecretTask
from runner.tasks.volume import VolumeTask

REGISTRY: dict[str, Callable[[str], Task]] = {
    "volume": VolumeTask,
    "secret": SecretTask,
    "fly_toml_mount": MountTask,
    "migrations": MigrationsTask,
    "production_warning": ProductionWarningTask,
    "machines_use_volume": MachinesUseVolumeTask,
    "deploy": DeployHandler,
}
