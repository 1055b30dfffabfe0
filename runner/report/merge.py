"""`flyrun report merge REPORT...`: the JSON reports of a fleet's shards (`--shard I/N` in a
CI matrix) as one report, its summary and exit code recomputed from every app (README
"Many apps"). An app reported by two shards is an error: shards are disjoint."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

from runner.errors import RunnerError
from runner.model import OFFLINE
from runner.report.json import FORMAT_VERSION
from runner.report.progress import APP_STATUSES, COUNTED


def _load(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise RunnerError(f"{path}: not a flyrun JSON report ({exc})") from exc
    version = str(data.get("format_version", "")) if isinstance(data, dict) else ""
    if not version.startswith("1.") or not isinstance(data.get("apps"), list):
        raise RunnerError(f"{path}: not a flyrun JSON report (format_version {version!r})")
    return dict(data)


def merge(paths: list[Path]) -> dict[str, Any]:
    reports = [_load(path) for path in paths]
    modes = {r["mode"] for r in reports}
    if len(modes) > 1:
        raise RunnerError(f"the reports mix modes ({', '.join(sorted(modes))}); merge one kind")
    apps: list[dict[str, Any]] = []
    seen: dict[str, Path] = {}
    for path, report in zip(paths, reports, strict=True):
        for app in report["apps"]:
            if app["app"] in seen:
                raise RunnerError(f"{path}: app {app['app']!r} is also in {seen[app['app']]}")
            seen[app["app"]] = path
            apps.append(app)
    merged: dict[str, Any] = {
        "format_version": FORMAT_VERSION,
        "mode": modes.pop() if modes else "check",
        "offline": any(r.get("offline") for r in reports),
        "flyctl": next((r.get("flyctl", "") for r in reports if r.get("flyctl")), ""),
        "apps": apps,
    }
    errors = [r["error"] for r in reports if r.get("error")]
    if errors:
        merged["error"] = {
            "message": "; ".join(e["message"] for e in errors),
            "problems": [p for e in errors for p in e["problems"]],
        }
    merged["summary"] = _summary(merged, reports)
    return merged


def _summary(merged: dict[str, Any], reports: list[dict[str, Any]]) -> dict[str, Any]:
    apps = merged["apps"]
    by = Counter(a["status"] for a in apps)
    tasks = Counter(t["status"] for a in apps for t in a["tasks"])
    summary: dict[str, Any] = {"apps": len(apps)}
    summary.update({f"apps_{s}": by.get(s, 0) for s in APP_STATUSES})
    summary["tasks"] = {name: tasks.get(name, 0) for name in COUNTED}
    summary["interrupted"] = any(r["summary"].get("interrupted") for r in reports)
    summary["internal_errors"] = sum(r["summary"].get("internal_errors", 0) for r in reports)
    summary["problems"] = sum(r["summary"].get("problems", 0) for r in reports)
    summary["exit_code"] = _exit_code(merged, summary)
    return summary


def _exit_code(merged: dict[str, Any], summary: dict[str, Any]) -> int:
    """The exit-code table of README "Exit codes", over every shard's apps."""
    if summary["interrupted"]:
        return 130
    if summary["internal_errors"]:
        return 3
    if "error" in merged or summary["apps_failed"]:
        return 1
    pending = any(
        t["status"] == "changed"
        or (t["status"] == "unknown" and not t["message"].startswith(OFFLINE))
        for a in merged["apps"]
        for t in a["tasks"]
    )
    return 2 if merged["mode"] == "check" and pending else 0
