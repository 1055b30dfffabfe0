"""Results of a run as the reports receive them: one app with a task of every status."""

from __future__ import annotations

from pathlib import Path

from runner.errors import Location
from runner.events import AppResult, RunResult, TaskResult
from runner.model import OFFLINE, Status

DIFF = "--- a/fly.toml\n+++ b/fly.toml\n@@ -1,2 +1,3 @@\n app = 'shop'\n+[mounts]\n"
RAKE = "--- a/lib/tasks/fly.rake\n+++ b/lib/tasks/fly.rake\n@@ -3 +3 @@\n-a\n+b\n"


def app_result(root: Path) -> AppResult:
    """`shop` in `root` (its spec says `app: shop` on line 2): one task of each status."""
    spec = root / "fly-sqlite.yml"
    spec.write_text("version: 1\napp: shop\nvolume: {name: shop_data}\n")
    tasks = (
        TaskResult("volume", "volume shop_data", Status.OK, "volume exists"),
        TaskResult(
            "migrations",
            "migrations run on the server",
            Status.CHANGED,
            "move db:migrate",
            diffs=(DIFF, RAKE),
            location=Location(str(root / "fly.toml"), 2, 1),
            edits=(
                Location(str(root / "fly.toml"), 2, 1),
                Location(str(root / "lib/tasks/fly.rake"), 3, 1),
            ),
        ),
        TaskResult(
            "secret",
            "secret DATABASE_URL",
            Status.CHANGED,
            "set DATABASE_URL (staged)",
            commands=("fly secrets import --app shop --stage   (stdin: DATABASE_URL=<redacted>)",),
        ),
        TaskResult(
            "preflight.machines",
            "preflight: machines",
            Status.FAILED,
            "two machines in group app",
            location=Location(str(root / "fly.toml"), 7, 3),
        ),
        TaskResult("warning", "production.rb warning", Status.SKIPPED, "Rails 7.2: deprecated"),
        TaskResult("machines", "machines use the volume", Status.UNKNOWN, "cannot tell"),
        TaskResult("deploy", "deploy", Status.UNKNOWN, OFFLINE + "not asked"),
    )
    return AppResult("shop", spec, tasks, "rake", duration=1.5)


def run_result(root: Path, mode: str = "check") -> RunResult:
    return RunResult(mode, (app_result(root),), duration=2.0)


def spec_failure(root: Path) -> RunResult:
    at = Location(str(root / "fly-sqlite.yml"), 3, 9)
    return RunResult("check", (), error="invalid spec", problems=((at, "volume.name: bad"),))
