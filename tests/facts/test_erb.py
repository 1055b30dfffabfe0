"""The ERB forms of database.yml that flyrun evaluates (runner.facts.erb)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from runner.facts.erb import Value, evaluate, make_env, redact

ENV = make_env(
    [
        ("Dockerfile:14 ENV", "SQLITE_PATH", "/image/x.sqlite3"),
        ("fly.toml [env]", "SQLITE_PATH", "/data/x.sqlite3"),
        ("Dockerfile:20 ENV", "LITESTACK_DATA_PATH", "/data"),
        ("fly.toml [env]", "DATABASE_URL", "sqlite3:///data/production.sqlite3"),
        ("Dockerfile:3 ENV", "EMPTY", ""),
    ],
    secrets=["SECRET_PATH", "DATABASE_URL_SECRET"],
)


def test_env_index_reads_fly_toml_env_over_the_dockerfile() -> None:
    assert evaluate('ENV["SQLITE_PATH"]', ENV) == Value(
        "/data/x.sqlite3", evidence=("fly.toml [env] SQLITE_PATH=/data/x.sqlite3",)
    )
    assert evaluate("ENV['SQLITE_PATH']", ENV).text == "/data/x.sqlite3"


def test_a_later_dockerfile_env_line_wins_over_an_earlier_one() -> None:
    env = make_env([("Dockerfile:3 ENV", "X", "a"), ("Dockerfile:9 ENV", "X", "b")])
    assert evaluate('ENV["X"]', env).evidence == ("Dockerfile:9 ENV X=b",)


def test_a_secret_is_unknown_and_named() -> None:
    value = evaluate('ENV["SECRET_PATH"]', ENV)
    assert not value.known and value.secret == "SECRET_PATH"
    assert value.unknown == "SECRET_PATH is set by a secret flyrun cannot read"


def test_a_secret_wins_over_env_and_a_verified_one_is_known() -> None:
    env = make_env([("fly.toml [env]", "X", "a")], secrets=["X"])
    assert not evaluate('ENV["X"]', env).known
    verified = make_env([("fly.toml [env]", "X", "a")], ["X"], {"X": "b"})
    evidence = ("secret X (verified: the value flyrun sets)",)  # never the value itself
    assert evaluate('ENV["X"]', verified) == Value("b", evidence=evidence)


def test_an_unset_variable_is_nil_and_says_where_flyrun_looked() -> None:
    value = evaluate('ENV["NOPE"]', ENV)
    assert value.known and value.text is None
    assert value.evidence == ("NOPE is not set in fly.toml [env], the Dockerfile or a secret",)


@pytest.mark.parametrize(
    ("code", "text"),
    [
        ('ENV.fetch("NOPE") { "db/x.sqlite3" }', "db/x.sqlite3"),
        ("ENV.fetch('NOPE') { 'db/x.sqlite3' }", "db/x.sqlite3"),
        ('ENV.fetch("NOPE", "db/x.sqlite3")', "db/x.sqlite3"),
        ('ENV.fetch("RAILS_MAX_THREADS") { 5 }', "5"),
        ('ENV.fetch("NOPE", nil)', None),
        ('ENV.fetch("SQLITE_PATH") { "db/x.sqlite3" }', "/data/x.sqlite3"),
        ('ENV.fetch("EMPTY") { "d" }', ""),  # set to "" is set: no default
        ('ENV["NOPE"] || "fallback"', "fallback"),
        ('ENV["SQLITE_PATH"] || "fallback"', "/data/x.sqlite3"),
        ('Rails.root.join("db", "production.sqlite3")', "/rails/db/production.sqlite3"),
        ("Rails.root.join('storage/production.sqlite3').to_s", "/rails/storage/production.sqlite3"),
        ("Rails.env", "production"),
        ('"literal.sqlite3"', "literal.sqlite3"),
        ("nil", None),
    ],
)
def test_understood_forms(code: str, text: str | None) -> None:
    value = evaluate(code, ENV)
    assert value.known and value.text == text


def test_fetch_default_says_why() -> None:
    assert evaluate('ENV.fetch("NOPE") { "d" }', ENV).evidence == (
        "NOPE is not set in fly.toml [env], the Dockerfile or a secret, "
        "so ENV.fetch returns its default 'd'",
    )


def test_fetch_without_default_of_an_unset_variable_raises_in_rails() -> None:
    value = evaluate('ENV.fetch("NOPE")', ENV)
    assert value.unknown == "ENV.fetch('NOPE') raises: it is not set anywhere flyrun can see"
    assert evaluate('ENV.fetch("SQLITE_PATH")', ENV).text == "/data/x.sqlite3"


def test_fetch_of_a_secret_is_unknown_even_with_a_default() -> None:
    assert evaluate('ENV.fetch("SECRET_PATH") { "d" }', ENV).secret == "SECRET_PATH"
    assert evaluate('ENV["SECRET_PATH"] || "d"', ENV).secret == "SECRET_PATH"


def test_litestack_root_uses_litestack_data_path_and_the_environment() -> None:
    value = evaluate('Litesupport.root("production").join("data.sqlite3")', ENV)
    assert value == Value(
        "/data/production/data.sqlite3",
        evidence=("Dockerfile:20 ENV LITESTACK_DATA_PATH=/data",),
        litestack_root="/data/production",
    )
    assert evaluate('Litesupport.root.join("data.sqlite3").to_s', ENV).text == (
        "/data/production/data.sqlite3"
    )


def test_litestack_root_defaults_to_db_under_rails_root() -> None:
    env = make_env([], rails_root="/app")
    value = evaluate('Litesupport.root("production").join("data.sqlite3")', env)
    assert (value.text, value.litestack_root) == (
        "/app/db/production/data.sqlite3",
        "/app/db/production",
    )
    assert value.evidence == ("LITESTACK_DATA_PATH is not set, so Litestack uses ./db",)


def test_litestack_root_set_by_a_secret_is_unknown() -> None:
    env = make_env([], secrets=["LITESTACK_DATA_PATH"])
    assert evaluate('Litesupport.root("production")', env).secret == "LITESTACK_DATA_PATH"


def test_dockerfile_rails_derived_url() -> None:
    code = (
        'URI.parse(ENV["DATABASE_URL"]).tap { |url| url.path += "_cache" } if ENV["DATABASE_URL"]'
    )
    assert evaluate(code, ENV).text == "sqlite3:/data/production.sqlite3_cache"
    assert evaluate(code, make_env([])).text is None  # `… if nil` is nil
    other = code.replace('if ENV["DATABASE_URL"]', 'if ENV["OTHER"]')
    assert not evaluate(other, ENV).known


def test_anything_else_is_not_understood_and_quoted() -> None:
    value = evaluate(" Rails.application.credentials.db_path ", ENV)
    assert value.unknown == (
        "flyrun does not understand the Ruby `Rails.application.credentials.db_path`"
    )
    assert not evaluate('"a#{ENV["X"]}"', ENV).known  # interpolation


def test_redact_hides_credentials_of_urls_only() -> None:
    assert (
        redact("postgres://user:secret@db.internal:5432/app") == "postgres://…@db.internal:5432/app"
    )
    assert redact("sqlite3:///data/x.sqlite3") == "sqlite3:///data/x.sqlite3"
    env = make_env([("fly.toml [env]", "DATABASE_URL", "postgres://u:pw@h/db")])
    assert evaluate('ENV["DATABASE_URL"]', env).evidence == (
        "fly.toml [env] DATABASE_URL=postgres://…@h/db",
    )


@given(st.text(), st.dictionaries(st.text(min_size=1), st.text(), max_size=3))
def test_never_raises(code: str, values: dict[str, str]) -> None:
    env = make_env([("fly.toml [env]", k, v) for k, v in values.items()])
    evaluate(code, env)
