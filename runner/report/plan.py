"""`check --out PLAN`: the saved plan, written from the event stream (each app's `AppPlanned`
entry) when the run finishes. Only a check that could decide everything saves one (exit 0
or 2): after a failure there is no plan, and an older plan at that path is removed so that a
pipeline cannot apply it by mistake (runner/plan_file.py has the format)."""

from __future__ import annotations

import json
import shlex
from collections.abc import Mapping
from pathlib import Path
from typing import Any, TextIO

from runner.events import AppPlanned, Event, RunFinished, RunStarted
from runner.plan_file import document, is_plan
from runner.report.files import write_report


class PlanWriter:
    def __init__(
        self,
        path: Path,
        notes: TextIO,
        *,
        playbook: Path | None,
        replace_database_url: bool,
        limit: tuple[str, ...] = (),
        shard: tuple[int, int] | None = None,
        account: tuple[str, ...] = (),
    ) -> None:
        self.path = path
        self.notes = notes
        self.playbook = playbook
        self.replace_database_url = replace_database_url
        self.limit = limit  # the options that chose the apps: `apply PLAN` suggests them
        self.shard = shard
        self.account = account  # `--flyctl PATH` words: the apply asks the same flyctl
        self.order: tuple[str, ...] = ()
        self.entries: dict[str, Mapping[str, Any]] = {}

    def __call__(self, event: Event) -> None:
        if isinstance(event, RunStarted):
            self.order = event.apps
        elif isinstance(event, AppPlanned):
            self.entries[event.app] = event.entry
        elif isinstance(event, RunFinished):
            self._finish(event)

    def _finish(self, event: RunFinished) -> None:
        apps = [app.app for app in event.result.apps]
        if event.exit_code not in (0, 2) or any(app not in self.entries for app in apps):
            self._no_plan(event.exit_code)
            return
        entries = [self.entries[app] for app in sorted(apps, key=self._position)]
        plan = document(
            entries,
            self.playbook,
            self.replace_database_url,
            limit=self.limit,
            shard=self.shard,
        )
        if write_report(self.path, json.dumps(plan, indent=2) + "\n", "plan"):
            effects = sum(len(s["effects"]) for e in entries for s in e["steps"])
            self.notes.write(
                f"flyrun: plan saved to {self.path} ({effects} effect{'s' * (effects != 1)}, "
                f"{len(entries)} app{'s' * (len(entries) != 1)}): "
                f"`flyrun apply {' '.join((shlex.quote(str(self.path)), *self.account))}` "
                "performs exactly these, and refuses if anything they were decided on changed\n"
            )

    def _position(self, app: str) -> int:
        return self.order.index(app) if app in self.order else len(self.order)

    def _no_plan(self, code: int) -> None:
        removed = ""
        if self.path.is_file() and is_plan(self.path):
            self.path.unlink()
            removed = f"; the older plan at {self.path} was removed"
        self.notes.write(
            f"flyrun: no plan saved: the check did not succeed (exit code {code}){removed}\n"
        )
