"""The fake `flyctl` process: state file, lock, call log, real stdio, pauses, machine runs.

One call: under the lock (`<state>.lock`), load the state, perform the command, save the
state if it changed. Anything slow happens after the lock is released, so parallel calls
(flyrun runs apps in parallel) are never held up by it: sleeping for a `hang` or `latency`
fault, and a command run on a machine by `ssh console`.
"""

from __future__ import annotations

import contextlib
import os
import stat
import sys
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from runner.simulator import state as store
from runner.simulator.cli import append_log, perform
from runner.simulator.context import Stdin
from runner.simulator.errors import StateError
from runner.simulator.outcome import Outcome

try:
    import fcntl
except ImportError:  # pragma: no cover - not POSIX: no cross-process lock
    fcntl = None  # type: ignore[assignment]

JSON = dict[str, Any]


@contextlib.contextmanager
def _locked(state_path: Path) -> Iterator[None]:
    """Serialise calls on one state file."""
    if fcntl is None:
        yield
        return
    with Path(f"{state_path}.lock").open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _real_stdin() -> Stdin:
    try:
        piped = not stat.S_ISCHR(os.fstat(0).st_mode)
    except OSError:
        piped = False
    return Stdin(lambda: sys.stdin.buffer.read() if sys.stdin else b"", piped=piped)


def _load(state_path: Path) -> tuple[JSON, JSON]:
    try:
        return store.load(state_path), store.load(state_path)
    except FileNotFoundError:
        raise StateError(f"state file {state_path} does not exist") from None
    except (OSError, ValueError) as exc:
        raise StateError(str(exc)) from None


def locked_call(
    state_path: Path,
    args: list[str],
    stdin: Stdin,
    faults: bool,
    env: Mapping[str, str] | None = None,
) -> Outcome:
    """One call with the state file locked, loaded, and saved only when it changed (up to
    any pause, which the Outcome carries). tests/inproc.py runs calls in-process with it."""
    with _locked(state_path):
        state, original = _load(state_path)
        outcome = perform(
            args,
            state,
            env=os.environ if env is None else env,
            cwd=Path.cwd(),
            stdin=stdin,
            state_path=state_path,
            faults=faults,
        )
        if state != original:  # also the consumption of a fault
            store.save(state_path, state)
    return outcome


def _sleep_forever(log_path: Path | None, args: list[str], outcome: Outcome) -> int:
    """A `hang`: logged now (nobody will log it later), then asleep until killed. No
    handler is installed, so SIGTERM/SIGKILL end the process at once; Ctrl-C ends it the
    way flyctl ends on an interrupt (exit 127, no message)."""
    import time

    if log_path:
        append_log(log_path, args, outcome)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        return 127


def _call(state_path: Path, log_path: Path | None, args: list[str]) -> int:
    stdin = _real_stdin()
    outcome = locked_call(state_path, args, stdin, faults=True)
    if outcome.pause is not None:
        if outcome.pause.kind == "hang":
            return _sleep_forever(log_path, args, outcome)
        import time

        time.sleep(outcome.pause.seconds)
        outcome = locked_call(state_path, args, stdin, faults=False)
        outcome.fault = "latency"
    if outcome.remote is not None:
        from runner.simulator.ssh_session import finish

        outcome = finish(outcome, stdin, stream=True)
    else:
        sys.stdout.write(outcome.stdout)
        sys.stderr.write(outcome.stderr)
    if log_path:
        append_log(log_path, args, outcome)
    return outcome.exit_code


def main(argv: Sequence[str] | None = None) -> int:
    """The fake `flyctl`: state from $FLYRUN_SIM_STATE, log to $FLYRUN_SIM_LOG."""
    args = list(sys.argv[1:] if argv is None else argv)
    raw_path = os.environ.get("FLYRUN_SIM_STATE", "")
    log_env = os.environ.get("FLYRUN_SIM_LOG", "")
    log_path = Path(log_env) if log_env else (Path(raw_path + ".log") if raw_path else None)
    try:
        if not raw_path:
            raise StateError("FLYRUN_SIM_STATE is not set: it must name the simulator's state file")
        return _call(Path(raw_path), log_path, args)
    except StateError as exc:
        sys.stderr.write(f"Error: flyctl simulator: {exc}\n")
        if log_path:
            append_log(log_path, args, Outcome(1, "", "", False, None))
        return 1
