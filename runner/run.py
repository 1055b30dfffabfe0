"""One run over many apps: flyctl preflight once, apps in parallel (bounded), one report,
and the exit code from the outcome table (DESIGN §3)."""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TextIO

from runner.model import Status
from runner.results import AppResult, RunResult
from runner.spec import AppSpec


@dataclass(frozen=True)
class RunRequest:
    mode: str  # check | apply
    specs: tuple[AppSpec, ...]
    flyctl: str | None = None
    jobs: int = 4
    replace_database_url: bool = False
    json: bool = False
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
    specs: tuple[AppSpec, ...],
    jobs: int,
    progress: TextIO | None,
) -> tuple[AppResult, ...]:
    if len(specs) == 1:
        return (executor_run(specs[0]),)
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        futures = [pool.submit(executor_run, spec) for spec in specs]
        results = []
        for number, future in enumerate(futures, 1):
            result = future.result()
            if progress is not None:
                progress.write(f"[{number}/{len(specs)}] {result.app}: {result.status.value}\n")
            results.append(result)
    return tuple(results)


def run(request: RunRequest, text: TextIO, out: TextIO, env: Mapping[str, str]) -> int:
    from runner.executor import Executor
    from runner.flyctl import Flyctl, find_flyctl
    from runner.preflight import flyctl_preflight
    from runner.report import JsonReporter, TextReporter
    from runner.tasks.base import Options

    flyctl = Flyctl(find_flyctl(request.flyctl, env))
    described = flyctl_preflight(flyctl)
    executor = Executor(flyctl, Options(replace_database_url=request.replace_database_url))
    reporter = TextReporter(text)
    if request.confirm:
        plan = RunResult(
            "check", _all(executor.check, request.specs, request.jobs, None), described
        )
        reporter.render(plan)
        if exit_code(plan) != 2 or not any(a.status is Status.CHANGED for a in plan.apps):
            return exit_code(plan)  # nothing to apply, or something already refused
        text.write("\nApply these changes? [y/N] ")
        text.flush()
        if sys.stdin.readline().strip().lower() not in ("y", "yes"):
            text.write("nothing changed\n")
            return 1
    run_one = executor.check if request.mode == "check" else executor.apply
    progress = text if len(request.specs) > 1 else None
    result = RunResult(
        request.mode, _all(run_one, request.specs, request.jobs, progress), described
    )
    reporter.render(result)
    if request.json:
        JsonReporter(out).render(result)
    return exit_code(result)
