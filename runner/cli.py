"""Command line: `flyrun validate|check|apply|init|tasks|schema|demo` (the options:
`runner/cli_args.py`). `main` is the only place
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
from typing import TYPE_CHECKING, Any, TextIO, cast

from runner.cli_args import flyctl_words, next_options, parse_args

if TYPE_CHECKING:
    from runner.errors import SpecError
    from runner.events import Event
    from runner.plan_file import SavedPlan
    from runner.report.outputs import Outputs
    from runner.run import RunRequest

EXIT_OK, EXIT_FAILED, EXIT_PENDING, EXIT_INTERNAL, EXIT_INTERRUPTED = 0, 1, 2, 3, 130


def main(argv: Sequence[str] | None = None) -> int:
    """Run flyrun; stdout and stderr are made inert for GitHub Actions meanwhile (text from
    input never forms a workflow command); the machine outputs write to the real stdout.
    A reader that closes either stream (`| head`) only silences it (runner/report/pipe.py)."""
    from runner.report.inert import InertStream
    from runner.report.pipe import PipeSafeStream

    out, err = sys.stdout, sys.stderr
    # A TextIO for everything flyrun asks of a stream (write, flush, isatty, fileno, encoding).
    raw, safe_err = cast(TextIO, PipeSafeStream(out)), cast(TextIO, PipeSafeStream(err))
    sys.stdout, sys.stderr = InertStream(raw), InertStream(safe_err)
    try:
        return _main(argv, raw)
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        sys.stdout, sys.stderr = out, err


def _main(argv: Sequence[str] | None, raw: TextIO) -> int:
    try:
        args = parse_args(argv)
    except SystemExit as exc:  # usage errors are failures (1), never "changes pending" (2)
        return EXIT_OK if exc.code in (0, None) else EXIT_FAILED
    args.raw = raw
    args.carry = next_options(args)
    try:
        return _dispatch(args)
    except KeyboardInterrupt:
        if args.command in ("validate", "check", "apply") and not getattr(args, "running", False):
            # reading the specs, or apply's confirmation: no app ran, the reports say so
            message = "interrupted before any app ran: nothing was changed"
            return _early_failure(args, message, None, code=EXIT_INTERRUPTED)
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


def _early_failure(
    args: argparse.Namespace, message: str, error: SpecError | None, *, code: int = EXIT_FAILED
) -> int:
    """The run stopped before any app (a spec or playbook problem, a stale plan, Ctrl-C):
    the text on stderr, and one report in every requested format."""
    from runner.events import RunFinished, RunResult

    problems = tuple((p.location, p.message) for p in error.problems) if error else ()
    interrupted = code == EXIT_INTERRUPTED
    shown = f"flyrun: {message}" if interrupted else f"flyrun: error: {message}"
    print(error if error is not None else shown, file=sys.stderr)
    mode = args.command if args.command in ("validate", "check", "apply") else "check"
    offline = mode == "validate" or getattr(args, "offline", False)  # what the run would be
    result = RunResult(
        mode, (), offline=offline, interrupted=interrupted, error=message, problems=problems
    )
    for subscriber in _machine_outputs(args):
        subscriber(RunFinished(result, code))
    return code


def _machine_outputs(
    args: argparse.Namespace, *, checked: bool = False
) -> list[Callable[[Event], None]]:
    """The report formats asked for; `checked`: every report file passed `Outputs.check`
    (the run's path), so none is probed again."""
    from runner.report.outputs import subscribers

    if args.command not in ("validate", "check", "apply"):
        return []  # init, demo…: no run to report
    outputs = _outputs(args)
    return subscribers(outputs if checked else outputs.writable(), args.raw, _text_stream(args))


def _outputs(args: argparse.Namespace) -> Outputs:
    from runner.report.outputs import Outputs

    return Outputs(
        format=getattr(args, "format", "text"),
        json=getattr(args, "json", None),
        junit=getattr(args, "junit", None),
        sarif=getattr(args, "sarif", None),
        plan=getattr(args, "out", None),
        playbook=getattr(args, "playbook", None),
        limit=tuple(getattr(args, "limit", None) or ()),
        replace_database_url=getattr(args, "replace_database_url", False),
        shard=getattr(args, "shard", None),
        account=flyctl_words(args),
        carry=args.carry,
    ).with_env(os.environ)


def _dispatch(args: argparse.Namespace) -> int:
    if args.command == "demo":
        from runner.demo import run_demo  # lazy: only the demo needs the simulator

        return run_demo(main, keep=args.keep, app_dir=args.app_dir, region=args.region)
    if args.command == "init":
        from runner.init import init_command

        return init_command(args.app_dir, sys.stdout, args.region)
    if args.command == "tasks":
        from runner.report.tasks import print_tasks

        return print_tasks(sys.stdout, args.format)
    if args.command == "schema":
        chosen = [name for name in ("playbook", "plan", "report") if getattr(args, name)]
        return _schema(chosen[0] if chosen else "spec")
    if args.command == "report":
        return _merge_reports(args)
    _outputs(args).check()
    saved = _saved_plan(args)
    specs = _load_specs(args, saved)
    _load_playbooks(specs)
    _refuse_reports_over_inputs(args, specs)
    if args.list_tasks:
        from runner.report.listing import print_task_lists

        return print_task_lists(specs, sys.stdout, args.format)
    request = _request(args, specs, saved)
    confirm = args.command == "apply" and saved is None and not args.yes and sys.stdin.isatty()
    if confirm and not _confirmed(args, request):
        return EXIT_FAILED
    return _run(args, request)


def _load_specs(args: argparse.Namespace, saved: SavedPlan | None) -> tuple[Any, ...]:
    """The run's apps: the SPECs' after --limit/--shard, or (apply PLAN) the plan's specs,
    checked unchanged, with its options."""
    from runner.select import expand_globs, select
    from runner.spec import load_for_run

    if saved is None:
        loaded = load_for_run(expand_globs(args.specs), playbook=args.playbook)
        return tuple(select(loaded, args.limit, args.shard))
    override = Path(saved.playbook) if saved.playbook else None
    loaded = load_for_run([Path(p) for p in saved.specs], playbook=override)
    # the apps the plan was made for: `check --limit/--shard --out` planned only those
    return tuple(item for item in loaded if item.app in saved.apps)


def _refuse_reports_over_inputs(args: argparse.Namespace, specs: tuple[Any, ...]) -> None:
    """RunnerError when a report file is one of the run's inputs; the refused files are
    dropped from the outputs first, so the early failure's reports never replace them."""
    from runner.errors import RunnerError

    refused = _outputs(args).inputs(specs)
    for option in refused:  # --json → args.json, --out → args.out
        setattr(args, option.removeprefix("--"), None)
    if refused:
        raise RunnerError("cannot write " + "; ".join(refused.values()))


def _saved_plan(args: argparse.Namespace) -> SavedPlan | None:
    """`apply PLAN` (a file that is a plan by its content, docs/ci.md): the plan, refused
    when a spec or playbook it was made from changed; None for `apply SPEC…`."""
    if args.command != "apply":
        return None
    from dataclasses import replace as dataclass_replace

    from runner.errors import RunnerError
    from runner.plan_file import is_plan, load_plan, stale_files  # lazy: apply only

    plans = [path for path in args.specs if is_plan(path)]
    if not plans:
        return None
    if len(args.specs) > 1:
        raise RunnerError(f"apply takes one saved PLAN, alone: {plans[0]} is a plan")
    _refuse_plan_options(args, plans[0])
    saved = load_plan(plans[0])
    # the plan's options are this run's from here: a refusal's reports say them too
    args.carry = next_options(args, saved.words())  # the closing line's next command
    saved = dataclass_replace(saved, account=flyctl_words(args))
    args.shard = saved.shard  # the JSON report names the plan's slice (`report merge`)
    stale = stale_files(saved)
    if stale:
        raise RunnerError(
            f"stale plan {plans[0]}, nothing was changed: {'; '.join(stale)}. {saved.remake()}"
        )
    return saved


def _placeholders(options: list[str]) -> str:
    """`--limit PATTERN --shard I/N`: the options as a suggested command writes them."""
    return " ".join(f"{o} {'PATTERN' if o == '--limit' else 'I/N'}" for o in options)


def _refuse_plan_options(args: argparse.Namespace, plan: Path) -> None:
    """`apply PLAN` is the plan's apps, the plan's way: an option that would choose other
    apps or another playbook is an error, never silently ignored. How the run goes
    (--jobs, timeouts, --max-fail-percent, --flyctl, the reports) stays the user's."""
    from runner.errors import RunnerError

    if args.playbook is not None or args.replace_database_url:
        raise RunnerError("--playbook and --replace-database-url come from the plan")
    given = [
        option for option, value in (("--limit", args.limit), ("--shard", args.shard)) if value
    ]
    if given:
        raise RunnerError(
            f"{' and '.join(given)} cannot select apps of a saved plan: {plan} already names "
            "its apps (those its check chose); to apply other apps, make a new plan with "
            f"`flyrun check SPEC… {_placeholders(given)} --out PLAN`"
        )


def _load_playbooks(specs: tuple[Any, ...]) -> None:
    """Every playbook the apps name, loaded (and validated) before anything runs."""
    from runner.playbook import load_playbook

    for path in dict.fromkeys(getattr(spec, "playbook", None) for spec in specs):
        load_playbook(path)


def _request(
    args: argparse.Namespace, specs: tuple[Any, ...], saved: SavedPlan | None = None
) -> RunRequest:
    from runner.flyctl.client import Timeouts
    from runner.run import RunRequest

    query = getattr(args, "flyctl_timeout", None) or _env_seconds("FLYRUN_FLYCTL_TIMEOUT", 120.0)
    deploy = getattr(args, "deploy_timeout", None) or 1800.0
    return RunRequest(
        mode=args.command,
        specs=specs,
        flyctl=getattr(args, "flyctl", None),
        jobs=getattr(args, "jobs", 8),
        replace_database_url=saved.replace_database_url
        if saved is not None
        else getattr(args, "replace_database_url", False),
        offline=getattr(args, "offline", False),
        timeouts=Timeouts(query=query, deploy=deploy),
        lock_wait=getattr(args, "lock_timeout", 60.0),
        max_fail_percent=getattr(args, "max_fail_percent", None),
        planning=getattr(args, "out", None) is not None,
        saved=saved,
        allow_dirty=getattr(args, "allow_dirty", False),
    )


def _merge_reports(args: argparse.Namespace) -> int:
    """`flyrun report merge`: one JSON report of a fleet's shards, on stdout."""
    import json

    from runner.report.inert import inert_json
    from runner.report.merge import merge

    merged = merge(args.reports)
    args.raw.write(inert_json(json.dumps(merged.report, indent=2)) + "\n")
    for error in merged.errors:  # stdout is often a file: a CI log shows stderr
        print(f"flyrun: error: {error}", file=sys.stderr)
    return int(merged.report["summary"]["exit_code"])


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
    return sys.stderr if getattr(args, "format", "text") == "json" else sys.stdout


def _run(args: argparse.Namespace, request: RunRequest) -> int:
    from runner.run import run

    args.running = True  # from here a Ctrl-C is the run's to report (runner/run.py)

    if args.command == "validate" and args.format == "text":
        from runner.report.validate import ValidateReporter

        validate: Callable[[Event], None] = ValidateReporter(sys.stdout, sys.stderr, args.carry)
        outputs = _machine_outputs(args, checked=True)
        return run(request, [validate, *outputs], dict(os.environ))
    from runner.report.text import TextReporter, use_colour  # lazy: validate's report is its own

    text = _text_stream(args)
    colour = not args.no_color and use_colour(text)
    live = len(request.specs) == 1 or request.jobs == 1
    reporter = TextReporter(
        text,
        live=live,
        colour=colour,
        quiet=args.quiet,
        verbose=args.verbose,
        carry=args.carry,
        status_line=not live and text.isatty() and os.environ.get("TERM") != "dumb",
    )
    try:
        return run(request, [reporter, *_machine_outputs(args, checked=True)], dict(os.environ))
    finally:  # a run that crashed never sent RunFinished: its status line stops here
        reporter.close()


def _confirmed(args: argparse.Namespace, request: RunRequest) -> bool:
    """On a terminal: show the plan (a check pass), then ask before applying."""
    from dataclasses import replace

    from runner.report.text import TextReporter, use_colour
    from runner.run import run

    text = _text_stream(args)
    colour = not args.no_color and use_colour(text)
    # No closing line: it would say "run `flyrun apply …`" right above this apply's prompt.
    reporter = TextReporter(text, live=True, colour=colour, carry=args.carry, closing=False)
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


def _schema(which: str) -> int:
    """The schema of `which`, as an installed flyrun has it (runner/resources.py: the
    wheel's runner/_bundled/schemas, else the checkout's schemas/)."""
    import json

    if which == "playbook":
        from runner.playbook.schema import playbook_schema

        data = playbook_schema()
    else:
        from runner.resources import load_json

        data = load_json("schemas", f"{which}.schema.json")
    print(json.dumps(data, indent=2, ensure_ascii=False))
    return EXIT_OK
