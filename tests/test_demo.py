"""`flyrun demo --app-dir DIR` (runner/demo.py): the user's own app, copied, taken through
check → apply → check against the simulator; DIR is never touched."""

from __future__ import annotations

import tempfile
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
    assert f"({app} is not touched)" in out and "exit codes (2, 0, 0), as expected" in out
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


def _example(tmp_path: Path) -> Path:
    """An unchanged copy of the bundled example: its own spec (volume.region: iad), and a
    fly.toml without primary_region."""
    app = tmp_path / "shop"
    copy_tree(bundled("playbooks") / "examples" / "shop", app)
    assert "primary_region" not in (app / "fly.toml").read_text()
    return app


def _converged(out: str) -> bool:
    return "exit codes (2, 0, 0), as expected" in out


def test_init_then_demo_without_primary_region(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """README's steps: the spec `init --region` wrote gives the region; fly.toml need not."""
    app = _example(tmp_path)
    (app / "fly-sqlite.yml").unlink()
    assert main(["init", str(app), "--region", "iad"]) == 0
    assert main(["demo", "--app-dir", str(app)]) == 0
    assert _converged(capsys.readouterr().out)


def test_the_example_with_its_own_spec_converges(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["demo", "--app-dir", str(_example(tmp_path))]) == 0
    assert _converged(capsys.readouterr().out)


def test_without_a_spec_or_primary_region_demo_takes_region(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    app = _example(tmp_path)
    (app / "fly-sqlite.yml").unlink()
    assert main(["demo", "--app-dir", str(app)]) == 1
    err = capsys.readouterr().err
    assert "has no `primary_region`: pass the region the app runs in, e.g. " in err
    assert "`flyrun demo --app-dir DIR --region iad`" in err and "flyrun init" not in err
    assert main(["demo", "--app-dir", str(app), "--region", "iad"]) == 0
    assert _converged(capsys.readouterr().out) and not (app / "fly-sqlite.yml").exists()


@pytest.mark.parametrize(
    ("argv", "says"),
    [
        (
            ["--app-dir", "shop", "--region", "ams"],
            "--region 'ams': shop/fly-sqlite.yml puts the volume in iad, and the demo uses it "
            "as it is: leave out --region",
        ),
        (["--region", "iad"], "--region goes with --app-dir DIR"),
    ],
    ids=["not-the-spec-region", "without-app-dir"],
)
def test_a_region_the_demo_would_not_use_is_refused(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    argv: list[str],
    says: str,
) -> None:
    _example(tmp_path)
    monkeypatch.chdir(tmp_path)
    assert main(["demo", *argv]) == 1
    assert f"flyrun: error: {says}" in capsys.readouterr().err


def test_the_spec_in_dir_must_be_the_apps_own(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """`path: ../myapp` loads in DIR, but the copy holds DIR alone: refused up front."""
    app = _example(tmp_path)
    copy_tree(bundled("playbooks") / "examples" / "shop", tmp_path / "myapp")
    (tmp_path / "myapp" / "fly-sqlite.yml").unlink()
    spec = app / "fly-sqlite.yml"
    spec.write_text(spec.read_text().replace("version: 1\n", "version: 1\npath: ../myapp\n"))
    monkeypatch.chdir(tmp_path)
    assert main(["demo", "--app-dir", "shop"]) == 1
    assert capsys.readouterr().err == (
        "shop/fly-sqlite.yml:3:7: path: '../myapp' is not shop itself: the demo copies shop "
        "alone, so its spec must be the app's own (no `path`, or `path: .`); for the app in "
        "myapp, run `flyrun demo --app-dir myapp`\n"
    )


@pytest.mark.parametrize("own", [False, True], ids=["example", "app-dir"])
def test_with_keep_the_first_line_says_the_copy_is_kept(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    own: bool,
) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))  # the kept folder
    (tmp_path / "tmp").mkdir()
    app = ["--app-dir", str(_example(tmp_path))] if own else []
    assert main(["demo", "--keep", *app]) == 0
    first, *_, last = capsys.readouterr().out.splitlines()
    (kept,) = (tmp_path / "tmp").glob("flyrun-demo-*")
    shim = kept / "bin" / "flyctl"
    assert "remove" not in first
    assert (
        last == f"flyrun demo: kept {kept}; run flyrun on it with `--flyctl {shim}` (the simulator)"
    )
    assert first.endswith("(kept for you to look at)") or (
        "which the demo converts and keeps for you to look at" in first
    )
    spec = next(kept.glob("*/fly-sqlite.yml"))  # the hint holds: the copy is converged
    assert main(["check", str(spec), "--flyctl", str(shim)]) == 0


def test_without_keep_the_example_says_how_to_keep_the_copy(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    assert main(["demo"]) == 0
    last = capsys.readouterr().out.splitlines()[-1]
    assert "`flyrun demo --keep` keeps it" in last
    assert list(tmp_path.glob("flyrun-demo-*")) == []


def test_a_problem_of_the_app_with_its_spec_is_said_before_copying(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The spec loads, but its app is not fly.toml's: said in DIR's spec, no step runs."""
    spec = _example(tmp_path) / "fly-sqlite.yml"
    spec.write_text(spec.read_text().replace("app: shop", "app: other"))
    monkeypatch.chdir(tmp_path)
    assert main(["demo", "--app-dir", "shop"]) == 1
    out, err = capsys.readouterr()
    assert (
        err == "shop/fly-sqlite.yml:3:6: app: 'other' does not match app 'shop' in shop/fly.toml\n"
    )
    assert "flyrun check" not in out


def test_an_inventorys_default_path_outside_dir_is_said_once(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    app = _example(tmp_path)
    (app / "fly-sqlite.yml").write_text(
        "version: 1\ndefaults:\n  path: ..\n  volume: {region: iad}\napps:\n"
        "  - {app: shop, volume: {name: a}}\n  - {app: cart, volume: {name: b}}\n"
    )
    monkeypatch.chdir(tmp_path)
    assert main(["demo", "--app-dir", "shop"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("shop/fly-sqlite.yml:3:9: defaults.path: '..' is not shop itself")
    assert err.count("\n") == 1


@pytest.mark.parametrize(
    ("app_dir", "says"),
    [
        ("nodir", "no such folder: nodir"),
        (
            "shop/fly.toml",
            "shop/fly.toml is a file, not the app's folder: pass the folder "
            "that holds fly.toml (shop)",
        ),
        (
            ".",
            "there is no fly.toml: run `fly launch` first (it writes fly.toml), or pass "
            "the app's folder: `flyrun demo --app-dir DIR`",
        ),
    ],
    ids=["no-folder", "a-file", "no-fly-toml"],
)
def test_dir_that_is_no_app_folder_is_said_as_such(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    app_dir: str,
    says: str,
) -> None:
    _example(tmp_path)
    monkeypatch.chdir(tmp_path)
    assert main(["demo", "--app-dir", app_dir]) == 1
    assert capsys.readouterr().err == f"flyrun: error: {says}\n"


def test_an_app_without_fly_toml_is_refused_before_copying(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["demo", "--app-dir", str(tmp_path)]) == 1
    assert "there is no " in capsys.readouterr().err


def _refused_mount(app: Path) -> int:
    """A `[mounts]` preflight refuses (the check step fails): its line in fly.toml."""
    toml = app / "fly.toml"
    line = toml.read_text().count("\n") + 1
    toml.write_text(toml.read_text() + '[mounts]\n  source = "x"\n  destination = "/d"\n')
    toml.write_text(toml.read_text() + '  initial_size = "0GB"\n')
    return line


@pytest.mark.parametrize("below_cwd", [False, True], ids=["copy-elsewhere", "copy-below-cwd"])
def test_messages_name_the_users_files_not_the_temporary_copy(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    below_cwd: bool,
) -> None:
    """Below the current folder, the copy is named relatively (runner/disk.py user_path)."""
    if below_cwd:
        (tmp_path / "tmp").mkdir()
        monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))
    line = _refused_mount(_own_app(tmp_path, with_spec=False))
    monkeypatch.chdir(tmp_path)
    assert main(["demo", "--app-dir", "mine"]) == 1
    out = capsys.readouterr().out
    assert "flyrun demo: mine copied to " in out and "(mine is not touched)" in out
    assert "mine has no fly-sqlite.yml: the demo uses one made as `flyrun init mine`" in out
    assert f"— mine/fly.toml:{line}:1: shop: fly.toml mounts refused:" in out
    assert "APP [shop] (mine/fly-sqlite.yml)" in out
    # no --flyctl of the demo's; mine has no spec: the next command writes it first
    assert "run `flyrun init mine && flyrun check mine/fly-sqlite.yml` again" in out
    steps = out.split("built-in simulator", 1)[1].split("\n", 1)[1]
    assert "flyrun-demo-" not in steps  # only the opening lines name the copy


def test_the_next_command_writes_the_spec_the_demo_made_first(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """No spec in DIR: each suggested command starts with the `flyrun init` (with the
    demo's --region) that writes it, so it can be run as it is said."""
    app = _example(tmp_path)
    (app / "fly-sqlite.yml").unlink()
    monkeypatch.chdir(tmp_path)
    assert main(["demo", "--app-dir", "shop", "--region", "iad"]) == 0
    out = capsys.readouterr().out
    init = "flyrun init shop --region iad"
    assert f"the demo uses one made as `{init}` makes it" in out
    assert f"run `{init} && flyrun apply shop/fly-sqlite.yml`" in out
    _refused_mount(app)
    assert main(["demo", "--app-dir", "shop", "--region", "iad"]) == 1
    out = capsys.readouterr().out
    assert f"run `{init} && flyrun check shop/fly-sqlite.yml` again" in out


def test_with_its_own_spec_the_next_command_is_plain(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    _refused_mount(_example(tmp_path))
    monkeypatch.chdir(tmp_path)
    assert main(["demo", "--app-dir", "shop"]) == 1
    out = capsys.readouterr().out
    assert "run `flyrun check shop/fly-sqlite.yml` again" in out and "flyrun init" not in out


def test_a_spec_problem_is_said_in_the_users_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    app = _own_app(tmp_path, with_spec=True)
    spec = app / "fly-sqlite.yml"
    spec.write_text(spec.read_text().replace("size: 3", "size: 0x10"))
    monkeypatch.chdir(tmp_path)
    assert main(["demo", "--app-dir", "mine"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("mine/fly-sqlite.yml:6:9: volume.size: expected a whole number")


def test_ctrl_c_stops_the_demo_at_once_with_130(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ctrl-C in the apply step: that step's run ends with 130 (its report written), and
    the demo runs no further step and exits 130 (it went on to the last check, exit 1)."""
    from runner.executor import Executor

    def interrupted(*_: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(Executor, "_apply", interrupted)
    app = _own_app(tmp_path, with_spec=True)
    assert main(["demo", "--app-dir", str(app)]) == 130
    out, err = capsys.readouterr()
    assert "2. flyrun apply" in out and "3. flyrun check" not in out
    assert "exit codes" not in out and "flyrun demo: interrupted" in err


def test_ctrl_c_between_steps_stops_the_demo_too(tmp_path: Path) -> None:
    from runner.demo import run_demo

    steps: list[str] = []

    def main_then_ctrl_c(argv: list[str]) -> int:
        steps.append(argv[0])
        raise KeyboardInterrupt

    app = _own_app(tmp_path, with_spec=True)
    assert run_demo(main_then_ctrl_c, app_dir=app) == 130
    assert steps == ["check"]
