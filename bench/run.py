"""Benchmarks, run by hand (never in the test suite): `python bench/run.py [--apps N]`.

Measures wall time (median of several runs) of: CLI start-up (`--version`), offline
validation of the example spec, one app's `check` against the simulator, and a batch
`check` of N copies of the example from one inventory with --jobs 1 and --jobs 4.
Prints a Markdown table; paste it into bench/RESULTS.md with the machine's description."""

from __future__ import annotations

import argparse
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))


def timed(argv: Sequence[str], runs: int) -> float:
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(argv, cwd=REPO, capture_output=True, check=False)
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def batch(root: Path, count: int) -> tuple[Path, Path]:
    from runner.demo import copy_tree
    from runner.resources import bundled
    from runner.simulator.shim import install_shim
    from runner.simulator.state import add_machine, new_state, save

    names = [f"shop{i}" for i in range(count)]
    state = new_state(names)
    lines = ["version: 1", "defaults:", "  volume: {size: 3, region: iad}", "apps:"]
    for name in names:
        app = root / name
        copy_tree(bundled("playbooks") / "examples" / "shop", app)
        toml = app / "fly.toml"
        toml.write_text(toml.read_text().replace('app = "shop"', f'app = "{name}"'))
        (app / "fly-sqlite.yml").unlink()
        add_machine(state, name, "iad")
        lines.append(f"  - {{app: {name}, path: {name}, volume: {{name: {name}_data}}}}")
    save(root / "state.json", state)
    (root / "inventory.yml").write_text("\n".join(lines) + "\n")
    return root / "inventory.yml", install_shim(root / "bin", root / "state.json")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--apps", type=int, default=20)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    py = sys.executable
    spec = REPO / "playbooks/examples/shop/fly-sqlite.yml"
    rows = [
        ("start-up: flyrun --version", timed([py, "-m", "runner", "--version"], args.runs)),
        (
            "validate example spec (offline)",
            timed([py, "-m", "runner", "validate", str(spec)], args.runs),
        ),
    ]
    root = Path(tempfile.mkdtemp(prefix="flyrun-bench-"))
    try:
        inventory, shim = batch(root, args.apps)
        one = [py, "-m", "runner", "check", str(spec), "--flyctl", str(shim)]
        rows.append(("check, 1 app, simulator (flyctl calls dominate)", timed(one, args.runs)))
        for jobs in (1, 4):
            argv = [
                py,
                "-m",
                "runner",
                "check",
                str(inventory),
                "--flyctl",
                str(shim),
                "--jobs",
                str(jobs),
            ]
            rows.append((f"check, {args.apps} apps, --jobs {jobs}", timed(argv, 1)))
    finally:
        shutil.rmtree(root, ignore_errors=True)
    print(
        f"Python {platform.python_version()} on {platform.machine()}, "
        f"{len(__import__('os').sched_getaffinity(0))} cores\n"
    )
    print("| benchmark | median wall time |\n|---|---|")
    for name, seconds in rows:
        print(f"| {name} | {seconds * 1000:.0f} ms |")


if __name__ == "__main__":
    main()
