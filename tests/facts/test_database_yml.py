"""Reading config/database.yml's production entries (runner.facts.database_yml)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from runner.facts.database_yml import read_production
from runner.facts.erb import make_env

TWO_TIER = """\
default: &default
  adapter: sqlite3
  pool: <%= ENV.fetch("RAILS_MAX_THREADS") { 5 } %>
  timeout: 5000

development:
  <<: *default
  database: db/development.sqlite3

production:
  <<: *default
  database: /data/production.sqlite3
"""


def test_two_tier_is_the_primary_with_merged_keys_and_their_lines() -> None:
    production = read_production(TWO_TIER)
    (entry,) = production.entries
    assert entry.name == "primary"
    assert set(entry.values) == {"adapter", "database"}
    adapter, database = entry.values["adapter"], entry.values["database"]
    assert (adapter.line, adapter.key, adapter.merged) == (2, "production.adapter", True)
    assert (database.line, database.key, database.merged) == (12, "production.database", False)
    assert production.quote(database) == (
        "config/database.yml:12 production.database: /data/production.sqlite3"
    )
    assert production.quote(adapter) == (
        "config/database.yml:2 production.adapter: sqlite3 (merged in with <<:)"
    )


def test_three_tier_gives_one_entry_per_database_in_order() -> None:
    text = TWO_TIER.replace(
        "production:\n  <<: *default\n  database: /data/production.sqlite3\n",
        "production:\n  primary:\n    <<: *default\n    database: storage/production.sqlite3\n"
        "  cache:\n    <<: *default\n    database: storage/production_cache.sqlite3\n"
        "    migrations_paths: db/cache_migrate\n",
    )
    entries = read_production(text).entries
    assert [e.name for e in entries] == ["primary", "cache"]
    assert entries[1].values["database"].key == "production.cache.database"
    assert entries[1].values["database"].line == 16


def test_explicit_keys_win_over_merged_ones_and_earlier_merge_sources_win() -> None:
    text = (
        "a: &a\n  adapter: postgresql\n  database: a\n"
        "b: &b\n  adapter: sqlite3\n  database: b\n"
        "production:\n  <<: [*b, *a]\n  database: c\n"
    )
    (entry,) = read_production(text).entries
    assert entry.values["adapter"].text == "sqlite3"
    assert entry.values["database"].text == "c"


def test_erb_is_rendered_against_the_machines_environment() -> None:
    text = 'production:\n  adapter: sqlite3\n  database: <%= ENV["SQLITE_PATH"] %>/db.sqlite3\n'
    production = read_production(text)
    scalar = production.entries[0].values["database"]
    env = make_env([("fly.toml [env]", "SQLITE_PATH", "/data")])
    value = production.render(scalar, env)
    assert value.text == "/data/db.sqlite3"
    assert value.evidence == (
        'config/database.yml:3 production.database: <%= ENV["SQLITE_PATH"] %>/db.sqlite3',
        "fly.toml [env] SQLITE_PATH=/data",
    )


def test_lines_after_a_multi_line_tag_keep_their_numbers() -> None:
    text = (
        "production:\n  adapter: <%= ENV.fetch('ADAPTER') {\n 'sqlite3' } %>\n"
        "  database: db/production.sqlite3\n"
    )
    entry = read_production(text).entries[0]
    assert entry.values["database"].line == 4
    assert read_production(text).render(entry.values["adapter"], make_env([])).text == "sqlite3"


def test_comment_tags_vanish_and_statements_are_refused_with_their_line() -> None:
    text = "production:\n  adapter: sqlite3 <%# a note %>\n  database: db/p.sqlite3\n"
    assert read_production(text).entries[0].values["adapter"].text == "sqlite3"
    ruby = "<% if ENV['PG'] %>\nproduction:\n  adapter: postgresql\n<% end %>\n"
    assert read_production(ruby).problem == (
        "config/database.yml:1 runs Ruby (<% if ENV['PG'] %>), which can change what the "
        "file says; flyrun does not run Ruby"
    )


def test_an_empty_value_is_null_and_a_missing_file_or_entry_is_missing() -> None:
    entry = read_production("production:\n  adapter: sqlite3\n  database:\n").entries[0]
    assert entry.values["database"].text is None
    assert read_production(None).missing
    assert read_production("development:\n  adapter: sqlite3\n").missing
    assert read_production("").missing


def test_a_production_string_is_the_primary_url() -> None:
    entry = read_production('production: <%= ENV["DATABASE_URL"] %>\n').entries[0]
    assert entry.name == "primary" and entry.values["url"].key == "production"


def test_yaml_errors_are_a_problem_not_an_exception() -> None:
    problem = read_production("production:\n  adapter: [unclosed\n").problem
    assert problem is not None and problem.startswith("config/database.yml is not YAML")


@given(st.text())
def test_never_raises_on_arbitrary_text(text: str) -> None:
    production = read_production(text)
    for entry in production.entries:
        for scalar in entry.values.values():
            production.render(scalar, make_env([]))
            production.quote(scalar)
