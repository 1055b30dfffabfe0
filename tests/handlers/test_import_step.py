"""The import runs right before migrating at the server start (runner/handlers/import_step.py):
every fly.rake prerequisite form and the dockerfile-rails entrypoint, byte-exact, idempotent,
refused when uncertain. The entrypoint edit is also run by bash when it is installed."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from runner.errors import EditRefused
from runner.facts.layout import entrypoint_prepares
from runner.facts.rake import release_and_server
from runner.handlers.entrypoint import add_prepare
from runner.handlers.import_step import add_import_line, add_import_prerequisite

RAKE = "namespace :fly do\n  task :server => {deps} do\n    sh 'bin/rails server'\n  end\nend\n"
T = "flyrun:import_postgres"


@pytest.mark.parametrize(
    ("deps", "want"),
    [
        ("[:swapfile, 'db:migrate']", f"[:swapfile, '{T}', 'db:migrate']"),
        ('"db:migrate"', f'["{T}", "db:migrate"]'),
        ("%w[swapfile db:migrate db:seed]", f"%w[swapfile {T} db:migrate db:seed]"),
        ("%i[swapfile db:prepare]", f"%i[swapfile {T} db:prepare]"),
        ('[:swapfile, :"db:migrate"]', f'[:swapfile, :"{T}", :"db:migrate"]'),
        ("[:swapfile, 'db:migrate:with_data']", f"[:swapfile, '{T}', 'db:migrate:with_data']"),
    ],
)
def test_prerequisite_goes_before_the_first_db_task(deps: str, want: str) -> None:
    text = RAKE.format(deps=deps)
    new = add_import_prerequisite(text)
    assert new == RAKE.format(deps=want)
    assert add_import_prerequisite(new) == new  # idempotent
    server = release_and_server(new).server[0].prerequisites
    assert server.index(T) == min(i for i, n in enumerate(server) if n.startswith("db:")) - 1


def test_keyword_form_and_crlf_keep_their_bytes() -> None:
    text = "namespace :fly do\r\n  task server: [:swapfile, 'db:migrate'] do\r\n  end\r\nend\r\n"
    new = add_import_prerequisite(text)
    assert new == text.replace("'db:migrate'", f"'{T}', 'db:migrate'")


def test_split_declarations_edit_the_migrating_one() -> None:
    text = (
        "namespace :fly do\n  task :server => :swapfile\n  task :server => 'db:migrate' do\n"
        "    sh 'bin/rails server'\n  end\nend\n"
    )
    assert add_import_prerequisite(text) == text.replace(
        "=> 'db:migrate'", f"=> ['{T}', 'db:migrate']"
    )


def test_an_earlier_declaration_that_imports_counts() -> None:
    text = (
        f"namespace :fly do\n  task :server => [:swapfile, '{T}']\n"
        "  task :server => 'db:migrate' do\n  end\nend\n"
    )
    assert add_import_prerequisite(text) == text


@pytest.mark.parametrize(
    ("text", "why"),
    [
        (RAKE.format(deps=f"['db:migrate', '{T}']"), "after migrating"),
        (RAKE.format(deps="[:swapfile]"), "exactly one declaration"),
        (
            "namespace :fly do\n  task :server => 'db:migrate'\n  task :server => 'db:seed'\nend\n",
            "exactly one declaration",
        ),
        ("namespace :fly do\n  if x\n    task :server => 'db:migrate'\n  end\nend\n", "certainty"),
    ],
)
def test_uncertain_fly_rake_is_refused(text: str, why: str) -> None:
    with pytest.raises(EditRefused, match=why):
        add_import_prerequisite(text)


ENTRYPOINT = add_prepare(
    '#!/bin/bash -e\n\n# Add any container initialization steps here\n\nexec "${@}"\n'
)


def test_entrypoint_line_goes_right_before_db_prepare() -> None:
    new = add_import_line(ENTRYPOINT)
    before, after = new.split(f"  ./bin/rails {T} || exit $?\n")
    assert after.startswith("  ./bin/rails db:prepare\n")
    assert before.endswith(
        "# flyrun: copy the PostgreSQL data into SQLite once, before migrating "
        "(lib/tasks/flyrun_import.rake)\n"
    )
    assert add_import_line(new) == new
    assert entrypoint_prepares(new, "./bin/rails server")  # still recognised as migrating
    assert new.count("\n") == ENTRYPOINT.count("\n") + 2


def test_entrypoint_forms() -> None:
    crlf = ENTRYPOINT.replace("\n", "\r\n")
    assert "\n" not in add_import_line(crlf).replace("\r\n", "")
    plain = '#!/bin/sh\nset -e\nbundle exec rake db:migrate\nexec "$@"\n'
    assert f"bundle exec rake {T} || exit $?\nbundle exec rake db:migrate\n" in add_import_line(
        plain
    )


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ('#!/bin/bash\nexec "${@}"\n', "exactly one line"),
        ("#!/bin/bash\n./bin/rails db:prepare\n./bin/rails db:migrate\n", "exactly one line"),
        ("#!/bin/bash\ntrue && ./bin/rails db:prepare\n", "not a plain migrating command"),
        (f"#!/bin/bash\n./bin/rails db:prepare\n./bin/rails {T}\n", "after migrating"),
    ],
)
def test_uncertain_entrypoint_is_refused(text: str, why: str) -> None:
    with pytest.raises(EditRefused, match=why):
        add_import_line(text)


@pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")
@pytest.mark.parametrize("code", [0, 1, 2])
def test_bash_stops_before_migrating_when_the_import_fails(tmp_path: Path, code: int) -> None:
    """A stub bin/rails records what runs: a failed import (exit 1 or 2) never reaches
    db:prepare or the server, and the script exits with the import's status."""
    (tmp_path / "bin").mkdir()
    rails = tmp_path / "bin" / "rails"
    rails.write_text(f'#!/bin/sh\necho "$1" >> ran\n[ "$1" = {T} ] && exit {code}\nexit 0\n')
    rails.chmod(0o755)
    script = tmp_path / "entrypoint"
    script.write_text(add_import_line(ENTRYPOINT).replace("#!/bin/bash -e", "#!/bin/bash"))
    result = subprocess.run(
        ["bash", str(script), "./bin/rails", "server"], cwd=tmp_path, check=False
    )
    ran = (tmp_path / "ran").read_text().split()
    assert result.returncode == code
    assert ran == ([T, "db:prepare", "server"] if code == 0 else [T])
