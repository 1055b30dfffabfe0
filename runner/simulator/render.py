"""Output helpers that mimic Go: json.Encoder with 4-space indent, time layouts, tables."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from datetime import datetime

_GO_ESCAPES = {
    "<": "\\u003c",
    ">": "\\u003e",
    "&": "\\u0026",
    "\u2028": "\\u2028",
    "\u2029": "\\u2029",
}


def go_json(value: Any) -> str:
    """Encode like flyctl's `render.JSON`: 4-space indent, HTML escaping, trailing newline.

    `<`, `>` and `&` can only occur inside JSON strings, so replacing them in the encoded
    text is the same as Go's escaping of string contents.
    """
    text = json.dumps(value, indent=4, ensure_ascii=False)
    for raw, escaped in _GO_ESCAPES.items():
        text = text.replace(raw, escaped)
    return text + "\n"


def go_quote(text: str) -> str:
    """Go's `%q` for ordinary strings (quotes and backslashes escaped)."""
    return json.dumps(text, ensure_ascii=False)


def parse_time(text: str) -> datetime:
    """Parse an RFC 3339 timestamp as written by `rfc3339`."""
    # datetime is imported on use: JSON listings and `version` never touch a clock.
    from datetime import datetime

    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def rfc3339(moment: datetime) -> str:
    """Go's RFC3339Nano as the APIs give it: UTC, `Z`, milliseconds, trailing zeros dropped."""
    from datetime import UTC

    moment = moment.astimezone(UTC)
    base = moment.strftime("%Y-%m-%dT%H:%M:%S")
    fraction = f"{moment.microsecond // 1000:03d}".rstrip("0")
    return f"{base}.{fraction}Z" if fraction else f"{base}Z"


def rfc822(text: str) -> str:
    """Go's `time.RFC822` (`02 Jan 06 15:04 MST`) of an RFC 3339 timestamp."""
    from datetime import UTC

    return parse_time(text).astimezone(UTC).strftime("%d %b %y %H:%M UTC")


def humanize_since(text: str, now: datetime) -> str:
    """A short `2 minutes ago` rendering, as flyctl's tables show created-at columns."""
    seconds = max(0, int((now - parse_time(text)).total_seconds()))
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size:
            count = seconds // size
            return f"{count} {unit}{'s' if count > 1 else ''} ago"
    return "less than a minute ago" if seconds else "just now"


def table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A borderless table with upper-case headers, like flyctl's tablewriter output."""
    cells = [[h.upper() for h in headers], *[list(r) for r in rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    lines = ["\t".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) for row in cells]
    return "\n".join(line.rstrip() for line in lines) + "\n"
