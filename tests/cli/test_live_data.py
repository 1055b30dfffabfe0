"""Live data (issue 7) through the CLI, against the simulator: an app whose volume already
holds its SQLite database is converted by adopting that file, and flyrun never stages a URL to
any other file."""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml
from invoke.runners import Result

from runner.cli import main
from runner.simulator import state as store
from runner.simulator.shim import install_shim
from tests.corpus.test_corpus import CASES, Case, build_state
from tests.inproc import InProcessFlyctl, use_in_process

HAZARD_1 = CASES / "83-live-data-refused-database-yml-in-mount"
LIVE_URL = "sqlite3:///data/production.sqlite3"  # the file database.yml names, on the volume


class Staging(InProcessFlyctl):
    """The simulator in-process, keeping every NAME=VALUE line flyrun stages (stdin only)."""

    def __init__(self, state_path: Path) -> None:
        super().__init__(state_path)
        self.staged: list[str] = []

    def run(self, command: str, **kwargs: Any) -> Result:
        stream = kwargs.get("in_stream")
        if " secrets import " in f" {command} " and isinstance(stream, io.StringIO):
            self.staged += stream.getvalue().splitlines()
        return super().run(command, **kwargs)


def _volume_files(state_path: Path) -> dict[str, bytes]:
    (volume,) = store.load(state_path)["apps"]["ledger-notes"]["volumes"]
    folder = store.volume_path(state_path, volume["id"])
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*")}


def test_adopting_the_live_file_converges_and_stages_no_other_url(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Corpus case 83 (refused as it is) with the one spec line its refusal suggests."""
    app_dir = tmp_path / "app"
    shutil.copytree(HAZARD_1 / "app", app_dir)
    spec = app_dir / "fly-sqlite.yml"
    spec.write_text(spec.read_text() + "database: production.sqlite3\n")
    assert yaml.safe_load(spec.read_text())["mount_path"] == "/data"
    case = Case(HAZARD_1.name, HAZARD_1, yaml.safe_load((HAZARD_1 / "case.yml").read_text()))
    state_path = tmp_path / "fly-state.json"
    store.save(state_path, build_state(case, "ledger-notes", state_path))
    # What a Rails boot does: open the file DATABASE_URL names, creating it when absent
    # (an empty database); so a URL to any other file would leave a new file on the volume.
    state = store.load(state_path)
    store.set_boot_command(state, "ledger-notes", 'f="${DATABASE_URL#sqlite3://}"; touch "$f"')
    store.save(state_path, state)
    live = _volume_files(state_path)
    assert set(live) == {"production.sqlite3", "production.sqlite3-wal"}
    flyctl = Staging(state_path)
    use_in_process(monkeypatch, flyctl)
    shim = install_shim(tmp_path / "bin", state_path)

    def run(mode: str) -> tuple[int, dict[str, Any]]:
        code = main([mode, str(spec), "--flyctl", str(shim), "--format", "json"])
        report: dict[str, Any] = json.loads(capsys.readouterr().out)
        return code, report

    codes, reports = zip(*(run(mode) for mode in ("check", "apply", "check")), strict=True)
    assert codes == (2, 0, 0), json.dumps(reports[codes.index(max(codes))]["apps"], indent=1)
    findings = "\n".join(reports[0]["apps"][0]["findings"])
    assert (
        "volume data at /data on machine" in findings
        and "/data/production.sqlite3 (1.5 MB)" in findings
    )
    assert [line for line in flyctl.staged if "DATABASE_URL" in line] == [
        f"DATABASE_URL={LIVE_URL}"
    ]
    assert (
        store.load(state_path)["apps"]["ledger-notes"]["secrets"]["DATABASE_URL"]["value"]
        == LIVE_URL
    )
    assert _volume_files(state_path) == live  # the live file kept, no other database made
