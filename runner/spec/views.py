"""One `AppView` per app of a loaded file, tracking where each merged value came from.

A single-app file is one view of the whole file. In an inventory, each entry of `apps` is
deep-merged over `defaults` (mappings merge key by key, anything else is replaced), and the
origin of every merged value is kept, so a problem with a value inherited from `defaults`
is reported inside `defaults`, where the fix belongs.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from runner.errors import Location, SpecProblem
from runner.spec.yamlmarks import JsonPath, YamlDocument, display_path

INVENTORY_KEYS = ("apps", "defaults")


@dataclass(frozen=True)
class Origin:
    """Where a merged value came from: its node, its key, its path in the file."""

    value: Location
    key: Location | None
    source: JsonPath
    name: str  # the source path as people read it: `volume.size`, `defaults.volume.size`


@dataclass(frozen=True)
class AppView:
    """One app's settings after the inventory merge, with the origin of every value."""

    data: Mapping[str, Any]
    origins: Mapping[JsonPath, Origin]
    bad: frozenset[JsonPath] = frozenset()  # file paths the schema already reported
    home: JsonPath = ()  # where the app's own entry is in the file: () or ("apps", i)

    def get(self, path: JsonPath, default: Any = None) -> Any:
        """The value at `path`: keys of mappings, indexes of lists (a list item is where a
        problem with it is reported)."""
        node: Any = self.data
        for part in path:
            in_list = isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node)
            if not in_list and not (isinstance(node, Mapping) and part in node):
                return default
            node = node[part]
        return node

    def has(self, path: JsonPath) -> bool:
        marker = object()
        return self.get(path, marker) is not marker

    def usable(self, path: JsonPath) -> bool:
        """Present, and neither it nor an ancestor has a schema error already reported."""
        if not self.has(path):
            return False
        prefixes = (self.origins.get(path[:end]) for end in range(len(path) + 1))
        return not any(o is not None and o.source in self.bad for o in prefixes)

    def problem(self, path: JsonPath, message: str) -> SpecProblem:
        """A problem with the value at `path` (or, when it is missing, at the nearest
        ancestor in the app's own entry); the message starts with the path's name."""
        origin = self.origins.get(path) if self.has(path) else None
        if origin is not None:
            return SpecProblem(origin.value, _join(origin.name, message))
        anchor, rest = self._anchor(path)
        return SpecProblem(anchor.value, _join(_dotted(anchor.name, rest), message))

    def missing(self, path: JsonPath) -> SpecProblem:
        """`volume: missing required key 'name'`, at the mapping that should hold it."""
        anchor, rest = self._anchor(path)
        name = _dotted(anchor.name, rest[:-1])
        return SpecProblem(anchor.value, _join(name, missing_key_message(str(path[-1]))))

    def present_and_unusable(self, path: JsonPath) -> bool:
        """Is `path`, or an ancestor, present with a value already reported as wrong?"""
        return any(
            self.has(path[:end]) and not self.usable(path[:end]) for end in range(len(path) + 1)
        )

    def _anchor(self, path: JsonPath) -> tuple[Origin, JsonPath]:
        """The nearest existing ancestor of `path` inside the app's own entry (a value
        inherited from `defaults` is not where a per-app key is missing)."""
        for end in range(len(path) - 1, 0, -1):
            found = self.origins.get(path[:end]) if self.has(path[:end]) else None
            if found is not None and found.source[: len(self.home)] == self.home:
                return found, path[end:]
        return self.origins[()], path


def missing_key_message(key: str) -> str:
    return f"missing required key {key!r}"


def _dotted(name: str, rest: JsonPath) -> str:
    """`apps[1]` + ("volume", "name") → `apps[1].volume.name`."""
    return ".".join([name, *map(str, rest)]) if name else ".".join(map(str, rest))


def _join(name: str, message: str) -> str:
    return f"{name}: {message}" if name else message


def is_inventory(data: Mapping[str, Any]) -> bool:
    """The schema's test too: a file with `apps` or `defaults` is an inventory."""
    return any(key in data for key in INVENTORY_KEYS)


def origin(doc: YamlDocument, path: JsonPath) -> Origin:
    mark = doc.mark(path)
    return Origin(mark.value, mark.key, path, display_path(path))


def deep_merge(base: Mapping[str, Any], over: Mapping[str, Any]) -> dict[str, Any]:
    """`over` on top of `base`; nested mappings merge, other values replace."""
    merged = dict(base)
    for key, value in over.items():
        below = merged.get(key)
        if isinstance(value, Mapping) and isinstance(below, Mapping):
            merged[key] = deep_merge(below, value)
        else:
            merged[key] = value
    return merged


def app_views(doc: YamlDocument, bad: frozenset[JsonPath]) -> Iterator[AppView]:
    """One view per app: the file itself, or each mapping entry of an inventory's `apps`."""
    data = doc.data
    if not is_inventory(data):
        origins = {path: origin(doc, path) for path in doc.marks}
        yield AppView(data, origins, bad)
        return
    defaults = _mapping(data.get("defaults"))
    inherited = _origins_under(doc, ("defaults",))
    by_app = _origins_by_app(doc)
    apps = data.get("apps")
    for index, entry in enumerate(apps if isinstance(apps, list) else []):
        if isinstance(entry, Mapping):
            origins = {**inherited, **by_app.get(index, {})}
            yield AppView(deep_merge(defaults, entry), origins, bad, ("apps", index))


def defaults_view(doc: YamlDocument, bad: frozenset[JsonPath]) -> AppView:
    """An inventory's `defaults` on their own, so the field rules check them even when
    every app overrides them."""
    home: JsonPath = ("defaults",)
    origins = _origins_under(doc, home)
    origins.setdefault((), origin(doc, ()))
    return AppView(_mapping(doc.data.get("defaults")), origins, bad, home)


def _origins_under(doc: YamlDocument, prefix: JsonPath) -> dict[JsonPath, Origin]:
    """Origins of the nodes under `prefix`, keyed by their path relative to it."""
    size = len(prefix)
    return {path[size:]: origin(doc, path) for path in doc.marks if path[:size] == prefix}


def _origins_by_app(doc: YamlDocument) -> dict[int, dict[JsonPath, Origin]]:
    """`_origins_under(doc, ("apps", i))` for every i, in one pass over the marks."""
    grouped: dict[int, dict[JsonPath, Origin]] = {}
    for path in doc.marks:
        if len(path) >= 2 and path[0] == "apps" and isinstance(path[1], int):
            grouped.setdefault(path[1], {})[path[2:]] = origin(doc, path)
    return grouped


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}
