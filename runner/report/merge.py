"""`flyrun report merge REPORT...`: the JSON reports of a fleet's shards (`--shard I/N` in a
CI matrix) as one report, its summary and exit code recomputed from every app (README
"Many apps"). An app reported by two shards is an error: shards are disjoint. Reports that
say which shard they are (`shard`, format 1.3) must cover every shard of one split: a
missing one makes the merged report fail, so a shard that never reported cannot pass for
a converged fleet."""

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
    missing = _missing_shards(paths, reports)  # before the apps: says why they overlap
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
    if missing:
        errors.append({"message": missing, "problems": []})
    if errors:
        merged["error"] = {
            "message": "; ".join(e["message"] for e in errors),
            "problems": [p for e in errors for p in e["problems"]],
        }
    merged["summary"] = _summary(merged, reports)
    return merged


def _missing_shards(paths: list[Path], reports: list[dict[str, Any]]) -> str | None:
    """Why the shards given are not one whole split (None when they are, or when no report
    names its shard); RunnerError when they cannot be parts of one split."""
    shards = [report.get("shard") for report in reports]
    if all(shard is None for shard in shards):
        return None
    unnamed = [str(path) for path, shard in zip(paths, shards, strict=True) if shard is None]
    if unnamed:
        raise RunnerError(
            f"{', '.join(unnamed)}: not a shard's report (no --shard), unlike the others"
        )
    counts = sorted({shard["count"] for shard in shards if shard is not None})
    if len(counts) > 1:
        splits = ", ".join(f"I/{count}" for count in counts)
        raise RunnerError(f"the reports come from different splits (--shard {splits})")
    count = counts[0]
    given = Counter(shard["index"] for shard in shards if shard is not None)
    twice = [f"{index}/{count}" for index, times in sorted(given.items()) if times > 1]
    if twice:
        raise RunnerError(f"shard {', '.join(twice)} is given twice")
    absent = [f"{index}/{count}" for index in range(1, count + 1) if index not in given]
    if not absent:
        return None
    missing = ", ".join(absent)
    return f"no report from shard {missing}: its apps were not checked (merge every shard's)"


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
