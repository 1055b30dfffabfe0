"""Profile a batch check (run by hand; see bench/README.md and bench/PROFILE.md).

    python bench/profiling.py [--apps 200] [--jobs 16] [--latency-ms 100] [--out DIR]

On N generated rake-layout apps and the flyctl stand-in (as bench/batch.py), it runs flyrun's
command line four times and prints a Markdown report with the raw numbers:

1. plain, measured: wall, CPU, and the stand-in's call log replayed into a time-weighted
   histogram of how many flyctl calls were in flight at once;
2. under py-spy `--idle --threads` (sampling, every thread, waiting included): where each
   worker thread's wall time goes, by category (lock waits, flyctl calls and invoke, parsing);
3. under py-spy `--gil` (only the thread holding the GIL): where the CPU goes;
4. under bench/threadprof.py (cProfile per thread, thread CPU time): top functions by
   cumulative CPU, and exact call counts per app (fly.toml and Ruby parses, file reads,
   subprocesses, threads started).

py-spy is optional (`python3 -m venv /tmp/prof-venv && /tmp/prof-venv/bin/pip install py-spy`);
without it steps 2 and 3 are skipped. Raw outputs are kept in --out.
"""

from __future__ import annotations

import argparse
import pstats
import shutil
import sys
import tempfile
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # `python bench/profiling.py`

from bench.harness import (
    BENCH,
    REPO,
    STANDIN,
    BenchError,
    Fleet,
    command_kind,
    compile_checkout,
    flyrun_env,
    make_fleet,
    measure,
    read_calls,
    tail,
)

DEFAULT_PY_SPY = Path("/tmp/prof-venv/bin/py-spy")
RATE = 100  # py-spy samples per second
PLAIN = (sys.executable, "-m", "runner")  # flyrun's command line
Stack = tuple[str, tuple[str, ...], int]  # thread name, frames (outermost first), samples


def one_process(fleet: Fleet, latency_ms: int) -> dict[str, str]:
    """The profilers see one process: a fleet's worker processes (runner/fleet.py) would
    hide every app's work from py-spy and from threadprof.py, so these runs use threads."""
    return {**flyrun_env(fleet, latency_ms), "FLYRUN_PROCESSES": "1"}


def flyrun_args(fleet: Fleet, jobs: int) -> list[str]:
    return [
        "check",
        str(fleet.inventory),
        "--jobs",
        str(jobs),
        "--flyctl",
        str(STANDIN),
        "--format",
        "json",
    ]


def concurrency(log: Path) -> tuple[dict[int, float], float, float]:
    """Time-weighted histogram {calls in flight: seconds} from the call log (file order,
    /proc/uptime stamps), the mean duration of one call, and the span first start → last end."""
    level, previous = 0, None
    histogram: dict[int, float] = {}
    started: dict[str, float] = {}
    durations: list[float] = []
    for line in log.read_text(encoding="utf-8").splitlines():
        kind, pid, stamp_text = line.split(" ", 3)[:3]
        stamp = float(stamp_text)
        if previous is not None:
            histogram[level] = histogram.get(level, 0.0) + stamp - previous
        previous = stamp
        if kind == "S":
            level += 1
            started[pid] = stamp
        else:
            level -= 1
            durations.append(stamp - started.pop(pid, stamp))
    span = sum(histogram.values())
    return histogram, sum(durations) / max(len(durations), 1), span


def load_raw(path: Path) -> list[Stack]:
    """py-spy's raw (collapsed) format with --threads: `thread (TID): NAME;f1;f2 COUNT`."""
    stacks = []
    for line in path.read_text(encoding="utf-8").splitlines():
        stack, _, count = line.rpartition(" ")
        frames = stack.split(";")
        thread = frames[0].split(": ", 1)[-1] if frames[0].startswith("thread") else "?"
        stacks.append((thread, tuple(frames[1:] if thread != "?" else frames), int(count)))
    return stacks


def _in(frames: Sequence[str], *needles: str) -> bool:
    return any(needle in frame for frame in frames for needle in needles)


# (any frame containing one of these, category), first match wins; inside a flyctl call.
FLYCTL_PARTS = (
    (("Popen.__init__", "_execute_child"), "flyctl call: spawning (subprocess.Popen)"),
    (("Thread.start", "start_timer"), "flyctl call: starting invoke's timer/IO threads"),
    (
        ("Runner.wait", "Local.wait"),
        "flyctl call: waiting for the process (invoke polls every 10 ms)",
    ),
    (("Thread.join", "Runner._finish"), "flyctl call: joining invoke's IO threads"),
)
# The same, outside flyctl calls.
APP_PARTS = (
    (("tomlkit", "tomllib", "flytoml"), "fly.toml (tomlkit/tomllib and flyrun's fly.toml code)"),
    (
        ("tree_sitter", "handlers/ruby.py", "handlers/rake.py", "production_rb.py"),
        "Ruby files (tree-sitter and flyrun's Ruby edits)",
    ),
    (("layout.py", "rails_facts.py", "entrypoint.py"), "layout detection and Rails facts"),
    (
        ("runner/files.py",),
        "reading app files (open/read; the GIL is taken back after each syscall)",
    ),
    (("difflib", "report.py", "results.py"), "diffs and results"),
)


def category(frames: Sequence[str]) -> str:
    """What a worker thread is doing in one sample."""
    leaf = frames[-1] if frames else ""
    if leaf.startswith("cached_property.__get__ (functools.py"):
        return "blocked: functools.cached_property's lock (Remote.volumes/secrets/machines)"
    if leaf.startswith("_worker (concurrent/futures/thread.py"):
        return "idle in the pool: no app left to start (the run's tail)"
    in_flyctl = _in(frames, "Flyctl._run", "runner/flyctl.py")
    for needles, name in FLYCTL_PARTS if in_flyctl else APP_PARTS:
        if _in(frames, *needles):
            return name
    return "flyctl call: other invoke/parse work" if in_flyctl else "other"


def by_category(stacks: Sequence[Stack], prefix: str) -> tuple[Counter[str], int]:
    counts: Counter[str] = Counter()
    for thread, frames, samples in stacks:
        if thread.startswith(prefix):
            counts[category(frames)] += samples
    return counts, sum(counts.values())


def _label(frame: str) -> str:
    """`func (path/file.py:123)` → `func (path/file.py)`: lines merged."""
    name, _, where = frame.partition(" (")
    return f"{name} ({where.rsplit(':', 1)[0]})" if where else name


def top_frames(stacks: Sequence[Stack], limit: int) -> tuple[list[tuple[str, int, int]], int]:
    """(function, self samples, cumulative samples), by cumulative, lines merged."""
    own: Counter[str] = Counter()
    total: Counter[str] = Counter()
    for _, frames, samples in stacks:
        labels = [_label(f) for f in frames]
        if labels:
            own[labels[-1]] += samples
        for label in set(labels):
            total[label] += samples
    everything = sum(s for _, _, s in stacks)
    boring = ("Thread._bootstrap", "Thread.run", "_worker (", "_WorkItem.run", "<module>", "_run_")
    rows = [
        (label, own[label], cumulative)
        for label, cumulative in total.most_common()
        if not label.startswith(boring)
    ]
    return rows[:limit], everything


def py_spy(
    py_spy_bin: Path,
    fleet: Fleet,
    args: argparse.Namespace,
    out: Path,
    mode: str,
    entry: Sequence[str] = PLAIN,
) -> list[Stack]:
    # --nonblocking: py-spy does not stop the process per sample (stopping 26–65 threads 100
    # times a second slows the run it measures, and most where the lock is gone).
    flags = ["--idle" if mode == "idle" else "--gil", "--threads", "--nonblocking"]
    raw = out / f"py-spy-{mode}.txt"
    fleet.calls_log.write_text("", encoding="utf-8")
    argv = [str(py_spy_bin), "record", *flags, "--rate", str(RATE), "-f", "raw", "-o", str(raw)]
    argv += ["--", *entry, *flyrun_args(fleet, args.jobs)]
    run = measure(
        argv, env=one_process(fleet, args.latency_ms), cwd=fleet.root, timeout=args.timeout
    )
    if not raw.is_file() or not raw.stat().st_size:  # py-spy's exit code is not flyrun's
        raise BenchError(f"py-spy run: exit {run.exit_code}, no samples\n{tail(run.stderr)}")
    print(f"  py-spy {mode}: {run.wall:.1f} s", file=sys.stderr, flush=True)
    return load_raw(raw)


COUNTED = {
    "fly.toml parses (tomlkit.parse)": ("tomlkit/api.py", "parse"),
    "fly.toml parses (tomllib.loads)": ("tomllib/_parser.py", "loads"),
    "flyrun parse_fly_toml": ("runner/handlers/flytoml_read.py", "parse_fly_toml"),
    "Ruby parses (tree-sitter Parser.parse)": (
        "~",
        "<method 'parse' of 'tree_sitter.Parser' objects>",
    ),
    "flyrun ruby.parse": ("runner/handlers/ruby.py", "parse"),
    "files read (runner.files.read_text)": ("runner/files.py", "read_text"),
    "YAML loads (yaml.safe_load)": ("yaml/__init__.py", "safe_load"),
    "JSON loads (json.loads)": ("json/__init__.py", "loads"),
    "flyctl calls (runner.flyctl Flyctl._run)": ("runner/flyctl.py", "_run"),
    "processes spawned (subprocess.Popen)": ("subprocess.py", "__init__"),
    "threads started (Thread.start)": ("threading.py", "start"),
    "diffs computed (difflib.SequenceMatcher)": ("difflib.py", "__init__"),
    "playbook renders (runner.playbook.render)": ("runner/playbook.py", "render"),
}


def counts(stats: pstats.Stats) -> dict[str, int]:
    found: Counter[str] = Counter()
    for (filename, _, function), (_, calls, *_rest) in stats.stats.items():  # type: ignore[attr-defined]
        for label, (path, name) in COUNTED.items():
            if function == name and filename.endswith(path):
                found[label] += calls
    return {label: found[label] for label in COUNTED}


# Who parses and reads: the callers of these, with calls per app.
PARSE_SITES = (
    (
        "tomlkit.parse, through flyrun's flytoml_read.load",
        "runner/handlers/flytoml_read.py",
        "load",
    ),
    ("tomllib.loads", "tomllib/_parser.py", "loads"),
    ("tree-sitter parse, through flyrun's ruby.parse", "runner/handlers/ruby.py", "parse"),
    ("a file read from disk (runner.files.read_text)", "runner/files.py", "read_text"),
    ("a FileView read (cache or disk)", "runner/files.py", "read"),
)


def callers(stats: pstats.Stats, apps: int) -> str:
    lines = ["| parsed/read by | caller | calls/app |", "|---|---|--:|"]
    for title, path, name in PARSE_SITES:
        for (filename, _, function), value in stats.stats.items():  # type: ignore[attr-defined]
            if function != name or not filename.endswith(path):
                continue
            by_caller = sorted(value[4].items(), key=lambda item: -item[1][1])
            for caller, caller_value in by_caller[:8]:
                lines.append(f"| {title} | `{_short(caller)}` | {caller_value[1] / apps:.2f} |")
    return "\n".join(lines) + "\n"


def lane_gaps(log: Path) -> dict[str, tuple[int, float]]:
    """Per command kind: how long after one call of that kind ended the next one started
    (mean over calls that did not overlap): the time a serialised lane spends outside the
    stand-in."""
    last_end: dict[str, float] = {}
    kind_of: dict[str, str] = {}
    gaps: dict[str, list[float]] = {}
    for line in log.read_text(encoding="utf-8").splitlines():
        parts = line.split(" ", 3)
        stamp = float(parts[2])
        if parts[0] == "S":
            kind = command_kind(parts[3] if len(parts) > 3 else "")
            kind_of[parts[1]] = kind
            if kind in last_end and stamp >= last_end[kind]:
                gaps.setdefault(kind, []).append(stamp - last_end[kind])
        else:
            last_end[kind_of.get(parts[1], "?")] = stamp
    return {k: (len(v), sum(v) / len(v)) for k, v in gaps.items() if v}


def cprofile(fleet: Fleet, args: argparse.Namespace, out: Path) -> pstats.Stats:
    prof = out / "threadprof.prof"
    fleet.calls_log.write_text("", encoding="utf-8")
    argv = [sys.executable, str(BENCH / "threadprof.py"), str(prof), *flyrun_args(fleet, args.jobs)]
    run = measure(
        argv, env=one_process(fleet, args.latency_ms), cwd=fleet.root, timeout=args.timeout
    )
    if run.exit_code != 2 or not prof.is_file():
        raise BenchError(f"threadprof run: exit {run.exit_code}\n{tail(run.stderr)}")
    print(f"  cProfile per thread: {run.wall:.1f} s", file=sys.stderr, flush=True)
    return pstats.Stats(str(prof))


def _short(key: tuple[str, int, str]) -> str:
    filename, line, function = key
    filename = filename.removeprefix(f"{REPO}/")
    for marker in ("site-packages/", f"python{sys.version_info[0]}.{sys.version_info[1]}/"):
        if marker in filename:
            filename = filename.split(marker, 1)[1]
    return f"{function} ({filename}:{line})" if filename != "~" else function


def cprofile_top(stats: pstats.Stats, limit: int, apps: int) -> str:
    entries = stats.stats.items()  # type: ignore[attr-defined]
    total = stats.total_tt  # type: ignore[attr-defined]
    rows = sorted(entries, key=lambda item: item[1][3], reverse=True)
    skip = ("_bootstrap", "exec_module", "_find_and_load", "_load_unlocked", "_call_with_frames")
    lines = [
        f"Total profiled CPU: {total:.2f} s (inflated by cProfile; read as shares).\n",
        "| function | calls/app | own CPU s | cumulative CPU s | cum. share |",
        "|---|--:|--:|--:|--:|",
    ]
    shown = 0
    for key, (_, calls, own, cumulative, _callers) in rows:
        name = _short(key)
        if any(s in name for s in skip) or name.startswith(
            ("<built-in method builtins.exec", "run (threading")
        ):
            continue
        lines.append(
            f"| `{name}` | {calls / apps:.1f} | {own:.3f} | {cumulative:.3f} "
            f"| {cumulative / total:.0%} |"
        )
        shown += 1
        if shown >= limit:
            break
    return "\n".join(lines) + "\n"


def report_plain(
    fleet: Fleet, args: argparse.Namespace, entry: Sequence[str] = PLAIN, title: str = ""
) -> str:
    fleet.calls_log.write_text("", encoding="utf-8")
    argv = [*entry, *flyrun_args(fleet, args.jobs)]
    run = measure(
        argv, env=flyrun_env(fleet, args.latency_ms), cwd=fleet.root, timeout=args.timeout
    )
    if run.exit_code != 2:
        raise BenchError(f"check: exit {run.exit_code}\n{tail(run.stderr)}")
    calls = read_calls(fleet.calls_log)
    histogram, mean_call, span = concurrency(fleet.calls_log)
    floor = calls.calls * args.latency_ms / 1000 / args.jobs
    lines = [
        f"## {title or '1. The run'} ({len(fleet.names)} apps, --jobs {args.jobs}, "
        f"L = {args.latency_ms} ms)\n",
        f"- wall {run.wall:.2f} s; floor {floor:.2f} s ({calls.calls} calls × L / jobs); "
        f"ratio {run.wall / floor:.2f}×",
        f"- flyrun's own CPU {run.cpu_self:.2f} s = {run.cpu_self / run.wall:.0%} of one core "
        f"over the wall time ({run.cpu_self / len(fleet.names) * 1000:.1f} ms per app); shells "
        f"and stand-in {run.cpu_children:.2f} s",
        f"- peak RSS {run.max_rss_kb / 1024:.0f} MB, peak threads {run.peak_threads}",
        f"- calls by command: {dict(calls.commands)}",
        f"- one call lasts {mean_call * 1000:.0f} ms on average inside the stand-in "
        f"(L = {args.latency_ms} ms + sleep/cat)",
        f"- most calls in flight at once: {calls.max_concurrent} (of {args.jobs} jobs)\n",
        "Time-weighted: how long k flyctl calls were in flight at once (stamps: 10 ms)\n",
        "| k in flight | seconds | share of the span |",
        "|--:|--:|--:|",
    ]
    lines += [
        f"| {k} | {seconds:.2f} | {seconds / span:.0%} |"
        for k, seconds in sorted(histogram.items())
        if seconds > 0
    ]
    mean_level = sum(k * s for k, s in histogram.items()) / span if span else 0
    lines.append(f"\nMean calls in flight: {mean_level:.2f}.\n")
    lines += [
        "Gap between one call of a kind ending and the next of that kind starting (calls "
        "that did not overlap; 10 ms stamps):\n",
        "| command | gaps | mean gap ms |",
        "|---|--:|--:|",
    ]
    lines += [
        f"| {kind} | {n} | {mean * 1000:.0f} |"
        for kind, (n, mean) in sorted(lane_gaps(fleet.calls_log).items())
    ]
    return "\n".join(lines) + "\n"


def report_idle(stacks: Sequence[Stack], title: str = "") -> str:
    cats, total = by_category(stacks, "ThreadPoolExecutor")
    title = title or "2. Where the worker threads' wall time goes"
    lines = [
        f"## {title} (py-spy --idle)\n",
        f"{total} samples of the {args_jobs_hint(stacks)} worker threads.\n",
        "| what a worker is doing | samples | share |",
        "|---|--:|--:|",
    ]
    lines += [f"| {name} | {n} | {n / total:.1%} |" for name, n in cats.most_common()]
    return "\n".join(lines) + "\n"


def args_jobs_hint(stacks: Sequence[Stack]) -> int:
    return len({t for t, _, _ in stacks if t.startswith("ThreadPoolExecutor")})


def report_gil(stacks: Sequence[Stack], apps: int, rate: int) -> str:
    rows, everything = top_frames(stacks, 30)
    seconds = everything / rate
    lines = [
        "## 3. Where the CPU goes: the thread holding the GIL (py-spy --gil)\n",
        f"{everything} samples at {rate} Hz ≈ {seconds:.1f} s with the GIL held "
        f"≈ {seconds / apps * 1000:.1f} ms per app.\n",
        "| function | own | cumulative | cum. ms/app |",
        "|---|--:|--:|--:|",
    ]
    lines += [
        f"| `{label}` | {own / everything:.1%} | {cum / everything:.1%} "
        f"| {cum / rate / apps * 1000:.1f} |"
        for label, own, cum in rows
    ]
    cats, total = by_category(stacks, "")
    lines += ["", "By category (all threads):", "", "| category | share |", "|---|--:|"]
    lines += [f"| {name} | {n / total:.1%} |" for name, n in cats.most_common()]
    return "\n".join(lines) + "\n"


def report_counts(stats: pstats.Stats, apps: int) -> str:
    lines = [
        "## 4. Exact call counts and CPU by function (cProfile per thread, thread CPU time)\n",
        "| what | calls | per app |",
        "|---|--:|--:|",
    ]
    lines += [f"| {label} | {n} | {n / apps:.2f} |" for label, n in counts(stats).items()]
    return (
        "\n".join(lines)
        + "\n\nWho calls the parsers and readers:\n\n"
        + callers(stats, apps)
        + "\n"
        + cprofile_top(stats, 30, apps)
    )


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Profile flyrun's batch check.")
    parser.add_argument("--apps", type=int, default=200)
    parser.add_argument("--jobs", type=int, default=16)
    parser.add_argument("--latency-ms", type=int, default=100)
    parser.add_argument("--timeout", type=float, default=1800)
    parser.add_argument("--py-spy", type=Path, default=DEFAULT_PY_SPY)
    parser.add_argument("--out", type=Path, help="folder for raw outputs (default: temporary)")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    compile_checkout()
    out = args.out or Path(tempfile.mkdtemp(prefix="flyrun-profile-out-"))
    out.mkdir(parents=True, exist_ok=True)
    root = Path(tempfile.mkdtemp(prefix="flyrun-profile-"))
    sections = []
    try:
        fleet = make_fleet(root, args.apps)
        sections.append(report_plain(fleet, args))
        if args.py_spy.is_file():
            sections.append(report_idle(py_spy(args.py_spy, fleet, args, out, "idle")))
            sections.append(
                report_gil(py_spy(args.py_spy, fleet, args, out, "gil"), args.apps, RATE)
            )
        else:
            print(f"{args.py_spy} not found: py-spy sections skipped", file=sys.stderr)
        sections.append(report_counts(cprofile(fleet, args, out), args.apps))
    except BenchError as exc:
        print(f"profiling: error: {exc}", file=sys.stderr)
        return 1
    finally:
        shutil.rmtree(root, ignore_errors=True)
    print("\n".join(sections))
    print(f"raw outputs in {out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
