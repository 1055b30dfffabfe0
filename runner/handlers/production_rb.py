"""config/environments/production.rb: the `sqlite3_production_warning` line (README "The spec").

The bare `config.active_record.sqlite3_production_warning = false` crashes boot on Rails
<= 6.1 and >= 8.0 (docs/reference/rails.md §1), so flyrun only ever writes the guarded form,
which is a no-op where the setting does not exist. The line goes right after the
`configure do` line (statements may follow the block, so "before the last end" is unsafe).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING

from runner.errors import EditRefused
from runner.syntax import ruby
from runner.syntax.ruby import Source, quote_line

if TYPE_CHECKING:
    from tree_sitter import Node

FILE = "config/environments/production.rb"
GUARDED_LINE = (
    "config.active_record.sqlite3_production_warning = false"
    " if config.active_record.key?(:sqlite3_production_warning)"
)
_SETTING = re.compile(rb"sqlite3_production_warning\s*=(?![=~>])")
_GUARD = re.compile(r"\bif\s+config\.active_record\.key\?\(\s*:sqlite3_production_warning\s*\)")
_BARE = re.compile(
    r"(?P<indent>[ \t]*)config\.active_record\.sqlite3_production_warning\s*=\s*false"
    r"(?P<tail>\s*(?:#.*)?)"
)
_APPLICATION = re.compile(r"Rails\.application|(?:::)?(?:[A-Z]\w*::)*Application")


class WarningSetting(Enum):
    """How production.rb sets `sqlite3_production_warning` (commented lines do not count)."""

    ABSENT = "absent"
    GUARDED = "guarded"  # every active assignment carries the key? guard
    BARE = "bare"  # at least one active assignment without the guard
    COMMENTED = "commented"  # only commented-out assignments


@dataclass(frozen=True)
class _Line:
    """One line holding an assignment of the setting: byte span without the line ending."""

    start: int
    end: int
    row: int
    code: str
    state: WarningSetting


def warning_setting(text: str) -> WarningSetting:
    """ABSENT, GUARDED, BARE or COMMENTED (see WarningSetting); strings are ignored."""
    states = {line.state for line in _setting_lines(ruby.parse(text))}
    for state in (WarningSetting.BARE, WarningSetting.GUARDED, WarningSetting.COMMENTED):
        if state in states:
            return state
    return WarningSetting.ABSENT


def add_guarded_warning(text: str) -> str:
    """Ensure the guarded line: insert it after the one `configure do` line (idempotent).

    A bare line already there is guarded in place instead (no second assignment).
    """
    state = warning_setting(text)
    if state is WarningSetting.GUARDED:
        return text
    if state is WarningSetting.BARE:
        return guard_bare_warning(text)
    source = ruby.require_parse(text, FILE)
    block_line_end, indent, eol = _insertion_point(source)
    new_text = ruby.splice(
        source.data, [(block_line_end, block_line_end, indent + GUARDED_LINE + eol)]
    )
    _verify(new_text)
    return new_text


def guard_bare_warning(text: str) -> str:
    """Rewrite every active bare `... sqlite3_production_warning = false` line to the guarded
    form, keeping its indentation and trailing comment; other shapes are refused."""
    source = ruby.parse(text)
    edits: list[tuple[int, int, str]] = []
    for line in _setting_lines(source):
        if line.state is not WarningSetting.BARE:
            continue
        match = _BARE.fullmatch(line.code)
        if match is None:
            raise EditRefused(
                "cannot tell how to guard sqlite3_production_warning "
                f"({quote_line(line.code, line.row + 1)}); write it as `{GUARDED_LINE}`"
            )
        edits.append((line.start, line.end, match["indent"] + GUARDED_LINE + match["tail"]))
    if not edits:
        return text
    ruby.require_parse(text, FILE)
    new_text = ruby.splice(source.data, edits)
    _verify(new_text)
    return new_text


def _setting_lines(source: Source) -> list[_Line]:
    """The lines assigning the setting, classified; occurrences inside strings are skipped."""
    lines: dict[int, _Line] = {}
    data = source.data
    for match in _SETTING.finditer(data):
        node = source.root.descendant_for_byte_range(match.start(), match.end())
        where = ruby.in_comment_or_string(node)
        if where == "string":
            continue
        start = data.rfind(b"\n", 0, match.start()) + 1
        end = data.find(b"\n", match.end())
        end = len(data) if end < 0 else end
        if data[start:end].endswith(b"\r"):
            end -= 1
        code = data[start:end].decode("utf-8")
        state = (
            WarningSetting.COMMENTED
            if where == "comment"
            else WarningSetting.GUARDED
            if _GUARD.search(code)
            else WarningSetting.BARE
        )
        row = data.count(b"\n", 0, start)
        if row not in lines or state is not WarningSetting.COMMENTED:
            lines[row] = _Line(start, end, row, code, state)
    return list(lines.values())


def _insertion_point(source: Source) -> tuple[int, str, str]:
    """(byte offset after the `configure do` line, indentation, line ending) or refuse."""
    blocks = [
        node
        for node in ruby.walk(source.root)
        if ruby.call_method(source, node) == "configure"
        and node.child_by_field_name("block") is not None
        and _APPLICATION.fullmatch(_receiver(source, node))
    ]
    if not blocks:
        raise EditRefused(
            "production.rb has no `Rails.application.configure do` block to add the "
            "sqlite3_production_warning line to"
        )
    if len(blocks) > 1:
        raise EditRefused(
            f"production.rb has several configure blocks ({source.quote(blocks[1])}); "
            f"add `{GUARDED_LINE}` by hand"
        )
    block = blocks[0].child_by_field_name("block")
    assert block is not None
    opener = block.child_by_field_name("parameters") or block.children[0]
    data = source.data
    newline = data.find(b"\n", opener.end_byte)
    if newline < 0 or newline >= block.end_byte:
        raise EditRefused(
            f"the configure block is on one line ({source.quote(blocks[0])}); "
            f"add `{GUARDED_LINE}` by hand"
        )
    eol = "\r\n" if data[newline - 1 : newline] == b"\r" else "\n"
    head = source.line(blocks[0].start_point.row)
    base = head[: len(head) - len(head.lstrip())]
    return newline + 1, _indent(source, base, opener.end_point.row, block.end_point.row), eol


def _receiver(source: Source, node: Node) -> str:
    receiver = node.child_by_field_name("receiver")
    return source.node_text(receiver) if receiver is not None else ""


def _indent(source: Source, base: str, opener_row: int, end_row: int) -> str:
    """The block's indentation: that of its first non-blank line, else `base` + 2 spaces."""
    for row in range(opener_row + 1, end_row):
        line = source.line(row)
        if line.strip():
            indent = line[: len(line) - len(line.lstrip())]
            return indent if indent.startswith(base) and len(indent) > len(base) else base + "  "
    return base + "  "


def _verify(text: str) -> None:
    if not ruby.parses(text) or warning_setting(text) is not WarningSetting.GUARDED:
        raise EditRefused("the edited production.rb does not read back as guarded; left unchanged")
