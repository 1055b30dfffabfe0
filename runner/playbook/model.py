"""A loaded playbook and the plan it renders to for one app."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from runner.errors import Location
from runner.tasks.base import CheckType, TaskType


@dataclass(frozen=True)
class TaskEntry:
    """One entry of `tasks:` or `handlers:` as written (arguments not substituted yet)."""

    id: str
    name: str  # the title template
    type: str
    args: Mapping[str, Any]
    when: str | None
    notify: str | None
    requires: tuple[str, ...]
    at: Location
    arg_at: Mapping[str, Location] = field(default_factory=dict)


@dataclass(frozen=True)
class Playbook:
    file: str  # as shown in messages
    name: str
    description: str
    preflight: tuple[str, ...]
    tasks: tuple[TaskEntry, ...]
    handlers: tuple[TaskEntry, ...]
    builtin: bool = False


@dataclass(frozen=True)
class Step:
    """A task of the plan: its id, rendered title and arguments, and its type."""

    id: str
    title: str
    type: TaskType
    args: Mapping[str, Any]
    notify: str | None = None
    requires: tuple[tuple[str, str], ...] = ()  # (task type needed, id of the task giving it)


@dataclass(frozen=True)
class Plan:
    checks: tuple[CheckType, ...]
    steps: tuple[Step, ...]
    handlers: tuple[Step, ...]
    playbook: str = ""
