"""Command line: `flyrun validate|check|apply|demo`. `main` is the only place exceptions
become exit codes (0 converged, 2 check found pending changes, 1 failure, 3 internal, 130 ^C)."""

from __future__ import annotations

import argparse
import os
import sys
import traceback
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from runner import __version__
from runner.errors import RunnerError, SpecError

if TYPE_CHECKING:
    from runner.spec import AppSpec

EXIT_OK, EXIT_FAILED, EXIT_PENDING, EXIT_INTERNAL, EXIT_INTERRUPTED = 0, 1, 2, 3, 130


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="flyrun",
        description="Convert Rails apps on Fly.io to SQLite3 on a persistent volume.",
    )
    parser.add_argument("--version", action="version", version=f"flyrun {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    validate = sub.add_parser("validate", help="validate spec files (offline, no flyctl)")
    validate.add_argument("specs", nargs="+", type=Path, metavar="SPEC")
    for name, text in (
        ("check", "report what would change; change nothing (exit 2 if pending)"),
        ("apply", "make the changes, then prove nothing is left to do"),
    ):
        command = sub.add_parser(name, help=text)
        command.add_argument("specs", nargs="+", type=Path, metavar="SPEC")
        _run_options(command)
        if name == "apply":
            command.add_argument(
                "-y", "--yes", action="store_true", help="do not ask for confirmation on a terminal"
            )
    demo = sub.add_parser(
        "demo",
        help="check → apply → check a bundled example app against "
        "the built-in flyctl simulator, in a temporary folder",
    )
    demo.add_argument("--keep", action="store_true", help="keep the temporary folder")
    return parser


def _run_options(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        "--format",
        choices=("text", "json", "github"),
        default="text",
        help="json: one JSON report on stdout, text on stderr; github: the text report plus "
        "GitHub Actions annotations (::error/::warning/::notice) on stdout",
    )
    command.add_argument(
        "--flyctl",
        metavar="PATH",
        help="flyctl binary (default: $FLYRUN_FLYCTL, then flyctl, fly on PATH)",
    )
    command.add_argument(
        "--replace-database-url",
        action="store_true",
        help="allow replacing a DATABASE_URL secret flyrun cannot verify",
    )
    command.add_argument(
        "-j",
        "--jobs",
        type=_positive,
        default=4,
        metavar="N",
        help="apps converted in parallel (default 4)",
    )


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def main(argv: Sequence[str] | None = None) -> int:
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as exc:  # usage errors are failures (1), never "changes pending" (2)
        return EXIT_OK if exc.code in (0, None) else EXIT_FAILED
    try:
        return _dispatch(args)
    except KeyboardInterrupt:
        print(
            "flyrun: interrupted; an app may be partly converted: run `flyrun check` to see "
            "what is left, and `flyrun apply` again to finish",
            file=sys.stderr,
        )
        return EXIT_INTERRUPTED
    except SpecError as exc:
        print(exc, file=sys.stderr)
        if getattr(args, "format", "text") == "github":
            from runner.report_github import spec_annotations

            print("\n".join(spec_annotations(exc.problems)))
        _json_error(
            args,
            "invalid spec",
            [
                {
                    "file": p.location.file,
                    "line": p.location.line,
                    "column": p.location.column,
                    "message": p.message,
                }
                for p in exc.problems
            ],
        )
        return EXIT_FAILED
    except RunnerError as exc:
        print(f"flyrun: error: {exc}", file=sys.stderr)
        _json_error(args, str(exc), [])
        if getattr(args, "format", "text") == "github":
            from runner.report_github import annotation

            print(annotation("error", str(exc), title="flyrun"))
        return EXIT_FAILED
    except Exception:
        traceback.print_exc()
        print(
            "flyrun: internal error (a bug: please report it with the traceback above)",
            file=sys.stderr,
        )
        return EXIT_INTERNAL


def _json_error(args: argparse.Namespace, message: str, problems: list[dict[str, Any]]) -> None:
    """With --format json, CI still gets one JSON document when the run stops early."""
    if getattr(args, "format", "text") != "json":
        return
    import json

    from runner.report import error_report

    print(json.dumps(error_report(args.command, message, problems), indent=2))


def _validate(specs: list[AppSpec]) -> int:
    """Offline: the specs are valid (load_specs raised otherwise); now the app files."""
    from runner.files import FileView
    from runner.preflight import offline_problems
    from runner.tasks.base import Options, Remote, TaskContext

    code = EXIT_OK
    for spec in specs:
        ctx = TaskContext(spec, FileView(), Remote(None, spec.app), Options())
        problems = offline_problems(ctx)
        for problem in problems:
            print(f"{spec.spec_file}: app {spec.app}: {problem}", file=sys.stderr)
        if problems:
            code = EXIT_FAILED
            continue
        print(
            f"{spec.spec_file}: ok: app {spec.app}, volume {spec.volume.name} "
            f"({spec.volume.size} GB, {spec.volume.region}) at {spec.mount_path}"
        )
    return code


def _dispatch(args: argparse.Namespace) -> int:
    if args.command == "demo":
        from runner.demo import run_demo

        return run_demo(keep=args.keep)
    from runner.spec import load_for_run, load_specs

    if args.command == "validate":
        return _validate(load_specs(args.specs))
    specs = load_for_run(args.specs)
    from runner.run import RunRequest, run

    text_stream: TextIO = sys.stderr if args.format == "json" else sys.stdout
    request = RunRequest(
        mode=args.command,
        specs=tuple(specs),
        flyctl=args.flyctl,
        jobs=args.jobs,
        replace_database_url=args.replace_database_url,
        json=args.format == "json",
        github=args.format == "github",
        confirm=args.command == "apply" and not args.yes and sys.stdin.isatty(),
    )
    return run(request, text_stream, sys.stdout, dict(os.environ))
