"""File paths as CI services want them: relative to the repository's root, with `/`.

GitHub annotations (`file=`) and SARIF (`artifactLocation.uri` under `%SRCROOT%`) name files
relative to the repository, whatever folder flyrun ran in. The root is `$GITHUB_WORKSPACE`
when the file is inside it (the checkout on GitHub Actions), else the nearest folder above
the file holding `.git`, else the current folder (a path outside it keeps its `..`)."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path


def repo_relative(file: str | Path, env: Mapping[str, str] | None = None) -> str:
    """`file` relative to its repository's root, with `/` separators."""
    env = os.environ if env is None else env
    absolute = os.path.realpath(file)
    workspace = env.get("GITHUB_WORKSPACE")
    if workspace:
        inside = _below(absolute, os.path.realpath(workspace))
        if inside is not None:
            return inside
    root = git_root(str(Path(absolute).parent))
    if root is not None:
        inside = _below(absolute, root)
        if inside is not None:
            return inside
    try:
        return Path(os.path.relpath(absolute)).as_posix()
    except ValueError:  # another drive (Windows): keep it absolute
        return Path(absolute).as_posix()


def _below(path: str, root: str) -> str | None:
    """`path` relative to `root` when it is inside it, else None."""
    try:
        relative = Path(path).relative_to(root)
    except ValueError:
        return None
    return relative.as_posix()


@lru_cache(maxsize=256)
def git_root(folder: str) -> str | None:
    """The nearest folder at or above `folder` holding `.git` (a folder, or a worktree's
    file), or None."""
    current = Path(folder)
    for candidate in (current, *current.parents):
        if (candidate / ".git").exists():
            return str(candidate)
    return None


def app_line(spec: Path, app: str) -> int | None:
    """The line of `app: NAME` in a spec or inventory (where a result about the app as a
    whole points), or None when the file cannot be read or does not say it."""
    try:
        info = spec.stat()
    except OSError:
        return None
    return _app_lines(str(spec), info.st_mtime_ns, info.st_size).get(app)


@lru_cache(maxsize=64)
def _app_lines(spec: str, mtime_ns: int, size: int) -> dict[str, int]:
    """Read once per version of the file (an inventory of many apps is read once)."""
    try:
        text = Path(spec).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return {}
    found: dict[str, int] = {}
    for number, line in enumerate(text.splitlines(), 1):
        match = _APP.search(line)
        if match:
            found.setdefault(match.group(2), number)
    return found


_APP = re.compile(r"""(^|[\s{,-])app:\s*["']?([a-z0-9][a-z0-9-]*)["']?\s*(?:[,}#]|$)""")
