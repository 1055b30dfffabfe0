"""The Fly side of `import_data: {from: postgres}` through the CLI, against the simulator (in
process, tests/corpus's InProcessFlyctl): the Postgres URL read from the machine or from
`url_env`, staged with the SQLite DATABASE_URL, the import at the first boot (the stand-in
of runner/simulator/pg_import.py), the record read back and shown, the import secret unset;
a failed import restores Postgres; the URL never shows anywhere. The Rake task itself is
tested on real PostgreSQL and Rails in tests/e2e/test_postgres_import.py."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from runner.flyctl.client import Flyctl
from runner.importer import RAKE_PATH, SOURCE_ENV, rake_text
from tests.cli.harness import FlyApp, tree_digest
from tests.cli.import_app import PASSWORD, SQLITE, TABLES, URL, USER, make_pg_app, volume_file
from tests.inproc import InProcessFlyctl

JSON = dict[str, Any]
MUTATING = ("volumes create", "secrets import", "secrets unset", "deploy", "machine start")


@pytest.fixture(autouse=True)
def _in_process(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """flyctl calls run the simulator in this process (no Python start per call)."""
    runners: dict[Path, InProcessFlyctl] = {}

    def context(self: Flyctl) -> InProcessFlyctl:
        state = Path(self.binary).parent.parent / "fly-state.json"
        return runners.setdefault(state, InProcessFlyctl(state))

    monkeypatch.setattr(Flyctl, "_context", context)
    monkeypatch.setenv("NO_COLOR", "1")
    yield


def task(report: JSON, task_id: str) -> JSON:
    found: JSON = next(t for t in report["apps"][0]["tasks"] if t["id"] == task_id)
    return found


def secrets(app: FlyApp) -> dict[str, JSON]:
    found: dict[str, JSON] = app.state["apps"]["shop"]["secrets"]
    return found


def mutations(app: FlyApp) -> list[str]:
    calls = [" ".join(c[:2]) if c[0] != "deploy" else "deploy" for c in app.calls()]
    return [c for c in calls if c in MUTATING]


def machine(app: FlyApp) -> JSON:
    found: JSON = app.state["apps"]["shop"]["machines"][0]
    return found


def test_check_apply_check_imports_once_and_shows_the_counts(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    app = make_pg_app(tmp_path)
    files, sim = tree_digest(app.app_dir), app.state_path.read_bytes()
    code, report = app.run_json(capsys, "check")
    assert code == 2 and tree_digest(app.app_dir) == files and app.state_path.read_bytes() == sim
    assert task(report, "secret")["status"] == "changed"
    assert f"with {SOURCE_ENV}" in task(report, "secret")["message"]
    assert "postgres://…@shop-db.flycast:5432/shop_production" in task(report, "import")["message"]
    assert {task(report, i)["status"] for i in ("import_rake", "import_step", "import_verify")} == {
        "changed"
    }
    assert f"+++ b/{RAKE_PATH}" in task(report, "import_rake")["diff"]

    code, report = app.run_json(capsys, "apply")
    assert code == 0, json.dumps(report, indent=1)
    verify = task(report, "import_verify")
    assert verify["status"] == "changed" and "counts match" in verify["message"]
    assert verify["notes"] == [
        "users: postgres 3 rows, sqlite 3 rows",
        "orders: postgres 5 rows, sqlite 5 rows",
    ]
    assert verify["commands"] == [f"fly secrets unset {SOURCE_ENV} --app shop --stage"]
    assert mutations(app) == ["volumes create", "secrets import", "deploy", "secrets unset"]
    # the cutover: SQLite URL deployed, the import secret gone, the data on the volume
    assert set(secrets(app)) == {"DATABASE_URL"} and secrets(app)["DATABASE_URL"]["value"] == SQLITE
    with sqlite3.connect(volume_file(app, "production.sqlite")) as db:
        counts = {t: db.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t in TABLES}
    assert counts == TABLES
    assert (app.app_dir / RAKE_PATH).read_text() == rake_text()
    fly_rake = (app.app_dir / "lib/tasks/fly.rake").read_text()
    assert "task :server => [:swapfile, 'flyrun:import_postgres', 'db:migrate'] do" in fly_rake

    before = volume_file(app, "production.sqlite.flyrun-import.json").read_bytes()
    calls = len(app.calls())
    code, report = app.run_json(capsys, "check")
    assert code == 0, json.dumps(report, indent=1)
    imported = task(report, "import")
    assert imported["status"] == "ok" and "2 tables, 8 rows" in imported["message"]
    assert not any("flyrun-env-begin" in " ".join(c) for c in app.calls()[calls:]), (
        "after the cutover the Postgres URL is not read again"
    )
    assert app.run(capsys, "apply")[0] == 0 and mutations(app) == mutations(app)[:4]
    assert volume_file(app, "production.sqlite.flyrun-import.json").read_bytes() == before


def test_a_failed_import_restores_postgres_and_says_why(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    reason = "tables in PostgreSQL but not in db/schema.rb: audits (their rows would be lost)"
    app = make_pg_app(tmp_path, fail=reason)
    servers = (app.root / "postgres.json").read_bytes()
    code, report = app.run_json(capsys, "apply")
    assert code == 1
    assert task(report, "deploy")["status"] == "failed"
    verify = task(report, "import_verify")
    assert verify["status"] == "failed"
    assert f"the import did not finish: flyrun import: FAILED: {reason}" in verify["message"]
    assert "PostgreSQL was only read" in verify["message"]
    mid = machine(app)["id"]
    assert verify["commands"] == [
        "fly secrets import --app shop --stage   (stdin: DATABASE_URL=<redacted>)",
        f"fly secrets unset {SOURCE_ENV} --app shop --stage",
        f"fly deploy {app.app_dir} --app shop --config {app.app_dir / 'fly.toml'}",
        f"fly machine start {mid} --app shop",
    ]
    # never a half state: the app runs on Postgres again, with the URL it had
    assert set(secrets(app)) == {"DATABASE_URL"} and secrets(app)["DATABASE_URL"]["value"] == URL
    assert machine(app)["state"] == "started"
    env = app.state["apps"]["shop"]["deployed_secrets"][mid]
    assert env["DATABASE_URL"] == URL and SOURCE_ENV not in env
    assert (app.root / "postgres.json").read_bytes() == servers  # Postgres only read

    code, report = app.run_json(capsys, "check")
    assert code == 2 and task(report, "import")["status"] == "changed"
    assert any(
        reason in note and "it runs again" in note for note in task(report, "import")["notes"]
    )

    (app.root / "postgres.json").write_text(json.dumps({URL: {"tables": TABLES}}))  # fixed
    assert app.run(capsys, "apply")[0] == 0
    code, report = app.run_json(capsys, "check")
    assert code == 0 and task(report, "import")["status"] == "ok"


def test_url_env_reads_the_url_from_flyruns_environment(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    app = make_pg_app(tmp_path, url_env="SHOP_PG_URL")
    monkeypatch.delenv("SHOP_PG_URL", raising=False)
    code, report = app.run_json(capsys, "check")
    assert code == 1 and task(report, "preflight.import_source")["status"] == "failed"
    assert "import_data.url_env names SHOP_PG_URL, which is not set" in json.dumps(report)
    monkeypatch.setenv("SHOP_PG_URL", "mysql2://u:p@db/x")
    code, report = app.run_json(capsys, "check")
    assert code == 1 and "is a mysql2:// URL, not a postgres:// URL" in json.dumps(report)
    monkeypatch.setenv("SHOP_PG_URL", URL)
    code, report = app.run_json(capsys, "apply")
    assert code == 0, json.dumps(report, indent=1)
    # compared with the machine's DATABASE_URL by the same read as without url_env
    facts = report["apps"][0]["findings"]
    assert f"import: SHOP_PG_URL equals DATABASE_URL on machine {machine(app)['id']}" in " ".join(
        facts
    )
    assert "verified" not in " ".join(f for f in facts if "secret DATABASE_URL" in f)
    assert app.run_json(capsys, "check")[0] == 0


def test_the_url_never_reaches_an_output_a_file_or_argv(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A careless app prints the URL while it boots, and the import fails quoting the
    password: every byte flyrun prints (text and JSON, check and apply), every file it
    writes, and every flyctl argv and stdin log stay free of the URL, user and password."""
    app = make_pg_app(tmp_path, fail=f"password authentication failed ({PASSWORD})", echo=True)
    printed = []
    for args in (("check",), ("apply",), ("check", "--format", "json"), ("apply", "-v")):
        code, out, err = app.run(capsys, *args)
        printed += [out, err]
    (app.root / "postgres.json").write_text(json.dumps({URL: {"tables": TABLES, "echo": True}}))
    for args in (("apply", "--format", "json"), ("check", "--format", "github")):
        code, out, err = app.run(capsys, *args)
        printed += [out, err]
    assert code == 0, printed[-2:]
    written = [p.read_text(errors="replace") for p in app.app_dir.rglob("*") if p.is_file()]
    logged = app.log_text()
    assert "FAILED" in "".join(printed) and "connecting to postgres://…@shop-db" in "".join(printed)
    for secret in (URL, PASSWORD, USER, URL.split("?")[0]):
        for where, texts in (("output", printed), ("app files", written), ("call log", [logged])):
            assert not any(secret in text for text in texts), f"{secret!r} in the {where}"


def test_an_app_that_fails_after_the_import_is_restored_and_its_stale_copy_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The copy finished but the app did not start on SQLite (a migration failed): Postgres
    is restored, and the next run refuses to cut over again onto the copy its `ok` record
    would make the boot keep (Postgres took writes since)."""
    app = make_pg_app(tmp_path, crash_after="ActiveRecord::StatementInvalid: no such column")
    code, report = app.run_json(capsys, "apply")
    verify = task(report, "import_verify")
    assert code == 1 and verify["status"] == "failed"
    assert "the import finished, but the app did not start on SQLite" in verify["message"]
    assert "no such column" in verify["message"]
    assert secrets(app)["DATABASE_URL"]["value"] == URL and machine(app)["state"] == "started"
    code, report = app.run_json(capsys, "check")
    refusal = task(report, "preflight.import_source")
    assert code == 1 and refusal["status"] == "failed"
    assert "is a stale copy a boot would use instead of importing" in refusal["message"]


def test_a_saved_plan_converts_a_postgres_app(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """`check --out` then `apply PLAN`: the plan's effects, then the verification the plan
    describes in words (its effects depend on the deploy), as a plain apply does."""
    from runner.cli import main

    app = make_pg_app(tmp_path)
    monkeypatch.chdir(app.root)
    assert app.run(capsys, "check", "--out", "plan.json")[0] == 2
    assert PASSWORD not in (app.root / "plan.json").read_text()
    code = main(["apply", "plan.json", "--flyctl", str(app.shim), "--format", "json"])
    report = json.loads(capsys.readouterr().out)
    assert code == 0, json.dumps(report, indent=1)
    assert "counts match" in task(report, "import_verify")["message"]
    assert mutations(app) == ["volumes create", "secrets import", "deploy", "secrets unset"]
    assert set(secrets(app)) == {"DATABASE_URL"} and secrets(app)["DATABASE_URL"]["value"] == SQLITE
    assert app.run(capsys, "check")[0] == 0


def test_a_saved_plan_restores_postgres_when_the_import_fails(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Never a half state under a saved plan either: the restore is not in the plan (no check
    can know the import fails), and it runs."""
    from runner.cli import main

    app = make_pg_app(tmp_path, fail="the copy broke")
    monkeypatch.chdir(app.root)
    assert app.run(capsys, "check", "--out", "plan.json")[0] == 2
    code = main(["apply", "plan.json", "--flyctl", str(app.shim), "--format", "json"])
    report = json.loads(capsys.readouterr().out)
    assert code == 1
    verify = task(report, "import_verify")
    assert verify["status"] == "failed" and "PostgreSQL was only read" in verify["message"]
    assert "unlike the plan" not in verify["message"]
    assert set(secrets(app)) == {"DATABASE_URL"} and secrets(app)["DATABASE_URL"]["value"] == URL
    assert machine(app)["state"] == "started"


def test_a_failed_deploy_is_undone_even_when_the_copy_finished(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The machine imported (an `ok` record) but flyctl reported the deploy failed (here its
    response was lost; a crash loop after the import, or another group failing, look the
    same): the app is not known to run on SQLite, so Postgres is restored, never a half
    state, and the next run refuses the stale copy."""
    from runner.simulator.state import add_fault

    app = make_pg_app(tmp_path)
    state = app.state
    add_fault(state, "deploy", "lost_response", app="shop")
    app.edit_state(state)
    code, report = app.run_json(capsys, "apply")
    assert code == 1 and task(report, "deploy")["status"] == "failed"
    verify = task(report, "import_verify")
    assert verify["status"] == "failed"
    assert "the import finished (2 tables, 8 rows copied at" in verify["message"]
    assert "but the deploy failed, so the app is not known to run on SQLite" in verify["message"]
    assert "PostgreSQL was only read. flyrun restores it" in verify["message"]
    assert mutations(app) == [
        "volumes create",
        "secrets import",
        "deploy",
        "secrets import",
        "secrets unset",
        "deploy",
    ]
    assert set(secrets(app)) == {"DATABASE_URL"} and secrets(app)["DATABASE_URL"]["value"] == URL
    env = app.state["apps"]["shop"]["deployed_secrets"][machine(app)["id"]]
    assert env["DATABASE_URL"] == URL and SOURCE_ENV not in env
    code, report = app.run_json(capsys, "check")
    assert code == 1 and "is a stale copy" in task(report, "preflight.import_source")["message"]


OTHER = "postgres://staging:0ther-pw@staging-db.flycast:5432/other"


def _url_env_app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, value: str) -> FlyApp:
    app = make_pg_app(tmp_path, url_env="SHOP_PG_URL")
    monkeypatch.setenv("SHOP_PG_URL", value)
    return app


def _refused(app: FlyApp, capsys: pytest.CaptureFixture[str], *args: str) -> str:
    """check and apply both refuse at `import_source`, before any effect: the message."""
    files, sim = tree_digest(app.app_dir), app.state_path.read_bytes()
    messages: list[str] = []
    for command in ("check", "apply"):
        code, report = app.run_json(capsys, command, *args)
        refusal = task(report, "preflight.import_source")
        assert code == 1 and refusal["status"] == "failed", json.dumps(report, indent=1)
        messages.append(str(refusal["message"]))
    assert mutations(app) == [] and tree_digest(app.app_dir) == files
    assert app.state_path.read_bytes() == sim
    return messages[1]


def test_url_env_naming_another_database_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """url_env is not taken on trust: it must equal the app's own DATABASE_URL (read on the
    machine), or flyrun would import another database and replace the app's URL."""
    app = _url_env_app(tmp_path, monkeypatch, OTHER)
    message = _refused(app, capsys)
    assert "url_env names SHOP_PG_URL, which holds postgres://…@staging-db.flycast:5432/other" in (
        message
    )
    assert f"but DATABASE_URL on machine {machine(app)['id']} is postgres://…@shop-db" in message
    same_host = URL.replace(PASSWORD, "another-password")
    monkeypatch.setenv("SHOP_PG_URL", same_host)
    assert "(they differ in user, password or options)" in _refused(app, capsys)
    for secret in (URL, PASSWORD, OTHER, "0ther-pw", "another-password"):
        assert secret not in message and secret not in app.log_text()


def test_url_env_is_refused_when_the_app_runs_on_another_kind_of_database(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The tester's case: DATABASE_URL is MySQL, url_env a Postgres database elsewhere."""
    app = _url_env_app(tmp_path, monkeypatch, OTHER)
    state = app.state
    from runner.simulator.state import add_secret

    add_secret(state, "shop", "DATABASE_URL", "mysql2://u:p@mysql.internal:3306/shop")
    app.edit_state(state)
    assert "is a mysql2:// URL: the import would copy another database" in _refused(app, capsys)


def test_url_env_that_cannot_be_compared_needs_replace_database_url(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """No started machine to read, and a digest Fly computes: nothing to compare with.
    Refused, unless replace_database_url takes url_env on the user's word (and says so)."""
    app = _url_env_app(tmp_path, monkeypatch, URL)
    state = app.state
    state["apps"]["shop"]["machines"][0]["state"] = "stopped"
    app.edit_state(state)
    message = _refused(app, capsys)
    assert "SHOP_PG_URL, which could not be compared with the app's DATABASE_URL: no " in message
    assert "no started machine of group 'app'" in message and "cannot be recomputed" in message
    assert "set replace_database_url: true" in message
    code, report = app.run_json(capsys, "check", "--replace-database-url")
    assert code == 2, json.dumps(report, indent=1)
    said = " ".join(report["apps"][0]["findings"])
    assert "import: SHOP_PG_URL could not be compared with the app's URL (no started" in said
    assert "replace_database_url takes it on your word" in said


def test_url_env_against_a_legacy_md5_digest(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A GraphQL-era secret's digest is the MD5 of its value: compared without a machine."""
    app = _url_env_app(tmp_path, monkeypatch, OTHER)
    state = app.state
    from runner.simulator.state import add_secret

    add_secret(state, "shop", "DATABASE_URL", URL, legacy_md5=True)
    state["apps"]["shop"]["machines"][0]["state"] = "stopped"
    app.edit_state(state)
    assert "but the DATABASE_URL secret's legacy MD5 digest is" in _refused(app, capsys)
    monkeypatch.setenv("SHOP_PG_URL", URL)
    code, report = app.run_json(capsys, "check")
    assert code == 2, json.dumps(report, indent=1)
    said = " ".join(report["apps"][0]["findings"])
    assert "SHOP_PG_URL equals the DATABASE_URL secret's legacy MD5 digest" in said
