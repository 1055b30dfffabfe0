"""Gemfile.lock as a dependency graph: which gems the production bundle really contains.

Bundler's lockfile format (bundler/lib/bundler/lockfile_parser.rb): source sections `GEM`,
`GIT`, `PATH` and `PLUGIN SOURCE` list their gems under `specs:` at 4 spaces, `name (version)`
or `name (version-platform)`, each followed by its own dependencies at 6 spaces (`name` or
`name (requirement)`); `PLATFORMS`, `DEPENDENCIES` (the Gemfile's gems at 2 spaces, `!` when
they come from a git/path source), `RUBY VERSION` and `BUNDLED WITH` follow; newer Bundlers
add `CHECKSUMS`, whose lines look like specs and are not. A gem is in the production bundle
when a production-group Gemfile gem reaches it: Litestack locks `sqlite3` as its own
dependency, so an app with `gem "litestack"` and no `gem "sqlite3"` still loads the adapter.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

_SOURCES = frozenset({"GEM", "GIT", "PATH", "PLUGIN SOURCE"})
_SPEC = re.compile(r"^ {4}(?P<name>[^\s(]+)(?: \((?P<version>[^)]*)\))?$")
_DEP = re.compile(r"^ {6}(?P<name>[^\s(!]+)(?: \((?P<requirement>[^)]*)\))?$")
_TOP = re.compile(r"^ {2}(?P<name>[^\s(!]+)(?: \((?P<requirement>[^)]*)\))?(?P<bang>!)?$")
_PLATFORM_TAIL = re.compile(r"^(?P<version>[^-]+)(?:-(?P<platform>.+))?$")


@dataclass(frozen=True)
class LockedGem:
    """One locked gem: its version, the platforms it is locked for (`ruby` for the plain
    gem), its dependencies (name → requirement, union over platform variants), its source
    section and the line of its first spec."""

    name: str
    version: str
    platforms: tuple[str, ...]
    dependencies: Mapping[str, str | None]
    source: str
    line: int


@dataclass(frozen=True)
class Declared:
    """A `DEPENDENCIES` entry: a gem the Gemfile names (any group)."""

    name: str
    requirement: str | None
    pinned: bool  # `!`: from a git or path source
    line: int


@dataclass(frozen=True)
class Lockfile:
    """A parsed Gemfile.lock; lines flyrun could not place are kept in `skipped`."""

    gems: Mapping[str, LockedGem] = field(default_factory=dict)
    platforms: tuple[str, ...] = ()
    declared: tuple[Declared, ...] = ()
    ruby_version: str | None = None
    bundled_with: str | None = None
    skipped: tuple[int, ...] = ()

    def locked_version(self, name: str) -> str | None:
        """The locked version of `name` (without platform), or None when not locked."""
        gem = self.gems.get(name)
        return gem.version if gem else None

    def closure(self, roots: Iterable[str]) -> frozenset[str]:
        """Every locked gem reachable from `roots` (the roots included when locked)."""
        return frozenset(self._parents(roots))

    def depends_on(self, root: str, name: str) -> tuple[str, ...] | None:
        """The shortest chain `root, …, name` of locked dependencies, or None."""
        parents = self._parents([root])
        if name not in parents:
            return None
        chain = [name]
        while parents[chain[-1]] is not None:
            chain.append(parents[chain[-1]] or "")
        return tuple(reversed(chain))

    def _parents(self, roots: Iterable[str]) -> dict[str, str | None]:
        """Breadth-first over the locked graph: each reached gem → the gem it came from."""
        parents: dict[str, str | None] = {r: None for r in roots if r in self.gems}
        queue = deque(parents)
        while queue:
            current = queue.popleft()
            for child in self.gems[current].dependencies:
                if child in self.gems and child not in parents:
                    parents[child] = current
                    queue.append(child)
        return parents


@dataclass(frozen=True)
class Presence:
    """How `name` is in the production bundle: locked `version`, reached through `chain`
    (`chain[0]` is the Gemfile gem; a chain of one means the Gemfile names it)."""

    name: str
    version: str
    chain: tuple[str, ...]

    def describe(self, declarations: Mapping[str, str] | None = None) -> str:
        """`sqlite3 1.7.2 is in the production bundle through litestack (Gemfile: gem
        "litestack")`; `declarations` maps a Gemfile gem to how the Gemfile declares it."""
        root = self.chain[0]
        quoted = (declarations or {}).get(root)
        source = f" (Gemfile: {quoted})" if quoted else ""
        if len(self.chain) == 1:
            return f"{self.name} {self.version} is in the production bundle{source}"
        through = " → ".join(self.chain[:-1])
        return f"{self.name} {self.version} is in the production bundle through {through}{source}"


def in_production(lock: Lockfile, production_gems: Iterable[str], name: str) -> Presence | None:
    """Whether `name` is in the bundle of the given production-group Gemfile gems: the
    shortest chain from one of them (a Gemfile gem naming it directly wins), else None."""
    version = lock.locked_version(name)
    if version is None:
        return None
    best: tuple[str, ...] | None = None
    for root in dict.fromkeys(production_gems):
        chain = lock.depends_on(root, name)
        if chain is not None and (best is None or len(chain) < len(best)):
            best = chain
    return Presence(name, version, best) if best is not None else None


def parse_lockfile(text: str) -> Lockfile:
    """Parse `text`; never raises. Unknown sections are skipped whole; unplaceable lines
    inside known ones are listed (1-based) in `skipped`."""
    state = _State()
    for number, raw in enumerate(text.splitlines(), start=1):
        state.feed(number, raw.rstrip("\r"))
    return state.result()


@dataclass
class _Gem:
    version: str
    source: str
    line: int
    platforms: list[str] = field(default_factory=list)
    dependencies: dict[str, str | None] = field(default_factory=dict)


@dataclass
class _State:
    """The parser's position: the section, whether inside `specs:`, the current gem."""

    section: str | None = None
    in_specs: bool = False
    current: _Gem | None = None
    gems: dict[str, _Gem] = field(default_factory=dict)
    platforms: list[str] = field(default_factory=list)
    declared: list[Declared] = field(default_factory=list)
    single: dict[str, str] = field(default_factory=dict)
    skipped: list[int] = field(default_factory=list)

    def feed(self, number: int, line: str) -> None:
        if not line.strip():
            return
        if not line.startswith(" "):
            self.section, self.in_specs, self.current = line.strip(), False, None
        elif self.section in _SOURCES:
            self._source_line(number, line)
        elif self.section == "PLATFORMS":
            self.platforms.append(line.strip())
        elif self.section == "DEPENDENCIES":
            self._declared(number, line)
        elif self.section in ("RUBY VERSION", "BUNDLED WITH"):
            self.single.setdefault(self.section, line.strip())

    def _source_line(self, number: int, line: str) -> None:
        if re.match(r"^ {2}\S", line):  # remote:, revision:, branch:, glob:, specs:
            self.in_specs, self.current = line.strip() == "specs:", None
            return
        if not self.in_specs:
            return
        spec, dep = _SPEC.match(line), _DEP.match(line)
        if spec is not None:
            self._spec(spec, number)
        elif dep is not None and self.current is not None:
            self.current.dependencies.setdefault(dep["name"], dep["requirement"])
        else:
            self.skipped.append(number)

    def _spec(self, spec: re.Match[str], number: int) -> None:
        tail = _PLATFORM_TAIL.match(spec["version"] or "")
        version = tail["version"] if tail else (spec["version"] or "")
        platform = (tail["platform"] if tail else None) or "ruby"
        gem = self.gems.setdefault(spec["name"], _Gem(version, self.section or "", number))
        gem.platforms.append(platform)
        self.current = gem

    def _declared(self, number: int, line: str) -> None:
        match = _TOP.match(line)
        if match is None:
            self.skipped.append(number)
            return
        self.declared.append(
            Declared(match["name"], match["requirement"], bool(match["bang"]), number)
        )

    def result(self) -> Lockfile:
        gems = {
            name: LockedGem(
                name, g.version, tuple(g.platforms), dict(g.dependencies), g.source, g.line
            )
            for name, g in self.gems.items()
        }
        return Lockfile(
            gems,
            tuple(self.platforms),
            tuple(self.declared),
            self.single.get("RUBY VERSION"),
            self.single.get("BUNDLED WITH"),
            tuple(self.skipped),
        )
