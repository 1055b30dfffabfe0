"""A `flyctl` shim script for tests: put its folder first on PATH to use the simulator.

It is written into a temporary folder by tests and `flyrun demo`; it is never installed
as a console script (it would shadow the real flyctl).
"""

from __future__ import annotations

import shlex
import sys
from pathlib import Path

_REPO = Path(__file__).resolve().parents[2]


def install_shim(bin_dir: Path, state_path: Path, *, name: str = "flyctl") -> Path:
    """Write an executable `bin_dir/name` that runs this simulator on `state_path`.

    The script exports FLYRUN_SIM_STATE (absolute) and prepends the checkout holding
    `runner` to PYTHONPATH, then `exec`s `python -m runner.simulator "$@"` with the current
    interpreter. FLYRUN_SIM_LOG is left to the environment (default: `<state>.log`).
    """
    bin_dir.mkdir(parents=True, exist_ok=True)
    script = bin_dir / name
    state = shlex.quote(str(Path(state_path).resolve()))
    repo = shlex.quote(str(_REPO))
    script.write_text(
        "#!/bin/sh\n"
        "# flyctl simulator shim (runner.simulator); not the real flyctl.\n"
        f"FLYRUN_SIM_STATE={state}\n"
        "export FLYRUN_SIM_STATE\n"
        f'PYTHONPATH={repo}"${{PYTHONPATH:+:$PYTHONPATH}}"\n'
        "export PYTHONPATH\n"
        f'exec {shlex.quote(sys.executable)} -m runner.simulator "$@"\n',
        encoding="utf-8",
    )
    script.chmod(0o755)
    return script
