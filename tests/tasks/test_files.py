"""The file task types (`fly_toml_mount`, `migrations`, `production_warning`), effect level:
given these files, this WriteFile (or this refusal)."""

from __future__ import annotations

from pathlib import Path

from runner.model import Status, WriteFile
from runner.tasks.migrations import MigrationsTask
from runner.tasks.mount import MountTask
from runner.tasks.production_warning import ProductionWarningTask
from tests.tasks.canned import context

MOUNT = {"source": "shop_data", "destination": "/mnt/shop_data", "process_group": "app"}
RAKE = """namespace :fly do
  task :release => 'db:migrate'
  task :server do
    sh 'bin/rails server'
  end
end
"""
RAKE_APP = {
    "fly.toml": 'app = "shop"\n\n[deploy]\n  release_command = "bin/rails fly:release"\n'
    '\n[env]\n  SERVER_COMMAND = "bin/rails fly:server"\n',
    "Dockerfile": "FROM ruby\nCMD ${SERVER_COMMAND}\n",
    "lib/tasks/fly.rake": RAKE,
}


def test_mount_is_one_write_of_fly_toml(tmp_path: Path) -> None:
    outcome = MountTask().check(context(tmp_path, args=MOUNT))
    (write,) = outcome.effects
    assert isinstance(write, WriteFile) and write.path == tmp_path / "fly.toml"
    assert write.new.endswith(
        '[mounts]\n  source = "shop_data"\n  destination = "/mnt/shop_data"\n'
    )
    assert write.root == tmp_path and write.first_changed_line() == 3


def test_mount_present_is_ok_and_a_conflict_fails(tmp_path: Path) -> None:
    present = 'app = "shop"\n\n[mounts]\n  source = "shop_data"\n  destination = "/mnt/shop_data"\n'
    ok = MountTask().check(context(tmp_path, files={"fly.toml": present}, args=MOUNT))
    assert ok.status is Status.OK and ok.effects == ()
    other = present.replace("/mnt/shop_data", "/data").replace('"shop_data"', '"data"')
    refused = MountTask().check(context(tmp_path, files={"fly.toml": other}, args=MOUNT))
    assert refused.status is Status.FAILED and "already mounts volume 'data'" in refused.message


def test_mount_for_one_group_of_several_names_it(tmp_path: Path) -> None:
    fly = 'app = "shop"\n\n[processes]\n  app = "bin/rails server"\n  worker = "bin/jobs"\n'
    ctx = context(
        tmp_path, files={"fly.toml": fly}, args=MOUNT, groups_without_database=("worker",)
    )
    outcome = MountTask().check(ctx)
    (write,) = outcome.effects
    assert isinstance(write, WriteFile) and 'processes = ["app"]' in write.new
    assert "'worker' gets no volume: declared in groups_without_database" in outcome.notes[0]


def test_migrations_move_from_release_to_server(tmp_path: Path) -> None:
    outcome = MigrationsTask().check(
        context(tmp_path, files=RAKE_APP, args={"process_group": "app"})
    )
    (write,) = outcome.effects
    assert isinstance(write, WriteFile) and write.path.name == "fly.rake"
    assert "task :server => 'db:migrate' do" in write.new and "task :release\n" in write.new


def test_migrations_refuse_a_fly_rake_that_never_migrates(tmp_path: Path) -> None:
    files = {**RAKE_APP, "lib/tasks/fly.rake": RAKE.replace(" => 'db:migrate'", "")}
    outcome = MigrationsTask().check(context(tmp_path, files=files, args={"process_group": "app"}))
    assert outcome.status is Status.FAILED and "does not migrate" in outcome.message


def test_migrations_refuse_a_fly_rake_that_does_not_parse_at_its_line(tmp_path: Path) -> None:
    files = {**RAKE_APP, "lib/tasks/fly.rake": RAKE.replace("'db:migrate'", "'db:migrate")}
    outcome = MigrationsTask().check(context(tmp_path, files=files, args={"process_group": "app"}))
    line = next(n for n, row in enumerate(RAKE.splitlines(), 1) if "'db:migrate'" in row)
    assert outcome.status is Status.FAILED and outcome.location is not None
    assert (outcome.location.file, outcome.location.line) == ("lib/tasks/fly.rake", line)
    assert outcome.message.startswith("lib/tasks/fly.rake does not parse as Ruby (line 2: ")


def test_warning_added_on_rails_70_skipped_on_61(tmp_path: Path) -> None:
    prod = "Rails.application.configure do\n  config.x = 1\nend\n"
    lock = "GEM\n  specs:\n    rails (7.0.4)\n"
    files = {"config/environments/production.rb": prod, "Gemfile.lock": lock}
    outcome = ProductionWarningTask().check(context(tmp_path, files=files, args={"mode": "auto"}))
    (write,) = outcome.effects
    assert isinstance(write, WriteFile) and "key?(:sqlite3_production_warning)" in write.new
    files["Gemfile.lock"] = "GEM\n  specs:\n    rails (6.1.7)\n"
    skipped = ProductionWarningTask().check(context(tmp_path, files=files, args={"mode": "auto"}))
    assert (
        skipped.status is Status.SKIPPED and "exists only in Rails 7.0 and 7.1" in skipped.message
    )
    forced = ProductionWarningTask().check(context(tmp_path, files=files, args={"mode": "true"}))
    assert forced.status is Status.CHANGED
