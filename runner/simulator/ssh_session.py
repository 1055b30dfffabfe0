"""The end of `ssh console`: run the planned command and report how it ended.

Sources (flyctl@v0.4.87): ssh/io.go (`attachPipes`), internal/command/ssh/console.go
(`Console` wraps errors as `ssh shell: %w`), internal/cli/cli.go (exit codes).
- The remote exit status is not flyctl's exit status: any non-zero status is the error
  `ssh shell: Process exited with status N` (golang.org/x/crypto/ssh `ExitError`), exit 1.
  A process killed by a signal is reported by the machine as status 4294967295.
- stdout/stderr of the command go to flyctl's stdout/stderr; with a pseudo-terminal they
  arrive merged on stdout, with `\\r\\n` line ends.
- SIGTERM/SIGINT while the command runs: `ssh shell: session forcibly closed; the remote
  process may still be running`, exit 1 (the error is new, not context.Canceled, so it is
  printed); the command is left running, as on a real machine.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import TYPE_CHECKING

from runner.simulator.errors import SimError
from runner.simulator.sandbox import RemoteRun, Result, run

if TYPE_CHECKING:
    from runner.simulator.context import Stdin
    from runner.simulator.outcome import Outcome

FORCIBLY_CLOSED = "ssh shell: session forcibly closed; the remote process may still be running"


@dataclass(frozen=True)
class SshSession:
    """A planned session: the command on its machine, and the flyctl version (for errors)."""

    plan: RemoteRun
    version: str


class _Closed(Exception):
    """SIGTERM or SIGINT arrived while the session ran."""


def _run_streaming(session: SshSession) -> Result | None:
    """Run with this process's stdin; None when a signal closed the session."""
    import signal

    def closed(_signum: int, _frame: object) -> None:
        raise _Closed

    saved = {sig: signal.signal(sig, closed) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        return run(session.plan, None, stdout=sys.stdout.buffer, stderr=sys.stderr.buffer)
    except _Closed:
        return None
    finally:
        for sig, handler in saved.items():
            signal.signal(sig, handler)


def _error(session: SshSession, result: Result | None, lost: bool) -> SimError | None:
    if result is None:
        return SimError(FORCIBLY_CLOSED)
    if lost:
        from runner.simulator.lost import SSH_LOST

        return SimError(SSH_LOST)
    if result.status:
        return SimError(f"ssh shell: Process exited with status {result.status}")
    return None


def finish(outcome: Outcome, stdin: Stdin, *, stream: bool) -> Outcome:
    """Run the session `outcome` planned; `stream` writes to this process's stdio (the
    real flyctl process), else the output lands in the returned Outcome (in-process)."""
    from runner.simulator.outcome import Outcome, error_text
    from runner.simulator.versions import parse_version

    session = outcome.remote
    assert session is not None
    if stream:
        sys.stdout.write(outcome.stdout)
        sys.stderr.write(outcome.stderr)
        sys.stdout.flush()
        sys.stderr.flush()
        result = _run_streaming(session)
    else:
        result = run(session.plan, stdin.read() if stdin.piped else b"")
    error = _error(session, result, outcome.lost)
    tail = error_text(error, parse_version(session.version)) if error else ""
    out, err = (result.stdout, result.stderr) if result else (b"", b"")
    if stream:  # the command's output is already out
        sys.stderr.write(tail)
        sys.stderr.flush()
    return Outcome(
        1 if error else 0,
        outcome.stdout + out.decode(errors="replace"),
        outcome.stderr + err.decode(errors="replace") + tail,
        stdin.piped,
        "***" if stdin.piped else None,
        fault=outcome.fault,
    )
