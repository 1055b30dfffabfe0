"""The import's tasks, effect level with canned facts: what `postgres_import` reports and does
in each state of an import, when the `import_verify` handler restores Postgres (only right
after this run's deploy), and the secret task staging the URL with DATABASE_URL."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from runner.errors import PreflightRefused
from runner.flyctl.commands import FlyctlCommand
from runner.flyctl.parse import Machine, MachineMount, Secret
from runner.model import Deployed, RecordState, Status
from runner.spec import ImportData
from runner.state_file import sha256
from runner.tasks.base import Performed, TaskContext
from runner.tasks.import_checks import ImportSourceCheck
from runner.tasks.import_data import ImportVerifyTask, PostgresImportTask
from runner.tasks.secret import SecretTask
from tests.tasks.canned import URL, Canned, context

PG = "postgres://shop:Pa55word-xyz@db.flycast:5432/shop"
RECORD = "/mnt/shop_data/production.sqlite.flyrun-import.json"
IMPORT = ImportData("postgres")
SECRET_ARGS = {"mount_path": "/mnt/shop_data", "database": "production.sqlite"}


def record(status: str = "ok", error: str | None = None) -> str:
    side = {"rows": 4, "checksum": "ab"}
    data = {
        "format": 1,
        "status": status,
        "finished_at": "2026-01-01T00:00:00Z",
        "rails_version": "7.0.4",
        "tables": [{"name": "users", "postgres": side, "sqlite": side}],
        **({"error": error} if error else {}),
    }
    return json.dumps(data)


class Fly(Canned):
    """Canned remote facts plus a machine's environment and volume files over ssh."""

    def __init__(self, env: dict[str, str], files: dict[str, str], **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.env, self.files = env, files

    def ssh(self, app: str, machine: str, script: str) -> str:
        self.asked.append(f"ssh {machine}")
        if "flyrun-listing-done" in script:
            return (
                "".join(f"{len(v)}\t{p}\n" for p, v in self.files.items()) + "flyrun-listing-done\n"
            )
        if "flyrun-env-begin" in script:
            names = ("DATABASE_URL", "FLYRUN_IMPORT_DATABASE_URL")
            body = "".join(f"{n}={self.env.get(n, '')}\n" for n in names)
            return f"flyrun-env-begin\n{body}flyrun-env-end\n"
        text = next((t for p, t in self.files.items() if f"'{p}'" in script), None)
        return (
            "flyrun-file-absent\n"
            if text is None
            else f"flyrun-file-begin\n{text}\nflyrun-file-end\n"
        )


def box(state: str = "started", mounted: bool = True) -> Machine:
    mounts = (MachineMount("/mnt/shop_data", "shop_data", "vol_1"),) if mounted else ()
    return Machine("m1", "iad", state, "app", mounts)


def ctx_for(
    root: Path,
    *,
    cut_over: bool,
    importing: bool,
    machine: Machine,
    files: dict[str, str] | None = None,
    env: dict[str, str] | None = None,
    performed: tuple[Performed, ...] = (),
) -> TaskContext:
    secrets = [Secret("DATABASE_URL", "d1" if cut_over else "pg1", "Deployed")]
    if importing:
        secrets.append(Secret("FLYRUN_IMPORT_DATABASE_URL", "i1", "Deployed"))
    if cut_over:
        entry = {"sha256": sha256(URL), "digest": "d1"}
        state = {"format_version": 2, "apps": {"shop": {"secrets": {"DATABASE_URL": entry}}}}
        (root / ".flyrun-state.json").write_text(json.dumps(state))
    fly = Fly(
        env if env is not None else {"DATABASE_URL": PG},
        files or {},
        secrets_=tuple(secrets),
        machines_=(machine,),
    )
    return replace(context(root, fly, import_data=IMPORT), performed=performed)


def test_an_ok_record_shows_counts_and_the_import_secret_goes(tmp_path: Path) -> None:
    ctx = ctx_for(tmp_path, cut_over=True, importing=True, machine=box(), files={RECORD: record()})
    outcome = PostgresImportTask().check(ctx)
    assert outcome.status is Status.CHANGED and "1 tables, 4 rows" in outcome.message
    assert outcome.notes == ("users: postgres 4 rows, sqlite 4 rows",)
    (unset,) = outcome.effects
    assert isinstance(unset, FlyctlCommand)
    assert unset.argv == (
        "secrets",
        "unset",
        "FLYRUN_IMPORT_DATABASE_URL",
        "--app",
        "shop",
        "--stage",
    )
    done = ctx_for(
        tmp_path, cut_over=True, importing=False, machine=box(), files={RECORD: record()}
    )
    assert PostgresImportTask().check(done).status is Status.OK


def test_before_the_cutover_it_waits_for_the_deploy_and_recalls_a_failure(tmp_path: Path) -> None:
    ctx = ctx_for(
        tmp_path,
        cut_over=False,
        importing=False,
        machine=box(),
        files={RECORD: record("failed", "no such table: audits")},
    )
    outcome = PostgresImportTask().check(ctx)
    assert outcome.status is Status.CHANGED and outcome.effects == ()
    assert "at the first boot on SQLite (the deploy)" in outcome.message
    assert "the last import failed" in outcome.notes[-1] and "no such table" in outcome.notes[-1]


def test_a_later_run_never_restores_on_its_own(tmp_path: Path) -> None:
    """After the cutover, an import secret still set and no ok record: the app may have
    been writing to SQLite since, so the task fails with guidance and changes nothing."""
    for machine in (box("stopped"), box()):
        ctx = ctx_for(tmp_path, cut_over=True, importing=True, machine=machine)
        outcome = PostgresImportTask().check(ctx)
        assert outcome.status is Status.FAILED and outcome.effects == ()
        assert "docs/import.md" in outcome.message


def test_after_the_import_a_stopped_machine_is_fine_an_absent_record_unknown(
    tmp_path: Path,
) -> None:
    idle = ctx_for(tmp_path, cut_over=True, importing=False, machine=box("stopped"))
    assert PostgresImportTask().check(idle).status is Status.OK  # auto-stopped app
    lost = ctx_for(tmp_path, cut_over=True, importing=False, machine=box())
    assert PostgresImportTask().check(lost).status is Status.UNKNOWN


def test_the_handler_plans_in_check_and_skips_without_a_deploy(tmp_path: Path) -> None:
    plan = ctx_for(tmp_path, cut_over=False, importing=False, machine=box(mounted=False))
    outcome = ImportVerifyTask().check(plan)
    assert outcome.status is Status.CHANGED and outcome.effects == ()
    ran = (Performed("volume", "volume", Status.OK, "ok"),)
    assert ImportVerifyTask().check(replace(plan, performed=ran)).status is Status.SKIPPED


def test_a_failed_deploy_restores_postgres_with_the_imports_message(tmp_path: Path) -> None:
    text = (
        "`fly deploy` failed (exit 1): Error: smoke checks for m1 failed\n"
        "flyrun import: FAILED: no such table: audits; removed /mnt/shop_data/production.sqlite"
    )
    deploy = (Performed("deploy", "deploy", Status.FAILED, text),)
    ctx = ctx_for(tmp_path, cut_over=True, importing=True, machine=box(), performed=deploy)
    assert ctx.facts.import_source("app", None).url is not None  # read in preflight
    assert isinstance(ctx.facts.remote.flyctl, Fly)
    ctx.facts.remote.flyctl.machines_ = (box("stopped"),)  # the failed boot stopped it
    ctx.facts.invalidate({"machines"})
    outcome = ImportVerifyTask().check(ctx)
    assert outcome.status is Status.FAILED
    assert (
        "the import did not finish: flyrun import: FAILED: no such table: audits" in outcome.message
    )
    stage, unset, again, start = outcome.effects
    assert isinstance(stage, FlyctlCommand) and stage.stdin == f"DATABASE_URL={PG}\n"
    assert not any(isinstance(e, RecordState) for e in outcome.effects)  # no hash of the URL
    assert isinstance(unset, FlyctlCommand) and unset.argv[:3] == (
        "secrets",
        "unset",
        "FLYRUN_IMPORT_DATABASE_URL",
    )
    assert isinstance(again, FlyctlCommand) and again.argv[0] == "deploy"
    assert isinstance(start, FlyctlCommand) and start.argv == (
        "machine",
        "start",
        "m1",
        "--app",
        "shop",
    )
    assert PG not in outcome.message and PG not in repr(outcome)


def test_a_deploy_that_booted_without_an_ok_record_is_undone_too(tmp_path: Path) -> None:
    deploy = (Performed("deploy", "deploy", Status.CHANGED, "deploy the app"),)
    env = {"DATABASE_URL": URL, "FLYRUN_IMPORT_DATABASE_URL": PG}  # read while importing
    ctx = ctx_for(tmp_path, cut_over=True, importing=True, machine=box(), env=env, performed=deploy)
    outcome = ImportVerifyTask().check(ctx)
    assert outcome.status is Status.FAILED and "no import record" in outcome.message
    assert [e.argv[0] for e in outcome.effects if isinstance(e, FlyctlCommand)] == [
        "secrets",
        "secrets",
        "deploy",
    ]


def test_a_failed_deploy_is_undone_even_after_an_ok_record(tmp_path: Path) -> None:
    """The copy finished and the machine answers, but the deploy failed (another machine,
    a crash loop after the import, a lost response): restored, never a half state."""
    text = "`fly deploy` failed (exit 1): Error: smoke checks for w1 failed"
    deploy = (Performed("deploy", "deploy", Status.FAILED, text),)
    ctx = ctx_for(
        tmp_path,
        cut_over=True,
        importing=True,
        machine=box(),
        files={RECORD: record()},
        performed=deploy,
    )
    assert ctx.facts.import_source("app", None).url is not None  # read in preflight
    outcome = ImportVerifyTask().check(ctx)
    assert outcome.status is Status.FAILED
    assert outcome.message.startswith("the import finished (1 tables, 4 rows copied at")
    assert "but the deploy failed" in outcome.message and "smoke checks for w1" in outcome.message
    assert [e.argv[0] for e in outcome.effects if isinstance(e, FlyctlCommand)] == [
        "secrets",
        "secrets",
        "deploy",
    ]
    done = replace(ctx, performed=(Performed("deploy", "deploy", Status.CHANGED, "deploy"),))
    assert ImportVerifyTask().check(done).status is Status.CHANGED  # unsets the import secret


def test_without_the_url_the_handler_cannot_restore_and_says_so(tmp_path: Path) -> None:
    deploy = (Performed("deploy", "deploy", Status.FAILED, "boom"),)
    ctx = ctx_for(tmp_path, cut_over=True, importing=True, machine=box("stopped"), performed=deploy)
    outcome = ImportVerifyTask().check(ctx)
    assert outcome.status is Status.FAILED and outcome.effects == ()
    assert "cannot restore Postgres" in outcome.message


def test_the_secret_task_stages_the_url_with_database_url_and_records_only_sqlite(
    tmp_path: Path,
) -> None:
    ctx = ctx_for(tmp_path, cut_over=False, importing=False, machine=box(mounted=False))
    outcome = SecretTask().check(replace(ctx, args=SECRET_ARGS))
    assert outcome.status is Status.CHANGED
    run = next(e for e in outcome.effects if isinstance(e, FlyctlCommand))
    assert run.stdin == f"DATABASE_URL={URL}\nFLYRUN_IMPORT_DATABASE_URL={PG}\n"
    assert run.secret_names == ("DATABASE_URL", "FLYRUN_IMPORT_DATABASE_URL")
    changes = [e.change for e in outcome.effects if isinstance(e, RecordState)]
    names = {c.name for c in changes if not isinstance(c, Deployed)}
    assert names == {"DATABASE_URL"} and PG not in repr(outcome) and PG not in run.describe()
    mysql = Fly({"DATABASE_URL": "mysql2://u:p@h/x"}, {}, machines_=(box(mounted=False),))
    no_source = context(tmp_path, mysql, args=SECRET_ARGS, import_data=IMPORT)
    refused = SecretTask().check(no_source)
    assert refused.status is Status.FAILED and "no Postgres URL" in refused.message


def test_a_database_already_on_the_volume_stops_the_cutover(tmp_path: Path) -> None:
    """Before the cutover: an `ok` record (imported, then Postgres restored) or a database
    file at the spec's path would be kept by the boot instead of a fresh import."""
    for files, why in (
        ({RECORD: record()}, "is a stale copy a boot would use"),
        ({"/mnt/shop_data/production.sqlite": "SQLite format 3"}, "already holds"),
    ):
        ctx = ctx_for(tmp_path, cut_over=False, importing=False, machine=box(), files=files)
        with pytest.raises(PreflightRefused, match="import leftovers") as info:
            ImportSourceCheck().run(ctx)
        assert why in info.value.found
    clean = ctx_for(tmp_path, cut_over=False, importing=False, machine=box(), files={})
    assert ImportSourceCheck().run(clean) is not None
