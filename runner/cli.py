"""Command line: `flyrun validate|check|apply|tasks|schema|demo`. `main` is the only place
exceptions become exit codes (README "Exit codes": 0 converged, 2 check found pending
changes, 1 failure, 3 internal error, 130 Ctrl-C). Imports are lazy so that `flyrun --version`
and `flyrun validate` start fast."""

from __future__ import annotations

import argparse
import os
import sys
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from runner import __version__

if TYPE_CHECKING:
    from runner.errors import SpecError
    from runner.events import Event
    from runner.run import RunRequest

EXIT_OK, EXIT_FAILED, EXIT_PENDING, EXIT_INTERNAL, EXIT_INTERRUPTED = 0, 1, 2, 3, 130
FORMATS = ("text", "json", "github")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="flyrun",
        description="Convert Rails apps on Fly.io to SQLite3 on a persistent volume.",
    )
    parser.add_argument("--version", action="version", version=f"flyrun {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    validate = sub.add_parser("validate", help="check specs and app files offline (no flyctl)")
    _spec_options(validate)
    for name, text in (
        ("check", "report what would change; change nothing (exit 2 if pending)"),
        ("apply", "make the changes, then prove nothing is left to do"),
    ):
        command = sub.add_parser(name, help=text)
        _spec_options(command)
        _run_options(command, apply=name == "apply")
    report = sub.add_parser("report", help="work on JSON reports (merge the shards of a fleet)")
    report_sub = report.add_subparsers(dest="report_command", required=True, metavar="ACTION")
    merge = report_sub.add_parser("merge", help="merge JSON reports into one (stdout)")
    merge.add_argument("reports", nargs="+", type=Path, metavar="REPORT")
    tasks = sub.add_parser("tasks", help="list the task types and preflight checks")
    tasks.add_argument("--format", choices=("text", "json"), default="text")
    schema = sub.add_parser("schema", help="print the spec's JSON Schema")
    schema.add_argument(
        "--playbook", action="store_true", help="the playbook schema (generated from the tasks)"
    )
    demo = sub.add_parser(
        "demo",
        help="check → apply → check a bundled example app against "
        "the built-in flyctl simulator, in a temporary folder",
    )
    demo.add_argument("--keep", action="store_true", help="keep the temporary folder")
    return parser


def _spec_options(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        "specs",
        nargs="+",
        type=Path,
        metavar="SPEC",
        help="spec or inventory files, or glob patterns of them (quoted: 'apps/*/fly-sqlite.yml')",
    )
    command.add_argument(
        "--limit",
        action="append",
        default=[],
        metavar="PATTERN",
        help="only the apps whose name matches this glob (repeatable)",
    )
    command.add_argument(
        "--shard",
        type=_shard,
        metavar="I/N",
        help="only slice I of N (1-based; disjoint slices covering every app, for a CI matrix)",
    )
    command.add_argument(
        "--format",
        choices=FORMATS,
        default="text",
        help="json: one JSON report on stdout (text on stderr); github: GitHub Actions "
        "annotations on stdout after the text report",
    )
    command.add_argument("--playbook", type=Path, metavar="FILE", help="run this playbook")
    command.add_argument("-q", "--quiet", action="store_true", help="only what changes or fails")
    command.add_argument("-v", "--verbose", action="store_true", help="also state-file records")
    command.add_argument("--no-color", action="store_true", help="no colour (also NO_COLOR)")


def _run_options(command: argparse.ArgumentParser, *, apply: bool) -> None:
    command.add_argument(
        "--flyctl", metavar="PATH", help="flyctl binary (default: $FLYRUN_FLYCTL, flyctl, fly)"
    )
    command.add_argument(
        "--replace-database-url",
        action="store_true",
        help="allow replacing a DATABASE_URL secret flyrun cannot verify",
    )
    command.add_argument(
        "-j",
        "--jobs",
        "--forks",
        dest="jobs",
        type=_positive,
        default=8,
        metavar="N",
        help="flyctl processes (and apps) at once, across the run (default 8)",
    )
    command.add_argument(
        "--flyctl-timeout",
        type=_seconds,
        metavar="SECONDS",
        help="timeout of each flyctl query and small mutation (default: "
        "$FLYRUN_FLYCTL_TIMEOUT, else 120)",
    )
    command.add_argument(
        "--deploy-timeout", type=_seconds, metavar="SECONDS", help="timeout of `fly deploy` (1800)"
    )
    command.add_argument(
        "--max-fail-percent",
        type=_percent,
        metavar="P",
        help="start no new app once more than P %% of the apps failed (they report skipped)",
    )
    command.add_argument(
        "--lock-timeout",
        type=_seconds,
        default=60.0,
        metavar="SECONDS",
        help="how long to wait for another flyrun run on the same app (default 60)",
    )
    if apply:
        command.add_argument(
            "-y", "--yes", action="store_true", help="do not ask for confirmation on a terminal"
        )
    else:
        command.add_argument(
            "--offline",
            action="store_true",
            help="do not run flyctl: file tasks exactly, remote tasks unknown",
        )


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def _shard(text: str) -> tuple[int, int]:
    index, _, count = text.partition("/")
    if not (index.isdigit() and count.isdigit()) or not 1 <= int(index) <= int(count):
        raise argparse.ArgumentTypeError(f"expected I/N with 1 <= I <= N, got {text!r}")
    return int(index), int(count)


def _percent(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a percentage, got {text!r}") from None
    if not 0 <= value <= 100:
        raise argparse.ArgumentTypeError(f"must be between 0 and 100, got {text}")
    return value


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of seconds, got {text!r}") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be more than 0, got {text}")
    return value


def main(argv: Sequence[str] | None = None) -> int:
    """Run flyrun; stdout and stderr are made inert for GitHub Actions meanwhile (text from
    input never forms a workflow command); the machine outputs write to the real stdout."""
    from runner.report.inert import InertStream

    out, err = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = InertStream(out), InertStream(err)
    try:
        return _main(argv, out)
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        sys.stdout, sys.stderr = out, err


def _main(argv: Sequence[str] | None, raw: TextIO) -> int:
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as exc:  # usage errors are failures (1), never "changes pending" (2)
        return EXIT_OK if exc.code in (0, None) else EXIT_FAILED
    args.raw = raw
    try:
        return _dispatch(args)
    except KeyboardInterrupt:
        print(
            "flyrun: interrupted; an app may be partly converted: run `flyrun check` to see "
            "what is left, and `flyrun apply` again to finish",
            file=sys.stderr,
        )
        return EXIT_INTERRUPTED
    except Exception as exc:
        from runner.errors import RunnerError, SpecError

        if isinstance(exc, SpecError):
            return _early_failure(args, "invalid spec", exc)
        if isinstance(exc, RunnerError):
            return _early_failure(args, str(exc), None)
        traceback.print_exc()
        print(
            "flyrun: internal error (a bug: please report it with the traceback above)",
            file=sys.stderr,
        )
        return EXIT_INTERNAL


def _early_failure(args: argparse.Namespace, message: str, error: SpecError | None) -> int:
    """The run stopped before any app (a spec or playbook problem, flyctl not found): the
    text on stderr, and one report in every requested format."""
    from runner.events import RunFinished, RunResult

    problems = tuple((p.location, p.message) for p in error.problems) if error else ()
    print(error if error is not None else f"flyrun: error: {message}", file=sys.stderr)
    mode = "check" if getattr(args, "command", "check") == "validate" else args.command
    result = RunResult(
        mode if mode in ("check", "apply") else "check", (), error=message, problems=problems
    )
    for subscriber in _machine_outputs(args):
        subscriber(RunFinished(result, EXIT_FAILED))
    return EXIT_FAILED


def _machine_outputs(args: argparse.Namespace) -> list[Callable[[Event], None]]:
    fmt = getattr(args, "format", "text")
    outputs: list[Callable[[Event], None]] = []
    if fmt == "json":
        from runner.report.json import JsonReporter

        outputs.append(JsonReporter(args.raw))
    elif fmt == "github":
        from runner.report.github import GithubReporter

        outputs.append(GithubReporter(args.raw))
    return outputs


def _dispatch(args: argparse.Namespace) -> int:
    if args.command == "demo":
        from runner.demo import run_demo  # lazy: only the demo needs the simulator

        return run_demo(main, keep=args.keep)
    if args.command == "tasks":
        from runner.report.tasks import print_tasks

        return print_tasks(sys.stdout, args.format)
    if args.command == "schema":
        return _schema(args.playbook)
    if args.command == "report":
        import json

        from runner.report.inert import inert_json
        from runner.report.merge import merge

        merged = merge(args.reports)
        args.raw.write(inert_json(json.dumps(merged, indent=2)) + "\n")
        return int(merged["summary"]["exit_code"])
    from runner.select import expand_globs, select
    from runner.spec import load_for_run

    loaded = load_for_run(expand_globs(args.specs), playbook=args.playbook)
    specs = tuple(select(loaded, args.limit, args.shard))
    _load_playbooks(specs)
    request = _request(args, specs)
    confirm = args.command == "apply" and not args.yes and sys.stdin.isatty()
    if confirm and not _confirmed(args, request):
        return EXIT_FAILED
    return _run(args, request)


def _load_playbooks(specs: tuple[Any, ...]) -> None:
    """Every playbook the apps name, loaded (and validated) before anything runs."""
    from runner.playbook import load_playbook

    for path in dict.fromkeys(getattr(spec, "playbook", None) for spec in specs):
        load_playbook(path)


def _request(args: argparse.Namespace, specs: tuple[Any, ...]) -> RunRequest:
    from runner.flyctl.client import Timeouts
    from runner.run import RunRequest

    query = getattr(args, "flyctl_timeout", None) or _env_seconds("FLYRUN_FLYCTL_TIMEOUT", 120.0)
    deploy = getattr(args, "deploy_timeout", None) or 1800.0
    return RunRequest(
        mode=args.command,
        specs=specs,
        flyctl=getattr(args, "flyctl", None),
        jobs=getattr(args, "jobs", 8),
        replace_database_url=getattr(args, "replace_database_url", False),
        offline=getattr(args, "offline", False),
        timeouts=Timeouts(query=query, deploy=deploy),
        lock_wait=getattr(args, "lock_timeout", 60.0),
        max_fail_percent=getattr(args, "max_fail_percent", None),
    )


def _env_seconds(name: str, default: float) -> float:
    from runner.errors import RunnerError

    raw = os.environ.get(name)
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise RunnerError(f"{name}={raw!r} is not a number of seconds") from None
    if not value > 0:
        raise RunnerError(f"{name}={raw!r} must be more than 0")
    return value


def _text_stream(args: argparse.Namespace) -> TextIO:
    return sys.stderr if args.format == "json" else sys.stdout


def _run(args: argparse.Namespace, request: RunRequest) -> int:
    from runner.report.text import TextReporter, use_colour
    from runner.run import run

    if args.command == "validate" and args.format == "text":
        from runner.report.validate import ValidateReporter

        return run(request, [ValidateReporter(sys.stdout, sys.stderr)], dict(os.environ))
    text = _text_stream(args)
    colour = not args.no_color and use_colour(text)
    live = len(request.specs) == 1 or request.jobs == 1
    reporter = TextReporter(
        text,
        live=live,
        colour=colour,
        quiet=args.quiet,
        verbose=args.verbose,
        status_line=not live and text.isatty() and os.environ.get("TERM") != "dumb",
    )
    return run(request, [reporter, *_machine_outputs(args)], dict(os.environ))


def _confirmed(args: argparse.Namespace, request: RunRequest) -> bool:
    """On a terminal: show the plan (a check pass), then ask before applying."""
    from dataclasses import replace

    from runner.report.text import TextReporter, use_colour
    from runner.run import run

    text = _text_stream(args)
    reporter = TextReporter(text, live=True, colour=not args.no_color and use_colour(text))
    code = run(replace(request, mode="check"), [reporter], dict(os.environ))
    if code == EXIT_FAILED:
        sys.stderr.write("\nnothing changed: fix the failures above first\n")
        return False
    if code == EXIT_OK:
        return True  # converged: nothing to confirm
    sys.stderr.write("\nApply these changes? [y/N] ")  # not stdout: it may be redirected
    sys.stderr.flush()
    if sys.stdin.readline().strip().lower() in ("y", "yes"):
        return True
    sys.stderr.write("nothing changed\n")
    return False


def _schema(playbook: bool) -> int:
    import json

    if playbook:
        from runner.playbook.schema import playbook_schema

        data = playbook_schema()
    else:
        from runner.resources import load_json

        data = load_json("schemas", "spec.schema.json")
    print(json.dumps(data, indent=2, ensure_ascii=False))
    return EXIT_OK
