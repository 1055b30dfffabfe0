"""Report files (`--junit`, `--sarif`, `--out`): checked before the run, so a path that
cannot be written fails at once (exit 1) instead of after the run; written atomically at the
end. The Markdown summary is appended to `$GITHUB_STEP_SUMMARY` (runner/report/summary.py)."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable
from pathlib import Path

from runner.disk import write_atomic
from runner.errors import RunnerError


def check_writable(paths: Iterable[tuple[str, Path]]) -> None:
    """RunnerError naming each (option, path) whose file could not be written."""
    problems = []
    for option, path in paths:
        why = unwritable(path)
        if why is not None:
            problems.append(f"{option} {path}: {why}")
    if problems:
        raise RunnerError("cannot write " + "; ".join(problems))


def unwritable(path: Path) -> str | None:
    """Why the file `path` could not be written: a folder, or the nearest existing folder
    above it not writable (missing folders are created); None when it can be."""
    target = path.absolute()
    existing = next(folder for folder in target.parents if folder.exists())
    if target.is_dir():
        return "is a folder"
    if not existing.is_dir() or not os.access(existing, os.W_OK | os.X_OK):
        return f"{existing} is not a writable folder"
    return None


def write_report(path: Path, text: str, what: str) -> bool:
    """Write `text` to `path` (its folder created); on failure say so on stderr."""
    target = path.absolute()
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(target, text, root=target.parent)
    except (OSError, RunnerError) as exc:
        why = exc.strerror if isinstance(exc, OSError) and exc.strerror else exc  # no temp name
        print(f"flyrun: could not write the {what} to {path}: {why}", file=sys.stderr)
        return False
    return True
