"""The validated spec of one app, as frozen dataclasses (README "The spec"). Nothing
downstream of `runner/spec/load.py` sees raw YAML data."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from runner.errors import SpecProblem

DEFAULT_PATH = "."
DEFAULT_SIZE = 3
DEFAULT_DATABASE = "production.sqlite"
DEFAULT_PROCESS_GROUP = "app"
DEFAULT_SILENCE = "auto"
DEFAULT_REPLACE_DATABASE_URL = False
DEFAULT_DEPLOY = True
DEFAULT_GROUPS_WITHOUT_DATABASE: tuple[str, ...] = ()
STATE_FILE = ".flyrun-state.json"

SilenceSqliteWarning = Literal["auto", "true", "false"]
ImportFrom = Literal["postgres"]


@dataclass(frozen=True)
class ImportData:
    """`import_data:` — bring the app's data along from another database (docs/import.md).
    `url_env` names the variable of flyrun's own environment holding the source URL; None:
    read the app's DATABASE_URL from one of its running machines."""

    source: ImportFrom
    url_env: str | None = None


@dataclass(frozen=True)
class VolumeSpec:
    name: str
    size: int  # GB
    region: str  # the spec's, else fly.toml primary_region


@dataclass(frozen=True)
class AppSpec:
    spec_file: Path  # absolute path of the file the app came from
    app: str
    path: Path  # absolute app folder
    volume: VolumeSpec
    mount_path: str
    database: str
    process_group: str
    silence_sqlite_warning: SilenceSqliteWarning
    replace_database_url: bool
    deploy: bool
    # process groups declared never to touch the database (they get no volume)
    groups_without_database: tuple[str, ...] = DEFAULT_GROUPS_WITHOUT_DATABASE
    playbook: Path | None = None  # a custom playbook (absolute), else the built-in one
    import_data: ImportData | None = None  # absent: a Postgres app is refused

    @property
    def database_url(self) -> str:
        """`sqlite3:///mnt/x/production.sqlite`: three slashes, as mount_path is absolute."""
        return f"sqlite3://{self.mount_path}/{self.database}"

    @property
    def fly_toml(self) -> Path:
        return self.path / "fly.toml"

    @property
    def state_file(self) -> Path:
        return self.spec_file.parent / STATE_FILE


@dataclass(frozen=True)
class AppFailure:
    """An app whose spec entry is well-formed but whose folder or fly.toml is not usable: in a
    run it fails alone, and the other apps go on."""

    app: str
    spec_file: Path
    problems: tuple[SpecProblem, ...]
