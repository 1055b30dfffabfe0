"""Where the production databases are (runner.facts.database.locate_databases)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from runner.facts.database import Database, locate_databases
from runner.facts.dockerfile import Workdir, env_vars
from runner.facts.erb import Setting

DEFAULT = "default: &default\n  adapter: sqlite3\n  pool: 5\n\n"
LITESTACK_YML = (
    "default: &default\n  adapter: litedb\n  idle_timeout: 0\n\n"
    "production:\n  <<: *default\n"
    '  database: <%= Litesupport.root("production").join("data.sqlite3") %>\n'
)
LITESTACK_LOCK = (
    "GEM\n  remote: https://rubygems.org/\n  specs:\n"
    "    litestack (0.4.4)\n      sqlite3\n    sqlite3 (1.7.2-x86_64-linux)\n"
)


def prod(body: str) -> str:
    return DEFAULT + "production:\n  <<: *default\n" + body


def test_an_absolute_path_in_database_yml() -> None:
    primary = locate_databases(prod("  database: /data/production.sqlite3\n")).primary
    assert primary == Database(
        "primary",
        "sqlite_file",
        "sqlite3",
        "/data/production.sqlite3",
        (
            "config/database.yml:2 production.adapter: sqlite3 (merged in with <<:)",
            "config/database.yml:7 production.database: /data/production.sqlite3",
        ),
    )


@pytest.mark.parametrize(
    ("root", "path"),
    [("/rails", "/rails/db/production.sqlite3"), ("/app", "/app/db/production.sqlite3")],
)
def test_a_relative_path_resolves_against_rails_root(root: str, path: str) -> None:
    facts = locate_databases(prod("  database: db/production.sqlite3\n"), rails_root=root)
    assert facts.primary is not None and facts.primary.path == path


UNKNOWN_ROOT = Workdir(None, "Dockerfile:9 WORKDIR $APP_HOME", "it uses $APP_HOME")


@pytest.mark.parametrize(
    "body",
    [
        "  database: storage/production.sqlite3\n",
        '  database: <%= Rails.root.join("storage", "production.sqlite3") %>\n',
    ],
    ids=["relative", "rails-root-join"],
)
def test_a_relative_path_with_an_unknown_rails_root_is_unknown(body: str) -> None:
    """Rails.root once defaulted to /rails, so a path on a volume mounted at /app/storage
    looked like the root filesystem (README "Live data")."""
    primary = locate_databases(prod(body), rails_root=UNKNOWN_ROOT).primary
    assert primary is not None and (primary.kind, primary.path) == ("unknown", None)
    assert primary.why_unknown is not None and primary.why_unknown.endswith(
        "Rails.root, the image's WORKDIR, is not known: it uses $APP_HOME"
    )
    assert primary.hint == (
        "Write Dockerfile:9 WORKDIR $APP_HOME as a literal path (or give what it uses a value "
        "flyrun sees: an ENV or ARG default before it, or fly.toml [build.args]), or make the "
        "database path in config/database.yml absolute"
    )


def test_an_absolute_path_needs_no_rails_root() -> None:
    facts = locate_databases(prod("  database: /data/p.sqlite3\n"), rails_root=UNKNOWN_ROOT)
    assert facts.primary is not None and facts.primary.path == "/data/p.sqlite3"


def test_a_resolved_rails_root_is_evidence() -> None:
    root = Workdir("/app", "Dockerfile:9 WORKDIR $APP_HOME")
    primary = locate_databases(prod("  database: db/p.sqlite3\n"), rails_root=root).primary
    assert primary is not None and primary.path == "/app/db/p.sqlite3"
    assert primary.evidence[-1] == "Rails.root is /app (Dockerfile:9 WORKDIR $APP_HOME)"


def test_database_url_in_env_replaces_the_primary() -> None:
    env = [("fly.toml [env]", "DATABASE_URL", "sqlite3:///mnt/x/p.sqlite")]
    primary = locate_databases(prod("  database: db/production.sqlite3\n"), env).primary
    assert primary is not None and primary.path == "/mnt/x/p.sqlite"
    assert primary.evidence == (
        "fly.toml [env] DATABASE_URL=sqlite3:///mnt/x/p.sqlite; Rails' DATABASE_URL replaces "
        "database.yml's settings for the primary database",
    )


def test_a_url_adapter_wins_over_database_yml() -> None:
    env = [("Dockerfile:30 ENV", "DATABASE_URL", "postgres://u:pw@db/app")]
    primary = locate_databases(prod("  database: db/production.sqlite3\n"), env).primary
    assert primary is not None
    assert (primary.kind, primary.adapter, primary.path) == ("other_database", "postgresql", None)
    assert "postgres://…@db/app" in primary.evidence[0] and "pw" not in "".join(primary.evidence)


def test_a_url_key_in_database_yml_ignores_the_environment() -> None:
    yml = prod("  url: sqlite3:///srv/pinned.sqlite3\n")
    env = [("fly.toml [env]", "DATABASE_URL", "sqlite3:///data/x.sqlite3")]
    primary = locate_databases(yml, env).primary
    assert primary is not None and primary.path == "/srv/pinned.sqlite3" and primary.url_key
    assert primary.url_variable is None


def test_an_empty_url_key_falls_back_to_database_and_still_ignores_env_urls() -> None:
    yml = prod('  database: storage/production.sqlite3\n  url: <%= ENV["DATABASE_URL"] %>\n')
    facts = locate_databases(yml, [("fly.toml [env]", "PRIMARY_DATABASE_URL", "sqlite3:/x/y")])
    assert facts.primary is not None and facts.primary.path == "/rails/storage/production.sqlite3"


def test_primary_database_url_wins_over_database_url() -> None:
    env = [
        ("fly.toml [env]", "DATABASE_URL", "sqlite3:///a/a.sqlite3"),
        ("fly.toml [env]", "PRIMARY_DATABASE_URL", "sqlite3:///b/b.sqlite3"),
    ]
    primary = locate_databases(prod("  database: db/p.sqlite3\n"), env).primary
    assert primary is not None and primary.path == "/b/b.sqlite3"


MULTI = DEFAULT + (
    "production:\n  primary:\n    <<: *default\n    database: storage/production.sqlite3\n"
    "  cache:\n    <<: *default\n    database: storage/production_cache.sqlite3\n"
)


def test_name_database_url_reaches_the_named_database_only() -> None:
    env = [
        ("fly.toml [env]", "DATABASE_URL", "sqlite3:///data/p.sqlite3"),
        ("fly.toml [env]", "CACHE_DATABASE_URL", "sqlite3:///data/c.sqlite3"),
    ]
    facts = locate_databases(MULTI, env)
    assert [(d.name, d.path) for d in facts.databases] == [
        ("primary", "/data/p.sqlite3"),
        ("cache", "/data/c.sqlite3"),
    ]
    only_primary = locate_databases(MULTI, env[:1])
    cache = only_primary.database("cache")
    assert cache is not None and cache.path == "/rails/storage/production_cache.sqlite3"
    assert cache.url_variable == "CACHE_DATABASE_URL"


def test_database_url_does_not_reach_a_first_database_not_named_primary() -> None:
    yml = MULTI.replace("  primary:", "  main:")
    facts = locate_databases(yml, [("fly.toml [env]", "DATABASE_URL", "sqlite3:///data/p.s")])
    assert facts.primary is not None and facts.primary.name == "main"
    assert facts.primary.path == "/rails/storage/production.sqlite3"


def test_no_database_yml_means_the_url_alone_configures_it() -> None:
    env = [("Dockerfile:60 ENV", "DATABASE_URL", "sqlite3:///data/production.sqlite3")]
    assert locate_databases(None, env).primary == Database(
        "primary",
        "sqlite_file",
        "sqlite3",
        "/data/production.sqlite3",
        (
            "Dockerfile:60 ENV DATABASE_URL=sqlite3:///data/production.sqlite3; Rails' "
            "DATABASE_URL replaces database.yml's settings for the primary database",
        ),
    )
    nothing = locate_databases(None).primary
    assert nothing is not None and (nothing.kind, nothing.why_unknown) == (
        "no_database",
        "config/database.yml names no production database and no DATABASE_URL is set",
    )


def test_a_secret_url_is_unknown_but_says_what_database_yml_meant() -> None:
    yml = "production:\n  adapter: postgresql\n  url: <%= ENV['DATABASE_URL'] %>\n"
    primary = locate_databases(yml, secrets=["DATABASE_URL"]).primary
    assert primary is not None
    assert (primary.kind, primary.adapter, primary.secret) == (
        "unknown",
        "postgresql",
        "DATABASE_URL",
    )
    assert primary.why_unknown == "DATABASE_URL is set by a secret flyrun cannot read"


def test_a_database_url_secret_overrides_a_plain_database_yml() -> None:
    primary = locate_databases(prod("  database: db/p.sqlite3\n"), [], ["DATABASE_URL"]).primary
    assert primary is not None and primary.kind == "unknown" and primary.secret == "DATABASE_URL"


def test_with_secrets_shows_the_app_once_flyrun_sets_its_url() -> None:
    facts = locate_databases(prod("  database: /data/production.sqlite3\n"))
    after = facts.with_secrets({"DATABASE_URL": "sqlite3:///data/production.sqlite"})
    assert after.primary is not None and after.primary.path == "/data/production.sqlite"
    assert facts.primary is not None and facts.primary.path == "/data/production.sqlite3"


def test_litestack_folder_from_the_dockerfile() -> None:
    env = [("Dockerfile:16 ENV", "LITESTACK_DATA_PATH", "/data/production.sqlite3")]
    facts = locate_databases(LITESTACK_YML, env, gemfile_lock=LITESTACK_LOCK)
    primary = facts.primary
    assert primary is not None
    assert (primary.kind, primary.adapter, primary.path, primary.litestack_root) == (
        "litestack",
        "litedb",
        "/data/production.sqlite3/production/data.sqlite3",
        "/data/production.sqlite3/production",
    )
    assert primary.evidence[-1] == "Dockerfile:16 ENV LITESTACK_DATA_PATH=/data/production.sqlite3"
    assert facts.litestack == "0.4.4"
    assert facts.litestack_root == "/data/production.sqlite3/production"
    assert facts.notes == (
        "Gemfile.lock locks litestack 0.4.4: its cache, queue and cable keep their own databases "
        "under Litesupport.root (/data/production.sqlite3/production)",
    )


def test_litestack_path_with_the_sqlite3_adapter_is_still_litestack() -> None:
    yml = LITESTACK_YML.replace("adapter: litedb", "adapter: sqlite3")
    primary = locate_databases(yml).primary
    assert primary is not None and (primary.kind, primary.adapter) == ("litestack", "sqlite3")
    assert primary.path == "/rails/db/production/data.sqlite3"


def test_litedb_with_a_plain_path_is_litestack() -> None:
    primary = locate_databases("production:\n  adapter: litedb\n  database: /data/x.db\n").primary
    assert primary is not None and (primary.kind, primary.path) == ("litestack", "/data/x.db")


@pytest.mark.parametrize(
    ("body", "why"),
    [
        ("  database:\n", "no database file is configured (Rails would refuse to connect)"),
        ("  database: ':memory:'\n", "it is an in-memory database, kept in no file"),
    ],
)
def test_no_file_for_rails_to_open_is_no_database(body: str, why: str) -> None:
    primary = locate_databases(prod(body)).primary
    assert primary is not None and (primary.kind, primary.path, primary.why_unknown) == (
        "no_database",
        None,
        why,
    )


@pytest.mark.parametrize(
    ("body", "why"),
    [
        ("  database: file:data.db\n", "flyrun does not resolve the path 'file:data.db'"),
        ("  database: ~/data.db\n", "flyrun does not resolve the path '~/data.db'"),
        (
            "  database: <%= Rails.application.credentials.db %>\n",
            "flyrun does not understand the Ruby `Rails.application.credentials.db`",
        ),
        (
            "  database: <%= ENV.fetch('SQLITE_DB') %>\n",
            "ENV.fetch('SQLITE_DB') raises: it is not set anywhere flyrun can see",
        ),
    ],
)
def test_what_flyrun_cannot_resolve_is_unknown_with_the_reason(body: str, why: str) -> None:
    primary = locate_databases(prod(body)).primary
    assert primary is not None and (primary.kind, primary.path, primary.why_unknown) == (
        "unknown",
        None,
        why,
    )


def test_adapters() -> None:
    mysql = locate_databases("production:\n  adapter: mysql2\n  database: shop\n").primary
    assert mysql is not None and mysql.kind == "other_database"
    odd = locate_databases("production:\n  adapter: sqlite\n  database: x\n").primary
    assert odd is not None and odd.kind == "unknown"
    none = locate_databases("production:\n  database: x.sqlite3\n").primary
    assert none is not None and (none.kind, none.why_unknown) == (
        "no_database",
        "no adapter is configured (Rails would refuse to connect)",
    )


def test_an_unparsable_url_is_unknown() -> None:
    env = [("fly.toml [env]", "DATABASE_URL", "sqlite3:///mnt/a b/x")]
    primary = locate_databases(None, env).primary
    assert primary is not None and primary.kind == "unknown"
    assert primary.why_unknown is not None and "Rails cannot parse the URL" in primary.why_unknown


def test_an_unreadable_file_is_one_unknown_primary() -> None:
    facts = locate_databases("production: [\n")
    assert len(facts.databases) == 1 and facts.databases[0].kind == "unknown"


YAML_LINES = st.sampled_from(
    [
        "default: &default",
        "production:",
        "  primary:",
        "  cache:",
        "  <<: *default",
        "    <<: *default",
        "  adapter: sqlite3",
        "  adapter: litedb",
        "    adapter: postgresql",
        "  database: db/x.sqlite3",
        "    database: /data/p.sqlite3",
        '  database: <%= Litesupport.root("production").join("data.sqlite3") %>',
        '  url: <%= ENV["DATABASE_URL"] %>',
        '    url: <%= ENV.fetch("X") { "sqlite3:y" } %>',
        "<% if true %>",
        "  - x",
        "  database: ':memory:'",
        "production: sqlite3:///a/b",
    ]
)


@given(
    st.lists(YAML_LINES, max_size=12),
    st.text(max_size=40),
    st.lists(
        st.sampled_from(["DATABASE_URL", "X", "LITESTACK_DATA_PATH", "CACHE_DATABASE_URL"]),
        max_size=3,
    ),
)
def test_never_raises_on_database_yml_shapes(
    lines: list[str], value: str, names: list[str]
) -> None:
    env = [("fly.toml [env]", name, value) for name in names]
    facts = locate_databases("\n".join(lines), env, names[:1], gemfile_lock=value)
    assert facts.databases
    facts.with_secrets({"DATABASE_URL": "sqlite3:///data/x.sqlite3"})


@given(st.text(), st.text())
def test_never_raises_on_arbitrary_text(yml: str, value: str) -> None:
    locate_databases(yml, [("fly.toml [env]", "DATABASE_URL", value)], gemfile_lock=yml)


def test_a_dockerfile_url_flyrun_cannot_resolve_is_unknown() -> None:
    """`ENV DATABASE_URL=sqlite3:///$DATA/p.sqlite3` with $DATA from the base image: the
    URL was once read as written, a path under a folder named `$DATA`."""
    (found,) = env_vars("FROM ruby\nENV DATABASE_URL=sqlite3:///$DATA/p.sqlite3\n")
    env = [Setting(found.where, found.name, found.value, found.unknown)]
    primary = locate_databases(prod("  database: db/p.sqlite3\n"), env).primary
    assert primary is not None and primary.kind == "unknown"
    assert (
        primary.why_unknown
        == "Dockerfile:2 ENV DATABASE_URL uses $DATA, which the Dockerfile does not set"
    )
    assert primary.hint == "Give DATABASE_URL a value flyrun sees: set it in fly.toml [env]"
    # fly.toml [env] wins over the image's ENV, and settles it
    env.append(Setting("fly.toml [env]", "DATABASE_URL", "sqlite3:///data/p.sqlite3"))
    settled = locate_databases(prod("  database: db/p.sqlite3\n"), env).primary
    assert settled is not None and settled.path == "/data/p.sqlite3"


# --- the Rails environment picks database.yml's entry --------------------------------------

STAGING = prod("  database: storage/production.sqlite3\n") + (
    "\nstaging:\n  <<: *default\n  database: /data/staging.sqlite3\n"
)


@pytest.mark.parametrize(
    ("env", "said"),
    [
        ([("Dockerfile:11 ENV", "RAILS_ENV", "staging")], "Dockerfile:11 ENV RAILS_ENV=staging"),
        (
            [
                ("Dockerfile:11 ENV", "RAILS_ENV", "production"),
                ("fly.toml [env]", "RAILS_ENV", "staging"),
            ],
            "fly.toml [env] RAILS_ENV=staging",
        ),
        (
            [("fly.toml [env]", "RAILS_ENV", ""), ("fly.toml [env]", "RACK_ENV", "staging")],
            "fly.toml [env] RAILS_ENV=; fly.toml [env] RACK_ENV=staging",
        ),
    ],
    ids=["dockerfile", "fly-toml-wins", "empty-rails-env-then-rack-env"],
)
def test_rails_env_picks_the_entry(env: list[tuple[str, str, str]], said: str) -> None:
    primary = locate_databases(STAGING, env).primary
    assert primary is not None and primary.path == "/data/staging.sqlite3"
    assert primary.evidence[0] == f"{said}, so Rails reads database.yml's staging entry"
    assert "config/database.yml:11 staging.database: /data/staging.sqlite3" in primary.evidence


def test_production_is_read_when_nothing_sets_rails_env_and_says_nothing_more() -> None:
    primary = locate_databases(STAGING).primary
    assert primary is not None and primary.path == "/rails/storage/production.sqlite3"
    assert not any("RAILS_ENV" in e for e in primary.evidence)


def test_the_fly_rake_template_rails_env_follows_build_args() -> None:
    text = "FROM ruby\nARG RAILS_ENV=production\nENV RAILS_ENV=${RAILS_ENV}\n"
    (found,) = env_vars(text, "Dockerfile", {"RAILS_ENV": "staging"})
    primary = locate_databases(STAGING, [(found.where, found.name, found.value)]).primary
    assert primary is not None and primary.path == "/data/staging.sqlite3"


def test_a_rails_env_secret_leaves_the_entry_unknown() -> None:
    primary = locate_databases(STAGING, [], ["RAILS_ENV"]).primary
    assert primary is not None and (primary.kind, primary.secret) == ("unknown", None)
    assert primary.why_unknown == (
        "RAILS_ENV is set by a secret flyrun cannot read, so flyrun cannot tell which entry "
        "of config/database.yml the app reads"
    )
    assert primary.hint == (
        "Move RAILS_ENV from the app's secrets to fly.toml [env] (fly secrets unset RAILS_ENV), "
        "where flyrun can read it"
    )


def test_an_environment_database_yml_lacks_is_named() -> None:
    env = [("fly.toml [env]", "RAILS_ENV", "qa")]
    primary = locate_databases(STAGING, env).primary
    assert primary is not None and primary.why_unknown == (
        "config/database.yml names no qa database and no DATABASE_URL is set"
    )
