"""SQLite DATABASE_URLs as Rails reads them (docs/reference/rails.md §2), and the production
databases of config/database.yml that need a URL of their own (Rails 8 multi-DB)."""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Literal

Kind = Literal["sqlite", "two_slashes", "relative", "other"]


@dataclass(frozen=True)
class ParsedUrl:
    kind: Kind
    path: str | None  # absolute database path for kind "sqlite"


def parse_url(url: str) -> ParsedUrl:
    """`sqlite3:///abs` and `sqlite3:/abs` are absolute; `sqlite3://host/x` drops `host`
    (the two-slash bug) unless it is localhost; `sqlite3:rel` is relative to Rails.root."""
    if not url.startswith("sqlite3:"):
        return ParsedUrl("other", None)
    rest = url[len("sqlite3:") :].split("?", 1)[0]
    if rest.startswith("///"):
        return ParsedUrl("sqlite", posixpath.normpath(rest[2:]))
    if rest.startswith("//localhost/"):
        return ParsedUrl("sqlite", posixpath.normpath(rest[len("//localhost") :]))
    if rest.startswith("//"):
        return ParsedUrl("two_slashes", None)
    if rest.startswith("/"):
        return ParsedUrl("sqlite", posixpath.normpath(rest))
    return ParsedUrl("relative", None)


def redact(url: str) -> str:
    """A URL fit for a report: SQLite paths shown (credentials stripped), other databases only
    by scheme, anything that is not a URL not at all."""
    parsed = parse_url(url)
    if parsed.kind == "other":
        match = re.match(r"^([A-Za-z][A-Za-z0-9+.-]*)://", url)
        return f"{match.group(1)}://…" if match else "<a value that is not a URL>"
    return re.sub(r"^(sqlite3://)[^/@]*@", r"\1…@", url)


def in_mount(url: str, mount_path: str) -> bool:
    parsed = parse_url(url)
    return parsed.kind == "sqlite" and posixpath.dirname(parsed.path or "") == mount_path


def derived_database(database: str, name: str) -> str:
    """production.sqlite + cache → production_cache.sqlite (dockerfile-rails' naming)."""
    path = PurePosixPath(database)
    return f"{path.stem}_{name}{path.suffix}"


def env_name(config_name: str) -> str:
    """Rails reads `<NAME>_DATABASE_URL` for a config named `name` (other than primary)."""
    return f"{config_name.upper()}_DATABASE_URL"


def extra_databases(database_yml: str | None, rails_env: str = "production") -> tuple[str, ...]:
    """Names of the databases of the app's Rails environment besides the primary that have
    no `url:` of their own (Rails 8: cache, queue, cable); they need `<NAME>_DATABASE_URL` to
    reach the volume. Read without expanding aliases (`yaml.safe_load` takes exponential time
    on merge bombs)."""
    if not database_yml:
        return ()
    from runner.facts.database_yml import database_names  # lazy: PyYAML costs start-up

    names = database_names(database_yml, rails_env)
    return tuple(name for name, has_url in names[1:] if not has_url)
