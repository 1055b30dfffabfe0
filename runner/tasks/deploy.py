"""Task `deploy` (a handler): `fly deploy` of the app folder, run once at the end of apply when
a task notified it; then `.flyrun-state.json` records that what flyrun staged is live."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from runner.flyctl import commands
from runner.model import Deployed, Outcome, RecordState, Status
from runner.tasks.base import TaskContext, no_args


class DeployTask:
    name: ClassVar[str] = "deploy"
    summary: ClassVar[str] = "fly deploy the app folder (as a handler: once, only if notified)"
    args: ClassVar[Mapping[str, Any]] = no_args()
    requires: ClassVar[Mapping[str, str]] = {}
    guards: ClassVar[Mapping[str, str]] = {}
    remote: ClassVar[bool] = True
    fresh: ClassVar[frozenset[str]] = frozenset()

    def check(self, ctx: TaskContext) -> Outcome:
        spec = ctx.spec
        deploy = commands.deploy(spec.app, spec.path, spec.fly_toml)
        record = RecordState(spec.state_file, spec.app, Deployed())
        return Outcome(Status.CHANGED, "deploy the app", (deploy, record))
