"""Saved plans through the CLI, against the simulator: `check --out PLAN`, then `apply PLAN`
performs exactly its effects, or refuses a stale plan (the spec, a custom playbook, an app
file changed, created or deleted, a remote fact: volumes, secrets, machines, the files on the
volume, the state file), changing nothing and naming what changed."""

from __future__ import annotations

import contextlib
import io
import itertools
import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from runner.cli import main
from runner.resources import bundled, load_json
from runner.simulator.shim import install_shim
from runner.simulator.state import add_machine, add_secret, add_volume, seed_volume_file
from tests.cli.harness import FlyApp, make_app, tree_digest
from tests.cli.test_converge import _mutations

URL = "sqlite3:///mnt/shop_data/production.sqlite"


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example app and its plan, made once from the folder holding the app (as CI
    would); each test gets a copy (`fly_app`, `planned`)."""
    root = tmp_path_factory.mktemp("planned")
    app = make_app(root)
    out = io.StringIO()
    with pytest.MonkeyPatch.context() as patch, contextlib.redirect_stdout(out):
        patch.chdir(root)
        assert main(["check", str(app.spec), "--flyctl", str(app.shim), "--out", "plan.json"]) == 2
    assert "plan saved to plan.json (9 effects, 1 app)" in out.getvalue()  # after the text
    assert f"`flyrun apply plan.json --flyctl {app.shim}` performs exactly these" in out.getvalue()
    return root


@pytest.fixture
def fly_app(template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> FlyApp:
    shutil.copytree(template, tmp_path, dirs_exist_ok=True)
    state = tmp_path / "fly-state.json"
    shim = install_shim(tmp_path / "bin", state)  # the copy's own simulated account
    Path(str(state) + ".log").unlink()  # the check's calls: not this test's
    monkeypatch.chdir(tmp_path)
    return FlyApp(tmp_path, tmp_path / "shop", tmp_path / "shop/fly-sqlite.yml", state, shim)


@pytest.fixture
def planned(fly_app: FlyApp) -> Path:
    return fly_app.root / "plan.json"


def _apply(fly_app: FlyApp, capsys: pytest.CaptureFixture[str], plan: Path) -> tuple[int, Any]:
    code = main(["apply", str(plan), "--flyctl", str(fly_app.shim), "--format", "json"])
    return code, json.loads(capsys.readouterr().out)


def test_the_plan_is_valid_and_holds_no_secret_value(planned: Path) -> None:
    text = planned.read_text(encoding="utf-8")
    plan = json.loads(text)
    validator = Draft202012Validator(load_json("schemas", "plan.schema.json"))
    assert list(validator.iter_errors(plan)) == []
    assert URL not in text
    assert plan["options"] == {
        "playbook": None, "replace_database_url": False, "limit": [], "shard": None
    }  # fmt: skip
    (app,) = plan["apps"]
    assert app["spec"] == "shop/fly-sqlite.yml" and plan["specs"].keys() == {app["spec"]}
    assert set(app["inputs"]["remote"]) == {"volumes", "secrets", "machines"}
    assert "fly.toml" in app["inputs"]["files"] and app["inputs"]["files"]["Procfile"] is None
    deploy = next(s for s in app["steps"] if s["id"] == "deploy")["effects"][0]
    assert deploy["argv"] == ["deploy", ".", "--app", "shop", "--config", "fly.toml"]  # portable
    secret = next(s for s in app["steps"] if s["id"] == "secret")["effects"][1]
    assert secret["kind"] == "flyctl" and set(secret["secrets"]) == {"DATABASE_URL"}


def test_apply_plan_performs_exactly_its_effects_then_check_is_clean(
    fly_app: FlyApp, capsys: pytest.CaptureFixture[str], planned: Path
) -> None:
    code, report = _apply(fly_app, capsys, planned)
    assert code == 0 and report["mode"] == "apply" and report["summary"]["apps_changed"] == 1
    assert [m[:2] for m in _mutations(fly_app.calls())] == [
        ["volumes", "create"],
        ["secrets", "import"],
        ["deploy", str(fly_app.app_dir)],
    ]
    assert fly_app.run(capsys, "check")[0] == 0
    code, report = _apply(fly_app, capsys, planned)  # done: its inputs changed, so refused
    assert code == 1 and "stale plan" in json.dumps(report)


def _spec(app: FlyApp) -> None:
    app.spec.write_text(app.spec.read_text() + "# reviewed\n")


def _file(app: FlyApp) -> None:
    rake = app.app_dir / "lib/tasks/fly.rake"
    rake.write_text(rake.read_text() + "# edited after the plan\n")


def _remote(app: FlyApp) -> None:
    state = app.state
    add_volume(state, "shop", "shop_data", "iad", 1)
    app.edit_state(state)


def _machine(app: FlyApp) -> None:
    state = app.state
    state["apps"]["shop"]["machines"][0]["state"] = "stopped"  # auto-stop, say
    app.edit_state(state)


def _secret(app: FlyApp) -> None:
    """Someone points the app at a database between check and apply."""
    state = app.state
    add_secret(state, "shop", "DATABASE_URL", "postgres://u:p@db.internal/shop")
    app.edit_state(state)


def _created(app: FlyApp) -> None:
    """A file the check found absent, and which decides where the database is."""
    (app.app_dir / "config/database.yml").write_text(
        "production:\n  adapter: sqlite3\n  database: /mnt/shop_data/other.sqlite3\n"
    )


def _deleted(app: FlyApp) -> None:
    (app.app_dir / "config/environments/production.rb").unlink()


def _state_file(app: FlyApp) -> None:
    record = {"sha256": "0" * 64, "digest": "1" * 16}
    (app.app_dir / ".flyrun-state.json").write_text(
        json.dumps({"format_version": 2, "apps": {"shop": {"secrets": {"DATABASE_URL": record}}}})
    )


STALE: list[tuple[Callable[[FlyApp], None], str]] = [
    (_spec, "spec shop/fly-sqlite.yml changed"),
    (_file, "lib/tasks/fly.rake changed since the plan was made"),
    (_remote, "flyctl volumes: vol_"),
    (_machine, "flyctl machines: 8d56e751320ee9 changed"),
    (_secret, "flyctl secrets: DATABASE_URL added"),
    (_created, "config/database.yml created since the plan was made"),
    (_deleted, "config/environments/production.rb deleted since the plan was made"),
]


@pytest.mark.parametrize(("change", "named"), STALE, ids=[c.__name__[1:] for c, _ in STALE])
def test_a_stale_plan_is_refused_changing_nothing(
    fly_app: FlyApp,
    capsys: pytest.CaptureFixture[str],
    planned: Path,
    change: Callable[[FlyApp], None],
    named: str,
) -> None:
    change(fly_app)
    files, sim = tree_digest(fly_app.app_dir), fly_app.state_path.read_bytes()
    calls = len(fly_app.calls())
    code, report = _apply(fly_app, capsys, planned)
    assert code == 1 and report["summary"]["exit_code"] == 1
    # the apply's own --flyctl too: the new plan must ask the same flyctl (the same account)
    remake = (
        "Make a new plan with `flyrun check shop/fly-sqlite.yml "
        f"--flyctl {fly_app.shim} --out plan.json`"
    )
    assert named in json.dumps(report) and remake in json.dumps(report)
    assert tree_digest(fly_app.app_dir) == files and fly_app.state_path.read_bytes() == sim
    assert _mutations(fly_app.calls()[calls:]) == []


def test_a_changed_state_record_makes_the_plan_stale(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The state file is an input once the check read it (a secret exists to verify)."""
    fly_app = make_app(tmp_path)
    state = fly_app.state
    add_secret(state, "shop", "DATABASE_URL", URL, legacy_md5=True)
    fly_app.edit_state(state)
    monkeypatch.chdir(fly_app.root)
    assert fly_app.run(capsys, "check", "--out", "plan.json")[0] == 2
    _state_file(fly_app)
    code, report = _apply(fly_app, capsys, fly_app.root / "plan.json")
    assert code == 1 and ".flyrun-state.json: this app's records changed" in json.dumps(report)


def _unchanged_by(
    fly_app: FlyApp, capsys: pytest.CaptureFixture[str], plan: Path, named: str
) -> None:
    """`apply PLAN` refuses, naming `named`, with no file, account or flyctl mutation changed."""
    files, sim = tree_digest(fly_app.app_dir), fly_app.state_path.read_bytes()
    calls = len(fly_app.calls())
    code = main(["apply", str(plan), "--flyctl", str(fly_app.shim), "--format", "json"])
    out, err = capsys.readouterr()
    assert code == 1 and json.loads(out)["summary"]["exit_code"] == 1
    assert named in out + err and "Make a new plan with `flyrun check" in out + err
    assert tree_digest(fly_app.app_dir) == files and fly_app.state_path.read_bytes() == sim
    assert _mutations(fly_app.calls()[calls:]) == []


@pytest.mark.parametrize("how", ["--playbook", "spec"])
def test_a_changed_custom_playbook_makes_the_plan_stale(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, how: str
) -> None:
    """Given with `--playbook` to check, or named by the spec's `playbook:`."""
    fly_app = make_app(tmp_path)
    monkeypatch.chdir(fly_app.root)
    mine = fly_app.app_dir / "volume-first.yml"
    shutil.copy(Path(str(bundled("playbooks"))) / "examples" / "volume-first.yml", mine)
    extra = ["--playbook", str(mine)] if how == "--playbook" else []
    if how == "spec":
        fly_app.spec.write_text(fly_app.spec.read_text() + "playbook: volume-first.yml\n")
    assert fly_app.run(capsys, "check", "--out", "plan.json", *extra)[0] == 2
    mine.write_text(mine.read_text().replace("    notify: deploy\n", ""))
    _unchanged_by(
        fly_app, capsys, fly_app.root / "plan.json", "playbook shop/volume-first.yml changed"
    )


def test_new_files_on_the_volume_make_the_plan_stale(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The volume exists and a started machine mounts it, so the check looked inside (the
    live-data listing is an input); a SQLite file appearing there afterwards is live data
    the plan was not decided on."""
    fly_app = make_app(tmp_path, machines=0)
    state = fly_app.state
    volume = add_volume(state, "shop", "shop_data", "iad", 3)
    machine = add_machine(
        state, "shop", "iad", mounts=[{"volume": volume["id"], "path": "/mnt/shop_data"}]
    )
    fly_app.edit_state(state)
    monkeypatch.chdir(fly_app.root)
    assert fly_app.run(capsys, "check", "--out", "plan.json")[0] == 2
    plan = json.loads((fly_app.root / "plan.json").read_text())
    listing = f"volume_files:{machine['id']}:/mnt/shop_data"
    assert plan["apps"][0]["inputs"]["remote"][listing]["items"] == {}  # looked: no file
    seed_volume_file(
        fly_app.state_path, "shop", volume["id"], "other.sqlite3", b"SQLite format 3\x00"
    )
    named = (
        f"flyctl volume_files {machine['id']}:/mnt/shop_data: /mnt/shop_data/other.sqlite3 added"
    )
    _unchanged_by(fly_app, capsys, fly_app.root / "plan.json", named)


def test_one_stale_app_stops_every_app_of_the_plan(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.cli.harness import make_fleet as batch

    inventory, shim = batch(tmp_path, 2)
    monkeypatch.chdir(tmp_path)
    assert main(["check", str(inventory), "--flyctl", str(shim), "--out", "plan.json"]) == 2
    rake = tmp_path / "shop1/lib/tasks/fly.rake"
    rake.write_text(rake.read_text() + "# late edit\n")
    before = tree_digest(tmp_path / "shop0")
    capsys.readouterr()
    assert main(["apply", "plan.json", "--flyctl", str(shim), "--format", "json"]) == 1
    apps = {a["app"]: a["tasks"][0]["message"] for a in json.loads(capsys.readouterr().out)["apps"]}
    assert "lib/tasks/fly.rake changed" in apps["shop1"]
    assert "the plan is stale for shop1" in apps["shop0"]
    assert tree_digest(tmp_path / "shop0") == before
    toml = tmp_path / "shop1/fly.toml"  # now so broken that shop1 cannot even be loaded
    toml.write_text(toml.read_text().replace('app = "shop1"', 'app = "other"'))
    assert main(["apply", "plan.json", "--flyctl", str(shim), "--format", "json"]) == 1
    apps = {a["app"]: a["tasks"][0]["message"] for a in json.loads(capsys.readouterr().out)["apps"]}
    assert "the plan is stale for shop1" in apps["shop0"]
    assert tree_digest(tmp_path / "shop0") == before


def test_a_plan_of_selected_apps_applies_to_those_apps_only(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """`check INVENTORY --limit … --out PLAN` plans some apps; `apply PLAN` converts exactly
    those (the others of the inventory were never planned, so they are not touched)."""
    from tests.cli.harness import make_fleet as batch

    inventory, shim = batch(tmp_path, 2)
    monkeypatch.chdir(tmp_path)
    flyctl = ["--flyctl", str(shim)]
    assert main(["check", str(inventory), *flyctl, "--limit", "shop0", "--out", "plan.json"]) == 2
    untouched = tree_digest(tmp_path / "shop1")
    capsys.readouterr()
    assert main(["apply", "plan.json", *flyctl, "--format", "json"]) == 0
    assert [a["app"] for a in json.loads(capsys.readouterr().out)["apps"]] == ["shop0"]
    assert tree_digest(tmp_path / "shop1") == untouched
    assert main(["check", str(inventory), *flyctl, "--limit", "shop0"]) == 0


def _fleet_plan(tmp_path: Path, capsys: pytest.CaptureFixture[str], *selection: str) -> FlyApp:
    """A fleet of shop0 and shop1 (tests/cli/harness.py `make_fleet`) and its plan
    `plan.json`, made from the fleet's folder with `check inventory.yml SELECTION --out`;
    `spec` is the inventory, `app_dir` shop1, `calls()` every app's."""
    from tests.cli.harness import make_fleet

    inventory, shim = make_fleet(tmp_path, 2)
    fleet = FlyApp(tmp_path, tmp_path / "shop1", inventory, tmp_path / "state.json", shim)
    flyctl = ["--flyctl", str(shim)]
    assert main(["check", "inventory.yml", *flyctl, *selection, "--out", "plan.json"]) == 2
    capsys.readouterr()
    return fleet


@pytest.mark.parametrize(
    ("extra", "given"),
    [
        (["--limit", "nomatch", "--shard", "2/2"], "--limit and --shard"),
        (["--limit", "shop1"], "--limit"),
        (["--shard", "1/1"], "--shard"),
    ],
)
def test_apply_plan_refuses_limit_and_shard_applying_nothing(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    extra: list[str],
    given: str,
) -> None:
    """The plan names its apps: a selection given to `apply PLAN` was once ignored (the
    whole plan applied, exit 0); it is an error before anything runs."""
    monkeypatch.chdir(tmp_path)
    fleet = _fleet_plan(tmp_path, capsys, "--limit", "shop1")
    files, calls = tree_digest(fleet.app_dir), len(fleet.calls())
    assert main(["apply", "plan.json", *extra, "--flyctl", str(fleet.shim)]) == 1
    err = capsys.readouterr().err
    assert f"error: {given} cannot select apps of a saved plan: plan.json already names" in err
    wanted = " ".join(f"{o} {'PATTERN' if o == '--limit' else 'I/N'}" for o in given.split(" and "))
    assert f"make a new plan with `flyrun check SPEC… {wanted} --out PLAN`" in err
    assert tree_digest(fleet.app_dir) == files
    assert fleet.calls()[calls:] == []  # not even a query: refused before anything ran


def test_apply_plan_takes_max_fail_percent(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A run control, not a selection (docs/ci.md "Saved plans"): it may stop starting the
    plan's apps, never choose others."""
    monkeypatch.chdir(tmp_path)
    fleet = _fleet_plan(tmp_path, capsys)
    code = main(["apply", "plan.json", "--max-fail-percent", "0", "--flyctl", str(fleet.shim)])
    assert code == 0 and len(_mutations(fleet.calls())) == 6  # both apps: volume, secret, deploy


def _late_gemfile_edit(root: Path) -> None:
    """Every app's Gemfile changes after the plan (a dependency bump, say): the plan is stale."""
    for gemfile in root.glob("shop*/Gemfile"):
        gemfile.write_text(gemfile.read_text() + "# late edit\n")


@pytest.mark.parametrize(
    ("selection", "kept", "shard"),
    [
        (["--limit", "shop0"], "--limit shop0", None),
        (["--shard", "1/2"], "--shard 1/2", {"index": 1, "count": 2}),
        (
            ["--limit", "shop*", "--shard", "2/2"],
            "--limit 'shop*' --shard 2/2",
            {"index": 2, "count": 2},
        ),
    ],
)
def test_after_apply_plan_the_next_command_keeps_the_plans_selection(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    selection: list[str],
    kept: str,
    shard: dict[str, int] | None,
) -> None:
    """The plan records the options that chose its apps (`options.limit`, `options.shard`),
    and `apply PLAN`, which takes neither, runs with them: the closing line's next command
    keeps them (it used to drop them, suggesting a check of the whole fleet), and the JSON
    report names the plan's shard (for `report merge`)."""
    monkeypatch.chdir(tmp_path)
    fleet = _fleet_plan(tmp_path, capsys, *selection)
    plan = json.loads((tmp_path / "plan.json").read_text())
    schema = Draft202012Validator(load_json("schemas", "plan.schema.json"))
    assert list(schema.iter_errors(plan)) == []
    limit = [pattern for option, pattern in itertools.pairwise(selection) if option == "--limit"]
    assert (plan["options"]["limit"], plan["options"]["shard"]) == (limit, shard)
    _late_gemfile_edit(tmp_path)
    assert main(["apply", "plan.json", "--flyctl", str(fleet.shim), "--json", "report.json"]) == 1
    out = capsys.readouterr().out
    assert f"then run `flyrun check inventory.yml {kept} --flyctl {fleet.shim}` again" in out
    assert (  # one sentence for what changed, one for what to do: the plan's own command
        "stale plan, nothing was changed: Gemfile changed since the plan was made. "
        f"Make a new plan with `flyrun check inventory.yml {kept} --flyctl {fleet.shim} "
        "--out plan.json`\n" in out
    )
    assert json.loads((tmp_path / "report.json").read_text()).get("shard") == shard


def test_a_plan_made_before_the_selection_was_recorded_still_applies(
    fly_app: FlyApp, capsys: pytest.CaptureFixture[str], planned: Path
) -> None:
    plan = json.loads(planned.read_text())
    del plan["options"]["limit"], plan["options"]["shard"]
    planned.write_text(json.dumps(plan))
    code, report = _apply(fly_app, capsys, planned)
    assert code == 0 and report["summary"]["apps_changed"] == 1 and "shard" not in report


def test_a_failed_check_saves_no_plan_and_removes_an_older_one(
    fly_app: FlyApp, capsys: pytest.CaptureFixture[str], planned: Path
) -> None:
    toml = fly_app.app_dir / "fly.toml"
    toml.write_text(toml.read_text().replace('app = "shop"', 'app = "other"'))
    code, out, _ = fly_app.run(capsys, "check", "--out", "plan.json")
    assert code == 1 and not planned.exists()
    assert "no plan saved" in out and "older plan at plan.json was removed" in out


@pytest.mark.parametrize(
    ("extra", "says"),
    [
        (["--replace-database-url"], "come from the plan"),
        (["other.yml"], "one saved PLAN, alone"),
    ],
)
def test_apply_plan_takes_no_other_spec_or_option(
    fly_app: FlyApp, capsys: pytest.CaptureFixture[str], planned: Path, extra: list[str], says: str
) -> None:
    code = main(["apply", str(planned), *extra, "--flyctl", str(fly_app.shim)])
    assert code == 1 and says in capsys.readouterr().err


def test_a_plan_from_another_flyrun_or_format_is_refused(
    fly_app: FlyApp, capsys: pytest.CaptureFixture[str], planned: Path
) -> None:
    plan = json.loads(planned.read_text())
    planned.write_text(json.dumps({**plan, "flyrun_version": "0.0.1"}))
    assert main(["apply", str(planned), "--flyctl", str(fly_app.shim)]) == 1
    assert "was made by flyrun 0.0.1" in capsys.readouterr().err
    planned.write_text(json.dumps({**plan, "flyrun_plan": 2}))
    assert main(["apply", str(planned), "--flyctl", str(fly_app.shim)]) == 1
    assert "flyrun_plan 2 is not a version" in capsys.readouterr().err


def test_out_needs_flyctl(fly_app: FlyApp, capsys: pytest.CaptureFixture[str]) -> None:
    """A usage error, before anything runs: one error, not also the failed run's "no plan
    saved" note (which it printed first, on stdout)."""
    code, out, err = fly_app.run(capsys, "check", "--offline", "--out", "new.json")
    assert code == 1 and out == "" and err.startswith("usage: flyrun check ")
    assert err.endswith(
        "flyrun check: error: --out needs flyctl: an offline check cannot know the remote effects\n"
    )
    assert err.count("error") == 1 and not (fly_app.root / "new.json").exists()
    assert fly_app.calls() == []
