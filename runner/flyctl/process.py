"""How flyctl processes are started and stopped: invoke's local runner, with each call in a
process group of its own.

Why: invoke kills only the process it started and forwards Ctrl-C by writing `\\x03` to the
child's stdin (which fails once stdin is closed, e.g. during `secrets import`). A hung flyctl
(or a child it started) would then outlive its timeout and keep invoke's pipes open. Here a
timeout kills the whole group, and Ctrl-C sends SIGINT to every running group, which is what
a terminal does to its foreground processes; flyctl then exits 127 (README "Exit codes").

The `--jobs` bound (`slots`, runner/flyctl/client.py) is taken just before the process
starts and given back the moment it is reaped, not around invoke's whole call: invoke's
set-up before the spawn and its thread joins after the exit then happen outside the slot,
so the next flyctl starts sooner (bench/PROFILE.md)."""

from __future__ import annotations

import contextlib
import os
import shlex
import signal
import subprocess
import threading
from contextlib import AbstractContextManager
from typing import Any

from invoke.context import Context
from invoke.runners import Local

_ACTIVE: set[int] = set()
_LOCK = threading.RLock()  # re-entrant: interrupt_all also runs in a signal handler
# Set by interrupt_all: after a Ctrl-C no flyctl starts, e.g. a query that was waiting for a
# slot, which the interrupt could not reach and which would outlive flyrun. A run clears it.
_STOPPED = threading.Event()


class GroupRunner(Local):
    """invoke's `Local` runner, one process group per command."""

    input_sleep = 0.005  # invoke polls the process this often (default 10 ms)
    slots: AbstractContextManager[Any]  # set by group_context
    _holding = False

    def start(self, command: str, shell: str, env: dict[str, Any]) -> None:
        self.slots.__enter__()
        self._holding = True
        try:
            if _STOPPED.is_set():
                raise KeyboardInterrupt
            self._spawn(command, shell, env)
        except BaseException:
            self._give_back()
            raise
        with _LOCK:
            _ACTIVE.add(self.process.pid)
            late = _STOPPED.is_set()
        if late:  # interrupt_all ran between the check above and now
            _signal_group(self.process.pid, signal.SIGINT)

    def _spawn(self, command: str, shell: str, env: dict[str, Any]) -> None:
        # The command line is `shlex.join` of flyctl's argv (runner/flyctl/client.py), so it
        # is split back and run without a shell: one exec less per call (bench/PROFILE.md),
        # and no shell ever reads an argument. A binary that cannot be started goes through
        # the shell after all, which reports it as flyctl's callers expect (127/126 + text).
        options: dict[str, Any] = {
            "env": env,
            "stdout": subprocess.PIPE,
            "stderr": subprocess.PIPE,
            "stdin": subprocess.PIPE,
            "start_new_session": True,
        }
        try:
            self.process = subprocess.Popen(shlex.split(command), **options)
        except OSError:
            self.process = subprocess.Popen(command, shell=True, executable=shell, **options)

    def wait(self) -> None:
        # Blocks in waitpid (the GIL released) instead of invoke's polling, and frees the
        # slot at once. Ctrl-C in the main thread interrupts it; invoke then forwards the
        # interrupt (send_interrupt) and waits again. A timeout kills the group: it returns.
        self.process.wait()
        self._give_back()

    def _give_back(self) -> None:
        if self._holding:
            self._holding = False
            self.slots.__exit__(None, None, None)

    def kill(self) -> None:
        _signal_group(self.process.pid, signal.SIGKILL)

    def send_interrupt(self, interrupt: KeyboardInterrupt) -> None:
        _signal_group(self.process.pid, signal.SIGINT)

    def stop(self) -> None:
        super().stop()
        self._give_back()  # an exception between start and wait
        process = getattr(self, "process", None)
        if process is not None:
            with _LOCK:
                _ACTIVE.discard(process.pid)


def _signal_group(pid: int, signum: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signum)


def interrupt_all() -> None:
    """Ctrl-C in the main thread: pass it on to every running flyctl (worker threads never
    see the KeyboardInterrupt themselves)."""
    with _LOCK:
        _STOPPED.set()
        groups = list(_ACTIVE)
    for pid in groups:
        _signal_group(pid, signal.SIGINT)


def new_run() -> None:
    """A run starts: flyctl may start again (in-process tests run many)."""
    _STOPPED.clear()


def group_context(slots: AbstractContextManager[Any]) -> Context:
    """An invoke Context whose local runner is `GroupRunner`, each process holding one of
    `slots` while it runs."""
    context = Context()
    context.config.runners.local = type("SlottedRunner", (GroupRunner,), {"slots": slots})
    return context


def interrupted(exited: int, stderr: str | None) -> bool:
    """Killed by SIGINT (-2, 130), or flyctl's own Ctrl-C exit: 127 with no message
    (127 with a message is the shell's "not found")."""
    return exited in (-signal.SIGINT, 128 + signal.SIGINT) or (
        exited == 127 and not (stderr or "").strip()
    )
