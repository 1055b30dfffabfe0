"""The import's file task types (`import_rake`, `import_step`), effect level with canned
files: the bundled Rake task added, kept or brought up to date; the server start running the
import right before it migrates, in the app's layout (rake or entrypoint), on the text the
`migrations` task leaves; anything uncertain refused with nothing written."""

from __future__ import annotations

from pathlib import Path

import pytest

from runner.importer import RAKE_PATH, rake_text
from runner.model import Status, WriteFile
from runner.tasks.import_files import ImportRakeTask, ImportStepTask
from runner.tasks.migrations import MigrationsTask
from tests.tasks.canned import context

T = "flyrun:import_postgres"
GROUP = {"process_group": "app"}
# dockerfile-rails' entrypoint layout: ENTRYPOINT runs bin/docker-entrypoint, which prepares
# the database before `./bin/rails server`.
DOCKERFILE = (
    "FROM ruby\nWORKDIR /rails\n"
    'ENTRYPOINT ["/rails/bin/docker-entrypoint"]\nCMD ["./bin/rails", "server"]\n'
)
PREPARE = "  ./bin/rails db:prepare\n"
ENTRYPOINT = (
    "#!/bin/bash -e\n\n"
    'if [ "${1}" == "./bin/rails" ] && [ "${2}" == "server" ]; then\n'
    f"{PREPARE}"
    'fi\n\nexec "${@}"\n'
)
IMPORT_LINES = (
    "  # flyrun: copy the PostgreSQL data into SQLite once, before migrating "
    f"({RAKE_PATH})\n  ./bin/rails {T} || exit $?\n"
)
ENTRYPOINT_APP = {"Dockerfile": DOCKERFILE, "bin/docker-entrypoint": ENTRYPOINT}
# The fly.rake-era layout once `migrations` moved db:migrate to the server task.
RAKE = (
    "namespace :fly do\n  task :release\n  task :server => 'db:migrate' do\n"
    "    sh 'bin/rails server'\n  end\nend\n"
)
RAKE_APP = {
    "fly.toml": 'app = "shop"\nprimary_region = "iad"\n\n[env]\n'
    '  SERVER_COMMAND = "bin/rails fly:server"\n',
    "Dockerfile": "FROM ruby\nCMD ${SERVER_COMMAND}\n",
    "lib/tasks/fly.rake": RAKE,
}


# --- import_rake -----------------------------------------------------------------------------


def test_rake_task_absent_is_added_as_bundled(tmp_path: Path) -> None:
    outcome = ImportRakeTask().check(context(tmp_path))
    assert outcome.status is Status.CHANGED
    assert outcome.message == f"add {RAKE_PATH} ({T})"
    (write,) = outcome.effects
    assert isinstance(write, WriteFile)
    assert write.path == tmp_path / RAKE_PATH and write.root == tmp_path
    assert (write.old, write.new) == ("", rake_text())
    assert write.diff().startswith(f"--- a/{RAKE_PATH}\n+++ b/{RAKE_PATH}\n@@ -0,0 +1,")


def test_rake_task_as_bundled_is_ok(tmp_path: Path) -> None:
    outcome = ImportRakeTask().check(context(tmp_path, files={RAKE_PATH: rake_text()}))
    assert outcome.status is Status.OK and outcome.effects == ()
    assert outcome.message == f"{RAKE_PATH} is flyrun's import task"


def test_an_older_or_edited_rake_task_is_replaced_by_the_bundled_one(tmp_path: Path) -> None:
    edited = rake_text().replace("namespace", "# edited by hand\nnamespace", 1)
    outcome = ImportRakeTask().check(context(tmp_path, files={RAKE_PATH: edited}))
    assert outcome.status is Status.CHANGED
    assert outcome.message == f"update (flyrun's version differs) {RAKE_PATH} ({T})"
    (write,) = outcome.effects
    assert isinstance(write, WriteFile) and (write.old, write.new) == (edited, rake_text())
    assert "-# edited by hand\n" in write.diff()


def test_a_rake_task_flyrun_cannot_read_fails_with_nothing_written(tmp_path: Path) -> None:
    (tmp_path / "lib/tasks").mkdir(parents=True)
    (tmp_path / RAKE_PATH).write_bytes(b"# \xff not UTF-8\n")
    outcome = ImportRakeTask().check(context(tmp_path))
    assert outcome.status is Status.FAILED and outcome.effects == ()
    assert RAKE_PATH in outcome.message


# --- import_step ---------------------------------------------------------------------------


def test_entrypoint_runs_the_import_right_before_it_prepares(tmp_path: Path) -> None:
    outcome = ImportStepTask().check(context(tmp_path, files=ENTRYPOINT_APP, args=GROUP))
    assert outcome.status is Status.CHANGED
    assert outcome.message == (
        f"entrypoint layout: bin/docker-entrypoint runs {T} before migrating (and stops if it "
        "fails)"
    )
    (write,) = outcome.effects
    assert isinstance(write, WriteFile) and write.path == tmp_path / "bin/docker-entrypoint"
    assert write.new == ENTRYPOINT.replace(PREPARE, IMPORT_LINES + PREPARE)
    assert write.first_changed_line() == 4


def test_entrypoint_that_imports_first_is_ok(tmp_path: Path) -> None:
    done = {
        **ENTRYPOINT_APP,
        "bin/docker-entrypoint": ENTRYPOINT.replace(PREPARE, IMPORT_LINES + PREPARE),
    }
    outcome = ImportStepTask().check(context(tmp_path, files=done, args=GROUP))
    assert outcome.status is Status.OK and outcome.effects == ()
    assert outcome.message == f"entrypoint layout: bin/docker-entrypoint runs {T} before migrating"


def test_import_goes_before_what_the_migrations_task_plans(tmp_path: Path) -> None:
    """An entrypoint that does not migrate yet: the step reads the text `migrations` leaves
    (check mode's overlay), not the file on disk, and puts the import before its db:prepare."""
    bare = {**ENTRYPOINT_APP, "bin/docker-entrypoint": ENTRYPOINT.replace(PREPARE, "  true\n")}
    ctx = context(tmp_path, files=bare, args=GROUP)
    alone = ImportStepTask().check(ctx)
    assert alone.status is Status.FAILED and "found 0" in alone.message and alone.effects == ()
    (prepare,) = MigrationsTask().check(ctx).effects
    assert isinstance(prepare, WriteFile)
    ctx.facts.files.plan(prepare.path, prepare.new)
    outcome = ImportStepTask().check(ctx)
    assert outcome.status is Status.CHANGED
    (write,) = outcome.effects
    assert isinstance(write, WriteFile) and write.old == prepare.new
    assert write.new == prepare.new.replace("  ./bin/rails db:prepare\n", IMPORT_LINES + PREPARE)


def test_fly_rake_server_imports_before_its_db_prerequisites(tmp_path: Path) -> None:
    outcome = ImportStepTask().check(context(tmp_path, files=RAKE_APP, args=GROUP))
    assert outcome.status is Status.CHANGED
    assert outcome.message == f"rake layout: add {T} to fly:server's prerequisites, before db:*"
    (write,) = outcome.effects
    assert isinstance(write, WriteFile) and write.path == tmp_path / "lib/tasks/fly.rake"
    assert write.new == RAKE.replace("=> 'db:migrate'", f"=> ['{T}', 'db:migrate']")
    assert "-  task :server => 'db:migrate' do\n" in write.diff()
    done = {**RAKE_APP, "lib/tasks/fly.rake": write.new}
    again = ImportStepTask().check(context(tmp_path, files=done, args=GROUP))
    assert again.status is Status.OK and again.effects == ()
    assert again.message == f"rake layout: fly:server runs {T} before its db:* prerequisites"


@pytest.mark.parametrize(
    ("files", "says"),
    [
        (
            {"Dockerfile": "FROM ruby\nCMD bundle exec puma\n"},
            "layout custom: neither fly:server",
        ),
        (
            {**ENTRYPOINT_APP, "bin/docker-entrypoint": ENTRYPOINT.replace(PREPARE, PREPARE * 2)},
            "expected exactly one line running db:prepare or db:migrate, found 2",
        ),
        (
            {
                **ENTRYPOINT_APP,
                "bin/docker-entrypoint": ENTRYPOINT.replace(
                    PREPARE, PREPARE + f"  ./bin/rails {T}\n"
                ),
            },
            f"runs {T} after migrating",
        ),
        (
            {
                **RAKE_APP,
                "lib/tasks/fly.rake": RAKE.replace("'db:migrate'", f"['db:migrate', '{T}']"),
            },
            f"fly:server runs {T} after migrating",
        ),
    ],
    ids=["custom-layout", "two-migrating-lines", "entrypoint-imports-late", "rake-imports-late"],
)
def test_uncertain_starts_fail_with_nothing_written(
    tmp_path: Path, files: dict[str, str], says: str
) -> None:
    outcome = ImportStepTask().check(context(tmp_path, files=files, args=GROUP))
    assert outcome.status is Status.FAILED and outcome.effects == ()
    assert says in outcome.message
