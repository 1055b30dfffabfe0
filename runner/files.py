"""File access for tasks: a read view over disk with an in-memory overlay (check mode plans
edits there so later tasks see them), and the one atomic writer the executor uses."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


class FileView:
    """Reads files; `plan` records the text a file would have after an earlier task."""

    def __init__(self) -> None:
        self._overlay: dict[Path, str] = {}
        self._cache: dict[Path, str | None] = {}

    def read(self, path: Path) -> str | None:
        if path in self._overlay:
            return self._overlay[path]
        if path not in self._cache:
            self._cache[path] = read_text(path)
        return self._cache[path]

    def plan(self, path: Path, text: str) -> None:
        self._overlay[path] = text

    def forget(self, path: Path) -> None:
        """After a real write: the next read goes to disk again."""
        self._overlay.pop(path, None)
        self._cache.pop(path, None)


def read_text(path: Path) -> str | None:
    """The file's text exactly (no newline translation), or None when it does not exist."""
    try:
        with path.open(encoding="utf-8", newline="") as handle:
            return handle.read()
    except FileNotFoundError:
        return None


def write_atomic(path: Path, text: str) -> None:
    """Write via a temp file in the same folder and rename; the file's mode is kept, and a
    symlink keeps pointing where it did (its target is written)."""
    path = path.resolve()
    mode = path.stat().st_mode & 0o7777 if path.exists() else 0o644
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".flyrun", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        Path(tmp).chmod(mode)
        Path(tmp).replace(path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def unwritable(paths: list[Path]) -> list[str]:
    """Why each of these files could not be written atomically (apply's preflight): the
    file must open for writing and its folder must take a temp file. Nothing is changed."""
    problems = []
    for path in dict.fromkeys(p.resolve() for p in paths):
        try:
            if path.exists():
                with path.open("a", encoding="utf-8"):
                    pass
            fd, probe = tempfile.mkstemp(prefix=".flyrun-probe.", dir=path.parent)
            os.close(fd)
            Path(probe).unlink()
        except OSError as exc:
            problems.append(f"{path}: {exc.strerror or exc}")
    return problems
