"""Machines booting after a deploy or a secrets change, and the app's boot command.

A test can give an app a boot command (state.set_boot_command): every time one of its
machines boots with a new config, the command runs "on the machine" (same environment and
volume mapping as `ssh console`, see runtime and sandbox) until it exits. Status 0: the
machine is up. Otherwise the machine crashes, and flyctl reports it the way it reports an
app that keeps crashing on start. The command runs while the call holds the state lock, so
it must not call flyctl itself; there is no timeout.

What real flyctl does (flyctl@v0.4.87):
- Which machines boot: new ones, and updated ones that were `started` (or starting/failed).
  A stopped machine is updated without being started (deploy/machines_launchinput.go
  `shouldSkipLaunch`), for deploys and for secrets restarts alike.
- A machine that exits non-zero is restarted by its on-failure policy; the smoke check
  (internal/machine/leasable_machine.go `WaitForSmokeChecksToPass`, 10 s) sees it restarting
  and fails with "the app appears to be crashing" (`smokeChecksError`, deploy/
  machines_deploymachinesapp.go). It is skipped by `deploy --detach` or
  `--smoke-checks=false`, never by secrets commands (secrets/secrets.go sets only
  SkipHealthChecks).
- Rolling strategy (the default): which code path runs is a server-side feature flag
  (`--deploy-retries auto` asks LaunchDarkly; deploy/deploy.go). With 0 retries (what a
  real-world log of a crashing `secrets set` shows) it is `updateUsingRollingStrategy`:
  the first machine alone, then the rest; on a crash its status line reads `Machine ID
  [group] update failed: smoke checks for ID failed: the app appears to be crashing`, the
  update stops, and the error is that smoke-check error with the machine's logs as the
  suggestion (`waitForMachine` → `doSmokeChecks(…, true)`), exit 1. (With retries, plan.go
  `updateMachinesWRecovery` says `failed to update machine ID: Unrecoverable error: …`;
  not simulated.) There is NO rollback on either path (only the bluegreen strategy rolls
  back): the failed machine keeps the new config and, its restarts used up, is `stopped`;
  machines not reached keep the old config. The simulator does that, one machine at a time.
- A new machine that crashes (spawnMachineInGroup): `smoke checks for ID failed: the app
  appears to be crashing`, the machine stays (stopped), and the suggestion lists its logs
  (here: the boot command's output).
"""

from __future__ import annotations

from typing import Any

from runner.simulator import records, runtime
from runner.simulator.context import Ctx
from runner.simulator.errors import SimError
from runner.simulator.sandbox import Result, run

JSON = dict[str, Any]
BOOTS_FROM = ("started", "starting", "failed")  # states whose update launches the machine


def _suggestion(machine_id: str, reason: str, logs: str) -> str:
    return (
        f"Smoke checks for {machine_id} failed: {reason}\n"
        f"Check its logs: here's the last lines below, or run 'fly logs -i {machine_id}':\n"
        f"{logs}"
    )


def _boot(ctx: Ctx, app: JSON, machine: JSON) -> Result | None:
    """`machine` starts with its new config: new secrets, then the boot command."""
    runtime.snapshot_secrets(app, machine)
    machine["state"] = "started"
    argv = app.get("boot_command")
    if not argv:
        return None
    if ctx.state_path is None:
        raise SimError("flyctl simulator: boot commands need the state file (volumes live by it)")
    plan = runtime.remote_run(
        ctx.state_path, app, machine, list(argv), host_path=ctx.env.get("PATH")
    )
    result = run(plan, b"")
    if result.status:
        machine["state"] = "stopped"  # its restarts used up: how it is found afterwards
    return result


def boots(machine: JSON) -> bool:
    """Whether updating `machine` starts it (stopped machines stay stopped)."""
    return machine.get("state") in BOOTS_FROM


def _crash(ctx: Ctx, machine: JSON, result: Result, status: str) -> SimError:
    """Print the machine's failed status line; the deploy's error, logs as suggestion."""
    reason = "the app appears to be crashing"
    error = f"smoke checks for {machine['id']} failed: {reason}"
    ctx.echo(status.format(error=error))
    logs = (result.stdout + result.stderr).decode(errors="replace")
    return SimError(error, suggestion=_suggestion(machine["id"], reason, logs))


def updated(ctx: Ctx, app: JSON, machine: JSON, line: str, *, smoke: bool) -> None:
    """An existing machine took its new config: boot it if it was running; on a crash,
    stop the rollout. `line` is its status-line prefix, e.g. `[1/2]`."""
    result = _boot(ctx, app, machine) if boots(machine) else None
    if result is None or not result.status or not smoke:
        return
    group = records.process_group(machine)
    status = f"  ✖ {line} Machine {machine['id']} [{group}] update failed: {{error}}"
    raise _crash(ctx, machine, result, status)


def created(ctx: Ctx, app: JSON, machine: JSON, *, smoke: bool) -> None:
    """A new machine boots; a crash fails the deploy (the machine stays, stopped)."""
    result = _boot(ctx, app, machine)
    if result is None or not result.status or not smoke:
        return
    raise _crash(ctx, machine, result, "  ✖ Failed: {error}")


def started(ctx: Ctx, app: JSON, machine: JSON) -> None:
    """`machine start`: the machine boots with its config and the app's secrets as they are
    now. flyctl does not wait for it to stay up: a boot command that fails leaves it
    stopped and the start still succeeds (there are no smoke checks)."""
    _boot(ctx, app, machine)
