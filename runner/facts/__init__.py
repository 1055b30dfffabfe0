"""Read-only knowledge about one app: its files (and what they say: fly.toml, layout, Rails
and Gemfile facts, database URLs in the environment), its `.flyrun-state.json` record, and its
remote facts (volumes, secrets, machines, volume contents).

`AppFacts` gathers each fact lazily and keeps it for one pass. File facts are pure functions of
the current texts, cached by text, so a planned edit (check mode's overlay) is seen at once;
remote facts are invalidated by the effects that change them. Facts import nothing from
tasks, preflight or the executor."""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from runner.errors import FileError
from runner.facts import dockerfile as docker
from runner.facts.dotenv import Dotenv, file_names
from runner.facts.dotenv import loader as dotenv_loader
from runner.facts.erb import Setting, make_env, rails_env
from runner.facts.files import FileView
from runner.facts.flytoml import FILE as FLY_TOML
from runner.facts.flytoml import FlyToml, parse_fly_toml
from runner.facts.gemfile import (
    GemCheck,
    Version,
    production_gem,
    rails_version,
    sqlite3_in_production,
)
from runner.facts.layout import AppFiles, Layout, detect_layout
from runner.facts.redact import Redactor
from runner.facts.remote import Queries, RemoteFacts

if TYPE_CHECKING:
    from runner import state_file
    from runner.facts.import_source import SourceLookup

FLY_RAKE = "lib/tasks/fly.rake"
ENTRYPOINT = "bin/docker-entrypoint"
PROCFILE = "Procfile"
GEMFILE = "Gemfile"
GEMFILE_LOCK = "Gemfile.lock"
PRODUCTION_RB = "config/environments/production.rb"
DATABASE_YML = "config/database.yml"
STATE = "state"


@dataclass(frozen=True)
class EnvValue:
    """A variable the app's machines get from a file: where (for messages), name, value
    (as written when `unknown` says why flyrun cannot tell it: runner/facts/dockerfile.py)."""

    where: str
    name: str
    value: str
    unknown: str | None = None


class AppFacts:
    """Everything flyrun knows about one app during one pass."""

    def __init__(self, root: Path, app: str, flyctl: Queries | None, state: Path) -> None:
        self.root = root
        self.app = app
        self.files = FileView(root)
        self.remote = RemoteFacts(flyctl, app)
        self.state_path = state
        self._state: dict[str, state_file.SecretRecord] | None = None
        # The records as first read (a saved plan's input); None while never read.
        self.state_read: dict[str, state_file.SecretRecord] | None = None
        self.redact = Redactor()  # secret values this pass learnt: no output shows them
        self._source: SourceLookup | None = None

    # --- files ------------------------------------------------------------------------------

    def read(self, relative: str) -> str | None:
        return self.files.read(relative)

    def fly_toml(self) -> FlyToml:
        """The parsed fly.toml; FileError when it is missing or does not parse."""
        text = self.read(FLY_TOML)
        if text is None:
            raise FileError(FLY_TOML, f"not found in {self.root}")
        return parse_fly_toml(text)

    def dockerfile_name(self) -> str:
        return self.fly_toml().dockerfile

    def app_files(self) -> AppFiles:
        """The texts that decide the layout (each read once per pass)."""
        fly = self.fly_toml()
        return AppFiles(
            fly,
            self.read(fly.dockerfile),
            self.read(ENTRYPOINT),
            self.read(PROCFILE),
            self.read(FLY_RAKE),
        )

    def layout(self, group: str) -> Layout:
        return detect_layout(self.app_files(), group)

    def rails_root(self) -> docker.Workdir:
        """Where the app lives in its image: the Dockerfile's WORKDIR, variables resolved
        (dockerfile-rails writes /rails, the fly.rake-era template /app), or why flyrun
        cannot tell."""
        fly = self.fly_toml()
        text = self.read(fly.dockerfile)
        if text is None:
            return docker.Workdir(None, None, f"there is no {fly.dockerfile} to read it from")
        return docker.workdir(text, fly.build_args, fly.dockerfile)

    def rails_version(self) -> Version | None:
        lock = self.read(GEMFILE_LOCK)
        return rails_version(lock) if lock is not None else None

    def sqlite3_gem(self) -> GemCheck | None:
        """Whether sqlite3 is in the production bundle (None: there is no Gemfile)."""
        gemfile = self.read(GEMFILE)
        if gemfile is None:
            return None
        return _gem_check(gemfile, self.read(GEMFILE_LOCK))

    def gem(self, name: str) -> GemCheck | None:
        """Whether gem `name` is in the production bundle (None: there is no Gemfile)."""
        gemfile = self.read(GEMFILE)
        return None if gemfile is None else production_gem(gemfile, self.read(GEMFILE_LOCK), name)

    def import_source(self, group: str, url_env: str | None) -> SourceLookup:
        """The Postgres URL an import copies from (runner/facts/import_source.py): read once
        per run, before any effect, and kept for the whole run (a restore after a failed
        import needs it after the deploy changed the machines); its value is redacted from
        every output from then on."""
        if self._source is None:
            from runner.facts.import_source import read_source  # lazy: import specs only

            found = read_source(self.remote, group, url_env, os.environ)
            if found.url is not None:
                self.redact.add_url(found.url.value)
            self._source = found
        return self._source

    def env(self) -> tuple[EnvValue, ...]:
        """What the machines get from fly.toml `[env]` and the Dockerfile's `ENV` (the
        Dockerfile first: fly.toml's [env] overrides it at run time)."""
        fly = self.fly_toml()
        found = [
            EnvValue(v.where, v.name, v.value, v.unknown)
            for v in docker.env_vars(
                self.read(fly.dockerfile) or "", fly.dockerfile, fly.build_args
            )
        ]
        found += [EnvValue(f"{FLY_TOML} [env]", k, v) for k, v in fly.env.items()]
        return tuple(found)

    def rails_env(self) -> str:
        """The Rails environment the files give the machines (RAILS_ENV, else RACK_ENV, in
        fly.toml [env] or the Dockerfile), production when they give none or flyrun cannot
        tell (preflight `live_data` refuses that: runner/facts/erb.py rails_env)."""
        settings = [Setting(e.where, e.name, e.value, e.unknown) for e in self.env()]
        return rails_env(make_env(settings)).text or "production"

    def dotenv(self) -> Dotenv:
        """The .env files dotenv would load in the app's Rails environment, what loads them,
        and the ignore files that decide whether the image has them (runner/facts/dotenv.py)."""
        gem, unsure = dotenv_loader(self.read(GEMFILE), self.read(GEMFILE_LOCK))
        if gem is None and unsure is None:
            return Dotenv()
        names = file_names(self.rails_env())
        files = {n: t for n in names if (t := self.read(n)) is not None}
        fly = self.fly_toml()
        candidates = (".dockerignore", f"{fly.dockerfile}.dockerignore")
        ignores = {n: t for n in candidates if (t := self.read(n)) is not None}
        return Dotenv(gem, unsure, files, ignores)

    def env_values(self, name: str) -> tuple[EnvValue, ...]:
        return tuple(v for v in self.env() if v.name == name)

    # --- .flyrun-state.json -----------------------------------------------------------------

    def record(self, name: str) -> state_file.SecretRecord | None:
        return self.state().get(name)

    def state(self) -> dict[str, state_file.SecretRecord]:
        """This app's records in the state file (read once per pass)."""
        if self._state is None:
            from runner import state_file  # lazy: validate never reads the state file

            self._state = state_file.records(state_file.load(self.state_path), self.app)
            if self.state_read is None:
                self.state_read = dict(self._state)
        return self._state

    # --- invalidation -----------------------------------------------------------------------

    def invalidate(self, names: Iterable[str]) -> None:
        wanted = set(names)
        if STATE in wanted:
            self._state = None
        self.remote.invalidate(wanted - {STATE})


@lru_cache(maxsize=64)
def _gem_check(gemfile: str, lock: str | None) -> GemCheck:
    return sqlite3_in_production(gemfile, lock)
