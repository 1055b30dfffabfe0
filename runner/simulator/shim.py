"""A `flyctl` shim script for tests: put its folder first on PATH to use the simulator.

It is written into a temporary folder by tests and `flyrun demo`; it is never installed
as a console script (it would shadow the real flyctl).

Tests start one simulator process per flyctl call, so the shim is tuned for start-up:
- `python -S`: no `site` import. The simulator needs only the standard library (PyYAML, for
  a `fly.yaml`, is imported after `site.main()` on first use), and `site` runs every `.pth`
  file of the environment, which can cost more than the simulator itself.
- byte-code cache: when the environment forbids writing byte code next to the sources
  (PYTHONDONTWRITEBYTECODE, common in CI and sandboxes), every call recompiled every module.
  The shim lets Python write it to `PYTHONPYCACHEPREFIX` (kept when already set, else a
  per-user folder in the temp directory), so nothing is written into the checkout.
"""

from __future__ import annotations

import os
import shlex
import sys
import tempfile
from pathlib import Path

_REPO = Path(__file__).resolve().parents[2]


def pycache_dir() -> Path:
    """The default byte-code cache of simulator processes (one per user)."""
    uid = os.getuid() if hasattr(os, "getuid") else 0
    return Path(tempfile.gettempdir()) / f"flyrun-sim-pycache-{uid}"


def install_shim(bin_dir: Path, state_path: Path, *, name: str = "flyctl") -> Path:
    """Write an executable `bin_dir/name` that runs this simulator on `state_path`.

    The script exports FLYRUN_SIM_STATE (absolute) and prepends the checkout holding
    `runner` to PYTHONPATH, then `exec`s `python -S -m runner.simulator "$@"` with the
    current interpreter. FLYRUN_SIM_LOG is left to the environment (default: `<state>.log`).
    """
    bin_dir.mkdir(parents=True, exist_ok=True)
    script = bin_dir / name
    state = shlex.quote(str(Path(state_path).resolve()))
    repo = shlex.quote(str(_REPO))
    cache = shlex.quote(str(pycache_dir()))
    script.write_text(
        "#!/bin/sh\n"
        "# flyctl simulator shim (runner.simulator); not the real flyctl.\n"
        f"FLYRUN_SIM_STATE={state}\n"
        "export FLYRUN_SIM_STATE\n"
        f'PYTHONPATH={repo}"${{PYTHONPATH:+:$PYTHONPATH}}"\n'
        "export PYTHONPATH\n"
        f"_flyrun_sim_cache={cache}\n"
        'PYTHONPYCACHEPREFIX="${PYTHONPYCACHEPREFIX:-$_flyrun_sim_cache}"\n'
        "PYTHONDONTWRITEBYTECODE=\n"
        "export PYTHONPYCACHEPREFIX PYTHONDONTWRITEBYTECODE\n"
        f'exec {shlex.quote(sys.executable)} -S -m runner.simulator "$@"\n',
        encoding="utf-8",
    )
    script.chmod(0o755)
    return script
