"""`flyrun init [APP_DIR]` (runner/init.py): a spec from fly.toml, with the schema line, never
over an existing spec."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from runner.cli import main
from runner.init import schema_ref, volume_name
from runner.spec import load_specs

REPO = Path(__file__).resolve().parents[1]


def _app(folder: Path, toml: str = 'app = "my-shop"\nprimary_region = "ams"\n') -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "fly.toml").write_text(toml)
    return folder


def test_writes_a_valid_spec_from_fly_toml(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = _app(tmp_path / "shop")
    assert main(["init", str(folder)]) == 0
    spec = folder / "fly-sqlite.yml"
    text = spec.read_text()
    assert text.splitlines()[0] == (
        "# yaml-language-server: $schema=https://flyrun.dev/schemas/spec.schema.json"
    )
    assert yaml.safe_load(text) == {
        "version": 1,
        "app": "my-shop",
        "volume": {"name": "my_shop", "size": 3, "region": "ams"},
    }
    (loaded,) = load_specs([spec])
    assert (loaded.app, loaded.volume.region, loaded.mount_path) == (
        "my-shop",
        "ams",
        "/mnt/my_shop",
    )
    assert f"wrote {spec}" in capsys.readouterr().out


def test_refuses_to_overwrite_a_spec(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = _app(tmp_path)
    (folder / "fly-sqlite.yaml").write_text("mine\n")
    assert main(["init", str(folder)]) == 1
    assert "already exists; flyrun init never overwrites it" in capsys.readouterr().err
    assert (folder / "fly-sqlite.yaml").read_text() == "mine\n"
    assert not (folder / "fly-sqlite.yml").exists()


@pytest.mark.parametrize(
    ("toml", "says"),
    [
        (None, "there is no "),
        ('app = "x"\nprimary_region =\n', "fly.toml:2:17: invalid TOML"),
        ('primary_region = "iad"\n', 'has no `app = "…"`'),
        ('app = "x"\n', "has no `primary_region`"),
    ],
)
def test_says_what_fly_toml_lacks(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], toml: str | None, says: str
) -> None:
    folder = _app(tmp_path) if toml is not None else tmp_path
    if toml is not None:
        (folder / "fly.toml").write_text(toml)
    assert main(["init", str(folder)]) == 1
    assert says in capsys.readouterr().err and not (folder / "fly-sqlite.yml").exists()


def test_the_volume_name_is_the_app_name_within_the_rules() -> None:
    assert volume_name("my-cool-app") == "my_cool_app"
    long = volume_name("a-very-long-fly-app-name-for-a-shop-2024")
    assert long == "a_very_long_fly_app_name_for_a" and len(long) == 30


def test_inside_this_repository_the_schema_is_a_relative_path() -> None:
    example = REPO / "playbooks" / "examples" / "shop"
    assert schema_ref(example) == "../../../schemas/spec.schema.json"
    assert (example / schema_ref(example)).is_file()
