"""`flyrun tasks`: every task type and preflight check a playbook can name, with its
arguments, generated from the registry's schemas (README "Playbooks")."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, TextIO

from runner.tasks import CHECKS, REGISTRY


def _type_of(schema: Mapping[str, Any]) -> str:
    if "enum" in schema:
        return " | ".join(str(v) for v in schema["enum"])
    kind = str(schema.get("type", "any"))
    limits = []
    if "minimum" in schema or "maximum" in schema:
        limits.append(f"{schema.get('minimum', '')}..{schema.get('maximum', '')}")
    if "pattern" in schema:
        limits.append(f"pattern {schema['pattern']}")
    return kind + (f" ({', '.join(limits)})" if limits else "")


def describe() -> dict[str, Any]:
    return {
        "tasks": [
            {
                "type": name,
                "summary": kind.summary,
                "remote": kind.remote,
                "requires": dict(kind.requires),
                "guards": dict(kind.guards),
                "args": kind.args,
            }
            for name, kind in REGISTRY.items()
        ],
        "preflight": [
            {"check": name, "summary": check.summary, "remote": check.remote}
            for name, check in CHECKS.items()
        ],
    }


def print_tasks(stream: TextIO, fmt: str) -> int:
    if fmt == "json":
        json.dump(describe(), stream, indent=2)
        stream.write("\n")
        return 0
    lines = ["Task types (playbook `tasks:` and `handlers:` entries, `type:`):", ""]
    for name, kind in REGISTRY.items():
        where = "remote (flyctl)" if kind.remote else "files"
        lines.append(f"  {name}  [{where}]")
        lines.append(f"      {kind.summary}")
        required = set(kind.args.get("required", []))
        for arg, schema in kind.args.get("properties", {}).items():
            mark = "" if arg in required else " (optional)"
            lines.append(f"      args.{arg}: {_type_of(schema)}{mark}")
        for needed, why in kind.requires.items():
            lines.append(f"      requires a `{needed}` task: {why}")
        for guard, why in kind.guards.items():
            lines.append(f"      needs preflight `{guard}`: it refuses when {why}")
        lines.append("")
    lines += ["Preflight checks (playbook `preflight:`):", ""]
    for name, check in CHECKS.items():
        where = " [remote]" if check.remote else ""
        lines.append(f"  {name}{where}: {check.summary}")
    stream.write("\n".join(lines) + "\n")
    return 0
