"""`flyctl ssh console`: pick a machine, then run a command on it (see ssh_session).

Source: flyctl@v0.4.87 internal/command/ssh/console.go (`runConsole`, `selectMachine`,
`selectContainer`, `lookupAddressAndContainer`), connect.go (`spin`), ssh/io.go, ssh/client.go;
version gates from that file's history (versions.py, SSH_*).
- The app is looked up first (GraphQL): an unknown app is `get app: Could not find App "x"`.
- Only machines in state `started` count: none is `app X has no started VMs.` (with a
  hint since v0.1.89); `-r`/`-g` filter them (`app X has no VMs in region R` / `… in process
  group G`); an unknown `--machine` is `--machine="ID" not found/started` (v0.3.115+; ignored
  before); `--machine` with `-s` is refused; `-s` with several machines needs a prompt, which
  off a terminal fails (`selecting VM: prompt: non interactive`, v0.3.109+; before, a bug
  ignored the prompt's error and the first machine was used).
- Several machines and no choice: `No machine specified, using ID in region R` on stdout
  (v0.3.109+); then, off a terminal and without -q, `Connecting to ADDR...` on stderr.
- The command string is sent as an SSH exec request and the machine's SSH server splits it
  into words and runs them without a shell (`-C 'ls x || true'` lists `||` and `true`), so
  flyrun's `sh -c '<script>'` is the way to get a shell; quoting follows POSIX shell words.

Limits: `-u/--user`, `-o/--org` and `--container` choices do not change how the command
runs (it runs as this host's user, see sandbox); a pseudo-terminal is only imitated
(stderr merged into stdout, `\r\n` line ends; no echo, prompts or job control); the
interactive shell (no `-C`) is `sh` reading stdin; `-s` never prompts (off a terminal).
"""

from __future__ import annotations

import shlex
from typing import Any

from runner.simulator import records, runtime
from runner.simulator.context import Ctx
from runner.simulator.errors import SimError
from runner.simulator.render import go_quote
from runner.simulator.ssh_session import SshSession
from runner.simulator.versions import (
    SSH_GROUP_FILTER,
    SSH_MACHINE_NOT_FOUND,
    SSH_NO_VMS_HINT,
    SSH_PTY_FLAG,
    SSH_SELECT_CHECKS,
)

JSON = dict[str, Any]
SHELLS = ("sh", "/bin/sh", "bash", "/bin/bash")
PTY_WARNING = (
    "\x1b[33mWARN\x1b[0m Allocating a pseudo-terminal since the command provided is a shell. "
    "This behavior will change in the future; please use --pty explicitly if this is what "
    "you want."
)


def _started(ctx: Ctx, app: JSON) -> list[JSON]:
    machines = [m for m in app["machines"] if m.get("state") == "started"]
    if not machines:
        hint = (
            ".\nIt may be unhealthy or not have been deployed yet.\nTry the following command to "
            "verify:\n\nfly status"
        )
        raise SimError(
            f"app {app['name']} has no started VMs"
            + ("", hint)[ctx.version.at_least(SSH_NO_VMS_HINT)]
        )
    if ctx.version.before(SSH_GROUP_FILTER):
        return machines
    region, group = ctx.flag("region"), ctx.flag("process-group")
    if region:
        machines = [m for m in machines if m.get("region") == region]
        if not machines:
            raise SimError(f"app {app['name']} has no VMs in region {region}")
    if group:
        machines = [m for m in machines if records.process_group(m) == group]
        if not machines:
            raise SimError(f"app {app['name']} has no VMs in process group {group}")
    return machines


def _select(ctx: Ctx, machines: list[JSON]) -> JSON:
    """selectMachine after filtering: --machine, -s, or the first machine."""
    wanted = str(ctx.flag("machine") or "")
    chosen = next((m for m in machines if m["id"] == wanted), None) if wanted else None
    modern = ctx.version.at_least(SSH_SELECT_CHECKS)
    if wanted and chosen is None and ctx.version.at_least(SSH_MACHINE_NOT_FOUND):
        raise SimError(f"--machine={go_quote(wanted)} not found/started")
    if ctx.flag("select"):
        if "machine" in ctx.specified:
            raise SimError("--machine can't be used with -s/--select")
        if len(machines) > 1 and modern:
            raise SimError("selecting VM: prompt: non interactive")
        if len(machines) == 1 and modern:
            only = machines[0]
            ctx.echo(
                f"Only one machine available, selecting {only['id']} in region {only['region']}"
            )
        chosen = machines[0]
    if chosen is None:
        chosen = machines[0]
        if modern and (len(machines) > 1 or ctx.flag("select")):
            ctx.echo(f"No machine specified, using {chosen['id']} in region {chosen['region']}")
    return chosen


def _container(ctx: Ctx, machine: JSON) -> None:
    """selectContainer: simulated machines have no `containers` in their config."""
    named = str(ctx.flag("container") or "")
    if ctx.flag("no-container") and named:
        raise SimError("--container and --no-container are mutually exclusive")
    if named and not ctx.flag("no-container") and ctx.version.at_least(SSH_SELECT_CHECKS):
        raise SimError(f"no containers found for machine {machine['id']}")


def _target(ctx: Ctx, app: JSON, selected: JSON) -> tuple[str, JSON]:
    """The address flyctl dials (-A, the argument, else the machine's private IP) and the
    machine behind it: a private IP or `<id>.vm.<app>.internal` of a started machine."""
    address = str(ctx.flag("address") or (ctx.args[0] if ctx.args else ""))
    if not address:
        return selected["private_ip"], selected
    for machine in app["machines"]:
        names = (machine.get("private_ip"), f"{machine['id']}.vm.{app['name']}.internal")
        if machine.get("state") == "started" and address in names:
            return address, machine
    if ":" not in address:  # not IPv6: flyctl first waits for the name in the app's DNS
        raise SimError(f"host unavailable at {address}: host was not found in DNS")
    # The dial error for an IPv6 address nobody answers on is UNKNOWN; made up.
    raise SimError(f"error connecting to SSH server: dial: connect to [{address}]:22: timeout")


def _argv(ctx: Ctx, command: str) -> tuple[list[str], bool]:
    """The words the machine's SSH server runs, and whether a pseudo-terminal is used."""
    pty = not command or bool(ctx.flag("pty")) or ctx.version.before(SSH_PTY_FLAG)
    if not pty and command in SHELLS:
        ctx.echo(PTY_WARNING)
        pty = True
    if not command:
        return ["sh"], pty  # the session's login shell: sh stands in for the image's
    try:
        return shlex.split(command), pty
    except ValueError:
        return [], pty  # the sandbox reports it the way the SSH server might


def console(ctx: Ctx) -> None:
    """`ssh console [ADDRESS]`: plan the session; it runs once the state is saved."""
    try:
        app = ctx.app()
    except SimError as exc:
        raise SimError(f"get app: {exc.message}") from None
    machine = _select(ctx, _started(ctx, app))
    _container(ctx, machine)
    address, machine = _target(ctx, app, machine)
    argv, pty = _argv(ctx, str(ctx.flag("command") or ""))
    if not ctx.flag("quiet"):
        ctx.warn(f"Connecting to {address}...")
    if ctx.state_path is None:
        raise SimError("flyctl simulator: ssh console needs the state file (volumes live by it)")
    host_path = ctx.env.get("PATH")
    term = {"TERM": ctx.env.get("TERM") or "xterm"} if pty else {}
    plan = runtime.remote_run(
        ctx.state_path, app, machine, argv, host_path=host_path, pty=pty, extra_env=term
    )
    ctx.remote = SshSession(plan, str(ctx.version))
