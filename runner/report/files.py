"""Report files (`--json`, `--junit`, `--sarif`, `--out`): checked before the run, so a path
that cannot be written fails at once (exit 1) instead of after the run; written atomically at
the end (runner/disk.py write_atomic: a temp file renamed over the target). The Markdown
summary is appended to `$GITHUB_STEP_SUMMARY` (runner/report/summary.py)."""

from __future__ import annotations

import os
import stat
import sys
import tempfile
from collections.abc import Iterable
from pathlib import Path

from runner.disk import write_atomic
from runner.errors import RunnerError

# What a path that is not a regular file is, in a refusal (stat's own names are cryptic).
_KINDS = (
    (stat.S_ISFIFO, "a FIFO"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


def check_writable(paths: Iterable[tuple[str, Path]]) -> None:
    """RunnerError naming each (option, path) whose file could not be written."""
    problems = refusals(paths)
    if problems:
        raise RunnerError("cannot write " + "; ".join(problems.values()))


def refusals(paths: Iterable[tuple[str, Path]]) -> dict[str, str]:
    """option → `OPTION PATH: why` for each report file that could not be written, a file
    an earlier option already writes included (compared resolved: `r.json`, `./r.json` and
    a symlink to it are one file). Creates missing folders, as the run would."""
    found: dict[str, str] = {}
    claimed: dict[Path, str] = {}
    for option, path in paths:
        try:
            real = path.resolve()  # a symlink is followed: what it points at is written
        except (OSError, RuntimeError) as exc:  # a symlink loop (RuntimeError before 3.13)
            found[option] = f"{option} {path}: {exc}"
            continue
        if real in claimed:  # both would be written, the last one left: refused, not lost
            found[option] = f"{option} {path}: {claimed[real]} writes that file too"
            continue
        claimed[real] = option
        why = unwritable(real)
        if why is not None:
            found[option] = f"{option} {path}: {why}"
    return found


def app_files() -> tuple[str, ...]:
    """The app files flyrun reads or edits, by the names the facts use: a report written
    over one would replace the app's own file with JSON or XML at the end of the run. (The
    Dockerfile is `[build] dockerfile`, usually this name; Procfile.fly is fly-rails'.)"""
    # Imported here: asked once the specs are loaded, when these modules are; this module
    # is also under `flyrun report merge`, which loads none of them.
    from runner.facts import (
        DATABASE_YML,
        ENTRYPOINT,
        FLY_RAKE,
        GEMFILE,
        GEMFILE_LOCK,
        PROCFILE,
        PRODUCTION_RB,
    )
    from runner.facts.flytoml import FILE as FLY_TOML
    from runner.importer import RAKE_PATH
    from runner.spec.model import STATE_FILE
    from runner.tasks.import_checks import SCHEMA_RB

    return (
        *(FLY_TOML, "Dockerfile", GEMFILE, GEMFILE_LOCK, PROCFILE, f"{PROCFILE}.fly"),
        *(ENTRYPOINT, DATABASE_YML, PRODUCTION_RB, SCHEMA_RB, FLY_RAKE, RAKE_PATH, STATE_FILE),
    )


def inputs_refused(
    paths: Iterable[tuple[str, Path]], inputs: Iterable[Path], folders: Iterable[Path]
) -> dict[str, str]:
    """option → `OPTION PATH: it is …` for each report file that is one of the run's inputs:
    a spec or playbook (`inputs`), or an app file of one of the app `folders` (app_files)."""
    paths = list(paths)
    if not paths:  # no report file: resolving ~15 names per app costs a fleet 0.1 s
        return {}
    taken = {path.resolve(): f"the spec or playbook {path.name}" for path in inputs}
    names = app_files()
    for folder in folders:
        taken.update({(folder / name).resolve(): f"the app's {name}" for name in names})
    refused = {}
    for option, path in paths:
        real = path.resolve()
        if real in taken:
            refused[option] = f"{option} {path}: it is {taken[real]}, which this run reads"
    return refused


def unwritable(target: Path) -> str | None:
    """Why no report can be written at `target` (resolved): it is not a regular file, or
    its folder cannot be made or takes no new file. A real probe, since `os.access` says
    yes to root even in /proc; None when it can be. Missing folders are created."""
    why = not_a_file(target)
    if why is not None:
        return why
    folder = target.parent
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        return f"cannot create the folder {exc.filename or folder}: {exc.strerror or exc}"
    try:
        fd, probe = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".probe", dir=folder)
        os.close(fd)
        Path(probe).unlink()
    except OSError as exc:  # its own name is a temp file's: not worth showing
        return f"the folder {folder} takes no new file: {exc.strerror or exc}"
    return None


def not_a_file(target: Path) -> str | None:
    """Why `target` must not be replaced by a report: an existing folder, FIFO, device or
    socket (a report is renamed over its target, which would replace `/dev/full` by a
    file); None for a regular file or no file."""
    try:
        mode = target.stat().st_mode
    except OSError:  # missing, or unreachable: writing it says why
        return None
    if stat.S_ISDIR(mode):
        return "is a folder"
    if stat.S_ISREG(mode):
        return None
    kind = next((name for test, name in _KINDS if test(mode)), "a special file")
    return f"is {kind}; a report file must be a regular file, or a new one"


def write_report(path: Path, text: str, what: str) -> bool:
    """Write `text` to `path` (its folder created, a symlink written through); on failure,
    a late one the up-front check could not foresee (a full disk), say so on stderr."""
    try:
        target = path.resolve()  # as `refusals` saw it: a symlink's target, wherever it is
        why = not_a_file(target)  # made since the check: still never replaced
        if why is None:
            target.parent.mkdir(parents=True, exist_ok=True)
            write_atomic(target, text, root=target.parent)
    except (OSError, RuntimeError, RunnerError) as exc:
        why = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
    if why is not None:
        print(f"flyrun: could not write the {what} to {path}: {why}", file=sys.stderr)
        return False
    return True
