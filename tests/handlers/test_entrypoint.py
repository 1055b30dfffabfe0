from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from runner.errors import EditRefused
from runner.facts.layout import entrypoint_prepares
from runner.handlers.entrypoint import add_prepare

NO_PREPARE = """#!/bin/bash -e

# Add any container initialization steps here

exec "${@}"
"""


def test_block_goes_before_exec_and_is_recognised() -> None:
    new = add_prepare(NO_PREPARE)
    assert new.startswith(NO_PREPARE[: NO_PREPARE.index("exec")])
    assert new.endswith('fi\n\nexec "${@}"\n')
    assert entrypoint_prepares(new, "./bin/rails server")
    assert entrypoint_prepares(new, "./bin/thrust ./bin/rails server")
    assert not entrypoint_prepares(new, "bin/rails server")


def test_crlf_kept() -> None:
    new = add_prepare(NO_PREPARE.replace("\n", "\r\n"))
    assert "\n" not in new.replace("\r\n", "")


@pytest.mark.parametrize("text", ["#!/bin/bash\n", '#!/bin/bash\nexec "${@}"\nexec "${@}"\n'])
def test_refuses_without_exactly_one_exec(text: str) -> None:
    with pytest.raises(EditRefused, match="exactly one"):
        add_prepare(text)


@pytest.mark.skipif(shutil.which("bash") is None, reason="bash not installed")
def test_block_runs_prepare_only_for_the_server(tmp_path: Path) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    rails = bin_dir / "rails"
    rails.write_text('#!/bin/sh\necho "rails $*" >> log\n')
    rails.chmod(0o755)
    entry = tmp_path / "entry"
    entry.write_text(add_prepare(NO_PREPARE))
    entry.chmod(0o755)
    subprocess.run([str(entry), "./bin/rails", "server"], cwd=tmp_path, check=True)
    subprocess.run([str(entry), "./bin/rails", "console"], cwd=tmp_path, check=True)
    assert (tmp_path / "log").read_text().splitlines() == [
        "rails db:prepare",
        "rails server",
        "rails console",
    ]


def test_refuses_a_posix_sh_entrypoint() -> None:
    with pytest.raises(EditRefused, match="not bash"):
        add_prepare(NO_PREPARE.replace("#!/bin/bash -e", "#!/bin/sh -e"))
    assert "db:prepare" in add_prepare(NO_PREPARE.replace("#!/bin/bash -e", "#!/usr/bin/env bash"))
