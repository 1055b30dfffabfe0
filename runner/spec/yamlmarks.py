"""Load YAML into plain data while keeping where every key and value starts.

`load_yaml(text, file)` never raises for bad input: it returns a `YamlDocument` whose
`problems` say what is wrong, each at `FILE:LINE:COL`. Compared with `yaml.safe_load`:

- duplicate keys are errors at the second key (PyYAML silently keeps the last one);
- only `true`/`false` (any case) are booleans: YAML 1.1's `yes/no/on/off` stay strings, so
  a boolean key given `yes` fails validation with a hint instead of silently meaning true,
  and a string value such as `app: no` stays the string it looks like;
- only plain decimal numbers are numbers: YAML 1.1's `0x10`, `010` (octal: 8, but 10 in
  YAML 1.2), `0b11`, `1_000` and `1:30` (sexagesimal: 90) stay strings, refused with a hint
  where a number is expected (`number_hint`) instead of silently meaning what PyYAML reads;
- timestamps stay strings (the data must be JSON-like for JSON Schema);
- mapping keys are the key's text (`1:` is the key `'1'`); non-scalar keys are errors;
- anchors, aliases and `<<` merge keys work; recursive aliases and alias bombs are errors.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import yaml
from yaml.constructor import SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from yaml.reader import Reader

from runner.errors import Location, SpecProblem

JsonPath = tuple[str | int, ...]

# libyaml's composer when available (much faster), with PyYAML's safe resolver either way.
_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_SCALARS = SafeConstructor()
_TAG = "tag:yaml.org,2002:"
_MERGE = _TAG + "merge"
_MAX_NODES = 100_000
_PLAIN_KEY = re.compile(r"[A-Za-z0-9_-]+")
# Numbers YAML 1.1, YAML 1.2 and JSON all read alike (no 0x/0o/0b, leading zero, _ or :).
_PLAIN_INT = re.compile(r"[-+]?(0|[1-9][0-9]*)")
_PLAIN_FLOAT = re.compile(
    r"[-+]?([0-9]+\.[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?|[-+]?\.(inf|Inf|INF)|\.(nan|NaN|NAN)"
)
# YAML's printable set, to locate a reader error exactly: PyYAML's own pattern (compiling a
# copy cost ~6 ms of `flyrun validate`'s start-up, bench/README.md).
_NON_PRINTABLE: re.Pattern[str] = Reader.NON_PRINTABLE


@dataclass(frozen=True)
class NodeMark:
    """Where a value starts, and where its key starts (None for the root and list items)."""

    value: Location
    key: Location | None = None


@dataclass(frozen=True)
class YamlDocument:
    """A loaded file: plain data, the mark of every node by path, and what went wrong."""

    file: str
    data: Any
    marks: Mapping[JsonPath, NodeMark]
    problems: tuple[SpecProblem, ...]
    problem_paths: frozenset[JsonPath] = frozenset()  # values the problems are about

    def mark(self, path: JsonPath) -> NodeMark:
        """The mark of `path`, or of its nearest ancestor that has one."""
        for end in range(len(path), -1, -1):
            found = self.marks.get(path[:end])
            if found is not None:
                return found
        return NodeMark(Location(self.file, 1, 1))


class _TooLarge(Exception):
    """Aliases expand the document beyond `_MAX_NODES` nodes."""


def location(file: str, mark: yaml.Mark | None) -> Location:
    """A 1-based `Location` from a 0-based PyYAML mark (1:1 when there is none)."""
    if mark is None:
        return Location(file, 1, 1)
    return Location(file, mark.line + 1, mark.column + 1)


def load_yaml(text: str, file: str) -> YamlDocument:
    """Parse one YAML document; `data` is None when the text is empty or unparseable."""
    try:
        root = _compose(text)
    except yaml.MarkedYAMLError as exc:
        return _failed(file, _syntax_problem(text, file, exc))
    except yaml.YAMLError as exc:  # ReaderError: a character YAML forbids
        return _failed(file, _reader_problem(text, file, exc))
    except RecursionError:
        return _failed(file, SpecProblem(Location(file, 1, 1), "the YAML is nested too deeply"))
    if root is None:
        return YamlDocument(file, None, {}, ())
    builder = _Builder(file)
    try:
        data = builder.build(root, ())
    except _TooLarge:
        message = f"aliases expand this document to more than {_MAX_NODES} nodes"
        return _failed(file, SpecProblem(location(file, root.start_mark), message))
    except RecursionError:
        return _failed(file, SpecProblem(Location(file, 1, 1), "the YAML is nested too deeply"))
    problems = sorted(builder.problems, key=lambda p: (p.location.line, p.location.column))
    paths = frozenset(builder.problem_paths)
    return YamlDocument(file, data, builder.marks, tuple(problems), paths)


def _compose(text: str) -> Node | None:
    loader = _LOADER(text)
    try:
        node: Node | None = loader.get_single_node()
        return node
    finally:
        loader.dispose()


def _failed(file: str, problem: SpecProblem) -> YamlDocument:
    return YamlDocument(file, None, {}, (problem,))


def _syntax_problem(text: str, file: str, exc: yaml.MarkedYAMLError) -> SpecProblem:
    """`could not find expected ':' (while scanning a simple key at line 3, column 1)`."""
    message = exc.problem or exc.context or "invalid YAML"
    if exc.problem and exc.context:
        where = ""
        mark = exc.context_mark
        if mark is not None and (mark.line, mark.column) != _line_col(exc.problem_mark):
            where = f" at line {mark.line + 1}, column {mark.column + 1}"
        if exc.problem.startswith("but "):  # "expected a single document ..., but found ..."
            message = f"{exc.context}{where}, {exc.problem}"
        else:
            message = f"{exc.problem} ({exc.context}{where})"
    if _char_at(text, exc.problem_mark) == "\t":
        message += "; YAML indents with spaces, not tabs"
    return SpecProblem(location(file, exc.problem_mark or exc.context_mark), _one_line(message))


def _char_at(text: str, mark: yaml.Mark | None) -> str:
    if mark is None:
        return ""
    lines = text.splitlines()
    line = lines[mark.line] if mark.line < len(lines) else ""
    return line[mark.column : mark.column + 1]


def _line_col(mark: yaml.Mark | None) -> tuple[int, int] | None:
    return None if mark is None else (mark.line, mark.column)


def _reader_problem(text: str, file: str, exc: yaml.YAMLError) -> SpecProblem:
    """A character YAML forbids. libyaml reports a byte offset, PyYAML a character offset:
    find the character ourselves with YAML's own printable set."""
    message = _one_line(str(exc))
    reason = getattr(exc, "reason", None)
    found = _NON_PRINTABLE.search(text)
    if found is None:
        return SpecProblem(Location(file, 1, 1), message)
    if isinstance(reason, str):
        message = f"unacceptable character #x{ord(found.group()):04x}: {reason}"
    before = text[: found.start()]
    column = found.start() - (before.rfind("\n") + 1) + 1
    return SpecProblem(Location(file, before.count("\n") + 1, column), message)


def _one_line(message: str) -> str:
    return " ".join(message.split())


@dataclass
class _Builder:
    """Turns a composed node tree into plain data, recording marks and problems."""

    file: str
    marks: dict[JsonPath, NodeMark] = field(default_factory=dict)
    problems: list[SpecProblem] = field(default_factory=list)
    problem_paths: set[JsonPath] = field(default_factory=set)
    _active: set[int] = field(default_factory=set)
    _count: int = 0

    def build(self, node: Node, path: JsonPath, key: Node | None = None) -> Any:
        self._count += 1
        if self._count > _MAX_NODES:
            raise _TooLarge
        self.marks[path] = NodeMark(self._at(node), None if key is None else self._at(key))
        if isinstance(node, ScalarNode):
            return self._scalar(node, path)
        if id(node) in self._active:
            self._problem(key or node, "recursive alias: this node contains itself", path)
            return None
        self._active.add(id(node))
        try:
            if isinstance(node, SequenceNode):
                self._check_tag(node, "seq", path)
                return [self.build(item, (*path, i)) for i, item in enumerate(node.value)]
            assert isinstance(node, MappingNode)
            self._check_tag(node, "map", path)
            return self._mapping(node, path)
        finally:
            self._active.discard(id(node))

    def _mapping(self, node: MappingNode, path: JsonPath) -> dict[str, Any]:
        result: dict[str, Any] = {}
        first_seen: dict[str, Node] = {}
        own, merged = self._pairs(node)
        for key_node, value_node in own:
            key = key_node.value
            if key in first_seen:
                line = first_seen[key].start_mark.line + 1
                self._problem(key_node, f"duplicate key {key!r} (first at line {line})")
                continue
            first_seen[key] = key_node
            result[key] = self.build(value_node, (*path, key), key_node)
        for key_node, value_node in merged:  # `<<` keys: explicit keys and earlier merges win
            if key_node.value not in result:
                result[key_node.value] = self.build(value_node, (*path, key_node.value), key_node)
        return result

    def _pairs(self, node: MappingNode) -> tuple[list[tuple[Node, Node]], list[tuple[Node, Node]]]:
        """Own (scalar-keyed) pairs, and the pairs brought in by `<<` merge keys."""
        own: list[tuple[Node, Node]] = []
        merged: list[tuple[Node, Node]] = []
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE:
                merged.extend(self._merge_sources(value_node))
            elif isinstance(key_node, ScalarNode):
                own.append((key_node, value_node))
            else:
                self._problem(key_node, "a mapping key must be plain text, not a list or mapping")
        return own, merged

    def _merge_sources(self, value: Node) -> Iterator[tuple[Node, Node]]:
        sources = value.value if isinstance(value, SequenceNode) else [value]
        for source in sources:
            if not isinstance(source, MappingNode):
                self._problem(source, "a `<<` merge key needs a mapping or a list of mappings")
            elif id(source) in self._active:
                self._problem(source, "recursive alias: this node contains itself")
            else:
                self._active.add(id(source))
                try:
                    own, merged = self._pairs(source)
                finally:
                    self._active.discard(id(source))
                yield from own
                yield from merged

    def _scalar(self, node: ScalarNode, path: JsonPath) -> Any:
        tag, text = node.tag, node.value
        if tag == _TAG + "null":
            return None
        if tag == _TAG + "bool":
            return text.lower() == "true" if text.lower() in ("true", "false") else text
        if tag in (_TAG + "int", _TAG + "float"):
            plain = _PLAIN_INT if tag == _TAG + "int" else _PLAIN_FLOAT
            if not plain.fullmatch(text):
                return text  # a YAML 1.1 form: refused where a number is expected
            try:
                if tag == _TAG + "int":
                    return _SCALARS.construct_yaml_int(node)
                return _SCALARS.construct_yaml_float(node)
            except (ValueError, TypeError):
                return text
        if tag not in (_TAG + "str", _TAG + "timestamp"):
            self._problem(node, f"unsupported YAML tag {_short(tag)!r}", path)
        return text

    def _check_tag(self, node: Node, kind: str, path: JsonPath) -> None:
        if node.tag != _TAG + kind:
            self._problem(node, f"unsupported YAML tag {_short(node.tag)!r}", path)

    def _at(self, node: Node) -> Location:
        return location(self.file, node.start_mark)

    def _problem(self, node: Node, message: str, path: JsonPath | None = None) -> None:
        self.problems.append(SpecProblem(self._at(node), message))
        if path is not None:
            self.problem_paths.add(path)


def _short(tag: str) -> str:
    """`!!binary` for `tag:yaml.org,2002:binary`, as it is written in YAML."""
    return "!!" + tag.removeprefix(_TAG) if tag.startswith(_TAG) else tag


def display_path(path: JsonPath) -> str:
    """`apps[1].volume.size` for ("apps", 1, "volume", "size"); a key that is not a plain
    name is quoted (`['x\\ny']`), so a message stays one line whatever the key holds."""
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        elif not _PLAIN_KEY.fullmatch(part):
            text += f"[{part!r}]"
        else:
            text += f".{part}" if text else part
    return text


def number_hint(value: Any) -> str:
    """For a text flyrun kept because it is a YAML 1.1 number form (`0x10`): what to write
    instead, to follow a message that expected a number; else ""."""
    if not isinstance(value, str) or _PLAIN_INT.fullmatch(value) or _PLAIN_FLOAT.fullmatch(value):
        return ""  # not a number's text, or a quoted plain number: a string on purpose
    try:
        read = yaml.safe_load(value)  # what PyYAML (YAML 1.1) reads the text as
    except yaml.YAMLError:
        return ""
    if isinstance(read, bool) or not isinstance(read, int | float):
        return ""
    return (
        f" (flyrun reads only plain decimal numbers; YAML 1.1 reads {value!r} as {read!r}: "
        f"write {read!r} if that is what you mean)"
    )


def describe(value: Any) -> str:
    """A value as YAML would show it: `true`, `null`, `'text'`, `a mapping`."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Mapping):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str) and len(value) > 60:
        return repr(value[:57] + "...")
    return repr(value)
