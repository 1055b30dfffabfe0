"""Load the playbook (YAML data, validated by schemas/playbook.schema.json) and render it for
one app: names filled from the spec, `when:` applied, task types resolved in the registry."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import Any

from runner.errors import RunnerError
from runner.resources import bundled, load_json
from runner.spec import AppSpec
from runner.tasks import REGISTRY
from runner.tasks.base import Task

DEFAULT = "sqlite-volume.yml"
_PLACEHOLDER = re.compile(r"\{\{\s*([a-z_]+(?:\.[a-z_]+)*)\s*\}\}")


@dataclass(frozen=True)
class Step:
    task: Task
    type: str
    notify: str | None


@dataclass(frozen=True)
class Plan:
    steps: tuple[Step, ...]
    handlers: tuple[Step, ...]


@cache
def load_playbook(name: str = DEFAULT) -> dict[str, Any]:
    import yaml
    from jsonschema import Draft202012Validator

    text = (bundled("playbooks") / name).read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    validator = Draft202012Validator(load_json("schemas", "playbook.schema.json"))
    errors = sorted(validator.iter_errors(data), key=lambda e: list(e.absolute_path))
    if errors:
        detail = "; ".join(f"{e.json_path}: {e.message}" for e in errors)
        raise RunnerError(f"playbook {name} is invalid: {detail}")
    assert isinstance(data, dict)
    return data


def _lookup(spec: AppSpec, dotted: str) -> Any:
    value: Any = spec
    for part in dotted.split("."):
        value = getattr(value, part)
    return value


def render_name(template: str, spec: AppSpec) -> str:
    return _PLACEHOLDER.sub(lambda m: str(_lookup(spec, m.group(1))), template)


def _steps(entries: list[dict[str, Any]], spec: AppSpec) -> tuple[Step, ...]:
    steps = []
    for entry in entries:
        if "when" in entry and not _lookup(spec, entry["when"]):
            continue
        task = REGISTRY[entry["type"]](render_name(entry["name"], spec))
        steps.append(Step(task, entry["type"], entry.get("notify")))
    return tuple(steps)


def render(spec: AppSpec, name: str = DEFAULT) -> Plan:
    data = load_playbook(name)
    return Plan(_steps(data["tasks"], spec), _steps(data.get("handlers", []), spec))
