"""Which characters of `mount_path` and `database` reach SQLite unchanged through
`DATABASE_URL=sqlite3://<mount_path>/<database>`, and how Rails reads such a URL.

Rails turns the URL into a connection hash with
`ActiveRecord::DatabaseConfigurations::ConnectionUrlResolver#to_hash` (that name on 6.1, where
it needs `require "active_record/database_configurations"`, and on rails/rails main). It parses
with Ruby's RFC 2396 parser (`URI::Parser` on Ruby < 3.4; Rails pins `URI::RFC2396_Parser`
since rails/rails dbf33101435 because Ruby 3.4 changed the default), then `unescape`s every
value. Checked on Debian's ActiveRecord 6.1.7.10 with Ruby 3.1 (tests/facts/test_url_chars_ruby.py
runs it for every printable ASCII character): exactly `SAFE` survives; `#` and `?` end the
path, `%xx` is decoded, and any other character makes the URL unparsable
(docs/reference/rails.md §7).
"""

from __future__ import annotations

import re
import string
from dataclasses import dataclass
from urllib.parse import unquote

# RFC 2396 path characters (unreserved + pchar extras + "/"), proven against Rails by the test.
SAFE = frozenset(string.ascii_letters + string.digits + "-._~!$&'()*+,;=:@/")
SHOWN_SAFE = "letters, digits and - . _ ~ ! $ & ' ( ) * + , ; = : @"
_ESCAPE = re.compile(r"%[0-9A-Fa-f]{2}")
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*):(.*)$", re.DOTALL)
_REASONS = {
    "#": "'#' starts the URL's fragment: Rails drops it and everything after it",
    "?": "'?' starts the URL's query: Rails reads what follows as connection options, "
    "not as part of the path",
    "%": "'%' starts a %xx escape that Rails decodes (%20 becomes a space), and a '%' not "
    "followed by two hex digits makes the URL unparsable",
}


def url_unsafe(value: str) -> list[tuple[str, str]]:
    """Each distinct character of `value` that does not survive Rails' URL parsing unchanged
    (in order of first appearance), with the reason; empty when `value` is URL-safe."""
    found: list[tuple[str, str]] = []
    for char in dict.fromkeys(value):
        if char not in SAFE:
            found.append((char, _REASONS.get(char, _unparsable(char))))
    return found


def _unparsable(char: str) -> str:
    shown = repr(char) if char.isprintable() and not char.isspace() else f"U+{ord(char):04X}"
    return f"{shown} is not allowed in a URL: Rails fails to parse it (URI::InvalidURIError)"


def url_unsafe_message(key: str, value: str) -> str | None:
    """A spec error for `FILE:LINE:COL: <key>: <message>`, or None when `value` is safe."""
    problems = url_unsafe(value)
    if not problems:
        return None
    reasons = "; ".join(reason for _, reason in problems)
    where = "the path" if key == "mount_path" else "the file name"
    return (
        f"{value!r} does not survive Rails' DATABASE_URL parsing, so the database would not "
        f"be where {where} says: {reasons}. Use only {SHOWN_SAFE}"
        + (" and /" if key == "mount_path" else "")
    )


@dataclass(frozen=True)
class UrlConfig:
    """What Rails takes from a database URL: the adapter and the `database` value (for
    sqlite3 a path, relative when the URL is opaque), or `error` when Rails cannot parse it."""

    adapter: str | None
    database: str | None
    error: str | None = None


def parse_database_url(url: str) -> UrlConfig:
    """`ConnectionUrlResolver#to_hash` in Python: scheme → adapter (`postgres` → postgresql,
    `-` → `_`); opaque (`sqlite3:rel`) → the opaque part; otherwise the path, keeping the
    leading slash only for sqlite3; `#`/`?` end it; `%xx` decoded; blank → None."""
    match = _SCHEME.match(url)
    if not url.strip() or match is None:
        return UrlConfig(None, None, "not a URL (no scheme)")
    bad = _invalid(url)
    if bad is not None:
        return UrlConfig(None, None, bad)
    adapter = match[1].replace("-", "_")
    adapter = "postgresql" if adapter == "postgres" else adapter
    rest, query = _path_and_query(match[2])
    if query is not None and "" in _pairs(query):
        return UrlConfig(None, None, "an empty '&' pair in the query makes Rails raise")
    if not rest.startswith("/"):
        return UrlConfig(adapter, _unescape(rest))
    if rest.startswith("//"):  # authority: user:pass@host:port, then the path
        slash = rest.find("/", 2)
        rest = rest[slash:] if slash >= 0 else ""
    path = rest if adapter == "sqlite3" else rest.removeprefix("/")
    return UrlConfig(adapter, _unescape(path))


def _path_and_query(rest: str) -> tuple[str, str | None]:
    """The part before `?`/`#`, and the query (between `?` and `#`) when there is one."""
    path = re.split(r"[#?]", rest, maxsplit=1)[0]
    tail = rest[len(path) :]
    if not tail.startswith("?"):
        return path, None
    return path, tail[1:].split("#", 1)[0]


def _pairs(query: str) -> list[str]:
    """Ruby's `query.split("&")`, which drops trailing empty strings; Rails then builds
    `Hash[pairs.map { |p| p.split("=", 2) }]`, which raises on an empty one."""
    pairs = query.split("&")
    while pairs and not pairs[-1]:
        pairs.pop()
    return pairs


def _unescape(text: str) -> str | None:
    """`%xx` decoded to bytes as Ruby does; bytes that are not UTF-8 kept as surrogates
    (Python's convention for file names); blank → None (Rails' `compact_blank`)."""
    return unquote(text, errors="surrogateescape") or None


def _invalid(url: str) -> str | None:
    """Why Ruby's RFC 2396 parser rejects `url`, or None: a character outside the URL
    alphabet, a '%' that is not an escape, or a second '#'."""
    for char in url:
        if char not in SAFE and char not in "#?%":
            return _unparsable(char)
    if "%" in _ESCAPE.sub("", url):
        return _REASONS["%"]
    if url.count("#") > 1:
        return "a second '#' is not allowed in a URL: Rails fails to parse it"
    return None
