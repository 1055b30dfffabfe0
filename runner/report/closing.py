"""The closing line of a run (README "Reports"): what happened to the apps, in one line, and
the command to run next. The suggested command keeps every option that decided WHAT this
run covered (`carry`: --limit, --shard, --playbook, --flyctl, --replace-database-url, from
runner/cli_args.py `next_options`), so that running it acts on the same apps in the same way:
`check fleet.yml --limit 'bak*'` must not suggest an apply of the whole fleet."""

from __future__ import annotations

import shlex
from collections import Counter

from runner.disk import user_path
from runner.events import RunResult, TaskResult, previews
from runner.model import OFFLINE, Status


def closing_line(result: RunResult, code: int, command: str, carry: tuple[str, ...] = ()) -> str:
    """`carry`: shell words (quoted) of the options the next command keeps."""
    head = _head(result)
    specs = " ".join(dict.fromkeys(shlex.quote(user_path(a.spec)) for a in result.apps))
    words = " ".join((specs or "SPEC", *carry))

    def run(verb: str) -> str:
        return f"`{command} {verb} {words}`"

    if result.interrupted:
        return f"{head} — interrupted: run {run('check')} to see what is left"
    if result.mode == "validate" and code in (0, 1):  # Fly not asked: check says what changes
        if code == 1:
            return f"{head} — fix what failed above, then run {run('validate')} again"
        return f"{head} — run {run('check')} to see what would change on Fly"
    if code == 3:
        return f"{head} — flyrun hit a bug: please report it with the traceback above"
    if code == 1:
        return f"{head} — fix what failed above, then run {run('check')} again"
    if code == 2:
        return f"{head} — run {run('apply')}"
    if result.mode == "apply":
        return f"{head} — applied and verified: nothing left to do"
    return f"{head} — nothing to do"


def _head(result: RunResult) -> str:
    """`3 apps: 1 converged, 1 with 2 pending changes, 1 failed`."""
    apps = result.apps
    by = Counter(app.status for app in apps)
    changes = sum(1 for app in apps for t in app.tasks if pending(t))
    if result.mode == "validate":
        return _validated(result, by, changes)
    parts = [f"{by[Status.OK]} converged"] if by[Status.OK] else []
    if by[Status.CHANGED] and previews(result.mode):
        parts.append(f"{by[Status.CHANGED]} with {changes} pending change{'s' * (changes != 1)}")
    elif by[Status.CHANGED]:
        parts.append(f"{by[Status.CHANGED]} changed")
    parts += [f"{by[s]} {s.value}" for s in (Status.UNKNOWN, Status.FAILED) if by[s]]
    if by[Status.SKIPPED]:  # never started: neither converged nor failed
        parts.append(f"{by[Status.SKIPPED]} not started")
    return f"{len(apps)} app{'s' * (len(apps) != 1)}: " + (", ".join(parts) or "none")


def _validated(result: RunResult, by: Counter[Status], changes: int) -> str:
    """`3 apps: 2 valid (4 pending changes), 1 failed`: validate says whether each app is
    valid, not what Fly would say (it never asks: its remote tasks are `unknown`)."""
    apps = result.apps
    failed, skipped = by[Status.FAILED], by[Status.SKIPPED]
    valid = len(apps) - failed - skipped
    more = f" ({changes} pending change{'s' * (changes != 1)})" if changes else ""
    parts = [f"{valid} valid{more}"] if valid else []
    parts += [f"{failed} failed"] if failed else []
    parts += [f"{skipped} not started"] if skipped else []
    return f"{len(apps)} app{'s' * (len(apps) != 1)}: " + (", ".join(parts) or "none")


def offline(task: TaskResult) -> bool:
    """`unknown` only because --offline did not ask flyctl (expected, not news)."""
    return task.status is Status.UNKNOWN and task.message.startswith(OFFLINE)


def pending(task: TaskResult) -> bool:
    """Changed, or unknown for a reason other than --offline (README "Exit codes")."""
    if task.status is Status.UNKNOWN:
        return not offline(task)
    return task.status is Status.CHANGED
