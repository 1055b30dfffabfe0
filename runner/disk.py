"""Safe file I/O, the only place flyrun touches the disk for app files and its state file.

Reads are bounded and refuse what is not a regular file (a FIFO would hang, `/dev/zero` would
exhaust memory), and text must be UTF-8 (the position of a bad byte is reported). Writes are
atomic (temp file in the same folder + fsync + rename), keep the file's mode and owner, and
never follow a symlink out of the folder they belong to (README "Reliability")."""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from pathlib import Path

from runner.errors import FileError

MAX_BYTES = 4 * 1024 * 1024  # app files are kilobytes; anything this big is not one


def shown_name(path: Path, root: Path | None) -> str:
    """How messages name a file: relative to `root` when inside it."""
    if root is not None:
        try:
            return path.relative_to(root).as_posix()
        except ValueError:
            pass
    return str(path)


def user_path(path: Path | str) -> str:
    """How a message names a file for the user: as they can open it from where they ran
    flyrun (relative below the current folder, else absolute), whatever folder it was
    read through (an app folder, a spec's)."""
    absolute = Path(os.path.normpath(Path(path).absolute()))
    try:
        return absolute.relative_to(Path.cwd()).as_posix()
    except ValueError:
        return str(absolute)


def read_bytes(path: Path, *, shown: str | None = None, limit: int = MAX_BYTES) -> bytes | None:
    """The file's bytes, or None when it does not exist. FileError when it is not a regular
    file, is larger than `limit`, or cannot be read."""
    name = shown or str(path)
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0))
    except (FileNotFoundError, NotADirectoryError):
        return None
    except IsADirectoryError as exc:
        raise FileError(name, "is a folder, not a file") from exc
    except OSError as exc:
        raise FileError(name, f"cannot read it: {exc.strerror or exc}") from exc
    try:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            raise FileError(name, "is a folder, not a file")
        if not stat.S_ISREG(info.st_mode):
            raise FileError(name, "is not a regular file (a FIFO, socket or device); refused")
        if info.st_size > limit:
            raise FileError(name, f"is {info.st_size} bytes; flyrun reads files up to {limit}")
    except BaseException:
        os.close(fd)
        raise
    with os.fdopen(fd, "rb") as handle:
        data = handle.read(limit + 1)
    if len(data) > limit:
        raise FileError(name, f"is larger than {limit} bytes; refused")
    return data


def decode(data: bytes, name: str) -> str:
    """UTF-8 text exactly (no newline translation); FileError at the first bad byte."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        start = data.rfind(b"\n", 0, exc.start) + 1
        column = len(data[start : exc.start].decode("utf-8", "replace")) + 1
        message = f"not UTF-8 text (byte 0x{data[exc.start]:02x} cannot be decoded)"
        raise FileError(name, message, line, column) from exc


def read_text(path: Path, *, shown: str | None = None, limit: int = MAX_BYTES) -> str | None:
    """The file's UTF-8 text exactly, or None when it does not exist."""
    data = read_bytes(path, shown=shown, limit=limit)
    return None if data is None else decode(data, shown or str(path))


def inside(path: Path, root: Path) -> Path:
    """The real file `path` names (symlinks followed), which must lie inside `root`."""
    real, real_root = path.resolve(), root.resolve()
    if real != real_root and real_root not in real.parents:
        name = shown_name(path, root)
        raise FileError(
            name,
            f"is a symlink to {real}, outside {root}; flyrun never writes outside the folder "
            "it was pointed at (replace the link by the file, or point the spec there)",
        )
    return real


def write_atomic(path: Path, text: str, *, root: Path) -> None:
    """Replace the file's content atomically: mode and owner kept, a symlink inside `root`
    keeps pointing where it did (its target is written)."""
    target = inside(path, root)
    try:
        info: os.stat_result | None = target.stat()
    except FileNotFoundError:
        info = None
        target.parent.mkdir(parents=True, exist_ok=True)  # a new file (inside root, resolved)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".flyrun", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(text.encode("utf-8"))
            handle.flush()
            os.fsync(handle.fileno())
        Path(tmp).chmod(info.st_mode & 0o7777 if info else 0o644)
        if info is not None and hasattr(os, "chown"):
            with contextlib.suppress(PermissionError):  # only root may give a file away
                os.chown(tmp, info.st_uid, info.st_gid)
        Path(tmp).replace(target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    _fsync_dir(target.parent)


def _fsync_dir(folder: Path) -> None:
    """The rename is durable only once the folder's entry is on disk."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def unwritable(paths: list[tuple[Path, Path]]) -> list[str]:
    """Why each (path, root) could not be written atomically (apply's preflight): inside its
    root, the file opens for writing and its folder takes a temp file. Nothing is changed."""
    problems = []
    for path, root in dict.fromkeys(paths):
        try:
            target = inside(path, root)
            if target.exists():
                with target.open("ab"):
                    pass
            folder = target.parent
            while not folder.exists() and folder != folder.parent:  # a new file's new folders
                folder = folder.parent
            fd, probe = tempfile.mkstemp(prefix=".flyrun-probe.", dir=folder)
            os.close(fd)
            Path(probe).unlink()
        except FileError as exc:
            problems.append(str(exc))
        except OSError as exc:
            problems.append(f"{shown_name(path, root)}: {exc.strerror or exc}")
    return problems
