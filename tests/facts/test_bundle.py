"""Gemfile.lock as a dependency graph (runner.facts.bundle)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from runner.facts.bundle import Declared, Presence, in_production, parse_lockfile

# A Litestack app's lock (Bundler 2.5 layout, trimmed): sqlite3 only through litestack, a
# git-sourced gem, a path gem, platform variants and a CHECKSUMS section.
LITESTACK_LOCK = """\
GIT
  remote: https://github.com/example/feature_flags.git
  revision: 4f2a9d1
  branch: main
  specs:
    feature_flags (0.3.0)
      activesupport (>= 7.0)

PATH
  remote: engines/billing
  specs:
    billing (0.1.0)
      rails (>= 7.1)

GEM
  remote: https://rubygems.org/
  specs:
    activesupport (7.1.3)
      concurrent-ruby (~> 1.0, >= 1.0.2)
    concurrent-ruby (1.2.3)
    debug (1.9.1)
      irb (~> 1.10)
    irb (1.11.2)
    litestack (0.4.4)
      erubi
      hiredis
      oj
      rack
      sqlite3
    erubi (1.12.0)
    hiredis (0.6.3)
    oj (3.16.3)
      bigdecimal (>= 3.0)
    bigdecimal (3.1.6)
    rack (3.0.9)
    rails (7.1.3)
      activesupport (= 7.1.3)
    sqlite3 (1.7.2-aarch64-linux)
    sqlite3 (1.7.2-x86_64-linux)
    sqlite3 (1.7.2)
      mini_portile2 (~> 2.8.0)
    mini_portile2 (2.8.5)

PLATFORMS
  aarch64-linux
  x86_64-linux

DEPENDENCIES
  billing!
  debug
  feature_flags!
  litestack (~> 0.4)
  rails (~> 7.1.3)

CHECKSUMS
  rails (7.1.3) sha256=0000
  sqlite3 (1.7.2) sha256=1111

RUBY VERSION
   ruby 3.2.2p53

BUNDLED WITH
   2.5.6
"""
LOCK = parse_lockfile(LITESTACK_LOCK)


def test_specs_from_every_source_section_with_their_dependencies() -> None:
    assert LOCK.gems["feature_flags"].source == "GIT"
    assert LOCK.gems["billing"].source == "PATH"
    assert LOCK.gems["billing"].dependencies == {"rails": ">= 7.1"}
    assert LOCK.gems["litestack"].dependencies == {
        "erubi": None,
        "hiredis": None,
        "oj": None,
        "rack": None,
        "sqlite3": None,
    }
    assert LOCK.gems["litestack"].line == 24
    assert LOCK.skipped == ()


def test_platform_variants_are_one_gem_with_their_dependencies_merged() -> None:
    sqlite3 = LOCK.gems["sqlite3"]
    assert sqlite3.version == "1.7.2"
    assert sqlite3.platforms == ("aarch64-linux", "x86_64-linux", "ruby")
    assert sqlite3.dependencies == {"mini_portile2": "~> 2.8.0"}
    assert LOCK.locked_version("sqlite3") == "1.7.2"
    assert LOCK.locked_version("pg") is None


def test_platforms_dependencies_ruby_and_bundler() -> None:
    assert LOCK.platforms == ("aarch64-linux", "x86_64-linux")
    assert LOCK.declared[0] == Declared("billing", None, True, 49)
    assert LOCK.declared[3] == Declared("litestack", "~> 0.4", False, 52)
    assert [d.name for d in LOCK.declared if d.pinned] == ["billing", "feature_flags"]
    assert LOCK.ruby_version == "ruby 3.2.2p53"
    assert LOCK.bundled_with == "2.5.6"


def test_checksums_lines_are_not_specs() -> None:
    assert LOCK.gems["rails"].line == 36  # the GEM spec; line 56 is its checksum
    assert LOCK.gems["rails"].dependencies == {"activesupport": "= 7.1.3"}


def test_closure_follows_dependencies_transitively() -> None:
    assert LOCK.closure(["litestack"]) == {
        "litestack",
        "erubi",
        "hiredis",
        "oj",
        "bigdecimal",
        "rack",
        "sqlite3",
        "mini_portile2",
    }
    assert LOCK.closure(["billing"]) == {"billing", "rails", "activesupport", "concurrent-ruby"}
    assert LOCK.closure(["not-locked"]) == frozenset()


def test_depends_on_gives_the_shortest_chain() -> None:
    assert LOCK.depends_on("litestack", "bigdecimal") == ("litestack", "oj", "bigdecimal")
    assert LOCK.depends_on("billing", "concurrent-ruby") == (
        "billing",
        "rails",
        "activesupport",
        "concurrent-ruby",
    )
    assert LOCK.depends_on("litestack", "litestack") == ("litestack",)
    assert LOCK.depends_on("rails", "sqlite3") is None


def test_sqlite3_through_litestack_counts_as_in_the_production_bundle() -> None:
    presence = in_production(LOCK, ["rails", "litestack"], "sqlite3")
    assert presence == Presence("sqlite3", "1.7.2", ("litestack", "sqlite3"))
    assert presence.describe({"litestack": 'gem "litestack"'}) == (
        'sqlite3 1.7.2 is in the production bundle through litestack (Gemfile: gem "litestack")'
    )
    assert presence.describe() == "sqlite3 1.7.2 is in the production bundle through litestack"


def test_a_gem_the_gemfile_names_wins_over_a_longer_chain() -> None:
    presence = in_production(LOCK, ["litestack", "sqlite3"], "sqlite3")
    assert presence is not None and presence.chain == ("sqlite3",)
    assert presence.describe({"sqlite3": 'gem "sqlite3"'}) == (
        'sqlite3 1.7.2 is in the production bundle (Gemfile: gem "sqlite3")'
    )


def test_a_gem_reached_only_from_other_groups_is_not_in_production() -> None:
    assert in_production(LOCK, ["rails"], "sqlite3") is None
    assert in_production(LOCK, ["rails"], "irb") is None  # only through debug (development)
    assert in_production(LOCK, ["rails", "debug"], "pg") is None


def test_crlf_and_unplaceable_lines() -> None:
    lock = parse_lockfile(
        "GEM\r\n  specs:\r\n    a (1.0)\r\n      b\r\n    b (2.0)\r\n  weird\r\n        x\r\n"
        "DEPENDENCIES\r\n  a\r\n  (bad)\r\n"
    )
    assert lock.closure(["a"]) == {"a", "b"}
    assert lock.skipped == (10,)  # `  weird` ends `specs:`, so `x` is outside specs


@given(st.text())
def test_never_raises_on_arbitrary_text(text: str) -> None:
    lock = parse_lockfile(text)
    names = list(lock.gems)
    assert lock.closure(names) == set(names)
    for name in names[:3]:
        in_production(lock, names, name)
