"""The task contract (README "Playbooks"): a task type reads facts and returns an `Outcome`
whose effects the executor shows (check) or performs (apply). A task never writes a file and
never runs a mutating command itself.

A task type declares its arguments as a JSON Schema fragment (the playbook schema is
generated from these), the task types it needs results from (`requires`), whether it reads
remote facts (offline it is `unknown`), and which remote facts it re-reads right before it
runs in apply. Preflight checks are registered types too: they raise `PreflightRefused`."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, Protocol

from runner.facts import AppFacts
from runner.model import Effect, Outcome, Status, WriteFile, ok
from runner.spec import AppSpec


@dataclass(frozen=True)
class Options:
    """Run-wide switches from the command line."""

    replace_database_url: bool = False
    offline: bool = False
    allow_dirty: bool = False  # apply may edit files with uncommitted changes in git


@dataclass(frozen=True)
class Performed:
    """A step apply already ran in this pass: its id, task type, final status, and its
    message and notes as one text (a handler after a failed deploy reads why it failed)."""

    id: str
    type: str
    status: Status
    text: str


@dataclass(frozen=True)
class TaskContext:
    """What a task sees: the app's spec, its facts, its rendered arguments, the outcomes of
    the tasks it requires (by task type), and the run's options."""

    spec: AppSpec
    facts: AppFacts
    options: Options
    args: Mapping[str, Any] = field(default_factory=dict)
    required: Mapping[str, Outcome] = field(default_factory=dict)
    apply: bool = False  # preflight: apply refuses what check reports as unknown
    performed: tuple[Performed, ...] = ()  # apply: the steps run before this one, in order

    def path(self, relative: str) -> Path:
        return self.spec.path / relative

    def read(self, relative: str) -> str | None:
        return self.facts.read(relative)

    @property
    def replace_database_url(self) -> bool:
        return self.spec.replace_database_url or self.options.replace_database_url

    def edit(
        self, relative: str, old: str, new: str, message: str, notes: tuple[str, ...] = ()
    ) -> Outcome:
        """`changed` with one WriteFile when the text differs, else `ok`."""
        if new == old:
            return ok(message, *notes)
        effect: Effect = WriteFile(self.path(relative), old, new, self.spec.path)
        return Outcome(Status.CHANGED, message, (effect,), notes)


class TaskType(Protocol):
    """One kind of task a playbook can name (`type:`)."""

    name: ClassVar[str]  # the registry key
    summary: ClassVar[str]  # one line, for `flyrun tasks`
    args: ClassVar[Mapping[str, Any]]  # JSON Schema (type: object) of its arguments
    requires: ClassVar[Mapping[str, str]]  # task type it reads results of → why
    # Preflight checks a playbook with this task must run (check name → what it prevents):
    # the refusals that keep live data from being abandoned cannot be left out by a custom
    # playbook (runner/playbook/load.py refuses the playbook at the task's line).
    guards: ClassVar[Mapping[str, str]]
    remote: ClassVar[bool]  # reads flyctl facts (unknown when offline)
    fresh: ClassVar[frozenset[str]]  # remote facts re-read right before it runs in apply

    def check(self, ctx: TaskContext) -> Outcome: ...


# A handler type may set `after_failure: ClassVar[bool] = True`: in apply it still runs
# when an earlier handler failed (runner/tasks/import_data.py undoes a failed cutover).
# It may set `after_deploy: ClassVar[bool] = True` when its effects are decided by what this
# run's deploy did, which no check (and so no saved plan) can see: `apply PLAN` lets it act as
# any apply would (runner/plan_guard.py), rather than leave a deployed cutover half done.


class CheckType(Protocol):
    """One preflight check a playbook can list (`preflight:`): every check of an app runs
    before its first effect; a refusal stops the app with nothing changed."""

    name: ClassVar[str]
    summary: ClassVar[str]
    remote: ClassVar[bool]  # needs flyctl facts (skipped offline)

    def run(self, ctx: TaskContext) -> tuple[str, ...] | None:
        """Refuse (PreflightRefused), or pass, returning what the report should show."""
        ...


def no_args() -> Mapping[str, Any]:
    return {"type": "object", "additionalProperties": False, "properties": {}}


def object_schema(properties: Mapping[str, Any], required: tuple[str, ...] = ()) -> dict[str, Any]:
    schema: dict[str, Any] = {
        "type": "object",
        "additionalProperties": False,
        "properties": dict(properties),
    }
    if required:
        schema["required"] = list(required)
    return schema
