"""`flyrun demo --app-dir DIR` (runner/demo.py): the user's own app, copied, taken through
check → apply → check against the simulator; DIR is never touched."""

from __future__ import annotations

from pathlib import Path

import pytest

from runner.cli import main
from runner.demo import copy_tree, prepare_own
from runner.resources import bundled
from runner.simulator.state import load
from tests.cli.harness import tree_digest


def _own_app(tmp_path: Path, *, with_spec: bool) -> Path:
    """The bundled example as a user's app: fly.toml with primary_region, maybe no spec."""
    app = tmp_path / "mine"
    copy_tree(bundled("playbooks") / "examples" / "shop", app)
    toml = app / "fly.toml"
    toml.write_text(
        toml.read_text().replace('app = "shop"', 'app = "shop"\nprimary_region = "ams"')
    )
    if not with_spec:
        (app / "fly-sqlite.yml").unlink()
    else:
        spec = app / "fly-sqlite.yml"
        spec.write_text(spec.read_text().replace("region: iad", "region: ams"))
    return app


def test_the_users_app_converges_and_stays_untouched(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    app = _own_app(tmp_path, with_spec=True)
    before = tree_digest(app)
    assert main(["demo", "--app-dir", str(app)]) == 0
    out = capsys.readouterr().out
    assert "(your folder is not touched)" in out and "exit codes (2, 0, 0), as expected" in out
    assert tree_digest(app) == before


def test_without_a_spec_one_is_made_as_init_makes_it(tmp_path: Path) -> None:
    app = _own_app(tmp_path, with_spec=False)
    spec, shim = prepare_own(tmp_path / "demo", app)
    assert spec == tmp_path / "demo" / "mine" / "fly-sqlite.yml"
    assert "name: shop\n" in spec.read_text() and "region: ams" in spec.read_text()
    state = load(tmp_path / "demo" / "flyctl-state.json")
    (machine,) = state["apps"]["shop"]["machines"]
    assert (machine["region"], machine["state"]) == ("ams", "started")
    assert shim.is_file() and not (app / "fly-sqlite.yml").exists()


def test_an_app_without_fly_toml_is_refused_before_copying(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["demo", "--app-dir", str(tmp_path)]) == 1
    assert "there is no " in capsys.readouterr().err
