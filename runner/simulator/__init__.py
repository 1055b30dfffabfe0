"""A stateful fake `flyctl` for tests and `flyrun demo` (DESIGN §8; reference/flyctl.md).

Run it as `python -m runner.simulator ARGS...` (tests install a `flyctl` shim with
`runner.simulator.shim.install_shim`). It reproduces, for the flyctl version recorded in its
state, the flags, JSON shapes, messages and exit codes of: `version`, `auth whoami`,
`volumes create|list|show|extend|destroy`, `secrets list|set|unset|import|deploy`,
`machines list`, `status` and `deploy`. It is never interactive: every confirmation prompt
fails the way flyctl fails off a terminal.

Environment
    FLYRUN_SIM_STATE  path of the JSON state file (required; it must exist).
    FLYRUN_SIM_LOG    call log, one JSON line per call (default `<state path>.log`):
                      `{"argv": [...], "stdin": "...", "exit": N}`; `stdin` only when the
                      command read stdin, with every secret value replaced by `***`.
                      argv is logged verbatim: it is public anyway (process list), and this
                      lets tests catch a client that puts a secret on argv.
    FLY_API_TOKEN / FLY_ACCESS_TOKEN (or `-t`) count as logged in; FLY_APP, FLY_REGION and
    FLY_JSON act as in flyctl.

The state file is rewritten (atomically, under a lock file `<state>.lock`) only when a
command changed something; read-only commands leave it byte-identical.

State format (`format: 1`), all plain JSON:
    version       flyctl version to emulate, e.g. "0.4.87" (gates flags and shapes)
    logged_in     bool (the config-file token); email: `auth whoami` answer
    organization  org slug; clock: fixed RFC 3339 time for timestamps, or null (real time)
    seed, seq     make generated IDs deterministic (seq counts IDs handed out)
    apps          name → app:
      name, deployed (bool), release_version (int), primary_region (str|null)
      secret_salt   per-app random salt of the 16-hex secret digests (never shown)
      digest_style  "salted" (16 hex, default) or "md5" (GraphQL-era 32-hex MD5 digests)
      release_command_exit  int; non-zero makes a deploy's release_command fail
      config        the last deployed fly.toml (as parsed) or null
      volumes       [§2.1 volume objects + `scheduled_snapshots`]; destroyed ones stay,
                    in state `pending_destroy`
      secrets       NAME → {digest, deployed, created_at, updated_at}; values are never
                    stored, only the digest (salted SHA-256 prefix, or MD5 when legacy)
      machines      [§10 machine objects, stored in the key order flyctl prints]

Python API: `runner.simulator.state` (new_state, load, save, add_app, add_volume,
add_secret, add_machine, secret_digest), `runner.simulator.shim.install_shim`, and
`runner.simulator.cli.execute` to run a command in-process.
"""

from __future__ import annotations
