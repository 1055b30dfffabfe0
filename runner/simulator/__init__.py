"""A stateful fake `flyctl` for tests and `flyrun demo` (README "Development";
docs/reference/flyctl.md).

Run it as `python -m runner.simulator ARGS...` (tests install a `flyctl` shim with
`runner.simulator.shim.install_shim`, which starts it with `python -S` and a byte-code
cache outside the checkout; modules are imported only by the commands that need them, as
every flyctl call is a new process). It reproduces, for the flyctl version recorded in its
state, the flags, JSON shapes, messages and exit codes of: `version`, `auth whoami`,
`volumes create|list|show|extend|destroy`, `secrets list|set|unset|import|deploy`,
`machines list|start`, `status`, `deploy` and `ssh console`. It is never interactive: every
confirmation or selection prompt fails the way flyctl fails off a terminal. It imports
nothing of the product (tests/simulator/test_isolation.py); it reads one product data
file, `runner/data/regions.json` (regions.py).

Environment
    FLYRUN_SIM_STATE  path of the JSON state file (required; it must exist).
    FLYRUN_SIM_LOG    call log, one JSON line per call (default `<state path>.log`):
                      `{"argv": [...], "stdin": "...", "fault": "...", "exit": N}`; `stdin`
                      only when the command read stdin, with every secret value replaced by
                      `***` (all of it for `ssh console`); `fault` only when one was
                      injected; `exit` is null for a call that hangs (logged as it starts).
                      argv is logged verbatim: it is public anyway (process list), and this
                      lets tests catch a client that puts a secret on argv.
    FLY_API_TOKEN / FLY_ACCESS_TOKEN (or `-t`) count as logged in; FLY_APP, FLY_REGION and
    FLY_JSON act as in flyctl.

The state file is rewritten (atomically, under a lock file `<state>.lock`) only when a
command changed something (consuming a fault counts); read-only commands leave it
byte-identical. Nothing slow happens under the lock: a `hang`/`latency` fault sleeps, and
`ssh console` runs its command, after the lock is released (process.py). Boot commands
are the exception: they run during the deploy, under the lock.

Files next to the state file: `<state>.log` (call log), `<state>.lock`,
`<state>.volumes/<volume id>/` (each volume's files), `<state>.machines/<machine id>/` (the
working folder of commands run on a machine).

State format (`format: 1`), all plain JSON:
    version       flyctl version to emulate, e.g. "0.4.87" (gates flags and shapes)
    logged_in     bool (the config-file token); email: `auth whoami` answer
    organization  org slug; clock: fixed RFC 3339 time for timestamps, or null (real time)
    seed, seq     make generated IDs deterministic (seq counts IDs handed out)
    faults        optional list of injected faults (faults.py), tried in order; each
                  `{command, kind, app, times}` plus `exit`/`stderr` (fail), `stdout`
                  (garbage) or `seconds` (latency). `command` is a command path such as
                  "volumes list" or "ssh console" (aliases allowed); `app` null matches any
                  app; `times` is how many more calls it hits (null: all), and an entry is
                  removed when used up. Kinds: `fail` (exit `exit`, default 1, printing
                  `Error: <stderr>` by the version's rules, state untouched);
                  `lost_response` (the command runs and its changes are saved, then it
                  prints flyctl's error for a connection reset after the server applied
                  the change, see lost.py, and exits 1 with no stdout; for `ssh console`
                  the command runs and the session ends without an exit status);
                  `hang` (never returns; SIGTERM/SIGKILL end it at once, Ctrl-C exits 127);
                  `garbage` (exit 0, `stdout` or an HTML error page on stdout);
                  `latency` (sleeps `seconds`, then runs normally). A fault applies after
                  flag parsing and flyctl's preparers (session, app name).
    apps          name → app:
      name, deployed (bool), release_version (int), primary_region (str|null)
      secret_salt   per-app random salt of the 16-hex secret digests (never shown)
      digest_style  "salted" (16 hex, default) or "md5" (GraphQL-era 32-hex MD5 digests)
      release_command_exit  int; non-zero makes a deploy's release_command fail
      boot_command  optional argv the app's machines run when they boot after a deploy or
                    a secrets restart (boot.py): non-zero fails like flyctl's smoke checks
                    (rolling: the rollout stops, no rollback, the machine is stopped)
      config        the last deployed fly.toml (as parsed) or null
      volumes       [§2.1 volume objects + `scheduled_snapshots`]; destroyed ones stay,
                    in state `pending_destroy`
      secrets       NAME → {digest, deployed, created_at, updated_at, value}: the digest is
                    a salted SHA-256 prefix (MD5 when legacy); `value` is kept only so that
                    machines get it (older states may lack it), never printed or logged
      deployed_secrets  machine id → {NAME: value}: the secrets a machine got when it last
                    booted (what its processes see; staged secrets are not there)
      machines      [§10 machine objects, stored in the key order flyctl prints]

Machines (runtime.py, sandbox.py): a command "on a machine" (ssh console, boot commands)
runs on this host with the machine's environment only (config `env`, its deployed
secrets, FLY_* runtime variables, the host PATH), in its working folder; mount paths
(e.g. /data) in its arguments and environment are rewritten to the volume's folder and
mapped back in its output. `ssh console` details and sources: ssh.py, ssh_session.py.

Python API: `runner.simulator.state`:
    new_state(apps, *, version, logged_in, email, clock) -> state
    load(path) -> state; save(path, state); add_app(state, name) -> app
    add_volume(state, app, name, region, size_gb, *, encrypted, snapshot_retention,
               host_status) -> volume
    add_secret(state, app, name, value, *, deployed=True, legacy_md5=False) -> record
    add_machine(state, app, region, group="app", mounts=(), *, env=None) -> machine
    secret_digest(state, app, value, *, legacy_md5=False) -> str
    add_fault(state, command, kind, *, app=None, times=1, seconds=0.0, exit=1,
              stderr=None, stdout=None) -> entry
    set_boot_command(state, app, command: str | Sequence[str] | None)  (str: `sh -c`)
    volume_path(state_path, volume_id) -> Path
    seed_volume_file(state_path, app, volume_id, relative_path, data, *, state=None) -> Path
    read_volume_file(state_path, app, volume_id, relative_path, *, state=None) -> bytes
`runner.simulator.pg_import.boot_command(servers) -> argv`: a boot command standing in for
flyrun's PostgreSQL import (reads FLYRUN_IMPORT_DATABASE_URL, writes the SQLite file and the
import record on the volume; `servers` is a JSON file of the Postgres data it can reach).
`runner.simulator.shim.install_shim(bin_dir, state_path, *, name="flyctl") -> Path`, and
`runner.simulator.cli.execute(argv, state, *, env, cwd, stdin=None, state_path=None)` to
run a command in-process (`ssh console` and boot commands need `state_path`, or
FLYRUN_SIM_STATE in `env`).
"""

from __future__ import annotations
