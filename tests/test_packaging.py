"""`pip install .` (not only -e) must give a working flyrun: schemas, playbooks and data are
found inside the installed package, from any working folder."""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(out), str(REPO)],
        check=True,
        capture_output=True,
    )
    (built,) = out.glob("flyrun-*.whl")
    return built


def test_wheel_ships_schemas_playbooks_example_and_data(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    for needed in (
        "runner/_bundled/schemas/spec.schema.json",
        "runner/_bundled/schemas/report.schema.json",
        "runner/_bundled/schemas/playbook.schema.json",
        "runner/_bundled/schemas/plan.schema.json",
        "runner/_bundled/playbooks/sqlite-volume.yml",
        "runner/_bundled/playbooks/examples/shop/fly.toml",
        "runner/data/regions.json",
    ):
        assert needed in names
    entry_points = (
        zipfile.ZipFile(wheel)
        .read(next(n for n in names if n.endswith("entry_points.txt")))
        .decode()
    )
    assert "flyrun = runner.entry:main" in entry_points
    assert not any("simulator" in line and "flyctl" in line for line in entry_points.splitlines())


def test_installed_package_validates_from_another_folder(wheel: Path, tmp_path: Path) -> None:
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    spec = REPO / "playbooks" / "examples" / "shop" / "fly-sqlite.yml"
    result = subprocess.run(
        [sys.executable, "-m", "runner", "validate", str(spec)],
        cwd=tmp_path,
        env={"PYTHONPATH": str(site), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "ok: app shop" in result.stdout
    probe = subprocess.run(
        [sys.executable, "-c", "import runner.resources as r; print(r.bundled('schemas'))"],
        cwd=tmp_path,
        env={"PYTHONPATH": str(site)},
        capture_output=True,
        text=True,
        check=True,
    )
    assert probe.stdout.strip().startswith(str(site))


@pytest.mark.parametrize("which", ["spec", "plan", "report"])
def test_installed_package_prints_each_bundled_schema(
    wheel: Path, tmp_path: Path, which: str
) -> None:
    """`flyrun schema [--plan | --report]` from the wheel's runner/_bundled/schemas, from
    another folder: the checkout's schemas/ are not there."""
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    option = [] if which == "spec" else [f"--{which}"]
    result = subprocess.run(
        [sys.executable, "-m", "runner", "schema", *option],
        cwd=tmp_path,
        env={"PYTHONPATH": str(site), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=True,
    )
    expected = json.loads((REPO / "schemas" / f"{which}.schema.json").read_text())
    assert json.loads(result.stdout) == expected


def test_version_is_answered_before_anything_is_imported(
    wheel: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The console script's `--version` prints what argparse's version action prints, and
    imports nothing of flyrun's command line (README "Benchmarks": start-up)."""
    from runner.cli import main

    assert main(["--version"]) == 0
    argparse_says = capsys.readouterr().out
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    script = "import sys; from runner.entry import main; sys.exit(main())"
    result = subprocess.run(
        [sys.executable, "-S", "-X", "importtime", "-c", script, "--version"],  # no .pth runs
        cwd=tmp_path,
        env={"PYTHONPATH": str(site)},
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout == argparse_says == "flyrun 0.1.0\n"
    imported = {line.rsplit("|", 1)[1].strip() for line in result.stderr.splitlines()}
    assert {"runner", "runner.entry"} <= imported
    assert not imported & {"runner.cli", "argparse", "typing", "pathlib"}
