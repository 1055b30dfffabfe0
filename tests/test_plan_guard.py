"""apply PLAN's guards (runner/plan_guard.py): a step whose effects, on fresh facts, are not
the plan's fails without acting; a stale app stops the others."""

from __future__ import annotations

from pathlib import Path

from runner.facts import AppFacts
from runner.facts.inputs import Inputs
from runner.flyctl import commands
from runner.model import Outcome, Status, changed
from runner.plan_file import SavedApp, SavedPlan, SavedStep, effect_json
from runner.plan_guard import PlanGuard
from runner.spec import AppSpec, VolumeSpec


def _spec(root: Path) -> AppSpec:
    volume = VolumeSpec("shop_data", 3, "iad")
    return AppSpec(
        root / "s.yml", "shop", root, volume, "/mnt/x", "p.sqlite", "app", "auto", False, True
    )


def _guard(root: Path, planned: Outcome) -> PlanGuard:
    step = SavedStep("volume", tuple(effect_json(e, root) for e in planned.effects))
    app = SavedApp("shop", "s.yml", Inputs(), (step,))
    return PlanGuard(SavedPlan(root / "plan.json", {}, {}, None, False, {"shop": app}))


def test_a_step_acts_only_as_planned(tmp_path: Path) -> None:
    planned = changed("create", (commands.create_volume("shop", "shop_data", "iad", 3),))
    guard = _guard(tmp_path, planned)
    spec = _spec(tmp_path)
    assert guard.as_planned(spec, "volume", planned) is planned
    bigger = changed("create", (commands.create_volume("shop", "shop_data", "iad", 5),))
    refused = guard.as_planned(spec, "volume", bigger)
    assert refused.status is Status.FAILED and refused.effects == ()
    assert (
        "volume: `fly volumes create shop_data" in refused.message and "--size 5" in refused.message
    )
    assert guard.mismatch(spec, [("volume", planned)]) is None
    found = guard.mismatch(spec, [("volume", planned), ("secret", bigger)])
    assert found is not None and "secret: `fly volumes create" in found.message


def test_one_stale_app_refuses_the_others(tmp_path: Path) -> None:
    guard = _guard(tmp_path, changed("x", ()))
    guard.stale["blog"] = ("fly.toml changed since the plan was made",)
    facts = AppFacts(tmp_path, "shop", None, tmp_path / ".flyrun-state.json")
    refused = guard.refusal(_spec(tmp_path), facts)  # shop's own inputs (none) are current
    assert refused is not None and "the plan is stale for blog" in refused.message
