"""flyrun's command line, as argparse declares it (README "Commands"; docs/ci.md for the CI
options). `runner/cli.py` parses with it and dispatches; nothing here imports the product,
so `flyrun --version` stays fast."""

from __future__ import annotations

import argparse
import re
import shlex
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn

from runner import __version__

FORMATS = ("text", "json", "github")
# argparse's "argument -j/--jobs/--forks: " before a bad value's message: the option as typed
_ARGUMENT = re.compile(r"argument (?:-\w/)?(--[\w-]+)(?:/[\w/-]+)?: ")


class Parser(argparse.ArgumentParser):
    """argparse, saying a bad option value as `--jobs: expected …` (not "argument
    -j/--jobs/--forks: …"); every command's parser is one, so it shows its own usage."""

    def error(self, message: str) -> NoReturn:
        super().error(_ARGUMENT.sub(r"\1: ", message, count=1))


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """The command line, parsed; an argument the command does not take is an error in
    that command's usage (argparse's own check would show the top-level one), saying which
    command takes it when another does."""
    parser = build_parser()
    args, extra = parser.parse_known_args(argv)
    command: argparse.ArgumentParser = getattr(args, "command_parser", parser)
    if extra:
        message = f"unrecognized arguments: {' '.join(extra)}"
        command.error(message + _elsewhere(parser, extra))
    if getattr(args, "out", None) is not None and getattr(args, "offline", False):
        # refused here, not by the run: a run's failure would also say "no plan saved"
        command.error("--out needs flyctl: an offline check cannot know the remote effects")
    return args


def _elsewhere(parser: argparse.ArgumentParser, extra: list[str]) -> str:
    """`(--offline is an option of flyrun check)` for a known option of another command."""
    owners: dict[str, list[str]] = {}
    for command in _commands(parser):
        for option in command._option_string_actions:
            owners.setdefault(option, []).append(command.prog)
    hints = [f"{x} is an option of {' and '.join(owners[x])}" for x in extra if x in owners]
    return f" ({'; '.join(hints)})" if hints else ""


def _commands(parser: argparse.ArgumentParser) -> list[argparse.ArgumentParser]:
    """The parser of every command that takes arguments itself (`report merge`, not
    `report`); an alias maps to the same parser, counted once."""
    found: list[argparse.ArgumentParser] = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for command in dict.fromkeys(action.choices.values()):
                found += _commands(command) or [command]
    return found


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(
        prog="flyrun",
        description="Convert Rails apps on Fly.io to SQLite3 on a persistent volume.",
    )
    parser.add_argument("--version", action="version", version=f"flyrun {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    validate = sub.add_parser("validate", help="check specs and app files offline (no flyctl)")
    _spec_options(validate)
    for name, text in (
        ("check", "report what would change; change nothing (exit 2 if pending)"),
        (
            "apply",
            "make the changes (of SPECs, or exactly those of a saved PLAN), then prove "
            "nothing is left to do",
        ),
    ):
        command = sub.add_parser(name, help=text)
        _spec_options(command)
        _run_options(command, apply=name == "apply")
    _other_commands(sub)
    for leaf in _commands(parser):  # whose usage an argument it does not take shows
        leaf.set_defaults(command_parser=leaf)
    return parser


def flyctl_words(args: argparse.Namespace) -> tuple[str, ...]:
    """`--flyctl PATH` as quoted shell words (none when not given): a command flyrun
    suggests asks the same flyctl, and so the same Fly account, as this run."""
    flyctl = getattr(args, "flyctl", None)
    return ("--flyctl", shlex.quote(str(flyctl))) if flyctl is not None else ()


def next_options(args: argparse.Namespace, plan: Sequence[str] | None = None) -> tuple[str, ...]:
    """The options of this run that decide WHAT a next validate/check/apply does (which
    apps, which playbook, which flyctl and so which Fly account, whether a DATABASE_URL may
    be replaced), as quoted shell words for the command the closing line suggests
    (runner/report/closing.py). `plan`: a saved plan's own options (`apply PLAN`, which takes
    none of these but --flyctl: runner/plan_file.py `SavedPlan.words`).
    How a run goes (--jobs, timeouts, formats) is not carried; no option holds a secret."""
    account = flyctl_words(args)
    if plan is not None:
        return (*plan, *account)
    words: list[str] = []
    for pattern in getattr(args, "limit", None) or ():
        words += ["--limit", shlex.quote(pattern)]
    shard = getattr(args, "shard", None)
    if shard is not None:
        words += ["--shard", f"{shard[0]}/{shard[1]}"]
    playbook = getattr(args, "playbook", None)
    if playbook is not None:
        words += ["--playbook", shlex.quote(str(playbook))]
    words += account
    if getattr(args, "replace_database_url", False):
        words.append("--replace-database-url")
    return tuple(words)


def _other_commands(sub: Any) -> None:
    """The commands that take no SPEC."""
    init = sub.add_parser(
        "init", help="write fly-sqlite.yml for the app in APP_DIR (from fly.toml)"
    )
    report = sub.add_parser("report", help="work on JSON reports (merge the shards of a fleet)")
    actions = report.add_subparsers(dest="report_command", required=True, metavar="ACTION")
    merge = actions.add_parser("merge", help="merge JSON reports into one (stdout)")
    merge.add_argument("reports", nargs="+", type=Path, metavar="REPORT")
    init.add_argument("app_dir", nargs="?", type=Path, default=Path(), metavar="APP_DIR")
    init.add_argument(
        "--region",
        metavar="CODE",
        help="the Fly region the app runs in, when fly.toml has no primary_region (e.g. iad)",
    )
    tasks = sub.add_parser("tasks", help="list the task types and preflight checks")
    tasks.add_argument("--format", choices=("text", "json"), default="text")
    schema = sub.add_parser(
        "schema", help="print a JSON Schema: the spec's, or a playbook's, a plan's, a report's"
    )
    which = schema.add_mutually_exclusive_group()
    which.add_argument(
        "--playbook", action="store_true", help="the playbook schema (generated from the tasks)"
    )
    which.add_argument("--plan", action="store_true", help="the saved plan's schema (check --out)")
    which.add_argument(
        "--report", action="store_true", help="the JSON report's schema (--format json, --json)"
    )
    demo = sub.add_parser(
        "demo",
        help="check → apply → check an app (the bundled example, or yours with --app-dir) "
        "against the built-in flyctl simulator, in a temporary folder",
    )
    demo.add_argument("--keep", action="store_true", help="keep the temporary folder")
    demo.add_argument(
        "--app-dir",
        type=Path,
        metavar="DIR",
        help="your app's folder (with fly.toml): a copy of it is converted, DIR is untouched",
    )
    demo.add_argument(
        "--region",
        metavar="CODE",
        help="with --app-dir, for a DIR without fly-sqlite.yml whose fly.toml has no "
        "primary_region: the Fly region the app runs in (as `flyrun init --region`)",
    )


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
    command.add_argument(
        "--json", type=_report_file, metavar="FILE", help="also write the JSON report to FILE"
    )
    command.add_argument(
        "--junit", type=_report_file, metavar="FILE", help="also write a JUnit XML report"
    )
    command.add_argument(
        "--sarif", type=_report_file, metavar="FILE", help="also write a SARIF 2.1.0 report"
    )
    command.add_argument("--playbook", type=Path, metavar="FILE", help="run this playbook")
    command.add_argument(
        "--list-tasks",
        action="store_true",
        help="print each app's rendered task list (preflight checks, tasks, handlers) and stop",
    )
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
        command.add_argument(
            "--allow-dirty",
            action="store_true",
            help="edit files even when they have uncommitted changes in git",
        )
    else:
        _check_options(command)


def _check_options(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        "--offline",
        action="store_true",
        help="do not run flyctl: file tasks exactly, remote tasks unknown",
    )
    command.add_argument(
        "--out",
        type=_report_file,
        metavar="PLAN",
        help="save the plan (every effect, and hashes of every input) for `flyrun apply PLAN`",
    )


def _positive(text: str) -> int:
    """A whole number of at least 1 (argparse would name this function for a bad one)."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of at least 1, got {text!r}")
    return value


def _report_file(text: str) -> Path:
    """A report file's path (`--json`, `--junit`, `--sarif`, `--out`). Not empty: Path('')
    is the current folder. Not `-`: stdout is --format's (docs/ci.md "Commands and
    options"), and a report named `-` would be a surprise; `./-` is one."""
    if not text:
        raise argparse.ArgumentTypeError("expected a file path, got an empty one")
    if text == "-":
        raise argparse.ArgumentTypeError(
            "expected a file path, got '-': report files are files, stdout is --format's "
            "(--format json prints the JSON report there); a file named - is ./-"
        )
    return Path(text)


def _shard(text: str) -> tuple[int, int]:
    index, _, count = text.partition("/")
    if not (index.isdigit() and count.isdigit()) or not 1 <= int(index) <= int(count):
        raise argparse.ArgumentTypeError(f"expected I/N with 1 <= I <= N, got {text!r}")
    return int(index), int(count)


def _percent(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0 <= value <= 100:  # NaN too
        raise argparse.ArgumentTypeError(f"expected a percentage from 0 to 100, got {text!r}")
    return value


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = 0.0
    if not 0 < value < float("inf"):  # NaN and inf too
        raise argparse.ArgumentTypeError(f"expected a number of seconds above 0, got {text!r}")
    return value
