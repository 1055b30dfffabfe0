"""What flyctl prints when the connection drops after the server applied a change.

Sources (flyctl@v0.4.87, fly-go@v0.9.6):
- The Machines API client (fly-go `flaps/flaps.go`, `do`) sends a non-GET request once:
  a transport error is returned as Go's `*url.Error`, `<Method> "<url>": <cause>`, and the
  `rehttp` retry transport (fly-go `http.go`) only retries "temporary" errors and 502/503,
  which a reset connection is not. The URL is `https://api.machines.dev/v1/apps/<app>/…`.
- fly-go wraps per call: `failed to create volume: %w`, `failed to extend volume %s: %w`,
  `failed to destroy volume %s: %w`, `failed to update app secrets: %w`,
  `failed to launch VM: %w`, `failed to update VM %s: %w` (`flaps_volumes.go`,
  `flaps_secrets.go`, `flaps_machines.go`).
- flyctl adds its own: `failed to extend volume: %w` (volumes/extend.go),
  `failed destroying volume: %w` (volumes/destroy.go), `update secrets: %w`
  (secrets/set.go `SetSecretsAndDeploy`, secrets/unset.go), `error creating a new machine:
  %w` (deploy/machines_deploymachinesapp.go); an update of an existing machine on the rolling
  path without retries (boot.py) returns fly-go's error as it is.
- GraphQL-era commands post to `https://api.fly.io/graphql`; their wrapping is not
  documented here beyond `volumes create` (see volumes.create_error), so the bare
  `*url.Error` is used.
- `ssh console`: when the SSH channel closes without an exit status, golang.org/x/crypto/ssh
  returns `ExitMissingError`, "wait: remote command exited without exit status or exit
  signal", which flyctl wraps as `ssh shell: %w` (internal/command/ssh/console.go).

The cause is the classic `read: connection reset by peer` of a TCP reset, with documentation
addresses (RFC 5737) standing in for the real ones. Limits: real flyctl stops at the request
whose response was lost (a secrets update would not go on to restart machines) and retries
some deploy steps; the simulator performs the whole command, then reports this error.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from runner.simulator.versions import SECRETS_MACHINES_API, VOLUMES_MACHINES_API

if TYPE_CHECKING:
    from runner.simulator.context import Ctx

RESET = "read tcp 10.0.0.2:52134->203.0.113.7:443: read: connection reset by peer"
MACHINES_API = "https://api.machines.dev/v1"
GRAPHQL = f'Post "https://api.fly.io/graphql": {RESET}'
SSH_LOST = "ssh shell: wait: remote command exited without exit status or exit signal"


def _volumes(ctx: Ctx, verb: str) -> str:
    from runner.simulator.volumes import create_error

    base = f"{MACHINES_API}/apps/{ctx.app_name}/volumes"
    machines_api = ctx.version.at_least(VOLUMES_MACHINES_API)
    if verb == "create":
        cause = f'Post "{base}": {RESET}' if machines_api else GRAPHQL
        return create_error(ctx.version, cause).message
    if not machines_api:
        return GRAPHQL
    volume_id = ctx.args[-1] if ctx.args else ""
    if verb == "extend":
        return (
            f"failed to extend volume: failed to extend volume {volume_id}: "
            f'Put "{base}/{volume_id}/extend": {RESET}'
        )
    return (
        f"failed destroying volume: failed to destroy volume {volume_id}: "
        f'Delete "{base}/{volume_id}": {RESET}'
    )


def _machines(ctx: Ctx, machine_ids: list[str]) -> str:
    base = f"{MACHINES_API}/apps/{ctx.app_name}/machines"
    if not machine_ids:
        return f'error creating a new machine: failed to launch VM: Post "{base}": {RESET}'
    mid = machine_ids[-1]  # the last machine updated; the rolling path returns flaps' error
    return f'failed to update VM {mid}: Post "{base}/{mid}": {RESET}'


def lost_message(ctx: Ctx, machine_ids_before: list[str]) -> str:
    """The error for a lost response to the call `ctx` describes (after it ran)."""
    path = ctx.path
    if path[:1] == ("volumes",) and path[1:] in (("create",), ("extend",), ("destroy",)):
        return _volumes(ctx, path[1])
    if path in (("secrets", "set"), ("secrets", "unset"), ("secrets", "import")):
        if ctx.version.before(SECRETS_MACHINES_API):
            return GRAPHQL
        return (
            "update secrets: failed to update app secrets: "
            f'Post "{MACHINES_API}/apps/{ctx.app_name}/secrets": {RESET}'
        )
    if path in (("deploy",), ("secrets", "deploy")):
        return _machines(ctx, machine_ids_before)
    if path == ("ssh", "console"):
        return SSH_LOST
    return GRAPHQL
