"""dotenv's files as the app loads them (runner/facts/dotenv.py, runner/facts/dockerignore.py):
which gem loads them, which files and in what order, what the image has, and that Fly's own
variables win. A .env value database.yml reads decides where the live data is."""

from __future__ import annotations

import pytest

from runner.facts.database import locate_databases
from runner.facts.dockerignore import ignored
from runner.facts.dotenv import Dotenv, dotenv_settings, file_names, loader
from runner.facts.erb import Setting

YML = (
    'production:\n  adapter: sqlite3\n  database: <%= ENV.fetch("DB_PATH") { "db/p.sqlite3" } %>\n'
)
RAILS = 'source "https://rubygems.org"\ngem "rails"\n'
LOCK = "GEM\n  specs:\n    dotenv ({v})\n\nDEPENDENCIES\n  dotenv\n"


def settings(files: dict[str, str], ignores: dict[str, str] | None = None) -> list[Setting]:
    return list(dotenv_settings(Dotenv("dotenv-rails", None, files, ignores or {}), "production"))


def test_the_files_and_their_order() -> None:
    assert file_names("production") == (
        ".env.production.local",
        ".env.local",
        ".env.production",
        ".env",
    )
    assert file_names("test") == (".env.test.local", ".env.test", ".env")


def test_the_first_file_wins_and_within_a_file_the_last_line() -> None:
    found = settings(
        {".env": "A=from-env\nB=b\n", ".env.production": "A=first\nA=prod\n", ".env.local": "C=c"}
    )
    assert [(s.where, s.name, s.value) for s in found] == [
        ("dotenv-rails: .env.local:1", "C", "c"),
        ("dotenv-rails: .env.production:2", "A", "prod"),
        ("dotenv-rails: .env:2", "B", "b"),
    ]


@pytest.mark.parametrize(
    ("line", "value", "unknown"),
    [
        ("export DB_PATH=/data/p.sqlite3", "/data/p.sqlite3", False),
        ("DB_PATH='/data/$literal'", "/data/$literal", False),
        ('DB_PATH="/data/p.sqlite3" # the volume', "/data/p.sqlite3", False),
        ("DB_PATH=/data/p.sqlite3   # the volume", "/data/p.sqlite3", False),
        ("DB_PATH=${ROOT}/p.sqlite3", "${ROOT}/p.sqlite3", True),
        ('DB_PATH="$(pwd)/p.sqlite3"', "$(pwd)/p.sqlite3", True),
    ],
    ids=["export", "single-quotes", "double-quotes-comment", "comment", "expansion", "command"],
)
def test_values_as_dotenv_reads_them(line: str, value: str, unknown: bool) -> None:
    (found,) = settings({".env.production": line + "\n"})
    assert (found.name, found.value, found.unknown is not None) == ("DB_PATH", value, unknown)


def test_the_loader_is_dotenv_rails_or_dotenv_3_in_the_production_bundle() -> None:
    assert loader(RAILS + 'gem "dotenv-rails"\n', None) == ("dotenv-rails", None)
    dev_only = RAILS + 'group :development, :test do\n  gem "dotenv-rails"\nend\n'
    assert loader(dev_only, None) == (None, None)
    assert loader(RAILS + 'gem "dotenv"\n', LOCK.format(v="3.1.2")) == ("dotenv 3.1.2", None)
    gem, unsure = loader(RAILS + 'gem "dotenv"\n', LOCK.format(v="2.8.1"))
    assert gem is None and unsure == (
        'dotenv 2.8.1 is in the production bundle (line 3: `gem "dotenv"` in Gemfile) without '
        "dotenv-rails, and loads .env files only where the app calls Dotenv.load, which flyrun "
        "cannot see"
    )
    assert loader(None, None) == (None, None)


def test_a_file_the_image_leaves_out_does_not_count() -> None:
    rails = "/.env*\n!/.env*.erb\n"
    assert settings({".env": "DB_PATH=/x\n"}, {".dockerignore": rails}) == []
    kept = settings({".env": "DB_PATH=/x\n"}, {".dockerignore": "/log/*\n"})
    assert [s.value for s in kept] == ["/x"]


def test_ignore_files_that_disagree_leave_it_unknown() -> None:
    ignores = {".dockerignore": ".env\n", "Dockerfile.dockerignore": "/log\n"}
    (found,) = settings({".env": "DB_PATH=/x\n"}, ignores)
    assert found.unknown == (
        ".env sets DB_PATH, but flyrun cannot tell whether the image has it (.dockerignore "
        "leaves it out, Dockerfile.dockerignore keeps it)"
    )


def test_an_unsure_loader_makes_every_value_unknown() -> None:
    dotenv = Dotenv(None, "dotenv 2.8.1 is in the production bundle", {".env": "DB_PATH=/x\n"})
    (found,) = dotenv_settings(dotenv, "production")
    assert found.unknown == ".env sets DB_PATH, but dotenv 2.8.1 is in the production bundle"


def test_nothing_loads_them_without_a_loader() -> None:
    assert dotenv_settings(Dotenv(None, None, {".env": "DB_PATH=/x\n"}), "production") == ()


def test_database_yml_reads_the_dotenv_value_below_fly_s_own() -> None:
    dotenv = Dotenv("dotenv-rails", None, {".env.production": "DB_PATH=/data/p.sqlite3\n"})
    primary = locate_databases(YML, dotenv=dotenv).primary
    assert primary is not None and primary.path == "/data/p.sqlite3"
    assert primary.evidence[-1] == "dotenv-rails: .env.production:1 DB_PATH=/data/p.sqlite3"
    env = [("fly.toml [env]", "DB_PATH", "/data/fly.sqlite3")]
    assert locate_databases(YML, env, dotenv=dotenv).primary == locate_databases(YML, env).primary
    secret = locate_databases(YML, [], ["DB_PATH"], dotenv=dotenv).primary
    assert secret is not None and secret.secret == "DB_PATH"


def test_an_unknown_dotenv_value_says_how_to_settle_it() -> None:
    dotenv = Dotenv(None, "dotenv 2.8.1 is in the production bundle", {".env": "DB_PATH=/x\n"})
    primary = locate_databases(YML, dotenv=dotenv).primary
    assert primary is not None and primary.kind == "unknown"
    assert primary.why_unknown == ".env sets DB_PATH, but dotenv 2.8.1 is in the production bundle"
    assert primary.hint == "Give DB_PATH a value flyrun sees: set it in fly.toml [env]"


@pytest.mark.parametrize(
    ("patterns", "path", "left_out"),
    [
        ("/.env*\n!/.env*.erb\n", ".env.production", True),
        ("/.env*\n!/.env*.erb\n", ".env.production.erb", False),
        (".env\n", ".env.production", False),
        ("**/.env*\n", ".env", True),
        ("config/*.env\n", ".env", False),
        ("*\n!.env.production\n", ".env.production", False),
        ("# .env\n", ".env", False),
        ("  .env.*  \n", ".env.local", True),
        (".env.[lp]*\n", ".env.local", True),
        ("./.env\n", ".env", True),
    ],
)
def test_dockerignore_patterns(patterns: str, path: str, left_out: bool) -> None:
    assert ignored(path, patterns) is left_out
