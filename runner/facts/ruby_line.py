"""One line of a machine-written Ruby file (db/schema.rb) read as a method call with literal
arguments: `create_table "users", id: :uuid, force: :cascade do |t|` becomes
Call("create_table", ("users",), {"id": Sym("uuid"), "force": Sym("cascade")}, block="t").

Only what Rails' schema dumper writes is understood: strings, symbols, numbers, true, false,
nil, arrays, hashes and `-> { "SQL" }` lambdas. Anything else raises NotUnderstood, so the
caller can refuse the line instead of guessing what it means.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TypeAlias

_MAX_DEPTH = 16  # arrays/hashes nest this deep at most; deeper is not a schema dump


@dataclass(frozen=True)
class Sym:
    """A Ruby symbol, `:cascade`."""

    name: str


@dataclass(frozen=True)
class Code:
    """A lambda default or expression, `-> { "now()" }`: SQL for the database to run."""

    sql: str


Value: TypeAlias = "str | int | float | bool | Sym | Code | list[Value] | dict[str, Value] | None"


@dataclass(frozen=True)
class Call:
    """A method call: its name (`t.string`), positional arguments, keyword options, and the
    variable of a trailing `do |t|` block (None without a block)."""

    name: str
    args: tuple[Value, ...] = ()
    options: Mapping[str, Value] = field(default_factory=dict)
    block: str | None = None


class NotUnderstood(ValueError):
    """The line is not a call with literal arguments; the message says what was found."""


_TOKEN = re.compile(
    r"""
    (?P<space>\s+)
  | (?P<comment>\#.*)
  | (?P<strkey>"(?:[^"\\]|\\.)*":(?=\s))
  | (?P<string>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')
  | (?P<key>[A-Za-z_]\w*[?!]?:(?!:))
  | (?P<symbol>:(?:[A-Za-z_]\w*[?!=]?|"(?:[^"\\]|\\.)*"))
  | (?P<number>[-+]?\d[\d_]*(?:\.\d[\d_]*)?(?:[eE][-+]?\d+)?(?![\w.]))
  | (?P<ident>[A-Za-z_]\w*(?:(?:\.|::)[A-Za-z_]\w*)*[?!]?)
  | (?P<op>->|=>|[,()\[\]{}|])
    """,
    re.VERBOSE,
)
_ESCAPE = re.compile(r"\\(u\{[0-9a-fA-F ]{1,40}\}|u[0-9a-fA-F]{4}|x[0-9a-fA-F]{1,2}|[0-7]{1,3}|.)")
_SIMPLE_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "e": "\x1b", "s": " ", "a": "\a", "b": "\b"}
_SIMPLE_ESCAPES |= {"f": "\f", "v": "\v"}


def tokens(line: str) -> list[tuple[str, str]]:
    """(kind, text) pairs of `line`, spaces and a trailing comment dropped."""
    found: list[tuple[str, str]] = []
    position = 0
    while position < len(line):
        match = _TOKEN.match(line, position)
        if match is None:
            raise NotUnderstood(f"unexpected {line[position]!r}")
        kind = match.lastgroup or ""
        if kind == "comment":
            break
        if kind != "space":
            found.append((kind, match.group()))
        position = match.end()
    return found


def _unescape_one(match: re.Match[str]) -> str:
    code = match.group(1)
    if code.startswith("u{"):
        points = [int(part, 16) for part in code[2:-1].split()]
        if not points or any(p > 0x10FFFF or 0xD800 <= p <= 0xDFFF for p in points):
            raise NotUnderstood("invalid \\u escape")
        return "".join(map(chr, points))
    if code[0] in "ux" and len(code) > 1:
        point = int(code[1:], 16)
        if 0xD800 <= point <= 0xDFFF:
            raise NotUnderstood("invalid \\u escape")
        return chr(point)
    if code[0] in "01234567":
        return chr(int(code, 8))
    return _SIMPLE_ESCAPES.get(code, code)


def string_value(text: str) -> str:
    """The value of a Ruby string literal (its quotes included in `text`)."""
    body = text[1:-1]
    if text[0] == "'":
        return re.sub(r"\\([\\'])", r"\1", body)
    if re.search(r"(?<!\\)(?:\\\\)*#[{@$]", body):
        raise NotUnderstood("string interpolation")
    return _ESCAPE.sub(_unescape_one, body)


class _Reader:
    """A cursor over one line's tokens."""

    def __init__(self, found: list[tuple[str, str]]) -> None:
        self.found = found
        self.at = 0

    def peek(self, offset: int = 0) -> tuple[str, str]:
        index = self.at + offset
        return self.found[index] if index < len(self.found) else ("end", "")

    def take(self, kind: str | None = None, text: str | None = None) -> str:
        got_kind, got_text = self.peek()
        if (kind is not None and got_kind != kind) or (text is not None and got_text != text):
            raise NotUnderstood(f"expected {text or kind}, found {got_text or 'end of line'!r}")
        self.at += 1
        return got_text

    def skip(self, text: str) -> bool:
        if self.peek() == ("op", text):
            self.at += 1
            return True
        return False


def _value(reader: _Reader, depth: int) -> Value:
    if depth > _MAX_DEPTH:
        raise NotUnderstood("nested too deep")
    kind, text = reader.peek()
    if kind == "string":
        reader.take()
        return string_value(text)
    if kind == "symbol":
        reader.take()
        return Sym(string_value(text[1:]) if text[1:2] == '"' else text[1:])
    if kind == "number":
        reader.take()
        digits = text.replace("_", "")
        return float(digits) if any(c in digits for c in ".eE") else int(digits)
    if kind == "ident" and text in ("true", "false", "nil"):
        reader.take()
        return {"true": True, "false": False, "nil": None}[text]
    if (kind, text) == ("op", "["):
        return _array(reader, depth)
    if (kind, text) == ("op", "{"):
        return _hash(reader, depth)
    if (kind, text) == ("op", "->"):
        reader.take()
        reader.take("op", "{")
        sql = string_value(reader.take("string"))
        reader.take("op", "}")
        return Code(sql)
    raise NotUnderstood(f"not a literal: {text or 'end of line'!r}")


def _array(reader: _Reader, depth: int) -> list[Value]:
    reader.take("op", "[")
    items: list[Value] = []
    while not reader.skip("]"):
        items.append(_value(reader, depth + 1))
        if not reader.skip(","):
            reader.take("op", "]")
            break
    return items


def _hash(reader: _Reader, depth: int) -> dict[str, Value]:
    reader.take("op", "{")
    pairs: dict[str, Value] = {}
    while not reader.skip("}"):
        key = _key(reader, depth)
        pairs[key] = _value(reader, depth + 1)
        if not reader.skip(","):
            reader.take("op", "}")
            break
    return pairs


def _key(reader: _Reader, depth: int) -> str:
    """A hash key: `name:`, `"name":`, or a string/symbol/number before `=>`."""
    kind, text = reader.peek()
    if kind == "key":
        reader.take()
        return text[:-1]
    if kind == "strkey":
        reader.take()
        return string_value(text[:-1])
    key = _value(reader, depth + 1)
    reader.take("op", "=>")
    if isinstance(key, Sym):
        return key.name
    if isinstance(key, str | int | float):
        return str(key)
    raise NotUnderstood("hash key is not a name")


def _is_option(reader: _Reader) -> bool:
    kind, _ = reader.peek()
    return kind in ("key", "strkey") or reader.peek(1) == ("op", "=>")


def _arguments(reader: _Reader, closer: str | None) -> tuple[tuple[Value, ...], dict[str, Value]]:
    args: list[Value] = []
    options: dict[str, Value] = {}
    while reader.peek() != ("end", "") and reader.peek() != ("op", closer or ""):
        if reader.peek() == ("ident", "do"):
            break
        if _is_option(reader):
            key = _key(reader, 0)
            options[key] = _value(reader, 1)
        elif options:
            raise NotUnderstood("a positional argument after options")
        else:
            args.append(_value(reader, 1))
        if not reader.skip(","):
            break
    return tuple(args), options


def parse_call(line: str) -> Call:
    """`line` as a call: `name args`, `name(args)`, either with a trailing `do |var|`."""
    reader = _Reader(tokens(line))
    name = reader.take("ident")
    if reader.skip("("):
        args, options = _arguments(reader, ")")
        reader.take("op", ")")
    else:
        args, options = _arguments(reader, None)
    block = None
    if reader.peek() == ("ident", "do"):
        reader.take()
        reader.take("op", "|")
        block = reader.take("ident")
        reader.take("op", "|")
    if reader.peek() != ("end", ""):
        raise NotUnderstood(f"unexpected {reader.peek()[1]!r}")
    return Call(name, args, options, block)
