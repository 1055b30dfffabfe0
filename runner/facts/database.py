"""Where a Rails app's production databases really are, from everything that decides it.

Rails (ActiveRecord 6.1+, `DatabaseConfigurations#build_configs`, checked on Debian's
6.1.7.10; docs/reference/rails.md §2 and §7) builds each production config from database.yml
(`runner.facts.database_yml`). An entry with a `url:` key is a URL config and ignores the
environment; any other entry named NAME takes `NAME_DATABASE_URL`, and the one named
`primary` also `DATABASE_URL` (`environment_value_for`). A URL's adapter and database win
over the entry's keys (`UrlConfig#build_url_hash`). The sqlite3 and Litestack (`litedb`)
adapters expand a relative path against Rails.root (`File.expand_path(database,
Rails.root)`; oldmoe/litestack lib/active_record/connection_adapters/litedb_adapter.rb).
Rails.root is the image's app folder: /rails for dockerfile-rails images, /app for the
fly.rake-era ones (docs/reference/flyctl.md §8).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Literal

from runner.facts.bundle import parse_lockfile
from runner.facts.database_yml import Entry, Production, read_production
from runner.facts.dockerfile import Workdir
from runner.facts.dotenv import Dotenv, dotenv_settings
from runner.facts.erb import Env, Setting, Triple, Value, evaluate, make_env, redact, setting
from runner.facts.erb import rails_env as _rails_env
from runner.facts.url_chars import parse_database_url

Kind = Literal["sqlite_file", "litestack", "other_database", "no_database", "unknown"]
LITEDB = "litedb"


@dataclass(frozen=True)
class Database:
    """One production database. `path` is absolute for `sqlite_file` and `litestack`;
    otherwise `why_unknown` says why there is none: flyrun cannot tell (`unknown`), or
    nothing configures a file for Rails to open (`no_database`: no data can be there).
    `secret` names the secret whose unreadable value decides it; `url_key` is True when
    database.yml gives it a `url:` (then no URL variable reaches it); `litestack_root` is
    Litesupport.root when the path is under it; `hint`, for an unknown one, what would let
    flyrun know it (when more precise than the general advice)."""

    name: str
    kind: Kind
    adapter: str | None
    path: str | None
    evidence: tuple[str, ...]
    why_unknown: str | None = None
    secret: str | None = None
    url_key: bool = False
    litestack_root: str | None = None
    hint: str | None = None

    @property
    def url_variable(self) -> str | None:
        """The variable flyrun would set to move it (None: database.yml's `url:` wins)."""
        if self.url_key:
            return None
        return "DATABASE_URL" if self.name == "primary" else f"{self.name.upper()}_DATABASE_URL"


@dataclass(frozen=True)
class Sources:
    """The inputs, kept so a caller can ask what the app would see with other secrets."""

    database_yml: str | None
    env: tuple[Setting, ...]
    secrets: frozenset[str]
    verified: tuple[tuple[str, str], ...]
    gemfile_lock: str | None
    rails_root: str | Workdir
    dotenv: Dotenv | None = None
    origins: tuple[tuple[str, str], ...] = ()  # how a verified value is known (erb.Env)


@dataclass(frozen=True)
class DatabaseFacts:
    """Every production database (the primary first), with what else bears on them: the
    locked Litestack version and Litesupport.root, and notes (e.g. why database.yml
    could not be read)."""

    databases: tuple[Database, ...]
    sources: Sources
    litestack: str | None = None
    litestack_root: str | None = None
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def primary(self) -> Database | None:
        return self.databases[0] if self.databases else None

    def database(self, name: str) -> Database | None:
        return next((d for d in self.databases if d.name == name), None)

    def with_secrets(self, values: Mapping[str, str]) -> DatabaseFacts:
        """The same app once these secrets are set (flyrun's planned values): secrets win
        over [env] and the image's ENV."""
        src = self.sources
        verified = {**dict(src.verified), **values}
        return locate_databases(
            src.database_yml,
            src.env,
            src.secrets | set(values),
            verified=verified,
            gemfile_lock=src.gemfile_lock,
            rails_root=src.rails_root,
            dotenv=src.dotenv,
            origins={k: v for k, v in src.origins if k not in values},
        )


def locate_databases(
    database_yml: str | None,
    env: Iterable[Triple | Setting] = (),
    secrets: Iterable[str] = (),
    *,
    verified: Mapping[str, str] | None = None,
    gemfile_lock: str | None = None,
    rails_root: str | Workdir = "/rails",
    dotenv: Dotenv | None = None,
    origins: Mapping[str, str] | None = None,
) -> DatabaseFacts:
    """Locate every database of the app's Rails environment (RAILS_ENV or RACK_ENV as the
    machines see them, else production). `database_yml` is
    config/database.yml's text (None: absent); `env` holds `(where, name, value)` (or
    Settings, which may be unknown) from fly.toml [env] (`fly.toml [env]`) and the Dockerfile
    (`Dockerfile:12 ENV`); `secrets` are the app's secret names, whose values flyrun cannot
    read unless the caller `verified` them (`origins`: how, when it is not flyrun's own
    value); `dotenv` the .env files the app may load (runner/facts/dotenv.py), below all
    of these."""
    settings = tuple(map(setting, env))
    sources = Sources(
        database_yml,
        settings,
        frozenset(secrets),
        tuple(sorted((verified or {}).items())),
        gemfile_lock,
        rails_root,
        dotenv,
        tuple(sorted((origins or {}).items())),
    )
    environment, machine = _machine_env(sources)
    if environment.text is None:
        why = environment.unknown or "unknown"
        unknown = _unknown("primary", None, why, environment.evidence, hint=environment.hint)
        return DatabaseFacts((unknown,), sources)
    production = read_production(database_yml, environment.text)
    lock = parse_lockfile(gemfile_lock) if gemfile_lock is not None else None
    litestack = lock.locked_version("litestack") if lock is not None else None
    root = _litestack_root(machine) if litestack is not None else None
    notes = _litestack_note(litestack, root)
    if production.problem is not None:
        why = production.problem
        return DatabaseFacts(
            (_unknown("primary", None, why, (why,)),), sources, litestack, root, notes
        )
    entries = production.entries or (Entry("primary"),)
    databases = tuple(_resolve(entry, production, machine) for entry in entries)
    said = _entry_evidence(environment)
    databases = tuple(replace(d, evidence=(*said, *d.evidence)) for d in databases)
    return DatabaseFacts(databases, sources, litestack, root, notes)


def _machine_env(sources: Sources) -> tuple[Value, Env]:
    """The Rails environment (unknown: the Env is incomplete) and what the machines see:
    fly.toml [env], the image's ENV and secrets, then the .env files of that environment."""
    machine = make_env(
        sources.env,
        sources.secrets,
        dict(sources.verified),
        rails_root=sources.rails_root,
        origins=dict(sources.origins),
    )
    environment = _rails_env(machine)
    if environment.text is None:
        return environment, machine
    dotenv = sources.dotenv
    loaded = dotenv_settings(dotenv, environment.text)
    machine = replace(
        machine,
        rails_env=environment.text,
        dotenv={s.name: s for s in loaded},
        dotenv_from=dotenv.loader if dotenv is not None else None,
    )
    return environment, machine


def _entry_evidence(environment: Value) -> tuple[str, ...]:
    """Why database.yml's entry is not `production:` (nothing to say when it is)."""
    if environment.text == "production":
        return ()
    where = "; ".join(environment.evidence)
    return (f"{where}, so Rails reads database.yml's {environment.text} entry",)


def _litestack_root(env: Env) -> str | None:
    value = evaluate("Litesupport.root", env)
    return value.text if value.known else None


def _litestack_note(version: str | None, root: str | None) -> tuple[str, ...]:
    if version is None:
        return ()
    where = root or "a folder set by a secret LITESTACK_DATA_PATH"
    return (
        f"Gemfile.lock locks litestack {version}: its cache, queue and cable keep their "
        f"own databases under Litesupport.root ({where})",
    )


def _unknown(
    name: str,
    adapter: str | None,
    why: str,
    evidence: tuple[str, ...],
    secret: str | None = None,
    url_key: bool = False,
    hint: str | None = None,
) -> Database:
    return Database(name, "unknown", adapter, None, evidence, why, secret, url_key, hint=hint)


def _none(
    name: str, adapter: str | None, why: str, evidence: tuple[str, ...], url_key: bool = False
) -> Database:
    """Rails has no file to open (it refuses to connect, or keeps the data in memory)."""
    return Database(name, "no_database", adapter, None, evidence, why, url_key=url_key)


def _resolve(entry: Entry, production: Production, env: Env) -> Database:
    """One config as Rails builds it: URL (database.yml `url:` or the environment's) over
    the entry's adapter and database."""
    url_key = "url" in entry.values
    url = _url(entry, production, env)
    evidence = url.evidence
    if not url.known:  # say what database.yml would have meant, but decide nothing
        why = url.unknown or "unknown"
        said = _key(entry, "adapter", production, env)
        adapter = said.text if said.known else None
        evidence += said.evidence
        return _unknown(entry.name, adapter, why, evidence, url.secret, url_key, url.hint)
    if url.text is None and not entry.values:
        why = f"{production.file} names no {env.rails_env} database and no DATABASE_URL is set"
        return _none(entry.name, None, why, evidence)
    parsed = parse_database_url(url.text) if url.text else None
    if parsed is not None and parsed.error is not None:
        why = f"Rails cannot parse the URL {redact(url.text or '')}: {parsed.error}"
        return _unknown(entry.name, None, why, evidence, url_key=url_key)
    adapter = parsed.adapter if parsed else None
    if adapter is None:
        value = _key(entry, "adapter", production, env)
        if not value.known:
            why = value.unknown or "unknown"
            evidence += value.evidence
            return _unknown(entry.name, None, why, evidence, value.secret, url_key, value.hint)
        adapter, evidence = value.text, evidence + value.evidence
    database = _database(entry, parsed.database if parsed else None, production, env)
    return _place(entry.name, adapter, database, evidence, env, url_key)


def _url(entry: Entry, production: Production, env: Env) -> Value:
    """database.yml's `url:`, else NAME_DATABASE_URL, else (primary only) DATABASE_URL."""
    if "url" in entry.values:
        return production.render(entry.values["url"], env)
    names = [f"{entry.name.upper()}_DATABASE_URL"]
    names += ["DATABASE_URL"] if entry.name == "primary" else []
    for name in names:
        value = env.get(name)
        if not value.known or value.text is not None:
            said = f"; Rails' {name} replaces database.yml's settings for the {entry.name} database"
            return replace(value, evidence=tuple(e + said for e in value.evidence))
    return Value(None)


def _key(entry: Entry, key: str, production: Production, env: Env) -> Value:
    scalar = entry.values.get(key)
    return production.render(scalar, env) if scalar is not None else Value(None)


def _database(entry: Entry, from_url: str | None, production: Production, env: Env) -> Value:
    if from_url is not None:
        return Value(from_url)
    return _key(entry, "database", production, env)


def _place(
    name: str,
    adapter: str | None,
    database: Value,
    evidence: tuple[str, ...],
    env: Env,
    url_key: bool,
) -> Database:
    """Kind and absolute path from the adapter and the `database` value."""
    evidence += database.evidence
    if not database.known:
        why = database.unknown or "unknown"
        return _unknown(name, adapter, why, evidence, database.secret, url_key, database.hint)
    if adapter is None:  # ActiveRecord::AdapterNotSpecified at the first connection
        why = "no adapter is configured (Rails would refuse to connect)"
        return _none(name, None, why, evidence, url_key)
    if adapter not in ("sqlite3", LITEDB):
        if "sqlite" in adapter:
            return _unknown(
                name,
                adapter,
                f"adapter {adapter!r} is not one Rails ships",
                evidence,
                url_key=url_key,
            )
        return Database(name, "other_database", adapter, None, evidence, url_key=url_key)
    if not database.text:  # "No database file specified" at the first connection
        why = "no database file is configured (Rails would refuse to connect)"
        return _none(name, adapter, why, evidence, url_key)
    if database.text == ":memory:":
        return _none(
            name, adapter, "it is an in-memory database, kept in no file", evidence, url_key
        )
    return _file(name, adapter, database, evidence, env, url_key)


def _file(
    name: str,
    adapter: str,
    database: Value,
    evidence: tuple[str, ...],
    env: Env,
    url_key: bool,
) -> Database:
    """A SQLite file: `File.expand_path(database, Rails.root)`, for the forms flyrun reads."""
    text = database.text or ""
    if text.startswith(("file:", "~")):
        why = f"flyrun does not resolve the path {text!r}"
        return _unknown(name, adapter, why, evidence, url_key=url_key)
    placed = env.under_root(text)
    evidence += tuple(e for e in placed.evidence if e not in evidence)
    if placed.text is None:
        why = placed.unknown or "unknown"
        return _unknown(name, adapter, why, evidence, url_key=url_key, hint=placed.hint)
    litestack = adapter == LITEDB or database.litestack_root is not None
    kind: Kind = "litestack" if litestack else "sqlite_file"
    return Database(
        name,
        kind,
        adapter,
        placed.text,
        evidence,
        url_key=url_key,
        litestack_root=database.litestack_root,
    )


__all__ = ["Database", "DatabaseFacts", "Kind", "Sources", "locate_databases"]
