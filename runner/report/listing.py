"""`--list-tasks`: each app's playbook rendered for its spec, without running anything (no
flyctl, no facts: Ansible's `--list-tasks`). Per app: the preflight checks, then the tasks
with their stable ids, titles, types, rendered arguments, `notify` and `requires`, then the
handlers (run once at the end of apply when notified)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any, TextIO

from runner.playbook import Plan, Step, load_playbook, render
from runner.spec import AppFailure, AppSpec


def _step(step: Step) -> dict[str, Any]:
    return {
        "id": step.id,
        "title": step.title,
        "type": step.type.name,
        "remote": step.type.remote,
        "args": dict(step.args),
        "notify": step.notify,
        "requires": [task_id for _, task_id in step.requires],
    }


def describe(spec: AppSpec, plan: Plan) -> dict[str, Any]:
    return {
        "app": spec.app,
        "spec": str(spec.spec_file),
        "playbook": plan.playbook,
        "preflight": [
            {"check": c.name, "summary": c.summary, "remote": c.remote} for c in plan.checks
        ],
        "tasks": [_step(s) for s in plan.steps],
        "handlers": [_step(s) for s in plan.handlers],
    }


def _step_lines(entry: dict[str, Any]) -> list[str]:
    kind = f"{entry['type']}, remote" if entry["remote"] else entry["type"]
    lines = [f"  {entry['id']}  [{kind}]  {entry['title']}"]
    args = " ".join(f"{k}={json.dumps(v)}" for k, v in entry["args"].items())
    if args:
        lines.append(f"      args: {args}")
    if entry["requires"]:
        lines.append(f"      requires: {', '.join(entry['requires'])}")
    if entry["notify"]:
        lines.append(f"      notify: {entry['notify']}")
    return lines


def _text(entry: dict[str, Any]) -> list[str]:
    lines = [f"APP [{entry['app']}] ({entry['spec']}), playbook {entry['playbook']}", "preflight:"]
    for check in entry["preflight"]:
        where = " [remote]" if check["remote"] else ""
        lines.append(f"  {check['check']}{where}: {check['summary']}")
    lines.append("tasks:")
    for step in entry["tasks"]:
        lines += _step_lines(step)
    lines.append("handlers (once, at the end of apply, when notified):")
    for step in entry["handlers"]:
        lines += _step_lines(step)
    return [*lines, ""]


def print_task_lists(items: Sequence[AppSpec | AppFailure], out: TextIO, fmt: str) -> int:
    """1 when an app's folder cannot be used (its problems are listed), else 0."""
    entries, problems = [], []
    for item in items:
        if isinstance(item, AppFailure):
            problems += [f"{problem} (app {item.app})" for problem in item.problems]
            continue
        entries.append(describe(item, render(load_playbook(item.playbook), item)))
    if fmt == "json":
        out.write(json.dumps({"apps": entries, "problems": problems}, indent=2) + "\n")
    else:
        out.write("".join(line + "\n" for entry in entries for line in _text(entry)))
        out.write("".join(f"{problem}\n" for problem in problems))
    return 1 if problems else 0
