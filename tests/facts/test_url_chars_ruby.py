"""The proof behind runner.facts.url_chars: Rails 6.1's own ConnectionUrlResolver reads
`sqlite3://<mount_path>/<database>` for every printable ASCII character (and a few others)
in a path segment and in the file name; exactly the characters `url_unsafe` admits come back
unchanged, and `parse_database_url` reads every URL the way Rails does."""

from __future__ import annotations

import random
import string
from typing import Any

from runner.facts.url_chars import SAFE, parse_database_url, url_unsafe
from tests.facts.ruby import run_ruby

RESOLVE = """
resolver = ActiveRecord::DatabaseConfigurations::ConnectionUrlResolver
results = JSON.parse($stdin.read).map do |url|
  begin
    hash = resolver.new(url).to_hash
    # bytes: %xx escapes may decode to bytes that are not UTF-8
    {"adapter" => hash[:adapter], "database" => hash[:database]&.bytes}
  rescue StandardError => e
    {"error" => e.class.name}
  end
end
puts JSON.generate({"version" => ActiveRecord::VERSION::STRING, "results" => results})
"""
OTHERS = ["é", "ü", "日", "\u00a0", "\t"]
CHARACTERS = [chr(c) for c in range(0x20, 0x7F)] + OTHERS


def resolve(urls: list[str]) -> list[dict[str, Any]]:
    """Rails' reading of each URL: adapter and database bytes, or the error's class."""
    out = run_ruby(RESOLVE, urls)
    assert out["version"].startswith("6.1."), out["version"]  # the class name of 6.1+
    results: list[dict[str, Any]] = out["results"]
    return results


def places(char: str) -> list[tuple[str, str]]:
    """`char` in a mount_path segment and in a file name: (URL, path Rails should read)."""
    segment = f"/mnt/a{char}b/production.sqlite"
    name = f"/mnt/data/p{char}q.sqlite"
    return [(f"sqlite3://{segment}", segment), (f"sqlite3://{name}", name)]


def test_exactly_the_admitted_characters_round_trip_through_rails() -> None:
    cases = [(char, url, path) for char in CHARACTERS for url, path in places(char)]
    results = resolve([url for _, url, _ in cases])
    survived = {
        char
        for (char, _, path), got in zip(cases, results, strict=True)
        if got.get("database") == list(path.encode())
    }
    broken = {char for char, _, _ in cases} - survived
    admitted = {char for char in CHARACTERS if not url_unsafe(char)}
    assert survived == admitted
    assert admitted == SAFE  # every SAFE character is printable ASCII
    assert broken >= {"#", "?", "%", " ", '"', "<", ">", "[", "]", "\\", "^", "`", "{", "|", "}"}
    assert set(OTHERS) <= broken
    assert "".join(sorted(admitted - set(string.ascii_letters + string.digits))) == (
        "!$&'()*+,-./:;=@_~"
    )


def test_parse_database_url_reads_urls_as_rails_does() -> None:
    urls = [url for char in CHARACTERS for url, _ in places(char)]
    urls += _mixed(random.Random(20260301), 400)
    urls += [
        "sqlite3:///mnt/name/production.sqlite",
        "sqlite3:/mnt/name/production.sqlite",
        "sqlite3://mnt/name/production.sqlite",
        "sqlite3://localhost/mnt/name/production.sqlite",
        "sqlite3:storage/production.sqlite3",
        "sqlite3:////mnt/name/production.sqlite",
        "sqlite3:///data/production.sqlite3?pool=5",
        "sqlite3:///mnt/a%20b/p.sqlite",
        "sqlite3:///mnt/a%2Fb/p.sqlite",
        "postgres://user:secret@db.internal:5432/shop",
        "mysql2://root@localhost/shop?encoding=utf8mb4",
    ]
    for url, got in zip(urls, resolve(urls), strict=True):
        mine = parse_database_url(url)
        if "error" in got:
            assert mine.error is not None, (url, got, mine)
        else:
            database = mine.database.encode("utf-8", "surrogateescape") if mine.database else None
            assert (mine.error, mine.adapter, database) == (
                None,
                got["adapter"],
                bytes(got["database"]) if got.get("database") is not None else None,
            ), url


def _mixed(rng: random.Random, count: int) -> list[str]:
    """sqlite3 URLs whose path mixes safe characters with the ones Rails treats specially."""
    pieces = [*sorted(SAFE), "#", "?", "%", "%20", "%2F", "%zz", " ", "a", "b", "/", "é"]
    urls = []
    for _ in range(count):
        path = "".join(rng.choice(pieces) for _ in range(rng.randint(1, 12)))
        urls.append(f"sqlite3:///mnt/{path}/x.sqlite")
    return urls
