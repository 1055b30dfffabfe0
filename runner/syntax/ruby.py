"""Ruby parse-tree helpers for the file handlers (tree-sitter + tree-sitter-ruby).

The parser is built on first use and cached: importing this module costs nothing, so the
CLI starts fast when no Ruby file is touched. Offsets from tree-sitter are *bytes* of the
UTF-8 text, so every edit here splices bytes and decodes once at the end.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import TYPE_CHECKING

from runner.errors import EditRefused, Location

if TYPE_CHECKING:
    from tree_sitter import Node, Parser

# Node types whose value is a plain name when they hold no interpolation or escape.
_LITERALS = frozenset(
    {"string", "simple_symbol", "delimited_symbol", "bare_string", "bare_symbol", "hash_key_symbol"}
)
ARRAYS = frozenset({"array", "string_array", "symbol_array"})
_STATEMENTS = frozenset({"program", "body_statement", "block_body"})


@cache
def _parser() -> Parser:
    """The Ruby parser, built once, on first use (keeps `import runner` cheap)."""
    import tree_sitter
    import tree_sitter_ruby

    return tree_sitter.Parser(tree_sitter.Language(tree_sitter_ruby.language()))


@dataclass(frozen=True)
class Source:
    """A Ruby text with its UTF-8 bytes and its parse tree."""

    text: str
    data: bytes
    root: Node

    def node_text(self, node: Node) -> str:
        """The source text of `node`."""
        return self.data[node.start_byte : node.end_byte].decode("utf-8")

    def line(self, row: int) -> str:
        """Line `row` (0-based) without its line ending."""
        lines = self.data.split(b"\n")
        return lines[row].rstrip(b"\r").decode("utf-8") if row < len(lines) else ""

    def quote(self, node: Node) -> str:
        """`line N: `code`` for messages that point at the line where `node` starts."""
        return quote_line(self.line(node.start_point.row), node.start_point.row + 1)


def quote_line(code: str, line_no: int) -> str:
    """`line N: `code`` with the code stripped of surrounding blanks."""
    return f"line {line_no}: `{code.strip()}`"


@lru_cache(maxsize=64)
def parse(text: str) -> Source:
    """Parse `text` (never fails: syntax errors become ERROR/MISSING nodes). Cached by text:
    layout, migrations and the gem check read the same fly.rake and Gemfile (read only)."""
    data = text.encode("utf-8")
    return Source(text, data, _parser().parse(data).root_node)


def first_error(root: Node) -> Node | None:
    """The first ERROR or MISSING node under `root`, or None when the tree is clean."""
    if not root.has_error:
        return None
    for node in walk(root):
        innermost = not any(c.has_error or c.is_missing for c in node.children)
        if (node.is_error or node.is_missing) and innermost:
            return node  # the innermost culprit names the line a person has to look at
    return root  # has_error without a visible culprit: treat the whole text as broken


def parses(text: str) -> bool:
    """True when `text` parses as Ruby with no ERROR or MISSING node."""
    return first_error(parse(text).root) is None


@dataclass(frozen=True)
class Break:
    """Where a text stops parsing as Ruby, as a person has to fix it: 1-based line and
    column, and `why` (`line N: `code``, and the quote left open when that is the cause)."""

    line: int
    column: int
    why: str


def syntax_break(source: Source) -> Break | None:
    """The place to fix in a text that does not parse, or None when it parses."""
    bad = first_error(source.root)
    if bad is None:
        return None
    opened = unclosed_string(source.root, bad)
    at = opened if opened is not None else bad
    why = source.quote(at)
    if opened is not None:
        why += f": a quote opened there only closes on line {opened.end_point.row + 1}"
    return Break(at.start_point.row + 1, at.start_point.column + 1, why)


def require_parse(text: str, what: str) -> Source:
    """Parse `text` or refuse, at the line a person has to fix (`what` names the file,
    relative to the app folder, for the refusal's location)."""
    source = parse(text)
    found = syntax_break(source)
    if found is None:
        return source
    where = Location(what, found.line, found.column)
    raise EditRefused(
        f"{what} does not parse as Ruby ({found.why}); left unchanged", location=where
    )


def unclosed_string(root: Node, bad: Node) -> Node | None:
    """A string literal spanning lines that ends on the line where the error starts: Ruby
    strings may span lines, so a missing quote is only noticed at the next quote, often
    many lines further down; the line to fix is where the string opened."""
    found = None
    for node in walk(root):
        if node.start_byte >= bad.start_byte:
            break
        spans = node.start_point.row < node.end_point.row == bad.start_point.row
        if node.type == "string" and spans and node.end_byte <= bad.start_byte:
            found = node
    return found


def walk(root: Node) -> Iterator[Node]:
    """Every node under `root` (included), in source order."""
    stack = [root]
    while stack:
        node = stack.pop()
        yield node
        stack.extend(reversed(node.children))


def call_method(source: Source, node: Node) -> str | None:
    """The method name of a call node (`task`, `namespace`, `gem`), else None."""
    if node.type != "call":
        return None
    method = node.child_by_field_name("method")
    return source.node_text(method) if method is not None else None


def is_plain_call(source: Source, node: Node, name: str) -> bool:
    """True for a receiver-less call `name ...` (such as `task :x` or `group :test do`)."""
    return call_method(source, node) == name and node.child_by_field_name("receiver") is None


def namespaces(source: Source, call: Node) -> tuple[tuple[str, ...], bool]:
    """The Rake `namespace` names around a call, outermost first, and whether the call sits
    in nothing else (False inside a condition, method, other block or expression)."""
    names: list[str] = []
    plain = True
    node = call.parent
    while node is not None:
        owner = node.parent if node.type in ("do_block", "block") else None
        args = arguments(owner) if owner is not None else []
        name = literal(source, args[0]) if args else None
        if owner is not None and name is not None and is_plain_call(source, owner, "namespace"):
            names.append(name)
            node = owner
        elif node.type not in _STATEMENTS:
            plain = False
        node = node.parent
    return tuple(reversed(names)), plain


def arguments(node: Node) -> list[Node]:
    """The argument nodes of a call (comments and punctuation left out)."""
    args = node.child_by_field_name("arguments")
    if args is None:
        return []
    return [child for child in args.named_children if child.type != "comment"]


def literal(source: Source, node: Node) -> str | None:
    """The name a literal stands for (`'db:migrate'`, `:swapfile`, `release:` key), else None.

    Strings and symbols with interpolation or escapes are not literal names.
    """
    if node.type not in _LITERALS:
        return None
    if node.type == "simple_symbol":
        return source.node_text(node)[1:]
    if node.type == "hash_key_symbol":
        return source.node_text(node)
    parts = list(node.named_children)
    if any(child.type != "string_content" for child in parts):
        return None
    return "".join(source.node_text(child) for child in parts)


def elements(node: Node) -> list[Node]:
    """The element nodes of an array literal (`[...]`, `%w[...]`, `%i[...]`), no comments."""
    return [child for child in node.named_children if child.type != "comment"]


def drop_elements(items: Sequence[Node], keep: Sequence[bool]) -> list[tuple[int, int, str]]:
    """Byte edits deleting the array elements not kept, with their separators.

    A run of dropped elements goes up to the next kept element's start; a run at the end
    goes from the previous element's end (at least one element must be kept).
    """
    edits: list[tuple[int, int, str]] = []
    index = 0
    while index < len(items):
        if keep[index]:
            index += 1
            continue
        last = index
        while last + 1 < len(items) and not keep[last + 1]:
            last += 1
        if last + 1 < len(items):
            edits.append((items[index].start_byte, items[last + 1].start_byte, ""))
        else:
            edits.append((items[index - 1].end_byte, items[last].end_byte, ""))
        index = last + 1
    return edits


def in_comment_or_string(node: Node | None) -> str | None:
    """`"comment"` or `"string"` when `node` lies in a comment or a string, else None."""
    while node is not None:
        if node.type == "comment":
            return "comment"
        if node.type in {"string", "heredoc_body", "string_array", "symbol_array", "regex"}:
            return "string"
        node = node.parent
    return None


def splice(data: bytes, edits: Sequence[tuple[int, int, str]]) -> str:
    """Apply non-overlapping `(start, end, replacement)` byte edits and decode the result."""
    out: list[bytes] = []
    position = 0
    for start, end, replacement in sorted(edits):
        if start < position:
            raise ValueError("overlapping edits")
        out += [data[position:start], replacement.encode("utf-8")]
        position = end
    out.append(data[position:])
    return b"".join(out).decode("utf-8")


def quote_char(source: Source) -> str:
    """The file's usual string quote: `'` unless double-quoted strings are the majority."""
    single = double = 0
    for node in walk(source.root):
        if node.type == "string" and node.child_count:
            opener = source.node_text(node.children[0])
            single += opener == "'"
            double += opener == '"'
    return '"' if double > single else "'"
