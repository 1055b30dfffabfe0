"""`flyrun init [APP_DIR] [--region CODE]` (runner/init.py): a spec from fly.toml, with the
schema line, never over an existing spec; `import_data` for an app on PostgreSQL; the region
from `--region` when fly.toml has no primary_region."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from runner.cli import main
from runner.demo import copy_tree
from runner.init import schema_ref, volume_name
from runner.resources import bundled
from runner.spec import ImportData, load_specs

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
        (
            'app = "x"\n',
            "has no `primary_region`: pass the region the app runs in, e.g. "
            "`flyrun init APP_DIR --region iad`",
        ),
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


def test_an_app_name_the_spec_would_refuse_is_said_at_fly_toml_before_writing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The name comes from fly.toml: said there, in the spec rule's words, with no spec
    written that could not validate."""
    folder = _app(tmp_path, '# made by fly launch\napp = "Bad_Name"\nprimary_region = "ams"\n')
    assert main(["init", str(folder)]) == 1
    assert capsys.readouterr().err == (
        f"flyrun: error: {folder / 'fly.toml'}:2:1: app 'Bad_Name' is not a Fly app name: "
        "use lowercase letters, digits and dashes, starting with a letter or digit "
        "(try 'bad-name')\n"
    )
    assert not (folder / "fly-sqlite.yml").exists()


def test_says_when_app_dir_is_no_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["init", str(tmp_path / "nodir")]) == 1
    assert f"no such folder: {tmp_path / 'nodir'}\n" in capsys.readouterr().err
    toml = _app(tmp_path / "shop") / "fly.toml"
    assert main(["init", str(toml)]) == 1
    assert capsys.readouterr().err == (
        f"flyrun: error: {toml} is a file, not the app's folder: pass the folder that holds "
        f"fly.toml ({tmp_path / 'shop'})\n"
    )


def test_the_volume_name_is_the_app_name_within_the_rules() -> None:
    assert volume_name("my-cool-app") == "my_cool_app"
    long = volume_name("a-very-long-fly-app-name-for-a-shop-2024")
    assert long == "a_very_long_fly_app_name_for_a" and len(long) == 30


def test_inside_this_repository_the_schema_is_a_relative_path() -> None:
    example = REPO / "playbooks" / "examples" / "shop"
    assert schema_ref(example) == "../../../schemas/spec.schema.json"
    assert (example / schema_ref(example)).is_file()


def test_the_bundled_example_has_the_schema_line_init_writes_for_a_users_app(
    tmp_path: Path,
) -> None:
    """README tells users to copy the example: its `$schema` must not be a path into
    flyrun's checkout, which a copy anywhere else breaks."""
    folder = tmp_path / "shop"
    copy_tree(bundled("playbooks") / "examples" / "shop", folder)
    shipped = (folder / "fly-sqlite.yml").read_text().splitlines()[0]
    (folder / "fly-sqlite.yml").unlink()
    assert main(["init", str(folder), "--region", "iad"]) == 0
    assert shipped == (folder / "fly-sqlite.yml").read_text().splitlines()[0]


# --- PostgreSQL: import_data ---------------------------------------------------------------

PG_GEMFILE = 'source "https://rubygems.org"\ngem "rails"\ngem "pg"\n'
PG_LOCK = "GEM\n  specs:\n    pg (1.5.4)\n    rails (7.1.3)\n"
SQLITE_GEMFILE = 'source "https://rubygems.org"\ngem "rails"\ngem "sqlite3"\n'
SQLITE_LOCK = "GEM\n  specs:\n    rails (7.1.3)\n    sqlite3 (1.7.2)\n"
PG_YML = (  # Rails' postgresql template: `fly postgres attach`'s DATABASE_URL overrides it
    "default: &default\n  adapter: postgresql\n  encoding: unicode\n"
    "production:\n  <<: *default\n  database: shop_production\n"
    '  password: <%= ENV["SHOP_DATABASE_PASSWORD"] %>\n'
)
URL_YML = "production:\n  url: <%= ENV['DATABASE_URL'] %>\n"
SQLITE_YML = (
    "default: &default\n  adapter: sqlite3\n"
    "production:\n  <<: *default\n  database: storage/production.sqlite3\n"
)
MYSQL_YML = "production:\n  adapter: mysql2\n  database: shop\n"
DEV_PG = 'source "https://rubygems.org"\ngem "rails"\ngroup :development do\n  gem "pg"\nend\n'
IMPORT_COMMENT = (
    '# On PostgreSQL: copy its data into SQLite at the switch (README "Bringing a Postgres '
    "app's data along\"); to opt out, delete this key"
)


def _rails_app(folder: Path, gemfile: str, lock: str, database_yml: str | None) -> Path:
    _app(folder)
    (folder / "Gemfile").write_text(gemfile)
    (folder / "Gemfile.lock").write_text(lock)
    if database_yml is not None:
        (folder / "config").mkdir()
        (folder / "config/database.yml").write_text(database_yml)
    return folder


@pytest.mark.parametrize("database_yml", [PG_YML, URL_YML], ids=["adapter", "database_url"])
def test_an_app_on_postgres_gets_import_data_with_its_comment(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], database_yml: str
) -> None:
    folder = _rails_app(tmp_path / "shop", PG_GEMFILE, PG_LOCK, database_yml)
    assert main(["init", str(folder)]) == 0
    lines = (folder / "fly-sqlite.yml").read_text().splitlines()
    assert lines[-2:] == [IMPORT_COMMENT, "import_data: {from: postgres}"]
    (loaded,) = load_specs([folder / "fly-sqlite.yml"])
    assert loaded.import_data == ImportData("postgres")
    assert "the app is on PostgreSQL: import_data copies its data" in capsys.readouterr().out


def test_a_postgres_url_in_fly_toml_env_counts(tmp_path: Path) -> None:
    folder = _rails_app(tmp_path / "shop", PG_GEMFILE, PG_LOCK, None)
    (folder / "fly.toml").write_text(
        'app = "my-shop"\nprimary_region = "ams"\n\n[env]\n'
        '  DATABASE_URL = "postgres://shop@db.internal:5432/shop"\n'
    )
    assert main(["init", str(folder)]) == 0
    assert "import_data: {from: postgres}" in (folder / "fly-sqlite.yml").read_text()


@pytest.mark.parametrize(
    ("gemfile", "lock", "database_yml"),
    [
        (SQLITE_GEMFILE, SQLITE_LOCK, SQLITE_YML),
        (PG_GEMFILE, PG_LOCK, SQLITE_YML),  # pg in the bundle, but the database is SQLite
        (SQLITE_GEMFILE, SQLITE_LOCK, PG_YML),  # no pg: the app cannot be on PostgreSQL
        (DEV_PG, PG_LOCK, PG_YML),  # pg for development only
        (PG_GEMFILE, PG_LOCK, MYSQL_YML),  # another database server
        (PG_GEMFILE, PG_LOCK.replace("    pg (1.5.4)\n", ""), PG_YML),  # pg never locked
    ],
    ids=["sqlite", "sqlite-with-pg", "no-pg-gem", "pg-in-development", "mysql", "pg-not-locked"],
)
def test_no_import_data_unless_on_postgres_in_production(
    tmp_path: Path, gemfile: str, lock: str, database_yml: str
) -> None:
    folder = _rails_app(tmp_path / "shop", gemfile, lock, database_yml)
    assert main(["init", str(folder)]) == 0
    text = (folder / "fly-sqlite.yml").read_text()
    assert "import_data" not in text and "PostgreSQL" not in text


# --- --region ----------------------------------------------------------------------------


def test_region_for_the_bundled_example_without_primary_region(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The example app's fly.toml has no primary_region: a newcomer copying it passes one."""
    folder = tmp_path / "shop"
    copy_tree(bundled("playbooks") / "examples" / "shop", folder)
    (folder / "fly-sqlite.yml").unlink()
    assert main(["init", str(folder)]) == 1
    assert "--region" in capsys.readouterr().err and not (folder / "fly-sqlite.yml").exists()
    assert main(["init", str(folder), "--region", "iad"]) == 0
    assert yaml.safe_load((folder / "fly-sqlite.yml").read_text())["volume"]["region"] == "iad"
    (loaded,) = load_specs([folder / "fly-sqlite.yml"])
    assert loaded.volume.region == "iad"
    assert main(["validate", str(folder / "fly-sqlite.yml")]) == 0


def test_region_equal_to_primary_region_is_fine(tmp_path: Path) -> None:
    folder = _app(tmp_path)
    assert main(["init", str(folder), "--region", "ams"]) == 0
    assert yaml.safe_load((folder / "fly-sqlite.yml").read_text())["volume"]["region"] == "ams"


@pytest.mark.parametrize(
    ("toml", "region", "says"),
    [
        (
            'app = "x"\n',
            "mad",
            "--region: 'mad' (Madrid, Spain) is a retired Fly.io region; "
            "the nearest current one is 'cdg'",
        ),
        ('app = "x"\n', "iadd", "--region: unknown region 'iadd' (did you mean 'iad'?)"),
        (
            'app = "x"\nprimary_region = "ams"\n',
            "iad",
            "--region 'iad' differs from primary_region 'ams'",
        ),
    ],
    ids=["retired", "unknown", "not-primary-region"],
)
def test_a_region_flyrun_cannot_use_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], toml: str, region: str, says: str
) -> None:
    folder = _app(tmp_path, toml)
    assert main(["init", str(folder), "--region", region]) == 1
    assert says in capsys.readouterr().err and not (folder / "fly-sqlite.yml").exists()
