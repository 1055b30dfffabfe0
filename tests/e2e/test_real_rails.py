"""flyrun on real Rails 6.1 apps (Debian's ruby-rails), driven through the real CLI in a
subprocess against the flyctl simulator; the converted apps are then booted with Rails."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

from tests.e2e.rails_app import (
    BARE_WARNING,
    BOOT_SCRIPT,
    GUARDED_WARNING,
    WARNING_TASK,
    FlyApp,
    MakeFlyApp,
    Template,
    add_migration,
    deployed_database_url,
    describe,
    must,
    prerequisites,
    production_env,
    tree_snapshot,
)


def apply(app: FlyApp) -> None:
    run = app.flyrun("apply")
    assert (run.code, run.status) == (0, "changed"), describe(run.result)


def boots_on_sqlite(app: FlyApp, volume: Path) -> None:
    """`bin/rails runner` in production with DATABASE_URL on `volume` prints SQLite and the path."""
    url = f"sqlite3://{volume}/production.sqlite"
    result = must(app.rails("runner", BOOT_SCRIPT, env=production_env(url)))
    assert result.stdout.splitlines()[-2:] == ["SQLite", f"{volume}/production.sqlite"]


def test_template_is_generated_in_seconds(
    rails_template: Template, record_property: Callable[[str, object], None]
) -> None:
    record_property("template_seconds", round(rails_template.seconds, 2))
    print(f"\nrails new + bundle install --local: {rails_template.seconds:.1f} s")
    assert rails_template.seconds < 60
    assert "rails (6.1." in (rails_template.app / "Gemfile.lock").read_text(encoding="utf-8")


def test_unconverted_app_boots(new_fly_app: MakeFlyApp, tmp_path: Path) -> None:
    app = new_fly_app()
    result = must(app.rails("runner", "puts ActiveRecord::Base.connection.adapter_name"))
    assert result.stdout.splitlines()[-1] == "SQLite"
    boots_on_sqlite(app, tmp_path / "vol")
    listing = prerequisites(must(app.rails("-P")).stdout)
    assert listing["fly:release"] == ["db:migrate"]
    assert listing["fly:server"] == ["swapfile"]


def test_check_apply_check(fly_app: FlyApp) -> None:
    tree, state = tree_snapshot(fly_app.folder), fly_app.state_bytes()
    first = fly_app.flyrun("check")
    assert (first.code, first.status) == (2, "changed"), describe(first.result)
    assert tree_snapshot(fly_app.folder) == tree
    assert fly_app.state_bytes() == state

    second = fly_app.flyrun("apply")
    assert (second.code, second.status) == (0, "changed"), describe(second.result)
    assert tree_snapshot(fly_app.folder) != tree

    tree, state = tree_snapshot(fly_app.folder), fly_app.state_bytes()
    third = fly_app.flyrun("check")
    assert (third.code, third.status) == (0, "ok"), describe(third.result)
    assert {t["status"] for t in third.report["apps"][0]["tasks"]} <= {"ok", "skipped"}
    assert tree_snapshot(fly_app.folder) == tree
    assert fly_app.state_bytes() == state


def test_migration_moves_from_release_to_server(fly_app: FlyApp) -> None:
    apply(fly_app)
    listing = prerequisites(must(fly_app.rails("-P")).stdout)
    assert listing["fly:server"] == ["swapfile", "db:migrate"]
    assert "db:migrate" not in listing["fly:release"]
    must(fly_app.rails("fly:release"))  # release_command still finds the (empty) task


def test_converted_app_migrates_and_boots_on_the_volume_path(
    new_fly_app: MakeFlyApp, tmp_path: Path
) -> None:
    app = new_fly_app()
    add_migration(app.folder)
    apply(app)
    url, mount = deployed_database_url(app)
    assert url.startswith("sqlite3:///")
    volume = tmp_path / "vol"
    local_url = url.replace(f"sqlite3://{mount}/", f"sqlite3://{volume}/", 1)
    assert local_url.startswith("sqlite3:///") and local_url != url

    must(app.rails("db:migrate", env=production_env(local_url)))
    database = volume / "production.sqlite"
    assert database.is_file()
    with sqlite3.connect(database) as db:
        tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master")}
    assert "widgets" in tables
    boots_on_sqlite(app, volume)


def test_warning_task_skipped_on_rails_61(new_fly_app: MakeFlyApp) -> None:
    app = new_fly_app()
    task = app.flyrun("check").task(WARNING_TASK)
    assert task["status"] == "skipped", task
    assert "6.1" in task["message"], task


def test_bare_warning_line_is_guarded_and_the_app_boots_again(
    new_fly_app: MakeFlyApp, tmp_path: Path
) -> None:
    app = new_fly_app(production_line=BARE_WARNING)
    url = f"sqlite3://{tmp_path / 'vol'}/production.sqlite"
    crash = app.rails("runner", BOOT_SCRIPT, env=production_env(url))
    assert crash.returncode != 0, describe(crash)
    assert "NoMethodError" in crash.stderr, describe(crash)
    assert "sqlite3_production_warning=" in crash.stderr, describe(crash)

    apply(app)
    assert BARE_WARNING not in app.production_rb()
    assert app.production_rb().count(GUARDED_WARNING) == 1
    boots_on_sqlite(app, tmp_path / "vol")


def test_silence_true_adds_the_guarded_line_and_the_app_boots(
    new_fly_app: MakeFlyApp, tmp_path: Path
) -> None:
    app = new_fly_app(silence="true")
    apply(app)
    text = app.production_rb()
    assert f"Rails.application.configure do\n  {GUARDED_WARNING}\n" in text
    boots_on_sqlite(app, tmp_path / "vol")
