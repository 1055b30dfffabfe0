"""Values one pass learnt that no output may show, and the masking of them (docs/import.md
"The Postgres URL").

A Postgres import reads the app's database URL (with its password) into memory: it travels
only on `fly secrets import`'s stdin. Everything flyrun prints for the app passes through the
app's `Redactor` (the executor applies it to every task result and fact it emits), so the URL
cannot reach a report, a log or an error message even when flyctl, Rails or the simulator
echo it back. The URL is shown as `postgres://…@host:port/database` (no user, no password).
"""

from __future__ import annotations

import re
import threading
from urllib.parse import parse_qs, unquote, urlsplit

from runner.model import redact_credentials

_ANY_URL = re.compile(r"\b([A-Za-z][A-Za-z0-9+.-]*)://[^\s'\"<>]+")
MASK = "[redacted]"
_SHORTEST = 4  # a shorter password would mask ordinary words; the whole URL is masked anyway


def display(url: str) -> str:
    """`postgres://user:pw@host:5432/db?sslmode=x` → `postgres://…@host:5432/db`."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        return f"{url.split('://', 1)[0]}://…" if "://" in url else "<not a URL>"
    who = "…@" if "@" in parts.netloc else ""
    return f"{parts.scheme}://{who}{host}{port}{parts.path}"


def mask_urls(text: str) -> str:
    """Every URL in `text` by its scheme only: for messages from places that might echo
    one flyrun does not know (flyctl's errors while reading a secret)."""
    return _ANY_URL.sub(lambda m: f"{m.group(1)}://…", text)


class Redactor:
    """The secret values of one app's pass; calling it masks them in a text."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pairs: list[tuple[str, str]] = []

    def add_url(self, url: str) -> None:
        """Never show `url` (nor its decoded form, nor its password): URLs become their
        `display` form, the password `[redacted]`."""
        pairs = [(url, display(url)), (unquote(url), display(url))]
        try:
            parts = urlsplit(url)
            passwords = [parts.password or "", *parse_qs(parts.query).get("password", [])]
        except ValueError:
            parts, passwords = None, []
        # The same URL after runner/model.py `redact_credentials` (`user:…@`), which may run
        # first: its user is not shown either.
        pairs += [(redact_credentials(form), display(url)) for form in (url, unquote(url))]
        if parts is not None and parts.username:
            pairs.append((f"{parts.scheme}://{parts.username}:…@", f"{parts.scheme}://…@"))
        for secret in {form for p in passwords for form in (p, unquote(p))}:
            if len(secret) >= _SHORTEST:
                pairs.append((secret, MASK))
        with self._lock:
            known = {secret for secret, _ in self._pairs}
            self._pairs += [(s, m) for s, m in pairs if s and s not in known]
            self._pairs.sort(key=lambda pair: -len(pair[0]))  # a URL before its password

    @property
    def active(self) -> bool:
        return bool(self._pairs)

    def __call__(self, text: str) -> str:
        with self._lock:
            pairs = list(self._pairs)
        for secret, mask in pairs:
            if secret in text:
                text = text.replace(secret, mask)
        return text
