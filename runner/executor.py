"""Runs a rendered playbook for one app in check or apply mode (README "How flyrun works").
The only code that performs effects: it writes files (atomically) and runs the flyctl
mutations and state-file records that tasks returned; it emits an event for everything.

Check: preflight, then every task on the current facts (planned file edits go to an overlay so
later tasks see them). Apply: the same check first (nothing changes if anything would fail or
a file could not be written), then task by task on fresh facts: check, perform its effects
(each invalidates the facts it changes), next task; notified handlers at the end; then every
task is checked again (the idempotence proof). A failed flyctl mutation is followed by a
re-check: when the change turns out to have landed (a lost response), the run goes on. After
a failed handler, only handlers whose type sets `after_failure` still run (they see what ran
before them, `TaskContext.performed`: runner/tasks/import_data.py undoes a failed cutover).
Every result is passed through the app's redactor before it is emitted (docs/import.md)."""

from __future__ import annotations

import threading
import time
import traceback
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from runner import locks
from runner.disk import read_text, unwritable, user_path, write_atomic
from runner.errors import FileError, FlyctlError, Location, PreflightRefused, RunnerError
from runner.events import (
    AppFacts as AppFactsEvent,
)
from runner.events import (
    AppFinished,
    AppPlanned,
    AppResult,
    AppStarted,
    Bus,
    EffectFinished,
    EffectStarted,
    TaskFinished,
    TaskResult,
    TaskStarted,
    redacted,
)
from runner.facts import AppFacts
from runner.facts.remote import Offline
from runner.flyctl.client import Flyctl
from runner.flyctl.commands import FlyctlCommand
from runner.model import (
    OFFLINE,
    Deployed,
    Effect,
    Outcome,
    RecordState,
    SecretSet,
    Status,
    WriteFile,
    failed,
    redact_credentials,
    skipped,
    unknown,
)
from runner.playbook import Plan, Step, load_playbook, render
from runner.spec import AppSpec
from runner.tasks.base import Options, Performed, TaskContext

if TYPE_CHECKING:
    from runner.plan_guard import PlanGuard  # apply PLAN only

PENDING = (Status.CHANGED, Status.UNKNOWN)


@dataclass
class AppRun:
    """One app's run: its spec, facts and plan, and the results emitted so far."""

    spec: AppSpec
    facts: AppFacts
    plan: Plan
    bus: Bus
    results: list[TaskResult] = field(default_factory=list)
    layout: tuple[str | None, tuple[str, ...]] = (None, ())
    findings: tuple[str, ...] = ()

    def finish(self, result: TaskResult) -> TaskResult:
        result = _placed(result, self.spec.path)
        result = redacted(result, self.facts.redact)  # docs/import.md: no secret value shown
        self.results.append(result)
        self.bus.emit(TaskFinished(self.spec.app, result))
        return result


@dataclass
class Executor:
    flyctl: Flyctl | None
    options: Options
    bus: Bus
    cancel: threading.Event = field(default_factory=threading.Event)
    lock_wait: float = locks.DEFAULT_WAIT
    planning: bool = False  # check --out: emit each app's plan entry (AppPlanned)
    guard: PlanGuard | None = None  # apply PLAN: exactly its effects, while it is current

    def check(self, spec: AppSpec, facts: AppFacts | None = None) -> AppResult:
        return self._guarded(spec, facts, apply=False)

    def apply(self, spec: AppSpec, facts: AppFacts | None = None) -> AppResult:
        return self._guarded(spec, facts, apply=True)

    def early_queries(self, spec: AppSpec) -> AppFacts:
        """The app's facts with its read-only queries started, before the app itself (while
        the run's session check runs, runner/run.py); check/apply then take them."""
        facts = self._facts(spec)
        facts.remote.prefetch()
        return facts

    def _facts(self, spec: AppSpec) -> AppFacts:
        flyctl = None if self.options.offline else self.flyctl
        return AppFacts(spec.path, spec.app, flyctl, spec.state_file)

    def _guarded(self, spec: AppSpec, facts: AppFacts | None, *, apply: bool) -> AppResult:
        """A bug while handling one app fails that app (with the traceback in its report);
        the run goes on with the other apps and exits 3 at the end."""
        self.bus.emit(AppStarted(spec.app, spec.spec_file))
        start = time.monotonic()
        emitted: list[TaskResult] = []
        run: AppRun | None = None
        internal = False
        try:
            run = self._prepare(spec, facts or self._facts(spec), emitted)
            if run is not None:
                if apply:
                    with _app_locks(spec, self.lock_wait):
                        self._apply(run)
                else:
                    self._check(run)
        except RunnerError as exc:  # e.g. the app folder lock: this app fails alone
            failure = TaskResult("run", "run", Status.FAILED, str(exc))
            emitted.append(_emit(self.bus, spec, _redact_with(run, failure)))
        except Exception as exc:
            internal = True
            lines = traceback.format_exc().strip().splitlines()
            message = f"{spec.app}: {type(exc).__name__}: {exc} (a bug in flyrun: please report it)"
            bug = TaskResult(
                "internal_error", "internal error", Status.FAILED, message, tuple(lines[-15:])
            )
            emitted.append(_emit(self.bus, spec, _redact_with(run, bug)))
        result = AppResult(
            spec.app,
            spec.spec_file,
            tuple(emitted),
            *(run.layout if run is not None else (None, ())),
            duration=time.monotonic() - start,
            internal_error=internal,
            findings=run.findings if run is not None else (),
        )
        self.bus.emit(AppFinished(result))
        return result

    def _prepare(self, spec: AppSpec, facts: AppFacts, emitted: list[TaskResult]) -> AppRun | None:
        try:
            plan = render(load_playbook(spec.playbook), spec)
        except RunnerError as exc:
            emitted.append(
                _emit(self.bus, spec, TaskResult("playbook", "playbook", Status.FAILED, str(exc)))
            )
            return None
        facts.remote.prefetch()
        return AppRun(spec, facts, plan, self.bus, emitted)

    # --- check ------------------------------------------------------------------------------

    def _preflight(self, run: AppRun, *, apply: bool) -> bool:
        """Every check of the playbook, before any effect, then the app's facts (layout and
        what the checks found) as an event; False (and a failed task) on the first refusal."""
        ctx = TaskContext(run.spec, run.facts, self.options, apply=apply)
        refusal: TaskResult | None = None
        findings: list[str] = []
        for check in run.plan.checks:
            if check.remote and self.options.offline:
                continue
            try:
                findings += check.run(ctx) or ()
            except PreflightRefused as exc:
                found = f"{run.spec.app}: {exc.check} refused: {exc.found}. {exc.fix}"
                message = redact_credentials(_at(found, exc.location))
                title = f"preflight: {exc.check}"
                refusal = TaskResult(
                    f"preflight.{check.name}", title, Status.FAILED, message, location=exc.location
                )
                break
            except RunnerError as exc:
                where = getattr(exc, "location", None)
                found = f"{run.spec.app}: {_error_text(exc, run.spec.path)}"
                message = redact_credentials(_at(found, where))
                title = f"preflight: {check.name}"
                refusal = TaskResult(
                    f"preflight.{check.name}", title, Status.FAILED, message, location=where
                )
                break
        shown = (run.facts.redact(redact_credentials(f)) for f in findings)
        run.layout, run.findings = _layout(run), tuple(shown)
        self.bus.emit(AppFactsEvent(run.spec.app, *run.layout, run.findings))
        if refusal is not None:
            run.finish(refusal)
        return refusal is None

    def _check(self, run: AppRun) -> None:
        if self._preflight(run, apply=False):
            done = self._pass(run)
            for step, outcome in done:
                run.finish(_result(step, outcome))
            if self.planning:
                from runner import plan_file  # lazy: only `check --out` writes a plan

                steps = [(step.id, outcome) for step, outcome in done]
                entry = plan_file.app_entry(run.spec, run.facts, steps)
                self.bus.emit(AppPlanned(run.spec.app, entry))

    def _pass(self, run: AppRun) -> list[tuple[Step, Outcome]]:
        """Check every task; planned file edits go to the overlay so later tasks see them;
        notified handlers after the tasks."""
        done: list[tuple[Step, Outcome]] = []
        outcomes: dict[str, Outcome] = {}
        notified: set[str] = set()
        for step in run.plan.steps:
            outcome = self._check_step(run, step, outcomes)
            for effect in outcome.effects:
                if isinstance(effect, WriteFile):
                    run.facts.files.plan(effect.path, effect.new)
            if outcome.status is Status.CHANGED and step.notify is not None:
                notified.add(step.notify)
            outcomes[step.id] = outcome
            done.append((step, outcome))
        for handler in run.plan.handlers:
            if handler.id in notified:
                done.append((handler, self._check_step(run, handler, outcomes)))
        return done

    def _check_step(
        self,
        run: AppRun,
        step: Step,
        outcomes: Mapping[str, Outcome],
        performed: tuple[Performed, ...] = (),
    ) -> Outcome:
        required = {}
        for kind, task_id in step.requires:
            given = outcomes.get(task_id)
            if given is None or given.status is Status.FAILED:
                why = "did not run" if given is None else "failed"
                return skipped(f"requires '{task_id}', which {why}")
            required[kind] = given
        if step.type.remote and self.options.offline:
            return unknown(OFFLINE + "this task needs flyctl (remote facts), not asked offline")
        ctx = TaskContext(
            run.spec, run.facts, self.options, step.args, required, performed=performed
        )
        try:
            return step.type.check(ctx)
        except Offline:
            return unknown(OFFLINE + "this task needs flyctl (remote facts), not asked offline")
        except RunnerError as exc:
            where = getattr(exc, "location", None)
            return failed(_error_text(exc, run.spec.path), location=where)

    # --- apply ------------------------------------------------------------------------------

    def _apply(self, run: AppRun) -> None:
        stale = self.guard.refusal(run.spec, run.facts) if self.guard is not None else None
        if stale is not None:  # apply PLAN: what the plan was made from changed
            run.finish(stale)
            return
        if not self._preflight(run, apply=True):
            return
        dry = self._pass(run)
        planned = [e for _, outcome in dry for e in outcome.effects]
        problems = _unwritable(run.spec, planned) or self._uncommitted(run, planned)
        if problems is None and self.guard is not None:
            problems = self.guard.mismatch(run.spec, [(s.id, o) for s, o in dry])
        if problems is not None:
            for step, outcome in dry:
                run.finish(_not_applied(_result(step, outcome)))
            run.finish(problems)
            return
        if any(o.status is Status.FAILED for _, o in dry):
            for step, outcome in dry:
                run.finish(_not_applied(_result(step, outcome)))
            return
        run.facts.files = type(run.facts.files)(
            run.spec.path
        )  # no effect yet: only the overlay goes
        if self._apply_steps(run):
            self._prove(run)

    def _uncommitted(self, run: AppRun, planned: list[Effect]) -> TaskResult | None:
        """Before the first effect: no file apply edits has uncommitted changes in git
        (unless --allow-dirty); every file it will touch is listed in the app's findings."""
        writes = {e.path: e.label for e in planned if isinstance(e, WriteFile)}
        if not writes:
            return None
        from runner import vcs  # lazy: only apply asks git (subprocess costs validate 2 ms)

        labels = ", ".join(writes.values())
        found = vcs.uncommitted(run.spec.path, list(writes))
        if found.dirty and not self.options.allow_dirty:
            return TaskResult(
                "preflight.git_clean",
                "preflight: no uncommitted changes",
                Status.FAILED,
                f"{run.spec.app}: uncommitted changes in {', '.join(found.dirty)}; apply would "
                f"edit {labels}. Commit or stash them first (so git can tell flyrun's edit "
                "from yours), or pass --allow-dirty",
            )
        how = found.note or (
            f"--allow-dirty: uncommitted changes in {', '.join(found.dirty)} allowed"
            if found.dirty
            else "git: no uncommitted changes in them"
        )
        run.findings += (f"apply edits {labels} ({how})",)
        return None

    def _apply_steps(self, run: AppRun) -> bool:
        outcomes: dict[str, Outcome] = {}
        notified: set[str] = set()
        performed: list[Performed] = []
        for step in run.plan.steps:
            outcome = self._apply_step(run, step, outcomes, performed)
            outcomes[step.id] = outcome
            if outcome.status is Status.FAILED:
                return False
            if outcome.status is Status.CHANGED and step.notify is not None:
                notified.add(step.notify)
        ok = True
        for handler in run.plan.handlers:
            # After a failed handler only those that undo half-done work still run.
            if handler.id in notified and (ok or getattr(handler.type, "after_failure", False)):
                outcome = self._apply_step(run, handler, outcomes, performed)
                ok = ok and outcome.status is not Status.FAILED
        return ok

    def _apply_step(
        self,
        run: AppRun,
        step: Step,
        outcomes: Mapping[str, Outcome],
        performed: list[Performed] | None = None,
    ) -> Outcome:
        if self.cancel.is_set():
            raise KeyboardInterrupt
        self.bus.emit(TaskStarted(run.spec.app, step.id, step.title))
        start = time.monotonic()
        if step.type.fresh:
            run.facts.invalidate(step.type.fresh)
        outcome = self._check_step(run, step, outcomes, tuple(performed or ()))
        if self.guard is not None:  # apply PLAN: only the plan's effects for this step
            after_deploy = bool(getattr(step.type, "after_deploy", False))
            outcome = self.guard.as_planned(run.spec, step.id, outcome, after_deploy=after_deploy)
        outcome, notes = self._perform(run, step, outcome, outcomes)
        result = run.finish(_result(step, outcome, notes, time.monotonic() - start))
        if performed is not None:
            text = "\n".join((result.message, *result.notes))
            performed.append(Performed(step.id, step.type.name, result.status, text))
        return replace(outcome, status=result.status)

    def _perform(
        self,
        run: AppRun,
        step: Step,
        outcome: Outcome,
        outcomes: Mapping[str, Outcome],
        retried: bool = False,
    ) -> tuple[Outcome, tuple[str, ...]]:
        for index, effect in enumerate(outcome.effects):
            if self.cancel.is_set():
                raise KeyboardInterrupt
            shown = effect.describe()
            self.bus.emit(EffectStarted(run.spec.app, step.id, shown))
            start = time.monotonic()
            try:
                self._do(run.facts, effect)
            except FlyctlError as exc:
                self.bus.emit(
                    EffectFinished(run.spec.app, step.id, shown, False, time.monotonic() - start)
                )
                if isinstance(effect, FlyctlCommand) and not retried:
                    landed = self._landed(run, step, effect, outcomes)
                    if landed is not None:
                        note = (
                            f"`{exc.command}` failed ({_tail(exc)}), but re-reading shows the "
                            "change landed (a lost response)"
                        )
                        again, notes = self._perform(run, step, landed, outcomes, retried=True)
                        return again, (note, *notes)
                return _failed(outcome, index, exc), ()
            except (RunnerError, OSError) as exc:
                self.bus.emit(
                    EffectFinished(run.spec.app, step.id, shown, False, time.monotonic() - start)
                )
                return _failed(outcome, index, exc), ()
            self.bus.emit(
                EffectFinished(run.spec.app, step.id, shown, True, time.monotonic() - start)
            )
        return outcome, ()

    def _landed(
        self, run: AppRun, step: Step, effect: FlyctlCommand, outcomes: Mapping[str, Outcome]
    ) -> Outcome | None:
        """After a failed mutation: re-read what it changes and check the task again. The
        re-check (to perform instead) when it no longer asks for that command; else None."""
        run.facts.invalidate(effect.invalidates)
        try:
            again = self._check_step(run, step, outcomes)
        except RunnerError:
            return None
        same = any(isinstance(e, FlyctlCommand) and e.argv == effect.argv for e in again.effects)
        return None if same or again.status is Status.FAILED else again

    def _do(self, facts: AppFacts, effect: Effect) -> None:
        if isinstance(effect, WriteFile):
            current = read_text(effect.path, shown=effect.label)
            if current != effect.old and not (current is None and effect.old == ""):
                raise RunnerError(f"{effect.label} changed while flyrun ran; not written")
            write_atomic(effect.path, effect.new, root=effect.root)
            facts.files.forget(effect.path)
        elif isinstance(effect, FlyctlCommand):
            if self.flyctl is None:
                raise RunnerError("offline: flyrun does not run flyctl")
            try:
                self.flyctl.perform(effect)
            finally:
                facts.invalidate(effect.invalidates)
        else:
            from runner import state_file  # lazy: only apply records

            digest = None
            if isinstance(effect.change, SecretSet):
                secret = facts.remote.secret(effect.change.name)
                digest = secret.digest if secret is not None else None
            state_file.record(effect.state_file, effect.app, effect.change, digest)
            facts.invalidate(effect.invalidates)

    def _prove(self, run: AppRun) -> None:
        """Idempotence proof: every task again, on facts re-read where effects changed them;
        nothing may be pending (a secret flyrun may not replace stays `unknown`)."""
        pending = []
        for step, outcome in self._pass(run):
            if step in run.plan.handlers:
                continue
            if outcome.status in PENDING or outcome.status is Status.FAILED:
                pending.append(f"{step.title}: {outcome.status.value}: {outcome.message}")
        if pending:
            message = "still pending after apply: " + " | ".join(pending)
            run.finish(TaskResult("verify", "verify (idempotence proof)", Status.FAILED, message))


@contextmanager
def _app_locks(spec: AppSpec, wait: float) -> Iterator[None]:
    """Held while apply runs: the app folder, and the Fly app (two checkouts of one app)."""
    with (
        locks.held(spec.path, what=f"app folder {spec.path}", wait=wait),
        locks.held(locks.app_key(spec.app), what=f"Fly app {spec.app}", wait=wait),
    ):
        yield


def _emit(bus: Bus, spec: AppSpec, result: TaskResult) -> TaskResult:
    bus.emit(TaskFinished(spec.app, result))
    return result


def _layout(run: AppRun) -> tuple[str | None, tuple[str, ...]]:
    try:
        layout = run.facts.layout(run.spec.process_group)
    except RunnerError:
        return None, ()
    return layout.kind, tuple(map(redact_credentials, layout.evidence))


def _tail(exc: FlyctlError) -> str:
    lines = [line for line in exc.stderr.strip().splitlines() if line.strip()]
    return f"exit {exc.exit_code}: {lines[-1][:160]}" if lines else f"exit {exc.exit_code}"


def _failed(outcome: Outcome, index: int, exc: Exception) -> Outcome:
    """The task's outcome when its effect number `index` failed: the failure is its message
    (every output shows why, not only what was tried: annotations, SARIF, JUnit), and its
    effects are those it performed and the one it tried; the records and edits after it
    were never made, so no report lists them."""
    tried = outcome.effects[: index + 1]
    if not isinstance(tried[-1], FlyctlCommand):  # a failed write or record did not happen
        tried = tried[:-1]
    return replace(
        outcome, status=Status.FAILED, message=f"{outcome.message}: {exc}", effects=tried
    )


def _result(
    step: Step, outcome: Outcome, extra: tuple[str, ...] = (), duration: float = 0.0
) -> TaskResult:
    writes = [e for e in outcome.effects if isinstance(e, WriteFile)]
    location, message = outcome.location, outcome.message
    if location is not None and outcome.status in (Status.FAILED, Status.UNKNOWN):
        message = _at(message, location)
    if location is None and writes:
        location = Location(str(writes[0].path), writes[0].first_changed_line(), 1)
    return TaskResult(
        id=step.id,
        title=step.title,
        status=outcome.status,
        message=redact_credentials(message),
        notes=tuple(map(redact_credentials, outcome.notes + extra)),
        diffs=tuple(e.diff() for e in writes),
        commands=tuple(e.describe() for e in outcome.effects if isinstance(e, FlyctlCommand)),
        records=tuple(e.describe() for e in outcome.effects if isinstance(e, RecordState)),
        before=outcome.before,
        after=outcome.after,
        location=location,
        duration=duration,
        edits=tuple(Location(str(e.path), e.first_changed_line(), 1) for e in writes),
    )


def _at(message: str, at: Location | None) -> str:
    """A problem at a place is said as a spec problem is, `FILE:LINE:COL: message`: every
    output shows that one prefix or strips it where it shows the place itself."""
    return message if at is None or message.startswith(f"{at}: ") else f"{at}: {message}"


def _error_text(exc: RunnerError, root: Path) -> str:
    """An error's text without its place (the result's location carries it), or with the
    file of an unplaced file error named as the user opens it (app-file errors name files
    relative to the app folder)."""
    where = getattr(exc, "location", None)
    if where is not None:
        return str(exc).removeprefix(f"{where}: ")
    if isinstance(exc, FileError):
        return f"{user_path(root / exc.file)}: {exc.message}"
    return str(exc)


def _placed(result: TaskResult, root: Path) -> TaskResult:
    """Every place in a result named as the user opens the file from where flyrun runs: a
    file relative to the app folder (as app-file errors name it) or absolute (as tasks name
    it) becomes one relative to the current folder when below it; the message's
    `FILE:LINE:COL: ` prefix follows its location."""

    def shown(at: Location) -> Location:
        return Location(user_path(root / at.file), at.line, at.column)

    at, message = result.location, result.message
    if at is None:
        return replace(result, edits=tuple(map(shown, result.edits)))
    if message.startswith(f"{at}: "):
        message = f"{shown(at)}: {message.removeprefix(f'{at}: ')}"
    return replace(
        result, message=message, location=shown(at), edits=tuple(map(shown, result.edits))
    )


def _not_applied(result: TaskResult) -> TaskResult:
    """Apply stopped before the first effect: what would have changed is reported skipped."""
    if result.status is not Status.CHANGED:
        return result
    message = f"not applied (a check failed, so nothing was changed): {result.message}"
    return replace(result, status=Status.SKIPPED, message=message)


def _unwritable(spec: AppSpec, planned: list[Effect]) -> TaskResult | None:
    """Before the first effect: every file apply would write can be written, and the state
    file is valid as a whole."""
    targets: list[tuple[Path, Path]] = [
        (e.path, e.root) for e in planned if isinstance(e, WriteFile)
    ]
    records = [e for e in planned if isinstance(e, RecordState)]
    if any(not isinstance(e.change, Deployed) for e in records):
        targets.append((spec.state_file, spec.state_file.parent))
    problems = unwritable(targets)
    if records:
        from runner import state_file  # lazy: only apply records

        try:
            state_file.check_usable(spec.state_file)
        except RunnerError as exc:
            problems.append(str(exc))
    if not problems:
        return None
    return TaskResult(
        "preflight.files_writable",
        "preflight: files writable",
        Status.FAILED,
        "cannot write " + "; ".join(problems) + ". Fix the permissions (or immutable flags) "
        "first: flyrun changes nothing until it can write all",
    )


def _redact_with(run: AppRun | None, result: TaskResult) -> TaskResult:
    return redacted(result, run.facts.redact) if run is not None else result
