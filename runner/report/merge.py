"""`flyrun report merge REPORT...`: the JSON reports of a fleet's shards (`--shard I/N` in a
CI matrix) as one report, its summary and exit code recomputed from every app (README
"Many apps"). An app reported by two shards is an error: shards are disjoint. Reports that
say which shard they are (`shard`, format 1.3) must cover every shard of one split: a
missing one makes the merged report fail, so a shard that never reported cannot pass for
a converged fleet. Why the merged report fails is said on stderr too (runner/cli.py)."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from runner.disk import read_text
from runner.errors import RunnerError
from runner.model import OFFLINE
from runner.report.json import FORMAT_VERSION
from runner.report.progress import APP_STATUSES, COUNTED

# A shard's report is a few kilobytes an app; the bound is against a runaway file only
# (runner/disk.py also refuses a FIFO or a device, which would hang or never end).
MAX_REPORT = 1 << 30


@dataclass(frozen=True)
class Merged:
    """The merged report, and why it fails as the lines stderr says (the JSON alone went
    to stdout, often into a file: a CI log showed exit 1 and nothing else)."""

    report: dict[str, Any]
    errors: tuple[str, ...] = ()


def _load(path: Path) -> dict[str, Any]:
    text = read_text(path, limit=MAX_REPORT)
    if text is None:
        raise RunnerError(f"{path}: no such file")
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise RunnerError(f"{path}: not a flyrun JSON report ({exc})") from exc
    version = str(data.get("format_version", "")) if isinstance(data, dict) else ""
    if not version.startswith("1.") or not isinstance(data.get("apps"), list):
        raise RunnerError(f"{path}: not a flyrun JSON report (format_version {version!r})")
    return dict(data)


def merge(paths: list[Path]) -> Merged:
    """The shards' apps one shard after another, in the order of `paths`, each shard's in
    its input's order: a shard knows only its own apps (README "Many apps")."""
    reports = [_load(path) for path in paths]
    modes = {r["mode"] for r in reports}
    if len(modes) > 1:
        raise RunnerError(f"the reports mix modes ({', '.join(sorted(modes))}); merge one kind")
    missing = _missing_shards(paths, reports)  # before the apps: says why they overlap
    merged: dict[str, Any] = {
        "format_version": FORMAT_VERSION,
        "mode": modes.pop() if modes else "check",
        "offline": any(r.get("offline") for r in reports),
        "flyctl": next((r.get("flyctl", "") for r in reports if r.get("flyctl")), ""),
        "apps": _apps(paths, reports),
    }
    errors = [r["error"] for r in reports if r.get("error")]
    said = [_said(path, report) for path, report in zip(paths, reports, strict=True)]
    if missing:
        errors.append({"message": missing, "problems": []})
        said.append(missing)
    if errors:
        merged["error"] = {
            "message": "; ".join(e["message"] for e in errors),
            "problems": [p for e in errors for p in e["problems"]],
        }
    merged["summary"] = _summary(merged, reports)
    return Merged(merged, tuple(line for line in said if line is not None))


def _apps(paths: list[Path], reports: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Every shard's apps; RunnerError for an app two reports have (shards are disjoint)."""
    apps: list[dict[str, Any]] = []
    seen: dict[str, Path] = {}
    for path, report in zip(paths, reports, strict=True):
        for app in report["apps"]:
            if app["app"] in seen:
                raise RunnerError(f"{path}: app {app['app']!r} is also in {seen[app['app']]}")
            seen[app["app"]] = path
            apps.append(app)
    return apps


def _said(path: Path, report: dict[str, Any]) -> str | None:
    """A shard's own error (its run stopped before any app) for stderr, naming its report,
    then each spec problem at its place on a line of its own, as that shard's stderr had."""
    error = report.get("error")
    if not error:
        return None
    places = [f"{p['file']}:{p['line']}:{p['column']}: {p['message']}" for p in error["problems"]]
    return "\n  ".join([f"{path}: {error['message']}", *places])


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
    whose = "their" if len(absent) > 1 else "its"
    missing = ", ".join(absent)
    return f"no report from shard {missing}: {whose} apps were not checked (merge every shard's)"


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
