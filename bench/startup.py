"""Start-up benchmark (run by hand; see bench/README.md).

    python bench/startup.py [--runs 30] [--importtime]

Times `flyrun --version` and `flyrun validate <example spec>` against a bare `python -c pass`
(median of --runs runs each, after warm-up runs, commands interleaved so drift hits all
alike) and prints the ratios. Every command runs in a fresh virtual environment, as a user's
`pip install` would have it: its own empty site-packages plus a `.pth` naming this checkout
and the running interpreter's site-packages (for flyrun's dependencies). The interpreter's
own site-packages is not a site directory there, so no `.pth` file of the machine runs at
start-up (on the machine these numbers come from, one imports certifi: +18 ms on every
`python -c pass`, which made every ratio look smaller). `flyrun` is a console script
written exactly as pip writes one from pyproject.toml's `[project.scripts]`; `python -m
runner` is timed too. --importtime adds the slowest top-level imports of each command
(`python -X importtime`).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import sysconfig
import tempfile
import time
import venv
from collections.abc import Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # `python bench/startup.py`

from bench.harness import REPO, BenchError, compile_checkout, tail

SPEC = REPO / "playbooks" / "examples" / "shop" / "fly-sqlite.yml"
# What pip writes for pyproject.toml's `[project.scripts] flyrun = "runner.entry:main"`.
CONSOLE_SCRIPT = """#!{python}
# -*- coding: utf-8 -*-
import re
import sys
from runner.entry import main
if __name__ == '__main__':
    sys.argv[0] = re.sub(r'(-script\\.pyw|\\.exe)?$', '', sys.argv[0])
    sys.exit(main())
"""


def environment() -> dict[str, str]:
    env = dict(os.environ)
    env.pop("PYTHONPATH", None)  # the venv's .pth says where flyrun and its dependencies are
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # bytecode caches as after `pip install`
    return env


def user_venv(folder: Path) -> Path:
    """A virtual environment whose site-packages finds this checkout first, then the running
    interpreter's packages (no `pip install`: no network, and the same dependency versions);
    returns its python."""
    venv.create(folder, with_pip=False, symlinks=True)
    python = folder / "bin" / "python"
    done = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    )
    paths = {sysconfig.get_paths()[key] for key in ("purelib", "platlib")}
    lines = [str(REPO), *sorted(paths)]
    (Path(done.stdout.strip()) / "flyrun-bench.pth").write_text("\n".join(lines) + "\n")
    return python


def once(argv: Sequence[str], env: dict[str, str], expect: int) -> float:
    start = time.perf_counter()
    done = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=60, check=False)
    seconds = time.perf_counter() - start
    if done.returncode != expect:
        raise BenchError(
            f"{' '.join(argv)}: exit {done.returncode}, expected {expect}\n{tail(done.stderr)}"
        )
    return seconds


def commands(script: Path, python: Path) -> dict[str, tuple[list[str], int]]:
    py = str(python)
    return {
        "python -c pass": ([py, "-c", "pass"], 0),
        "flyrun --version": ([str(script), "--version"], 0),
        "python -m runner --version": ([py, "-m", "runner", "--version"], 0),
        "flyrun validate example": ([str(script), "validate", str(SPEC)], 0),
        "python -m runner validate example": ([py, "-m", "runner", "validate", str(SPEC)], 0),
    }


def importtime(
    argv: Sequence[str], python: Path, env: dict[str, str], limit: int
) -> list[tuple[str, int]]:
    """Top-level imports by cumulative microseconds (`-X importtime`, one run)."""
    py = str(python)
    done = subprocess.run(
        [py, "-X", "importtime", *argv[1:]] if argv[0] == py else [py, "-X", "importtime", *argv],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    rows = []
    for line in done.stderr.splitlines():
        if not line.startswith("import time:") or "cumulative" in line:
            continue
        _, cumulative, name = line[len("import time:") :].split("|")
        if not name[1:2].isspace():  # nested imports are indented under their importer
            rows.append((name.strip(), int(cumulative)))
    return sorted(rows, key=lambda row: -row[1])[:limit]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="flyrun start-up vs a bare Python start-up")
    parser.add_argument("--runs", type=int, default=30, help="timed runs per command (≥ 20)")
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--importtime", action="store_true")
    args = parser.parse_args(argv)
    env = environment()
    compile_checkout()
    folder = Path(tempfile.mkdtemp(prefix="flyrun-startup-"))
    try:
        python = user_venv(folder / "venv")
        script = folder / "flyrun"
        script.write_text(CONSOLE_SCRIPT.format(python=python), encoding="utf-8")
        script.chmod(0o755)
        table = commands(script, python)
        samples: dict[str, list[float]] = {name: [] for name in table}
        for round_number in range(args.warmup + args.runs):
            for name, (command, expect) in table.items():
                seconds = once(command, env, expect)
                if round_number >= args.warmup:
                    samples[name].append(seconds)
        base = statistics.median(samples["python -c pass"])
        cores = len(os.sched_getaffinity(0))
        print(f"Python {sys.version.split()[0]} in a fresh venv, {cores} cores")
        print(f"median of {args.runs} runs after {args.warmup} warm-up runs\n")
        print("| command | median ms | min ms | own ms (− python's) | ratio to python -c pass |")
        print("|---|--:|--:|--:|--:|")
        for name, values in samples.items():
            median = statistics.median(values)
            print(
                f"| `{name}` | {median * 1000:.1f} | {min(values) * 1000:.1f} "
                f"| {(median - base) * 1000:.1f} | {median / base:.2f}× |"
            )
        if args.importtime:
            for name in ("python -c pass", "flyrun --version", "flyrun validate example"):
                print(f"\nSlowest top-level imports of `{name}` (-X importtime, cumulative):\n")
                print("| module | ms |\n|---|--:|")
                for module, micros in importtime(table[name][0], python, env, 12):
                    print(f"| {module} | {micros / 1000:.1f} |")
    except (BenchError, subprocess.TimeoutExpired) as exc:
        print(f"startup: error: {exc}", file=sys.stderr)
        return 1
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
