"""runner.facts.url_chars without Ruby: the rule, its messages, and the URL reader on the
cases of docs/reference/rails.md §2 and §7 (test_url_chars_ruby.py proves them against Rails)."""

from __future__ import annotations

import string

import pytest
from hypothesis import given
from hypothesis import strategies as st

from runner.facts.url_chars import (
    SAFE,
    UrlConfig,
    parse_database_url,
    url_unsafe,
    url_unsafe_message,
)


@pytest.mark.parametrize("value", ["/mnt/data", "/data/x_y-z.1~", "/mnt/a+b;c=d:e@f!$&'()*,"])
def test_url_safe_values_have_no_problems(value: str) -> None:
    assert url_unsafe(value) == []
    assert url_unsafe_message("mount_path", value) is None


def test_each_unsafe_character_is_named_once_in_order_with_its_reason() -> None:
    found = url_unsafe("/mnt/x#y?z#%20é")
    assert [char for char, _ in found] == ["#", "?", "%", "é"]
    reasons = dict(found)
    assert "fragment" in reasons["#"] and "drops it and everything after it" in reasons["#"]
    assert "query" in reasons["?"]
    assert "%20 becomes a space" in reasons["%"]
    assert "URI::InvalidURIError" in reasons["é"]


def test_invisible_characters_are_shown_by_code_point() -> None:
    assert url_unsafe("/mnt/a\u00a0b") == [
        ("\u00a0", "U+00A0 is not allowed in a URL: Rails fails to parse it (URI::InvalidURIError)")
    ]


def test_message_for_a_spec_key_names_the_value_reason_and_allowed_characters() -> None:
    assert url_unsafe_message("mount_path", "/mnt/x#y") == (
        "'/mnt/x#y' does not survive Rails' DATABASE_URL parsing, so the database would not be "
        "where the path says: '#' starts the URL's fragment: Rails drops it and everything "
        "after it. Use only letters, digits and - . _ ~ ! $ & ' ( ) * + , ; = : @ and /"
    )
    message = url_unsafe_message("database", "prod%20uction.sqlite")
    assert message is not None and "where the file name says" in message
    assert message.endswith("= : @")


def test_the_admitted_set_is_rfc_2396_path_characters() -> None:
    assert set(string.ascii_letters + string.digits + "-._~!$&'()*+,;=:@/") == SAFE


@pytest.mark.parametrize(
    ("url", "adapter", "database"),
    [  # docs/reference/rails.md §2, checked on Rails 6.1.7.10
        ("sqlite3:///mnt/name/production.sqlite", "sqlite3", "/mnt/name/production.sqlite"),
        ("sqlite3:/mnt/name/production.sqlite", "sqlite3", "/mnt/name/production.sqlite"),
        ("sqlite3://mnt/name/production.sqlite", "sqlite3", "/name/production.sqlite"),
        ("sqlite3://localhost/mnt/name/p.sqlite", "sqlite3", "/mnt/name/p.sqlite"),
        ("sqlite3:storage/production.sqlite3", "sqlite3", "storage/production.sqlite3"),
        ("sqlite3:///data/production.sqlite3?pool=5", "sqlite3", "/data/production.sqlite3"),
        ("sqlite3:///mnt/x#y/p.sqlite", "sqlite3", "/mnt/x"),  # §7
        ("sqlite3:///mnt/x?y/p.sqlite", "sqlite3", "/mnt/x"),
        ("sqlite3:///mnt/a%20b/p.sqlite", "sqlite3", "/mnt/a b/p.sqlite"),
        ("postgres://u:secret@db:5432/shop", "postgresql", "shop"),
        ("mysql2://root@localhost/shop?encoding=utf8", "mysql2", "shop"),
        ("sqlite3://", "sqlite3", None),
    ],
)
def test_parse_database_url_reads_the_database_rails_reads(
    url: str, adapter: str, database: str | None
) -> None:
    assert parse_database_url(url) == UrlConfig(adapter, database)


@pytest.mark.parametrize(
    "url", ["", "no scheme", "sqlite3:///a b/x", "sqlite3:///a%zz/x", "sqlite3:///a#b#c", "x:/a?&b"]
)
def test_urls_rails_cannot_parse_give_an_error(url: str) -> None:
    parsed = parse_database_url(url)
    assert parsed.error is not None and parsed.database is None


def test_escapes_that_are_not_utf8_stay_as_surrogates() -> None:
    assert parse_database_url("sqlite3:///a%E9b").database == "/a\udce9b"


@given(st.text())
def test_never_raises_on_arbitrary_text(text: str) -> None:
    assert url_unsafe(text) == [] or not set(text) <= SAFE
    assert (url_unsafe_message("mount_path", text) is None) == set(text).issubset(SAFE)
    parse_database_url(text)
    parse_database_url("sqlite3://" + text)
