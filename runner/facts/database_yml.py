"""The production entries of config/database.yml, as Rails builds them, with line numbers.

Rails renders the file with ERB, then reads it as YAML (merges `<<: *default` included) and
builds one database config per entry: a two-tier `production: {adapter, database, …}` is the
config named `primary`; a three-tier one (every value a mapping) gives one config per key, in
order; a string is a URL (`DatabaseConfigurations#build_configs`, ActiveRecord 6.1+). Here ERB
tags become placeholders before the YAML is read, so each value keeps its line and its ERB is
evaluated later, against the environment the machines see (`runner.facts.erb`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

import yaml

from runner.facts.erb import Env, Value, evaluate

FILE = "config/database.yml"
KEYS = ("adapter", "database", "url")
_TAG = re.compile(r"<%(?!%)(?P<kind>[=#-]?)(?P<code>.*?)-?%>", re.DOTALL)
_HOLE = re.compile("\ue000(\\d+)\ue001")
_MERGE = "tag:yaml.org,2002:merge"
_NULL = "tag:yaml.org,2002:null"


@dataclass(frozen=True)
class Tag:
    """One ERB tag: its code, kind (`=` output, `#` comment, `` statement) and line."""

    code: str
    kind: str
    line: int
    source: str


@dataclass(frozen=True)
class Scalar:
    """A value of a production entry as written (ERB tags as placeholders), with its line."""

    text: str | None
    line: int
    key: str  # e.g. production.primary.database
    merged: bool = False  # inherited through `<<:`


@dataclass(frozen=True)
class Entry:
    """One production database config: its name and the values flyrun reads."""

    name: str
    values: Mapping[str, Scalar] = field(default_factory=dict)


@dataclass(frozen=True)
class Production:
    """What database.yml says for production. `problem` is set when flyrun cannot read it;
    `missing` when the file has no production entry (then only a URL variable configures
    the database)."""

    entries: tuple[Entry, ...] = ()
    tags: tuple[Tag, ...] = ()
    problem: str | None = None
    missing: bool = False
    file: str = FILE

    def render(self, scalar: Scalar, env: Env) -> Value:
        """The value Rails sees for `scalar`, with the evidence line of database.yml."""
        parts: list[str] = []
        evidence = [self.quote(scalar)]
        unknown: Value | None = None
        litestack: str | None = None
        for index, piece in enumerate(_HOLE.split(scalar.text or "")):
            if index % 2 == 0:
                parts.append(piece)
                continue
            tag = self._tag(piece)
            value = evaluate(tag.code, env) if tag.kind == "=" else Value("")
            evidence.extend(value.evidence)
            if not value.known and unknown is None:
                unknown = value
            litestack = litestack or value.litestack_root
            parts.append(value.text or "")
        if unknown is not None:
            return Value(None, unknown.unknown, unknown.secret, tuple(evidence), hint=unknown.hint)
        text = "".join(parts)
        return Value(text or None, evidence=tuple(evidence), litestack_root=litestack)

    def _tag(self, number: str) -> Tag:
        """The tag behind a placeholder (a stray placeholder character in the file itself
        reads as an empty comment tag rather than crashing)."""
        index = int(number)
        return self.tags[index] if index < len(self.tags) else Tag("", "#", 0, "")

    def quote(self, scalar: Scalar) -> str:
        """`config/database.yml:23 production.database: <as written>`."""
        written = _HOLE.sub(lambda m: self._tag(m[1]).source, scalar.text or "")
        merged = " (merged in with <<:)" if scalar.merged else ""
        return f"{self.file}:{scalar.line} {scalar.key}: {written or '(empty)'}{merged}"


def read_production(text: str | None, env_name: str = "production", file: str = FILE) -> Production:
    """The production entries of database.yml `text` (None: the file does not exist)."""
    if text is None:
        return Production(missing=True, file=file)
    holed, tags, lines = _holes(text)
    statements = [t for t in tags if t.kind in ("", "-")]
    if statements:
        first = statements[0]
        problem = (
            f"{file}:{first.line} runs Ruby ({_short(first.source)}), which can change what "
            "the file says; flyrun does not run Ruby"
        )
        return Production(tags=tags, file=file, problem=problem)
    try:
        root = yaml.compose(holed, Loader=yaml.SafeLoader)
    except (yaml.YAMLError, RecursionError) as exc:
        said = (str(exc).splitlines() or [type(exc).__name__])[0]
        problem = f"{file} is not YAML flyrun can read ({_short(said)})"
        return Production(tags=tags, file=file, problem=problem)
    found = _pairs(root).get(env_name) if root is not None else None
    if found is None:
        return Production(tags=tags, file=file, missing=True)
    return Production(_entries(found[0], env_name, lines), tags, file=file)


def database_names(text: str, env_name: str = "production") -> tuple[tuple[str, bool], ...]:
    """A three-tier entry's databases in order, each with whether it has its own `url:`
    (merges applied the same bounded way); () when two-tier, absent or not YAML."""
    try:
        root = yaml.compose(_holes(text)[0], Loader=yaml.SafeLoader)
    except (yaml.YAMLError, RecursionError):
        return ()
    found = _pairs(root).get(env_name) if root is not None else None
    pairs = _pairs(found[0]) if found is not None else {}
    if not pairs or not all(isinstance(v, yaml.MappingNode) for v, _ in pairs.values()):
        return ()
    return tuple((name, "url" in _pairs(value)) for name, (value, _) in pairs.items())


def _short(text: str) -> str:
    return text if len(text) <= 80 else text[:77] + "..."


def _holes(text: str) -> tuple[str, tuple[Tag, ...], list[int]]:
    """`text` with each ERB tag replaced by a placeholder, the tags, and for each line of
    the result the line of `text` it comes from (a tag may span lines)."""
    pieces: list[str] = []
    tags: list[Tag] = []
    lines = [1]
    line = 1
    position = 0
    for match in _TAG.finditer(text):
        literal = text[position : match.start()]
        for _ in range(literal.count("\n")):
            line += 1
            lines.append(line)
        tags.append(Tag(match["code"], match["kind"], line, match[0]))
        pieces += [literal, f"\ue000{len(tags) - 1}\ue001" if match["kind"] != "#" else ""]
        line += match[0].count("\n")
        position = match.end()
    for _ in range(text.count("\n", position)):
        line += 1
        lines.append(line)
    return "".join(pieces) + text[position:], tuple(tags), lines


Pairs = dict[str, tuple[yaml.Node, bool]]


def _pairs(node: yaml.Node, depth: int = 0, done: dict[int, Pairs] | None = None) -> Pairs:
    """A mapping node's keys with `<<:` merges applied, like Psych: explicit keys win, then
    earlier merge sources; the flag says a value was merged in. Each node is merged once
    (`done`), so aliases merged into aliases (a "merge bomb") cost linear time."""
    done = {} if done is None else done
    if not isinstance(node, yaml.MappingNode) or depth > 32:
        return {}
    if id(node) in done:
        return done[id(node)]
    merged: Pairs = {}
    explicit: Pairs = {}
    for key, value in node.value:
        if key.tag == _MERGE:
            sources = value.value if isinstance(value, yaml.SequenceNode) else [value]
            for source in reversed(sources):
                pairs = _pairs(source, depth + 1, done)
                merged.update({k: (v, True) for k, (v, _) in pairs.items()})
        elif isinstance(key, yaml.ScalarNode):
            explicit[str(key.value)] = (value, False)
    done[id(node)] = {**merged, **explicit}
    return done[id(node)]


def _entries(node: yaml.Node, env_name: str, lines: list[int]) -> tuple[Entry, ...]:
    if isinstance(node, yaml.ScalarNode):  # `production: <url>` is the primary's URL
        return (Entry("primary", {"url": _scalar(node, env_name, lines)}),)
    pairs = _pairs(node)
    if pairs and all(isinstance(v, yaml.MappingNode) for v, _ in pairs.values()):
        return tuple(
            _entry(name, value, f"{env_name}.{name}", lines, merged)
            for name, (value, merged) in pairs.items()
        )
    return (_entry("primary", node, env_name, lines, False),)


def _entry(name: str, node: yaml.Node, prefix: str, lines: list[int], merged: bool) -> Entry:
    values = {}
    for key, (value, inherited) in _pairs(node).items():
        if key in KEYS and isinstance(value, yaml.ScalarNode):
            values[key] = _scalar(value, f"{prefix}.{key}", lines, merged or inherited)
    return Entry(name, values)


def _scalar(node: yaml.ScalarNode, key: str, lines: list[int], merged: bool = False) -> Scalar:
    text = None if node.tag == _NULL else str(node.value)
    row = node.start_mark.line
    return Scalar(text, lines[row] if row < len(lines) else lines[-1], key, merged)
