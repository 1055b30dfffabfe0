"""`flyrun demo`: the bundled example app, copied to a temporary folder, taken through
check → apply → check against the flyctl simulator, printing what a user would see."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable
from importlib.resources.abc import Traversable
from pathlib import Path

from runner.resources import bundled

EXAMPLE = "shop"
EXPECTED = (2, 0, 0)  # check: pending; apply: done; check: converged
MEANING = {0: "nothing left to do", 1: "failed", 2: "changes pending"}


def copy_tree(source: Traversable, target: Path) -> None:
    """Copy a bundled folder (a plain folder, or inside a zip) to `target`."""
    target.mkdir(parents=True, exist_ok=True)
    for entry in source.iterdir():
        if entry.is_dir():
            copy_tree(entry, target / entry.name)
        else:
            (target / entry.name).write_bytes(entry.read_bytes())


def prepare(root: Path) -> tuple[Path, Path]:
    """The example app and a simulated Fly account where `shop` runs one machine in iad."""
    from runner.simulator.shim import install_shim
    from runner.simulator.state import add_machine, add_secret, new_state, save

    app = root / EXAMPLE
    copy_tree(bundled("playbooks") / "examples" / EXAMPLE, app)
    state_path = root / "flyctl-state.json"
    state = new_state([EXAMPLE])
    add_machine(state, EXAMPLE, "iad", group="app", mounts=[])
    add_secret(state, EXAMPLE, "RAILS_MASTER_KEY", "0f1e2d3c4b5a69788796a5b4c3d2e1f0")
    save(state_path, state)
    return app / "fly-sqlite.yml", install_shim(root / "bin", state_path)


def run_demo(main: Callable[[list[str]], int], *, keep: bool = False) -> int:
    """`main` is the CLI's entry point (passed in: the demo sits below the CLI)."""
    root = Path(tempfile.mkdtemp(prefix="flyrun-demo-"))
    try:
        spec, shim = prepare(root)
        print(f"flyrun demo: example app copied to {spec.parent}")
        print(f"flyrun demo: flyctl is the built-in simulator ({shim})\n")
        codes = []
        for step, argv in enumerate((["check"], ["apply", "--yes"], ["check"]), 1):
            print(f"{'=' * 72}\n{step}. flyrun {argv[0]} {spec.name}\n{'=' * 72}", flush=True)
            codes.append(main([*argv, str(spec), "--flyctl", str(shim)]))
            meaning = MEANING.get(codes[-1], "see README: Exit codes")
            print(f"\n(exit code {codes[-1]}: {meaning})\n", flush=True)
        verdict = "as expected" if tuple(codes) == EXPECTED else f"expected {EXPECTED}"
        print(f"flyrun demo: exit codes {tuple(codes)}, {verdict}")
        return 0 if tuple(codes) == EXPECTED else 1
    finally:
        if keep:
            print(f"flyrun demo: kept {root}")
        else:
            shutil.rmtree(root, ignore_errors=True)
