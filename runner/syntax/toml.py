"""TOML reading with exact error positions, and the strict two-parser load used before an edit.

`read` is the fast reader (the standard library's tomllib) that facts use. `load_for_edit`
parses with tomlkit (the style-preserving parser the edits rely on) *and* tomllib and refuses
a file the two read differently; tomlkit costs ~30 ms to import, so only an edit pays it.
Every error is a `FileError` at `FILE:LINE:COL`.
"""

from __future__ import annotations

import math
import re
from functools import cache, lru_cache
from typing import TYPE_CHECKING, Any

from runner.errors import FileError

if TYPE_CHECKING:
    from tomlkit import TOMLDocument
    from tomlkit.exceptions import ParseError

# tomllib messages that say less than tomlkit's for the same mistake ("Key "app" already
# exists." at the key, where tomllib says "Cannot overwrite a value" at the line's end).
_VAGUE = ("Invalid value", "Cannot overwrite a value", "Cannot declare", "Invalid statement")
_TOMLKIT_AT = re.compile(r" at line \d+ col \d+\Z")
_TOMLLIB_AT = re.compile(
    r"\A(?P<msg>.*) \(at (?:line (?P<line>\d+), column (?P<col>\d+)|end of document)\)\Z", re.S
)


def read(text: str, file: str) -> dict[str, Any]:
    """tomllib's reading of `text`; FileError at the line and column of a syntax error.
    Cached by text alone (fly.toml is read by the spec, the facts and the edits, under
    different names; a fleet's every fly.toml fits): callers must not mutate the result
    (the edits deep-copy it)."""
    import tomllib

    try:
        return _parsed(text)
    except tomllib.TOMLDecodeError as err:
        plain = _tomllib_error(text, str(err), file)
        vague = str(err).startswith(_VAGUE)
        raise (_explained(text, file) or plain) if vague else plain from err


@lru_cache(maxsize=4096)
def _parsed(text: str) -> dict[str, Any]:
    import tomllib

    return tomllib.loads(text)


def _explained(text: str, file: str) -> FileError | None:
    """tomlkit's message for a file tomllib refused vaguely (only paid on that path)."""
    import tomlkit
    from tomlkit.exceptions import ParseError

    try:
        tomlkit.parse(text)
    except ParseError as err:
        return _tomlkit_error(text, err, file)
    except Exception:  # tomlkit failing otherwise: tomllib's message will do
        return None
    return None


def load_for_edit(text: str, file: str) -> tuple[TOMLDocument, dict[str, Any]]:
    """Parse with tomlkit and tomllib; refuse unless both accept and agree."""
    import tomlkit
    from tomlkit.exceptions import ParseError, TOMLKitError

    try:
        doc = tomlkit.parse(text)
    except ParseError as err:
        raise _tomlkit_error(text, err, file) from err
    except (TOMLKitError, ValueError) as err:  # e.g. an impossible date
        read(text, file)
        raise FileError(file, f"tomlkit cannot read this file: {err}") from err
    data = read(text, file)
    if not same_value(doc.unwrap(), data):
        raise FileError(
            file,
            "tomlkit and tomllib read this file differently, so flyrun cannot edit it with "
            "certainty; please report it",
        )
    return doc, data


def _tomlkit_error(text: str, err: ParseError, file: str) -> FileError:
    # tomlkit counts columns from 0 over str.splitlines() rows (which also break at \x85,
    # \u2028, …); older releases also took every line end for 1 character, wrong for CRLF.
    # Undo its arithmetic to get the offset back, then count lines ourselves.
    if _tomlkit_counts_crlf():
        rows = text.splitlines(keepends=True)
    else:
        rows = [row + "_" for row in text.splitlines()]
    offset = sum(len(row) for row in rows[: err.line - 1]) + err.col
    line, col = line_col(text, min(offset, len(text)))
    return FileError(file, "invalid TOML: " + _TOMLKIT_AT.sub("", str(err)), line, col)


@cache
def _tomlkit_counts_crlf() -> bool:
    """Whether this tomlkit reports positions with CRLF as 2 characters (probed once)."""
    import tomlkit
    from tomlkit.exceptions import ParseError

    try:
        tomlkit.parse("\r\n?")
    except ParseError as err:
        return (err.line, err.col) == (2, 0)
    return True


def _tomllib_error(text: str, message: str, file: str) -> FileError:
    found = _TOMLLIB_AT.match(message)
    if found is None:
        return FileError(file, f"invalid TOML: {message}")
    if found["line"] is None:
        line, col = line_col(text, len(text))
    else:
        line, col = int(found["line"]), int(found["col"])
    return FileError(file, f"invalid TOML: {found['msg']}", line, col)


def line_col(text: str, offset: int) -> tuple[int, int]:
    """1-based line and column of a character offset (only "\\n" ends a line)."""
    return text.count("\n", 0, offset) + 1, offset - text.rfind("\n", 0, offset)


def same_value(a: object, b: object) -> bool:
    """Deep equality of parsed TOML where NaN equals NaN and True is not 1."""
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same_value(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same_value(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    return isinstance(a, bool) == isinstance(b, bool) and a == b


def key_line(text: str, key: str, table: str | None = None) -> int | None:
    """The 1-based line where `key = …` is set (in `[table]`, or at the top level), found
    textually for messages that point into the file; None when not found."""
    current: str | None = None
    for number, row in enumerate(text.splitlines(), 1):
        stripped = row.strip()
        header = re.match(r"\[\[?\s*([^\]]+?)\s*\]\]?", stripped)
        if header:
            current = header.group(1)
            continue
        if current == table and re.match(rf"{re.escape(key)}\s*=", stripped):
            return number
    return None
