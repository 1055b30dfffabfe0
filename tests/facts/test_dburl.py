from __future__ import annotations

import pytest

from runner.facts.dburl import derived_database, env_name, extra_databases, in_mount, parse_url


@pytest.mark.parametrize(
    ("url", "kind", "path"),
    [
        ("sqlite3:///mnt/name/production.sqlite", "sqlite", "/mnt/name/production.sqlite"),
        ("sqlite3:/mnt/name/production.sqlite", "sqlite", "/mnt/name/production.sqlite"),
        ("sqlite3://localhost/mnt/name/x.db", "sqlite", "/mnt/name/x.db"),
        ("sqlite3:///data/production.sqlite3?pool=5", "sqlite", "/data/production.sqlite3"),
        ("sqlite3://mnt/name/production.sqlite", "two_slashes", None),
        ("sqlite3://db/production.sqlite3", "two_slashes", None),
        ("sqlite3:storage/production.sqlite3", "relative", None),
        ("postgres://u:p@host/db", "other", None),
    ],
)
def test_parse_url_like_rails(url: str, kind: str, path: str | None) -> None:
    parsed = parse_url(url)
    assert (parsed.kind, parsed.path) == (kind, path)


def test_in_mount() -> None:
    assert in_mount("sqlite3:///data/production.sqlite3", "/data")
    assert not in_mount("sqlite3:///data/sub/production.sqlite3", "/data")
    assert not in_mount("sqlite3://data/production.sqlite3", "/data")


RAILS8 = """default: &default
  adapter: sqlite3
  pool: <%= ENV.fetch("RAILS_MAX_THREADS") { 5 } %>
  timeout: 5000

production:
  primary:
    <<: *default
    database: storage/production.sqlite3
  cache:
    <<: *default
    database: storage/production_cache.sqlite3
    migrations_paths: db/cache_migrate
  queue:
    <<: *default
    database: storage/production_queue.sqlite3
    migrations_paths: db/queue_migrate
  cable:
    <<: *default
    database: storage/production_cable.sqlite3
    migrations_paths: db/cable_migrate
"""


def test_rails8_multi_db_needs_three_extra_urls() -> None:
    assert extra_databases(RAILS8) == ("cache", "queue", "cable")
    assert [env_name(n) for n in extra_databases(RAILS8)] == [
        "CACHE_DATABASE_URL",
        "QUEUE_DATABASE_URL",
        "CABLE_DATABASE_URL",
    ]
    assert derived_database("production.sqlite", "cache") == "production_cache.sqlite"


def test_extra_databases_are_those_of_the_apps_rails_environment() -> None:
    """A staging app's URL variables come from database.yml's staging entry, the one Rails
    reads (runner/facts/erb.py rails_env), as the live-data check plans them."""
    staging = RAILS8 + "staging:\n  primary:\n    adapter: sqlite3\n    database: /data/s.sqlite3\n"
    staging += "  queue:\n    adapter: sqlite3\n    database: /data/s_queue.sqlite3\n"
    assert extra_databases(staging, "staging") == ("queue",)
    assert extra_databases(staging) == ("cache", "queue", "cable")


def test_dockerfile_rails_urls_and_single_db_need_none() -> None:
    with_urls = RAILS8.replace(
        "    migrations_paths: db/cache_migrate\n",
        '    migrations_paths: db/cache_migrate\n    url: <%= URI.parse(ENV["DATABASE_URL"]) %>\n',
    )
    assert extra_databases(with_urls) == ("queue", "cable")
    single = "production:\n  adapter: sqlite3\n  database: db/production.sqlite3\n"
    assert extra_databases(single) == ()
    assert extra_databases(None) == ()
    assert extra_databases("production: [unclosed") == ()


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("postgres://admin:TopSecret9@db.internal/shop", "postgres://…"),
        ("TopSecret9", "<a value that is not a URL>"),
        ("sqlite3://admin:TopSecret9@mnt/x.db", "sqlite3://…@mnt/x.db"),
        ("sqlite3:///data/production.sqlite3", "sqlite3:///data/production.sqlite3"),
    ],
)
def test_redact_never_shows_credentials(url: str, shown: str) -> None:
    from runner.facts.dburl import redact

    assert redact(url) == shown
    assert "TopSecret9" not in redact(url)
