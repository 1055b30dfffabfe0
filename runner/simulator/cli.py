"""Running one flyctl command against an in-memory state.

`perform` runs the command (faults included) and stops short of anything that must happen
outside the state lock: a `hang`/`latency` pause and a command run "on a machine"
(`ssh console`). `execute` does all of it in-process (no files, no real stdio), so tests
and the corpus harness can call it directly; `runner.simulator.process.main` is the real
process (state file, lock, call log, real stdio).
"""

from __future__ import annotations

import importlib
import json
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from runner.simulator.context import (
    Ctx,
    Stdin,
    app_name_if_present,
    require_app_name,
    require_session,
)
from runner.simulator.dispatch import active, check_args, find, help_text, usage
from runner.simulator.errors import SimError, UnknownCommand, UsageError
from runner.simulator.flags import parse
from runner.simulator.flagsets import ROOT_FLAGS
from runner.simulator.outcome import Outcome, error_text
from runner.simulator.versions import parse_version

if TYPE_CHECKING:
    from runner.simulator.faults import Fault

JSON = dict[str, Any]


def handler(ref: str) -> Callable[[Ctx], None]:
    """The function a command's `run` names ("module:function" in this package)."""
    module, _, name = ref.partition(":")
    found: Callable[[Ctx], None] = getattr(
        importlib.import_module(f"runner.simulator.{module}"), name
    )
    return found


def _match_app(ctx: Ctx) -> str:
    """The app a fault is matched against: the resolved one, else flyctl's precedence."""
    if ctx.app_name:
        return ctx.app_name
    probe = Ctx(ctx.state, ctx.version, ctx.env, ctx.cwd, ctx.stdin, flags=ctx.flags)
    if ctx.path == ("deploy",) and ctx.args:  # `deploy DIR` reads DIR/fly.toml
        probe.cwd = ctx.cwd / ctx.args[0]
    try:
        return app_name_if_present(probe)
    except SimError:
        return ""


def _run_with_fault(ctx: Ctx, run: Callable[[Ctx], None], fault: Fault) -> None:
    from runner.simulator.faults import Pause, failure
    from runner.simulator.lost import lost_message

    ctx.fault = fault.kind
    if fault.kind in ("hang", "latency"):
        raise Pause(fault)
    if fault.kind == "fail":
        raise failure(fault)
    if fault.kind == "garbage":
        ctx.out.write(fault.stdout)
        return
    app = ctx.state["apps"].get(_match_app(ctx)) or {"machines": []}
    before = [m["id"] for m in app["machines"] if m.get("state") != "destroyed"]
    run(ctx)
    if ctx.remote is not None:  # ssh console: the connection drops after the command
        ctx.lost = True
        return
    ctx.out.seek(0)
    ctx.out.truncate()  # the response that carried the output never arrived
    raise SimError(lost_message(ctx, before))


def _run(ctx: Ctx, argv: Sequence[str], faults: bool) -> None:
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
    run = handler(cmd.run)
    fault = None
    if faults and ctx.state.get("faults"):
        from runner.simulator.faults import take

        fault = take(ctx, _match_app(ctx))
    if fault is None:
        run(ctx)
    else:
        _run_with_fault(ctx, run, fault)


def perform(
    argv: Sequence[str],
    state: JSON,
    *,
    env: Mapping[str, str],
    cwd: Path,
    stdin: Stdin | None = None,
    state_path: Path | None = None,
    faults: bool = True,
) -> Outcome:
    """Run one flyctl command against `state` (mutated in place), up to any pause or
    machine-side command, which the returned Outcome carries."""
    from runner.simulator.faults import Pause

    version = parse_version(str(state.get("version", "")))
    ctx = Ctx(state, version, env, cwd, stdin or Stdin(lambda: b"", piped=False))
    from_env = env.get("FLYRUN_SIM_STATE")
    ctx.state_path = state_path or (Path(from_env) if from_env else None)
    code, pause = 0, None
    try:
        _run(ctx, argv, faults)
    except Pause as signal:
        pause = signal.fault
    except SimError as exc:
        ctx.err.write(error_text(exc, version))
        if isinstance(exc, UnknownCommand):
            ctx.out.write("Run 'flyctl --help' for usage.\n\n")
        code = exc.exit_code
    return Outcome(
        code,
        ctx.out.getvalue(),
        ctx.err.getvalue(),
        ctx.stdin.consumed,
        ctx.stdin_log,
        fault=ctx.fault,
        pause=pause,
        remote=ctx.remote,
        lost=ctx.lost,
    )


def execute(
    argv: Sequence[str],
    state: JSON,
    *,
    env: Mapping[str, str],
    cwd: Path,
    stdin: Stdin | None = None,
    state_path: Path | None = None,
) -> Outcome:
    """Run one flyctl command in-process, sleeping for latency (and forever for a hang)
    and running a machine-side command with captured output."""
    import time

    def again(faults: bool) -> Outcome:
        return perform(
            argv, state, env=env, cwd=cwd, stdin=stdin, state_path=state_path, faults=faults
        )

    outcome = again(True)
    while outcome.pause is not None:
        if outcome.pause.kind == "hang":
            time.sleep(3600)  # a hang never ends; in-process callers should not ask for one
            continue
        time.sleep(outcome.pause.seconds)
        outcome = again(False)
        outcome.fault = "latency"
    if outcome.remote is not None:
        from runner.simulator.ssh_session import finish

        outcome = finish(outcome, stdin or Stdin(lambda: b"", piped=False), stream=False)
    return outcome


def append_log(log_path: Path, argv: Sequence[str], outcome: Outcome) -> None:
    """One JSON line per call: argv, the masked stdin (only when read), any injected fault,
    the exit code (null for a call that hangs)."""
    entry: JSON = {"argv": list(argv)}
    if outcome.stdin_read:
        entry["stdin"] = outcome.stdin_log if outcome.stdin_log is not None else "***"
    if outcome.fault:
        entry["fault"] = outcome.fault
    entry["exit"] = None if outcome.pause is not None else outcome.exit_code
    with log_path.open("a", encoding="utf-8") as handle:
        handle.write(json.dumps(entry) + "\n")
