"""Git safety before apply edits files (README "Reliability"): a file with uncommitted
changes in a git work tree is not edited unless the user allows it (`--allow-dirty`), so
flyrun's edit can always be told apart from the user's own and undone with git.

Git is asked only when the app folder is inside a work tree, through `subprocess` with a
timeout; no git, or no work tree, is not an error: the check is skipped and the report says
so. Nothing here changes anything (`GIT_OPTIONAL_LOCKS=0`: `git status` writes no index)."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

GIT_TIMEOUT = 10.0  # seconds for one git call


@dataclass(frozen=True)
class GitCheck:
    """What git says about the files apply would edit: `dirty` (relative to the app folder,
    with git's two-letter status), or a note when git was not asked."""

    dirty: tuple[str, ...] = ()
    note: str | None = None


def _git(folder: Path, *args: str) -> subprocess.CompletedProcess[bytes]:
    env = {**os.environ, "GIT_OPTIONAL_LOCKS": "0", "LC_ALL": "C"}
    return subprocess.run(
        ["git", "-C", str(folder), *args],
        capture_output=True,
        stdin=subprocess.DEVNULL,
        timeout=GIT_TIMEOUT,
        env=env,
        check=False,
    )


def _top(folder: Path) -> tuple[Path | None, str | None]:
    """The work tree's top folder, or None and why git was not asked."""
    try:
        found = _git(folder, "rev-parse", "--show-toplevel")
    except FileNotFoundError:
        return None, "git not found: uncommitted changes were not checked"
    except subprocess.TimeoutExpired:
        return None, f"git did not answer within {GIT_TIMEOUT:g} s: uncommitted changes not checked"
    if found.returncode != 0:
        why = found.stderr.decode("utf-8", "replace").strip().splitlines()
        if not why or "not a git repository" in why[-1]:
            return None, "not in a git work tree: uncommitted changes were not checked"
        return None, f"git could not tell ({why[-1][:160]}): uncommitted changes not checked"
    return Path(os.fsdecode(found.stdout.strip())), None


def uncommitted(folder: Path, files: Sequence[Path]) -> GitCheck:
    """Which of `files` (inside `folder`) differ from git's HEAD or are untracked."""
    if not files:
        return GitCheck()
    top, note = _top(folder)
    if top is None:
        return GitCheck(note=note)
    paths = [os.fsdecode(f.resolve()) for f in files]
    try:
        status = _git(top, "status", "--porcelain=v1", "-z", "--untracked-files=all", "--", *paths)
    except subprocess.TimeoutExpired:
        return GitCheck(note=f"git status took over {GIT_TIMEOUT:g} s: not checked")
    if status.returncode != 0:
        why = status.stderr.decode("utf-8", "replace").strip()[:160]
        return GitCheck(note=f"git status failed ({why}): uncommitted changes not checked")
    return GitCheck(dirty=tuple(_entries(status.stdout, top, folder)))


def _entries(output: bytes, top: Path, folder: Path) -> list[str]:
    """`XY path` entries of `git status --porcelain -z` (a rename's source follows its
    entry as a field of its own), named relative to the app folder."""
    found: list[str] = []
    fields = output.split(b"\0")
    index = 0
    while index < len(fields):
        entry = fields[index]
        index += 1
        if len(entry) < 4:
            continue
        code, name = entry[:2].decode("ascii", "replace"), os.fsdecode(entry[3:])
        if code[0] in "RC":
            index += 1  # the rename's source path
        path = (top / name).resolve()
        try:
            shown = path.relative_to(folder.resolve()).as_posix()
        except ValueError:
            shown = str(path)
        found.append(f"{shown} ({'untracked' if code == '??' else 'modified'})")
    return found


def tracked(folder: Path, relative: str) -> tuple[str, ...] | None:
    """The files git tracks at or under `relative` (a path inside `folder`), relative to
    `folder`; None when git cannot tell (no git, not a work tree, an error)."""
    try:  # ls-files names them relative to the folder it runs in; no pathspec magic
        found = _git(folder, "--literal-pathspecs", "ls-files", "-z", "--", relative)
    except (FileNotFoundError, subprocess.TimeoutExpired):
        return None
    if found.returncode != 0:
        return None
    return tuple(os.fsdecode(name) for name in found.stdout.split(b"\0") if name)
