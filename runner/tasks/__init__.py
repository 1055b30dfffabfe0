"""The explicit registry of the task types and preflight checks a playbook can name
(README "Playbooks"). Adding a task type: a module here with a class following
`runner/tasks/base.py`'s `TaskType`, one line below, and `flyrun schema --playbook` to
regenerate `schemas/playbook.schema.json` (a test fails until it is)."""

from __future__ import annotations

from collections.abc import Mapping

from runner.tasks.base import CheckType, TaskType
from runner.tasks.deploy import DeployTask
from runner.tasks.import_checks import ImportReadyCheck, ImportSourceCheck
from runner.tasks.import_data import ImportVerifyTask, PostgresImportTask
from runner.tasks.import_files import ImportRakeTask, ImportStepTask
from runner.tasks.live_data import LiveDataCheck
from runner.tasks.machines import MachinesUseVolumeTask
from runner.tasks.migrations import MigrationsTask
from runner.tasks.mount import MountTask
from runner.tasks.preflight import (
    EnvDatabaseUrlCheck,
    FlyTomlCheck,
    GemCheck,
    LayoutCheck,
    MachinesCheck,
    MountRulesCheck,
    ProcessGroupsCheck,
    SecretReplaceableCheck,
)
from runner.tasks.production_warning import ProductionWarningTask
from runner.tasks.secret import SecretTask
from runner.tasks.volume import VolumeTask

TASK_TYPES: tuple[TaskType, ...] = (
    VolumeTask(),
    SecretTask(),
    MountTask(),
    MigrationsTask(),
    ProductionWarningTask(),
    MachinesUseVolumeTask(),
    DeployTask(),
    ImportRakeTask(),
    ImportStepTask(),
    PostgresImportTask(),
    ImportVerifyTask(),
)
CHECK_TYPES: tuple[CheckType, ...] = (
    FlyTomlCheck(),
    MountRulesCheck(),
    ProcessGroupsCheck(),
    LayoutCheck(),
    MachinesCheck(),
    GemCheck(),
    EnvDatabaseUrlCheck(),
    LiveDataCheck(),
    SecretReplaceableCheck(),
    ImportReadyCheck(),
    ImportSourceCheck(),
)
REGISTRY: Mapping[str, TaskType] = {t.name: t for t in TASK_TYPES}
CHECKS: Mapping[str, CheckType] = {c.name: c for c in CHECK_TYPES}
