"""The playbook schema, generated from the task registry (`schemas/playbook.schema.json` is
this, written out by `flyrun schema --playbook`; a test fails when the two differ)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from runner.tasks import CHECKS, REGISTRY

SCHEMA_ID = "https://flyrun.dev/schemas/playbook.schema.json"
SUBSTITUTION = r"\$\{[a-z_]+(\.[a-z_]+)*\}"
ID = "^[a-z][a-z0-9_]*$"
WHEN = ("deploy", "replace_database_url", "import_data")


def _loose(args: Mapping[str, Any]) -> dict[str, Any]:
    """A task type's argument schema where any value may instead be a string holding a
    `${…}` substitution (checked again, with its value, when rendered for an app)."""
    schema = dict(args)
    schema["properties"] = {
        name: {"anyOf": [fragment, {"type": "string", "pattern": SUBSTITUTION}]}
        for name, fragment in args.get("properties", {}).items()
    }
    return schema


def _task() -> dict[str, Any]:
    return {
        "type": "object",
        "additionalProperties": False,
        "required": ["id", "name", "type"],
        "properties": {
            "id": {
                "description": "Stable id used by reports, requires and notify.",
                "type": "string",
                "pattern": ID,
            },
            "name": {
                "description": "Title shown in reports; ${spec.path} substitutions.",
                "type": "string",
                "minLength": 1,
            },
            "type": {
                "description": "A registered task type (flyrun tasks).",
                "enum": sorted(REGISTRY),
            },
            "args": {"description": "The task type's arguments.", "type": "object"},
            "when": {
                "description": "A boolean spec key; the task runs only when it is true "
                "(`not KEY`: when it is false).",
                "type": "string",
                "pattern": "^(not )?(" + "|".join(WHEN) + ")$",
            },
            "notify": {
                "description": "Id of a handler to run at the end when this task changes "
                "something.",
                "type": "string",
                "pattern": ID,
            },
            "requires": {
                "description": "Ids of earlier tasks whose results this one reads.",
                "type": "array",
                "items": {"type": "string", "pattern": ID},
                "uniqueItems": True,
            },
        },
        "allOf": [
            {
                "if": {"properties": {"type": {"const": name}}, "required": ["type"]},
                "then": {"properties": {"args": _loose(kind.args)}},
            }
            for name, kind in sorted(REGISTRY.items())
        ],
    }


def playbook_schema() -> dict[str, Any]:
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": "flyrun playbook",
        "description": "Preflight checks, tasks and handlers, rendered per app from its spec "
        '(README "Playbooks"). Generated from the task registry: do not edit by hand.',
        "type": "object",
        "additionalProperties": False,
        "required": ["name", "tasks"],
        "properties": {
            "name": {"type": "string", "minLength": 1},
            "description": {"type": "string"},
            "preflight": {
                "description": "Registered checks run before the first effect, in order.",
                "type": "array",
                "items": {"enum": sorted(CHECKS)},
                "uniqueItems": True,
            },
            "tasks": {"type": "array", "minItems": 1, "items": {"$ref": "#/$defs/task"}},
            "handlers": {"type": "array", "items": {"$ref": "#/$defs/task"}},
        },
        "$defs": {"task": _task()},
    }
