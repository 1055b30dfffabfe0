"""Parsing of `secrets import` stdin and of `secrets set` arguments
(docs/reference/flyctl.md §3.1, §3.3).

The import rules are those of flyctl's `parseSecrets` (internal/command/secrets/parser.go):
- lines are split on `\\n` (one `\\r` before it dropped); a line of 64 KiB or more stops the
  scan silently (bufio.Scanner's limit; flyctl never checks the scanner's error);
- lines starting with `#` or holding only whitespace are skipped;
- the key is the text before the first `=`, trimmed; the value is left-trimmed of spaces;
- from the first `#` the rest is a comment (with the spaces before it dropped) when the text
  before that `#` holds an even number of double quotes;
- `\"\"\"…\"\"\"` on one line is taken verbatim between the quotes; a value starting with
  `\"\"\"` opens a multi-line value closed by the first later line ending in `\"\"\"`;
- otherwise one pair of surrounding double quotes, or else single quotes, is removed;
- a value of a lone `\"` or `'` makes flyctl panic (slice bounds out of range).
"""

from __future__ import annotations

from runner.simulator.errors import Crash

SCAN_LIMIT = 64 * 1024


class ParseError(ValueError):
    """A line that is not NAME=VALUE."""


def _single_value(value: str) -> str:
    if value in ('"', "'"):
        raise Crash()
    for quote in ('"', "'"):
        if value.startswith(quote) and value.endswith(quote):
            return value[1:-1]
    return value


def _lines(data: bytes) -> list[str]:
    lines = []
    for raw in data.split(b"\n"):
        if len(raw) >= SCAN_LIMIT:
            break
        lines.append(raw.removesuffix(b"\r").decode("utf-8", errors="replace"))
    return lines  # a trailing "" (text after the last newline) is skipped like a blank line


def parse_import(data: bytes) -> dict[str, str]:
    """NAME → value from `secrets import` stdin; ParseError on a line without `=`."""
    secrets: dict[str, str] = {}
    open_key: str | None = None
    parts: list[str] = []
    for line in _lines(data):
        if open_key is not None:
            if line.endswith('"""'):
                secrets[open_key] = "".join(parts) + line[:-3]
                open_key, parts = None, []
            else:
                parts.append(line + "\n")
            continue
        if line.startswith("#") or not line.strip():
            continue
        key, sep, value = line.partition("=")
        if not sep:
            raise ParseError(f"Secrets must be provided as NAME=VALUE pairs ({line} is invalid)")
        key, value = key.strip(), value.lstrip(" ")
        before, hash_sign, _ = value.partition("#")
        if hash_sign and before.count('"') % 2 == 0:
            value = before.rstrip(" ")
        if len(value) >= 6 and value.startswith('"""') and value.endswith('"""'):
            secrets[key] = value[3:-3]
        elif value.startswith('"""'):
            open_key, parts = key, [value[3:] + "\n"]
        else:
            secrets[key] = _single_value(value)
    return secrets


def parse_pairs(args: list[str]) -> dict[str, str]:
    """`secrets set` arguments split on the first `=`; ParseError naming a bad argument."""
    pairs: dict[str, str] = {}
    for arg in args:
        name, sep, value = arg.partition("=")
        if not sep:
            raise ParseError(f"'{arg}': must be in the format NAME=VALUE")
        pairs[name] = value
    return pairs
