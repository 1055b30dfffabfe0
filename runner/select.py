"""Which apps a run covers (README "Many apps"): spec files and glob patterns on the command
line, then `--limit PATTERN` (globs on app names) and `--shard I/N` (deterministic,
disjoint slices covering every app: the apps sorted by name, every N-th from the I-th)."""

from __future__ import annotations

import fnmatch
import glob
from collections.abc import Sequence
from pathlib import Path

from runner.errors import RunnerError
from runner.spec import AppFailure, AppSpec

Item = AppSpec | AppFailure
_MAGIC = frozenset("*?[")


def expand_globs(paths: Sequence[Path]) -> list[Path]:
    """Each argument as given, or, when it is a pattern that names no file as written,
    the files it matches (sorted); a pattern matching nothing is an error."""
    found: list[Path] = []
    for path in paths:
        text = str(path)
        if path.exists() or not _MAGIC & set(text):
            found.append(path)
            continue
        matches = sorted(glob.glob(text, recursive=True))  # noqa: PTH207 (absolute patterns too)
        if not matches:
            raise RunnerError(f"{text}: no spec file matches this pattern")
        found += [Path(m) for m in matches]
    return found


def select(
    items: Sequence[Item], limits: Sequence[str], shard: tuple[int, int] | None
) -> list[Item]:
    """The apps `--limit` and `--shard` keep, in their original order."""
    kept = [i for i in items if not limits or any(fnmatch.fnmatchcase(i.app, p) for p in limits)]
    if limits and not kept:
        shown = ", ".join(repr(p) for p in limits)
        raise RunnerError(f"--limit {shown} matches none of the {len(items)} apps")
    if shard is None:
        return kept
    index, count = shard
    names = sorted({i.app for i in kept})
    mine = {name for position, name in enumerate(names) if position % count == index - 1}
    return [i for i in kept if i.app in mine]
