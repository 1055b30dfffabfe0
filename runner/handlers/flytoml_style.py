"""How a fly.toml is written (line ends, indentation, quotes), and rendering new lines in it.

Detection reads tomlkit's tree (indentation is the `trivia.indent` of key/value items,
quote style the type of each string) rather than guessing from lines. Locating lines
(`lines`, `header_name`) is textual; callers verify every edit by parsing it again.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tomlkit import TOMLDocument
    from tomlkit.items import String, Table

DEFAULT_INDENT = "  "  # what flyctl and dockerfile-rails write

_HEADER = re.compile(r"[ \t]*(\[\[?)[ \t]*([^\[\]#]*?)[ \t]*\]\]?[ \t]*(?:#.*)?\Z")


@dataclass(frozen=True)
class Style:
    """What a new block must look like to blend in."""

    newline: str  # "\n" or "\r\n"
    indent: str  # before each key
    literal: bool  # 'single-quoted' strings
    aligned: bool = False  # `source      = …`: pad keys so the "=" line up

    def string(self, value: str) -> str:
        """A TOML string for `value`, escaped by tomlkit when it must be."""
        import tomlkit

        if self.literal and not re.search(r"['\x00-\x08\x0a-\x1f\x7f]", value):
            return f"'{value}'"
        return tomlkit.string(value).as_string()

    def block(self, header: str, pairs: list[tuple[str, str]]) -> str:
        """`header` and `key = value` lines, each ending with the file's line end."""
        width = max(len(key) for key, _ in pairs) if self.aligned else 0
        rows = [header, *(f"{self.indent}{key.ljust(width)} = {value}" for key, value in pairs)]
        return "".join(row + self.newline for row in rows)


def detect(text: str, doc: TOMLDocument) -> Style:
    """The style of the whole file: its line ends, table indentation and quotes."""
    return Style(
        newline=newline_of(text), indent=_common(_table_indents(doc)), literal=_literal(doc)
    )


def entry_style(text: str, doc: TOMLDocument, entry: Table) -> Style:
    """The style of one table (e.g. the last `[[mounts]]`), to write a sibling like it."""
    keys = [(key.as_string(), value) for key, value in entry.value.body if key is not None]
    plain = [(text_, value) for text_, value in keys if not _is_table(value)]
    indent = _common(value.trivia.indent for _, value in plain)
    widths = {len(text_) for text_, _ in plain}
    aligned = len(plain) > 1 and len(widths) == 1 and any(t.endswith("  ") for t, _ in plain)
    return Style(newline_of(text), indent, _literal(doc), aligned)


def newline_of(text: str) -> str:
    """CRLF when most lines end so, else LF."""
    crlf = text.count("\r\n")
    return "\r\n" if crlf > text.count("\n") - crlf else "\n"


def lines(text: str) -> list[str]:
    """Lines with their ends; unlike str.splitlines only "\\n" ends a line (as in TOML)."""
    parts = text.split("\n")
    rows = [part + "\n" for part in parts[:-1]]
    return [*rows, parts[-1]] if parts[-1] else rows


def header_name(line: str) -> tuple[str, str] | None:
    """("[" or "[[", dotted name without quotes or spaces) for a table header line."""
    found = _HEADER.match(line.rstrip("\r\n"))
    if found is None:
        return None
    parts = (part.strip().strip("\"'") for part in found[2].split("."))
    return found[1], ".".join(parts)


def _table_indents(doc: TOMLDocument) -> Iterator[str]:
    """Indentation of the key/value lines directly under each top-level header."""
    from tomlkit.items import AoT, Table

    for _, item in doc.body:
        tables = (
            [item] if isinstance(item, Table) else list(item.body) if isinstance(item, AoT) else []
        )
        for table in tables:
            if table.is_super_table():
                continue
            for key, value in table.value.body:
                if key is not None and not key.is_dotted() and not _is_table(value):
                    yield value.trivia.indent


def _common(indents: Iterator[str] | list[str]) -> str:
    """The most common indentation; flyctl's two spaces on a tie or with none to go by."""
    counts = Counter(indents).most_common()
    if not counts or (len(counts) > 1 and counts[0][1] == counts[1][1]):
        return DEFAULT_INDENT
    return counts[0][0]


def _literal(doc: TOMLDocument) -> bool:
    """Whether the file mostly uses 'single-quoted' strings (flyctl ≥ 2024 writes them)."""
    from tomlkit.items import StringType

    counts = Counter(s.type in (StringType.SLL, StringType.MLL) for s in _strings(doc))
    return counts[True] > counts[False]


def _strings(item: object) -> Iterator[String]:
    from tomlkit.items import String

    if isinstance(item, String):
        yield item
    elif isinstance(item, dict):
        for value in item.values():
            yield from _strings(value)
    elif isinstance(item, list):
        for value in item:
            yield from _strings(value)


def _is_table(item: object) -> bool:
    from tomlkit.items import AoT, Table

    return isinstance(item, Table | AoT)
