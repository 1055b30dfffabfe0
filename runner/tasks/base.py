"""The task contract (DESIGN §3): a task reads facts and returns an `Outcome`, whose effects
the executor performs. Tasks never write files and never run mutating commands."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from runner.errors import RunnerError
from runner.files import FileView

if TYPE_CHECKING:
    from runner.flyctl import Flyctl, Machine, Secret, Volume
    from runner.model import Outcome
    from runner.spec import AppSpec


class Remote:
    """Read-only flyctl facts about one app, queried at most once per pass."""

    def __init__(self, flyctl: Flyctl | None, app: str) -> None:
        self._flyctl = flyctl
        self.app = app

    def _online(self) -> Flyctl:
        if self._flyctl is None:
            raise RunnerError("this check needs flyctl; `flyrun validate` works offline")
        return self._flyctl

    @cached_property
    def volumes(self) -> tuple[Volume, ...]:
        return self._online().volumes(self.app)

    @cached_property
    def secrets(self) -> tuple[Secret, ...]:
        return self._online().secrets(self.app)

    @cached_property
    def machines(self) -> tuple[Machine, ...]:
        return self._online().machines(self.app)

    def secret(self, name: str) -> Secret | None:
        return next((s for s in self.secrets if s.name == name), None)


@dataclass(frozen=True)
class Options:
    """Run-wide switches from the command line."""

    replace_database_url: bool = False


@dataclass(frozen=True)
class TaskContext:
    spec: AppSpec
    files: FileView
    remote: Remote
    options: Options

    def path(self, relative: str) -> Path:
        return self.spec.path / relative

    def read(self, relative: str) -> str | None:
        return self.files.read(self.path(relative))

    @property
    def replace_database_url(self) -> bool:
        return self.spec.replace_database_url or self.options.replace_database_url


class Task(Protocol):
    """One step of the playbook."""

    @property
    def name(self) -> str: ...

    def check(self, ctx: TaskContext) -> Outcome: ...
