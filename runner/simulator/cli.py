"""Entry point: `python -m runner.simulator ARGS...` behaves like `flyctl ARGS...`.

`execute` runs one command against an in-memory state (no files, no real stdio), so tests
can call it directly; `main` adds the state file, the lock, the call log and real stdio.
"""

from __future__ import annotations

import contextlib
import importlib
import json
import os
import stat
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from runner.simulator import state as store
from runner.simulator.context import Ctx, Stdin, require_app_name, require_session
from runner.simulator.dispatch import active, check_args, find, help_text, usage
from runner.simulator.errors import Crash, SimError, StateError, UnknownCommand, UsageError
from runner.simulator.flags import parse
from runner.simulator.flagsets import ROOT_FLAGS
from runner.simulator.versions import ERROR_COLON, Version, parse_version

try:
    import fcntl
except ImportError:  # pragma: no cover - not POSIX: no cross-process lock
    fcntl = None  # type: ignore[assignment]

JSON = dict[str, Any]


@dataclass
class Outcome:
    """What one call printed and returned; `stdin_log` is the masked stdin, if read."""

    exit_code: int
    stdout: str
    stderr: str
    stdin_read: bool
    stdin_log: str | None


def error_text(exc: SimError, version: Version) -> str:
    """flyctl's printError: `Error: msg`, a blank line, then description and suggestion."""
    if isinstance(exc, Crash):
        return exc.message + "\n"
    prefix = "Error:" if version.at_least(ERROR_COLON) else "Error"
    text = f"{prefix} {exc.message}\n\n"
    if exc.description:
        text += f"\n{exc.description}"
    if exc.suggestion:
        text += ("\n" if exc.description else "") + f"\n{exc.suggestion}"
    return text + ("\n" if exc.description or exc.suggestion else "")


def _run(ctx: Ctx, argv: Sequence[str]) -> None:
    path, rest = find(argv, ctx.version)
    cmd = path[-1]
    try:
        parsed = parse(rest, [*active(ROOT_FLAGS, ctx.version), *active(cmd.flags, ctx.version)])
        if not parsed.help and cmd.run is not None:
            check_args(path, parsed.args)
    except UsageError:
        ctx.out.write(usage(path, ctx.version) + "\n")
        raise
    if parsed.help or cmd.run is None:
        ctx.out.write(help_text(path, ctx.version))
        return
    ctx.path = tuple(c.name for c in path[1:])
    ctx.flags, ctx.specified, ctx.args = parsed.values, parsed.specified, parsed.args
    if cmd.session:
        require_session(ctx)
    if cmd.app == "required":
        require_app_name(ctx)
    handler(cmd.run)(ctx)


def handler(ref: str) -> Callable[[Ctx], None]:
    """The function a command's `run` names ("module:function" in this package)."""
    module, _, name = ref.partition(":")
    found: Callable[[Ctx], None] = getattr(
        importlib.import_module(f"runner.simulator.{module}"), name
    )
    return found


def execute(
    argv: Sequence[str],
    state: JSON,
    *,
    env: Mapping[str, str],
    cwd: Path,
    stdin: Stdin | None = None,
) -> Outcome:
    """Run one flyctl command against `state` (mutated in place)."""
    version = parse_version(str(state.get("version", "")))
    ctx = Ctx(state, version, env, cwd, stdin or Stdin(lambda: b"", piped=False))
    code = 0
    try:
        _run(ctx, argv)
    except SimError as exc:
        ctx.err.write(error_text(exc, version))
        if isinstance(exc, UnknownCommand):
            ctx.out.write("Run 'flyctl --help' for usage.\n\n")
        code = exc.exit_code
    return Outcome(code, ctx.out.getvalue(), ctx.err.getvalue(), ctx.stdin.consumed, ctx.stdin_log)


@contextlib.contextmanager
def _locked(state_path: Path) -> Iterator[None]:
    """Serialise calls on one state file (flyrun runs apps in parallel)."""
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


def append_log(log_path: Path, argv: Sequence[str], outcome: Outcome) -> None:
    """One JSON line per call: argv, the masked stdin (only when read), the exit code."""
    entry: JSON = {"argv": list(argv)}
    if outcome.stdin_read:
        entry["stdin"] = outcome.stdin_log if outcome.stdin_log is not None else "***"
    entry["exit"] = outcome.exit_code
    with log_path.open("a", encoding="utf-8") as handle:
        handle.write(json.dumps(entry) + "\n")


def _load(state_path: Path) -> tuple[JSON, JSON]:
    try:
        return store.load(state_path), store.load(state_path)
    except FileNotFoundError:
        raise StateError(f"state file {state_path} does not exist") from None
    except (OSError, ValueError) as exc:
        raise StateError(str(exc)) from None


def main(argv: Sequence[str] | None = None) -> int:
    """The fake `flyctl`: state from $FLYRUN_SIM_STATE, log to $FLYRUN_SIM_LOG."""
    args = list(sys.argv[1:] if argv is None else argv)
    raw_path = os.environ.get("FLYRUN_SIM_STATE", "")
    log_env = os.environ.get("FLYRUN_SIM_LOG", "")
    log_path = Path(log_env) if log_env else (Path(raw_path + ".log") if raw_path else None)
    try:
        if not raw_path:
            raise StateError("FLYRUN_SIM_STATE is not set: it must name the simulator's state file")
        state_path = Path(raw_path)
        with _locked(state_path):
            state, original = _load(state_path)
            outcome = execute(args, state, env=os.environ, cwd=Path.cwd(), stdin=_real_stdin())
            if state != original:
                store.save(state_path, state)
            if log_path:
                append_log(log_path, args, outcome)
    except StateError as exc:
        sys.stderr.write(f"Error: flyctl simulator: {exc}\n")
        if log_path:
            append_log(log_path, args, Outcome(1, "", "", False, None))
        return 1
    sys.stdout.write(outcome.stdout)
    sys.stderr.write(outcome.stderr)
    return outcome.exit_code
