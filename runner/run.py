"""One run over many apps: flyctl preflight once, apps in parallel (bounded), one report,
and the exit code from the outcome table (DESIGN §3)."""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TextIO

from runner.model import Status
from runner.report import TextReporter
from runner.results import AppResult, RunResult, TaskResult
from runner.spec import AppFailure, AppSpec


@dataclass(frozen=True)
class RunRequest:
    mode: str  # check | apply
    specs: tuple[AppSpec | AppFailure, ...]
    flyctl: str | None = None
    jobs: int = 4
    replace_database_url: bool = False
    json: bool = False
    github: bool = False
    confirm: bool = False


def exit_code(result: RunResult) -> int:
    statuses = {app.status for app in result.apps}
    if Status.FAILED in statuses:
        return 1
    if result.mode == "check" and statuses & {Status.CHANGED, Status.UNKNOWN}:
        return 2
    return 0


def _all(
    executor_run: Callable[[AppSpec], AppResult],
    specs: tuple[AppSpec | AppFailure, ...],
    jobs: int,
    progress: TextIO | None,
) -> tuple[AppResult, ...]:
    def one(item: AppSpec | AppFailure) -> AppResult:
        if isinstance(item, AppFailure):  # its folder or fly.toml: it fails alone
            message = "; ".join(str(problem) for problem in item.problems)
            return AppResult(
                item.app, item.spec_file, (TaskResult("spec", Status.FAILED, message),)
            )
        return executor_run(item)

    if len(specs) == 1:
        return (one(specs[0]),)
    from runner.executor import CANCELLED

    pool = ThreadPoolExecutor(max_workers=jobs)
    try:
        futures = [pool.submit(one, spec) for spec in specs]
        results = []
        for number, future in enumerate(futures, 1):
            result = future.result()
            if progress is not None:
                progress.write(f"[{number}/{len(specs)}] {result.app}: {result.status.value}\n")
            results.append(result)
    except KeyboardInterrupt:
        CANCELLED.set()  # running apps stop before their next effect; queued ones never start
        raise
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
    return tuple(results)


def _confirmed(
    check: Callable[[AppSpec], AppResult], request: RunRequest, reporter: TextReporter, text: TextIO
) -> bool:
    """On a terminal: show the plan (a check pass) and ask before applying."""
    plan = RunResult("check", _all(check, request.specs, request.jobs, None))
    reporter.render(plan)
    if exit_code(plan) == 1:
        text.write("\nnothing changed: fix the failures above first\n")
        return False
    if exit_code(plan) == 0:
        return True  # converged: nothing to confirm
    sys.stderr.write("\nApply these changes? [y/N] ")  # not stdout: it may be redirected
    sys.stderr.flush()
    if sys.stdin.readline().strip().lower() in ("y", "yes"):
        return True
    sys.stderr.write("nothing changed\n")
    return False


def run(request: RunRequest, text: TextIO, out: TextIO, env: Mapping[str, str]) -> int:
    from runner.executor import CANCELLED, Executor
    from runner.flyctl import Flyctl, find_flyctl
    from runner.preflight import flyctl_preflight
    from runner.report import JsonReporter
    from runner.tasks.base import Options

    CANCELLED.clear()
    flyctl = Flyctl(find_flyctl(request.flyctl, env))
    described = flyctl_preflight(flyctl)
    executor = Executor(flyctl, Options(replace_database_url=request.replace_database_url))
    reporter = TextReporter(text)
    if request.confirm and not _confirmed(executor.check, request, reporter, text):
        return 1
    run_one = executor.check if request.mode == "check" else executor.apply
    progress = text if len(request.specs) > 1 else None
    result = RunResult(
        request.mode, _all(run_one, request.specs, request.jobs, progress), described
    )
    reporter.render(result)
    if request.github:
        from runner.report_github import GithubReporter

        GithubReporter(out).render(result)
    if request.json:
        JsonReporter(out).render(result)
    return exit_code(result)
