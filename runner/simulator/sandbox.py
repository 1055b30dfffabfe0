"""Running a command "on a machine": its environment, its volumes, its exit status.

There is no real machine: the command runs on this host, as a child process, with the
machine's environment only (see runtime.machine_env), in a per-machine scratch folder.

Volumes: each mount path (e.g. `/data`) stands for a host folder next to the state file
(`<state>.volumes/<volume id>/`). Without mount namespaces or chroot (not available on CI),
the simulator rewrites paths instead: every occurrence of a mount path as a path prefix in
the command's arguments and in its environment values becomes the host folder, and every
occurrence of the host folder in what the command prints becomes the mount path again. So
`sh -c 'find /data -type f -exec stat -c "%s %n" {} +'` and `cat /data/x.json` see the
volume and print `/data/...` paths, and `DATABASE_URL=sqlite3:///data/db.sqlite3` works.
Limits: a path to the mount built at run time (`cd /; ls data`, `$(dirname …)`), or written
inside a file the command reads (a script on the volume), is not rewritten; `ls /` does not
show the mount; the command sees the host's other files and programs, not an image's.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import IO, TYPE_CHECKING, Any

if TYPE_CHECKING:
    import subprocess
    import threading

HALLPASS_NO_STATUS = 4294967295  # uint32(-1): what a machine reports for a killed process


@dataclass(frozen=True)
class RemoteRun:
    """A command to run on a machine: argv as the machine's SSH server gets it, the
    complete environment, (mount path, host folder) pairs, the working folder, and whether
    a pseudo-terminal is allocated (stderr merged into stdout, `\\n` sent as `\\r\\n`)."""

    argv: tuple[str, ...]
    env: tuple[tuple[str, str], ...]
    mounts: tuple[tuple[str, str], ...]
    cwd: str
    pty: bool = False


@dataclass(frozen=True)
class Result:
    """How the command ended: its exit status and what it printed (paths mapped back)."""

    status: int
    stdout: bytes
    stderr: bytes


def _pattern(mount: str) -> re.Pattern[str]:
    # The mount path as a whole path prefix: not inside a longer name (`/database`,
    # `/app/data`), but after `:`, `=`, quotes, spaces or a third slash (`sqlite3:///data`).
    return re.compile(r"(?<![\w.\-])" + re.escape(mount.rstrip("/")) + r"(?![\w.\-])")


def to_host(text: str, mounts: tuple[tuple[str, str], ...]) -> str:
    """`text` with each mount path replaced by its host folder."""
    for mount, host in sorted(mounts, key=lambda pair: -len(pair[0])):
        text = _pattern(mount).sub(host.replace("\\", "\\\\"), text)
    return text


def to_machine(data: bytes, mounts: tuple[tuple[str, str], ...]) -> bytes:
    """`data` with each host folder replaced by its mount path."""
    for mount, host in sorted(mounts, key=lambda pair: -len(pair[1])):
        data = data.replace(host.encode(), mount.rstrip("/").encode())
    return data


def _refused(argv: list[str]) -> Result:
    # What the machine's SSH server reports for a command it cannot split, or a program it
    # cannot find, is UNKNOWN: these are the texts of github.com/google/shlex (a common Go
    # splitter) and of Go's os/exec, with status 1.
    if not argv:
        return Result(1, b"", b"EOF found when expecting closing quote\n")
    return Result(1, b"", f'exec: "{argv[0]}": executable file not found in $PATH\n'.encode())


def _pump(source: IO[bytes], plan: RemoteRun, sink: IO[bytes] | None, kept: list[bytes]) -> None:
    """Copy a pipe line by line (a host path never spans lines), mapping paths back."""
    for line in iter(source.readline, b""):
        line = to_machine(line, plan.mounts)
        if plan.pty:
            line = line.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
        kept.append(line)
        if sink is not None:
            sink.write(line)
            sink.flush()


def _thread(target: Callable[..., None], *args: Any) -> threading.Thread:
    import signal
    import threading

    # SIGTERM/SIGINT must reach the main thread: delivered to this one, Python would only
    # note it, and the main thread, blocked in waitpid, would never close the session. The
    # thread is born with them blocked (it inherits the mask at creation): blocking them
    # from inside it would leave a window in which a signal could land there.
    closing = {signal.SIGTERM, signal.SIGINT}
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, closing)
    try:
        thread = threading.Thread(target=target, args=args, daemon=True)
        thread.start()
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)
    return thread


def _feed(pipe: IO[bytes], data: bytes) -> None:
    with contextlib.suppress(BrokenPipeError):
        pipe.write(data)
        pipe.close()


def _start(plan: RemoteRun, piped_stdin: bool) -> subprocess.Popen[bytes] | Result:
    """The command's process, or the machine's refusal to start it."""
    import shutil  # process machinery: only calls that run something pay for it
    import subprocess

    env = {name: to_host(value, plan.mounts) for name, value in plan.env}
    argv = [to_host(arg, plan.mounts) for arg in plan.argv]
    program = shutil.which(argv[0], path=env.get("PATH")) if argv else None
    if program is None:
        return _refused(argv)
    return subprocess.Popen(
        argv,
        executable=program,
        env=env,
        cwd=plan.cwd,
        stdin=subprocess.PIPE if piped_stdin else None,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT if plan.pty else subprocess.PIPE,
    )


def run(
    plan: RemoteRun,
    stdin: bytes | None,
    *,
    stdout: IO[bytes] | None = None,
    stderr: IO[bytes] | None = None,
) -> Result:
    """Run `plan`; `stdin` is fed to it, or None to hand over this process's stdin. Output
    is kept in the Result and, when `stdout`/`stderr` are given, streamed to them."""
    proc = _start(plan, stdin is not None)
    if isinstance(proc, Result):
        if stderr is not None:
            stderr.write(proc.stderr)
            stderr.flush()
        return proc
    out: list[bytes] = []
    err: list[bytes] = []
    pumps = [_thread(_pump, proc.stdout, plan, stdout, out)]
    if proc.stderr is not None:
        pumps.append(_thread(_pump, proc.stderr, plan, stderr, err))
    if proc.stdin is not None and stdin is not None:
        _thread(_feed, proc.stdin, stdin)
    returncode = proc.wait()
    for pump in pumps:
        pump.join()
    status = returncode if returncode >= 0 else HALLPASS_NO_STATUS
    return Result(status, b"".join(out), b"".join(err))
