"""Render a playbook for one app: `when:` applied, `${…}` substituted, each task's arguments
checked against its type's schema (a user playbook's; the built-in one's come from a
validated spec), task types and preflight checks resolved in the registry."""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from typing import Any

from runner.errors import PlaybookError, SpecProblem
from runner.playbook.model import Plan, Playbook, Step, TaskEntry
from runner.playbook.values import substitute, when_holds
from runner.spec import AppSpec
from runner.tasks import CHECKS, REGISTRY


def render(playbook: Playbook, spec: AppSpec) -> Plan:
    problems: list[SpecProblem] = []
    steps = _steps(playbook, playbook.tasks, spec, problems)
    handlers = _steps(playbook, playbook.handlers, spec, problems)
    if problems:
        raise PlaybookError(problems)
    checks = tuple(CHECKS[name] for name in playbook.preflight)
    return Plan(checks, steps, handlers, playbook.file)


def _steps(
    playbook: Playbook, entries: tuple[TaskEntry, ...], spec: AppSpec, problems: list[SpecProblem]
) -> tuple[Step, ...]:
    types = {e.id: e.type for e in playbook.tasks}
    steps = []
    for entry in entries:
        if not when_holds(entry.when, spec):
            continue
        kind = REGISTRY[entry.type]
        args = substitute(dict(entry.args), spec)
        if not playbook.builtin:
            problems += _arg_problems(entry, args, spec)
        requires = tuple((types[r], r) for r in entry.requires)
        title = str(substitute(entry.name, spec))
        steps.append(Step(entry.id, title, kind, args, entry.notify, requires))
    return tuple(steps)


@cache
def _validator(task_type: str) -> Any:
    from jsonschema import Draft202012Validator  # lazy: it costs start-up time

    return Draft202012Validator(REGISTRY[task_type].args)


def _arg_problems(entry: TaskEntry, args: Mapping[str, Any], spec: AppSpec) -> list[SpecProblem]:
    problems = []
    for error in _validator(entry.type).iter_errors(args):
        key = str(error.absolute_path[0]) if error.absolute_path else None
        where = entry.arg_at.get(key, entry.at) if key else entry.at
        label = f"args.{key}" if key else "args"
        message = f"{entry.id}: {label} for app {spec.app}: {error.message}"
        problems.append(SpecProblem(where, message))
    return problems
