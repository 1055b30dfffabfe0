"""Exclusive locks across threads and processes on this machine: one run per app folder at a
time, and read-modify-write of a shared `.flyrun-state.json` (README "Reliability").

A lock is `flock` on a lock file named by the hash of the locked path, in a per-user folder
outside the repository (nothing is written into the app). Each acquisition opens the lock
file anew, so two threads of one process exclude each other as two processes do. The holder
writes its pid and start time into the file, so a waiting run can say who holds it."""

from __future__ import annotations

import contextlib
import fcntl
import os
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from runner.errors import RunnerError

DEFAULT_WAIT = 60.0  # seconds a second run waits for the first before it fails


def lock_dir() -> Path:
    base = os.environ.get("FLYRUN_LOCK_DIR") or str(
        Path(tempfile.gettempdir()) / f"flyrun-locks-{os.getuid()}"
    )
    folder = Path(base)
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    return folder


def app_key(app: str) -> Path:
    """The lock key of a Fly app: two checkouts of one app (two folders) exclude each other
    too. Relative, so it never equals a folder's key (always absolute)."""
    return Path(f"fly-app:{app}")


def _lock_file(key: Path) -> Path:
    import hashlib  # lazy: only apply takes a lock (OpenSSL's start-up costs validate 3 ms)

    digest = hashlib.sha256(str(key).encode("utf-8", "surrogateescape")).hexdigest()[:32]
    return lock_dir() / f"{digest}.lock"


@contextlib.contextmanager
def held(key: Path, *, what: str, wait: float = DEFAULT_WAIT) -> Iterator[None]:
    """Hold the lock of `key` (an absolute path, or an `app_key`) for the block; RunnerError
    after `wait` seconds of waiting, naming the holder."""
    path = _lock_file(key)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        _acquire(fd, what, wait)
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"pid {os.getpid()} since {time.strftime('%H:%M:%S')}\n".encode(), 0)
        try:
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def _acquire(fd: int, what: str, wait: float) -> None:
    deadline = time.monotonic() + wait
    delay = 0.02
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            if time.monotonic() >= deadline:
                holder = os.pread(fd, 200, 0).decode("utf-8", "replace").strip() or "unknown"
                raise RunnerError(
                    f"{what} is in use by another flyrun run ({holder}); waited {wait:g} s. "
                    "Let that run finish, then run flyrun again"
                ) from None
            time.sleep(delay)
            delay = min(delay * 2, 0.25)
