from __future__ import annotations

from pathlib import Path

from runner.flyctl.commands import FlyctlCommand
from runner.model import Deployed, RecordState
from runner.tasks.deploy import DeployTask
from tests.tasks.canned import context


def test_deploy_runs_flyctl_in_the_app_folder_then_records_it(tmp_path: Path) -> None:
    deploy, record = DeployTask().check(context(tmp_path)).effects
    assert isinstance(deploy, FlyctlCommand) and deploy.long
    assert deploy.argv == (
        "deploy",
        str(tmp_path),
        "--app",
        "shop",
        "--config",
        str(tmp_path / "fly.toml"),
    )
    assert isinstance(record, RecordState) and record.change == Deployed()
