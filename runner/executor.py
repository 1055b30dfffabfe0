"""Runs a rendered playbook for one app in check or apply mode. The only code that mutates:
it writes files (atomically) and runs the flyctl commands that tasks returned as effects."""

from __future__ import annotations

import threading
import traceback
from collections.abc import Callable
from dataclasses import dataclass, replace

from runner.errors import FlyctlError, PreflightRefused, RunnerError
from runner.files import FileView, read_text, unwritable, write_atomic
from runner.flyctl import Flyctl
from runner.model import Effect, Outcome, RecordSecret, RunFlyctl, Status, WriteFile, failed
from runner.playbook import Plan, Step, render
from runner.record import SecretRecord, check_readable, mark_deployed, save_secret_record
from runner.results import AppResult, TaskResult, task_result
from runner.spec import AppSpec
from runner.tasks.base import Options, Remote, TaskContext

PENDING = (Status.CHANGED, Status.UNKNOWN)
CANCELLED = threading.Event()  # set on Ctrl-C: no app starts another effect


@dataclass(frozen=True)
class Executor:
    flyctl: Flyctl
    options: Options

    def context(self, spec: AppSpec) -> TaskContext:
        return TaskContext(spec, FileView(), Remote(self.flyctl, spec.app), self.options)

    def check(self, spec: AppSpec) -> AppResult:
        return self._guarded(spec, self._check)

    def apply(self, spec: AppSpec) -> AppResult:
        return self._guarded(spec, self._apply)

    def _guarded(self, spec: AppSpec, run: Callable[[AppSpec], list[TaskResult]]) -> AppResult:
        try:
            tasks = run(spec)
        except PreflightRefused as exc:
            tasks = [
                TaskResult(
                    f"preflight: {exc.check}",
                    Status.FAILED,
                    f"{spec.app}: {exc.check} refused: {exc.found}. {exc.fix}",
                )
            ]
        except RunnerError as exc:
            tasks = [TaskResult("preflight", Status.FAILED, f"{spec.app}: {exc}")]
        except Exception as exc:  # a bug: this app fails, the others are still reported
            detail = traceback.format_exc().strip().splitlines()
            tasks = [
                TaskResult(
                    "internal error",
                    Status.FAILED,
                    f"{spec.app}: {type(exc).__name__}: {exc} (a bug in flyrun)",
                    notes=tuple(detail[-12:]),
                )
            ]
        return AppResult(spec.app, spec.spec_file, tuple(tasks), *self._layout(spec))

    def _layout(self, spec: AppSpec) -> tuple[str | None, tuple[str, ...]]:
        from runner.tasks.migrations import app_layout

        try:
            layout = app_layout(self.context(spec))
        except RunnerError:
            return None, ()
        return layout.kind, layout.evidence

    def _check(self, spec: AppSpec) -> list[TaskResult]:
        from runner.preflight import app_preflight

        ctx = self.context(spec)
        app_preflight(ctx, apply=False)
        return self._check_pass(render(spec), ctx)

    def _check_pass(
        self, plan: Plan, ctx: TaskContext, planned: list[Effect] | None = None
    ) -> list[TaskResult]:
        """Check every task; planned file edits go to the overlay so later tasks see them."""
        results, notified = [], False
        for step in plan.steps:
            outcome = _safe_check(step, ctx)
            if planned is not None:
                planned.extend(outcome.effects)
            for effect in outcome.effects:
                if isinstance(effect, WriteFile):
                    ctx.files.plan(effect.path, effect.new)
            notified |= outcome.status is Status.CHANGED and step.notify is not None
            results.append(task_result(step.task.name, outcome, ctx.spec.path))
        if notified:
            for handler in plan.handlers:
                outcome = _safe_check(handler, ctx)
                results.append(task_result(f"handler: {handler.task.name}", outcome, ctx.spec.path))
        return results

    def _apply(self, spec: AppSpec) -> list[TaskResult]:
        from runner.preflight import app_preflight

        ctx = self.context(spec)
        app_preflight(ctx, apply=True)
        plan = render(spec)
        planned: list[Effect] = []
        dry = self._check_pass(plan, ctx, planned)
        dry += _unwritable(planned)
        if any(r.status is Status.FAILED for r in dry):
            return _not_applied(dry)  # refused before the first effect: nothing changed
        ctx = TaskContext(spec, FileView(), ctx.remote, self.options)  # no effect yet: reuse
        results, notified = [], False
        for step in plan.steps:
            outcome = _safe_check(step, ctx)
            result = self._perform(step, outcome, ctx)
            results.append(result)
            if result.status is Status.FAILED:
                return results
            notified |= result.status is Status.CHANGED and step.notify is not None
        if notified:
            for handler in plan.handlers:
                result = self._perform(handler, _safe_check(handler, ctx), ctx, prefix="handler: ")
                results.append(result)
                if result.status is Status.FAILED:
                    return results
                if handler.type == "deploy":
                    mark_deployed(spec.state_file, spec.app)
        return results + self._prove(spec, plan)

    def _perform(
        self, step: Step, outcome: Outcome, ctx: TaskContext, prefix: str = ""
    ) -> TaskResult:
        name = prefix + step.task.name
        try:
            for effect in outcome.effects:
                if CANCELLED.is_set():
                    raise KeyboardInterrupt
                self._do(effect, ctx)
        except (RunnerError, OSError) as exc:
            return task_result(
                name, outcome, ctx.spec.path, status=Status.FAILED, extra_notes=(f"failed: {exc}",)
            )
        return task_result(name, outcome, ctx.spec.path)

    def _do(self, effect: Effect, ctx: TaskContext) -> None:
        if isinstance(effect, WriteFile):
            if read_text(effect.path) != effect.old:
                raise RunnerError(f"{effect.path} changed while flyrun ran; not written")
            write_atomic(effect.path, effect.new)
            ctx.files.forget(effect.path)
        elif isinstance(effect, RunFlyctl):
            self.flyctl.perform(effect)
        elif isinstance(effect, RecordSecret):
            secret = next(
                (s for s in self.flyctl.secrets(effect.app) if s.name == effect.name), None
            )
            if secret is None:
                raise RunnerError(f"{effect.name} is not listed right after it was set")
            save_secret_record(
                effect.state_file,
                effect.app,
                effect.name,
                SecretRecord(effect.value_sha256, secret.digest, deploy_pending=True),
            )

    def _prove(self, spec: AppSpec, plan: Plan) -> list[TaskResult]:
        """Idempotence proof: check every task again on fresh facts; nothing may be pending."""
        ctx = self.context(spec)
        pending = []
        for step in plan.steps:
            outcome = _safe_check(step, ctx)
            if outcome.status in PENDING or outcome.status is Status.FAILED:
                pending.append(f"{step.task.name}: {outcome.status.value}: {outcome.message}")
        if not pending:
            return []
        return [
            TaskResult(
                "verify (idempotence proof)",
                Status.FAILED,
                "still pending after apply: " + " | ".join(pending),
            )
        ]


def _unwritable(planned: list[Effect]) -> list[TaskResult]:
    targets = [e.path for e in planned if isinstance(e, WriteFile)]
    targets += [e.state_file for e in planned if isinstance(e, RecordSecret)]
    problems = unwritable(targets)
    for state_file in {e.state_file for e in planned if isinstance(e, RecordSecret)}:
        try:
            check_readable(state_file)
        except RunnerError as exc:
            problems.append(str(exc))
    if not problems:
        return []
    return [
        TaskResult(
            "preflight: files writable",
            Status.FAILED,
            "cannot write " + "; ".join(problems) + ". Fix the permissions (or "
            "immutable flags) first: flyrun changes nothing until it can write all",
        )
    ]


def _not_applied(dry: list[TaskResult]) -> list[TaskResult]:
    """Apply stopped before the first effect: what would have changed is reported skipped."""
    return [
        replace(
            r,
            status=Status.SKIPPED,
            message=f"not applied (a check failed, so nothing was changed): {r.message}",
        )
        if r.status is Status.CHANGED
        else r
        for r in dry
    ]


def _safe_check(step: Step, ctx: TaskContext) -> Outcome:
    try:
        return step.task.check(ctx)
    except FlyctlError as exc:
        return failed(str(exc))
    except RunnerError as exc:
        return failed(str(exc))
