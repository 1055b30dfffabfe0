"""`flyrun apply PLAN`: what keeps apply to exactly the saved plan (docs/ci.md "Saved plans").

Apply PLAN is an ordinary apply (runner/executor.py: preflight, the check pass, task by task
on fresh facts, the deploy handler, the idempotence proof, the app lock, every event) with
three guards from here:

1. before any app changes, every app's inputs are read again and compared with the plan's
   hashes (`verify`); one stale app stops them all, each app naming what changed;
2. under the app's lock, its inputs are compared again, through the very facts the apply then
   decides on (`refusal`), and the check pass must give the plan's effects (`mismatch`);
3. each task, re-checked on fresh facts right before it acts, must still ask for the plan's
   effects (`as_planned`), or it fails without acting. The one exception is a handler whose
   effects are decided by this run's deploy (`after_deploy`: the import's verification,
   which finishes the cutover or restores Postgres): no check can see them, so the plan holds
   what it will do in words, and it acts as in any apply, after the plan's deploy.

Since tasks are pure functions of their inputs, equal inputs give the plan's effects; the
guards make that a checked fact rather than an assumption. A secret's value is derived from
the spec again, and its SHA-256 must be the plan's."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from runner.errors import RunnerError
from runner.events import TaskResult
from runner.facts import AppFacts
from runner.facts.remote import Queries
from runner.model import Outcome, Status, failed
from runner.plan_file import SavedApp, SavedPlan, mismatch, stale_inputs, step_mismatch
from runner.spec import AppFailure, AppSpec


@dataclass
class PlanGuard:
    saved: SavedPlan
    stale: dict[str, tuple[str, ...]] = field(default_factory=dict)  # by app, from `verify`

    def verify(self, items: Sequence[AppSpec | AppFailure], flyctl: Queries | None) -> None:
        """Every app's inputs against the plan, before any app changes anything."""
        for item in items:
            if isinstance(item, AppFailure):  # its folder or fly.toml broke since the check
                self.stale[item.app] = tuple(f"{p} (changed since the plan)" for p in item.problems)
                continue
            facts = AppFacts(item.path, item.app, flyctl, item.state_file)
            facts.remote.prefetch()
            found = self._stale(item, facts)
            if found:
                self.stale[item.app] = found

    def _entry(self, app: str) -> SavedApp | None:
        return self.saved.apps.get(app)

    def _stale(self, spec: AppSpec, facts: AppFacts) -> tuple[str, ...]:
        entry = self._entry(spec.app)
        if entry is None:
            return (f"app {spec.app} is not in the plan",)
        try:
            return tuple(stale_inputs(entry, facts, spec.state_file.name))
        except RunnerError as exc:
            return (f"what the plan was made from cannot be read: {exc}",)

    def refusal(self, spec: AppSpec, facts: AppFacts) -> TaskResult | None:
        """A failed `plan` task when this app's inputs, read again now, differ, or another
        app's did in `verify`; None when the plan is current."""
        found = self.stale.get(spec.app) or self._stale(spec, facts)
        others = sorted(app for app in self.stale if app != spec.app)
        if not found and not others:
            return None
        what = "; ".join(found) if found else f"the plan is stale for {', '.join(others)}"
        message = f"stale plan, nothing was changed: {what}. {self.saved.remake()}"
        return TaskResult("plan", "saved plan", Status.FAILED, message)

    def mismatch(self, spec: AppSpec, done: Sequence[tuple[str, Outcome]]) -> TaskResult | None:
        """A failed `plan` task when the check pass asks for other effects than the plan."""
        entry = self._entry(spec.app)
        found = mismatch(entry, done, spec.path) if entry is not None else ["not in the plan"]
        if not found:
            return None
        message = (
            f"apply would not do what the plan says: {'; '.join(found)}. {self.saved.remake()}"
        )
        return TaskResult("plan", "saved plan", Status.FAILED, message)

    def as_planned(
        self, spec: AppSpec, step_id: str, outcome: Outcome, *, after_deploy: bool = False
    ) -> Outcome:
        """`outcome` when its effects are the plan's for this step, else a failure that
        performs nothing (someone changed what the step reads since the check pass).
        `after_deploy`: the step's effects depend on the deploy that just ran (see above);
        refusing them would leave the app half switched, so they are performed."""
        if after_deploy:
            return outcome
        entry = self._entry(spec.app)
        found = step_mismatch(entry, step_id, outcome, spec.path) if entry else "not in the plan"
        return failed(f"not performed, unlike the plan: {found}") if found else outcome
