"""Gemfile / Gemfile.lock facts: the Rails version and sqlite3 in the production bundle."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from runner.facts.gemfile import (
    GemCheck,
    rails_version,
    sqlite3_in_production,
    sqlite3_requirement,
)


def lock(rails: str | None = "7.0.4", sqlite3: str | None = "1.6.3", crlf: bool = False) -> str:
    """A Gemfile.lock shaped like Bundler's, with `rails` and `sqlite3` optional."""
    specs = [
        "    actionpack (7.0.4)",
        "      rack (~> 2.0, >= 2.2.0)",
        *([f"    rails ({rails})", f"      actionpack (= {rails})"] if rails else []),
        *([f"    sqlite3 ({sqlite3}-x86_64-linux)", f"    sqlite3 ({sqlite3})"] if sqlite3 else []),
    ]
    text = "\n".join(
        [
            "GEM",
            "  remote: https://rubygems.org/",
            "  specs:",
            *specs,
            "",
            "PLATFORMS",
            "  x86_64-linux",
            "",
            "DEPENDENCIES",
            "  rails (~> 8.0.0)",
            "  sqlite3 (~> 9.9)",
            "",
            "BUNDLED WITH",
            "   2.4.10",
            "",
        ]
    )
    return text.replace("\n", "\r\n") if crlf else text


@pytest.mark.parametrize(
    ("version", "expected"),
    [
        ("7.0.4", (7, 0, 4)),
        ("7.1.3.4", (7, 1, 3)),
        ("6.1.7.10", (6, 1, 7)),
        ("8.0.0.beta1", (8, 0, 0)),
        ("7.2.0", (7, 2, 0)),
        ("5.2", (5, 2, 0)),
    ],
)
def test_rails_version_from_the_spec_line(version: str, expected: tuple[int, int, int]) -> None:
    assert rails_version(lock(version)) == expected
    assert rails_version(lock(version, crlf=True)) == expected


def test_rails_version_ignores_dependency_lines_and_falls_back_to_railties() -> None:
    assert rails_version(lock(None)) is None  # only DEPENDENCIES says `rails (~> 8.0.0)`
    railties = lock(None).replace("    actionpack (7.0.4)", "    railties (7.1.2)")
    assert rails_version(railties) == (7, 1, 2)
    assert rails_version("") is None


def test_rails_version_from_a_git_source() -> None:
    text = (
        "GIT\n  remote: https://github.com/rails/rails.git\n  revision: abc\n  specs:\n"
        "    rails (7.1.0.alpha)\n      railties (= 7.1.0.alpha)\n    railties (7.1.0.alpha)\n"
    )
    assert rails_version(text) == (7, 1, 0)


@pytest.mark.parametrize(
    ("rails", "requirement"),
    [
        (None, ()),
        ((5, 2, 8), ("~> 1.3", ">= 1.3.6")),
        ((6, 1, 7), ("~> 1.4",)),
        ((7, 0, 8), ("~> 1.4",)),
        ((7, 1, 5), ("~> 1.4",)),
        ((7, 2, 1), (">= 1.4",)),
        ((8, 0, 2), (">= 2.1",)),
        ((8, 1, 0), (">= 2.1",)),
    ],
)
def test_sqlite3_requirement(
    rails: tuple[int, int, int] | None, requirement: tuple[str, ...]
) -> None:
    assert sqlite3_requirement(rails) == requirement


OK_GEMFILES = {
    "default group": 'source "https://rubygems.org"\ngem "rails"\ngem "sqlite3", "~> 1.4"\n',
    "production group": "group :production do\n  gem 'sqlite3'\nend\n",
    "production among others": "group :development, :production do\n  gem 'sqlite3'\nend\n",
    "dev block but production option": (
        "group :development do\n  gem 'sqlite3', group: [:development, :production]\nend\n"
    ),
    "platforms block": "platforms :ruby do\n  gem 'sqlite3', '~> 1.4'\nend\n",
    "twice, once in default": "group :test do\n  gem 'sqlite3'\nend\ngem 'sqlite3'\n",
    "conditional": "if ENV['DB'] != 'pg'\n  gem 'sqlite3', require: false\nend\n",
    "default group named": "group :default do\n  gem 'sqlite3'\nend\n",
}


@pytest.mark.parametrize("gemfile", OK_GEMFILES.values(), ids=OK_GEMFILES.keys())
def test_sqlite3_in_production(gemfile: str) -> None:
    check = sqlite3_in_production(gemfile, lock())
    assert check.ok, check.message
    assert "sqlite3 is in the production bundle (line " in check.message


NOT_OK_GEMFILES = {
    "dev and test block": "group :development, :test do\n  gem 'sqlite3', '~> 1.4'\nend\n",
    "test and development": "group :test, :development do\n  gem 'sqlite3'\nend\n",
    "array group": "group [:development, :test] do\n  gem 'sqlite3'\nend\n",
    "parenthesized group": "group(:development, :test) do\n  gem 'sqlite3'\nend\n",
    "string groups": "group 'development', 'test' do\n  gem 'sqlite3'\nend\n",
    "keyword option": "gem 'sqlite3', group: :development\n",
    "rocket option": "gem 'sqlite3', :group => [:development, :test]\n",
    "groups option %i": "gem 'sqlite3', groups: %i[development test]\n",
    "group with options": "group :development, optional: true do\n  gem 'sqlite3'\nend\n",
    "nested blocks": "group :development do\n  platforms :ruby do\n    gem 'sqlite3'\n  end\nend\n",
}


@pytest.mark.parametrize("gemfile", NOT_OK_GEMFILES.values(), ids=NOT_OK_GEMFILES.keys())
def test_sqlite3_only_in_development_groups(gemfile: str) -> None:
    check = sqlite3_in_production(gemfile, lock("7.0.4"))
    assert not check.ok
    assert "sqlite3 is only in group :" in check.message
    assert ":development" in check.message
    assert "declare it as  gem 'sqlite3', '~> 1.4'  outside any group in Gemfile" in check.message
    assert "line " in check.message


def test_message_quotes_the_gem_line() -> None:
    gemfile = (
        "source 'https://rubygems.org'\n\ngroup :development, :test do\n  gem 'sqlite3'\nend\n"
    )
    check = sqlite3_in_production(gemfile, None)
    assert check == GemCheck(
        False,
        "sqlite3 is only in group :development, :test (line 4: `gem 'sqlite3'` in Gemfile), "
        "which the production image leaves out: declare it as  gem 'sqlite3'  outside any "
        "group in Gemfile, then run `bundle install`",
    )


@pytest.mark.parametrize(
    ("rails", "wanted"),
    [
        ("6.1.7", 'gem "sqlite3", "~> 1.4"'),
        ("7.0.4", 'gem "sqlite3", "~> 1.4"'),
        ("7.1.2", 'gem "sqlite3", "~> 1.4"'),
        ("7.2.1", 'gem "sqlite3", ">= 1.4"'),
        ("8.0.1", 'gem "sqlite3", ">= 2.1"'),
    ],
)
def test_absent_sqlite3_names_the_line_to_add(rails: str, wanted: str) -> None:
    gemfile = 'source "https://rubygems.org"\ngem "rails"\ngem "pg", "~> 1.1"\n# gem "sqlite3"\n'
    check = sqlite3_in_production(gemfile, lock(rails, sqlite3=None))
    assert check == GemCheck(
        False,
        f"sqlite3 is not in the Gemfile: add  {wanted}  outside any group in Gemfile, "
        "then run `bundle install`",
    )


def test_sqlite3_missing_from_the_lock() -> None:
    check = sqlite3_in_production("gem 'sqlite3'\n", lock(sqlite3=None))
    assert not check.ok
    assert "not in Gemfile.lock: run `bundle install`" in check.message


@pytest.mark.parametrize(
    ("rails", "sqlite3", "ok"),
    [
        ("7.0.4", "1.6.3", True),
        ("7.0.4", "2.0.1", False),  # can't activate sqlite3 (~> 1.4)
        ("7.1.3", "2.0.1", False),
        ("7.1.4", "2.0.1", True),
        ("7.2.0", "1.7.3", True),
        ("8.0.0", "1.7.3", False),
        ("8.0.0", "2.1.0", True),
        ("6.1.7", "1.4.2", True),
        ("5.2.8", "1.3.13", True),
    ],
)
def test_locked_sqlite3_must_suit_rails(rails: str, sqlite3: str, ok: bool) -> None:
    check = sqlite3_in_production("gem 'sqlite3'\n", lock(rails, sqlite3))
    assert check.ok is ok, check.message
    if not ok:
        assert f"Gemfile.lock has sqlite3 {sqlite3} but Rails {rails} needs" in check.message


def test_gemfile_that_does_not_parse() -> None:
    check = sqlite3_in_production("group :development do\n  gem 'sqlite3'\n", None)
    assert not check.ok
    assert "does not parse as Ruby (line 1" in check.message


@given(
    before=st.lists(st.sampled_from(["", "# gem 'sqlite3'", "gem 'puma'", "ruby '3.1.2'"])),
    quote=st.sampled_from(["'", '"']),
    groups=st.lists(
        st.sampled_from([":development", ":test", ":production", ":assets"]), max_size=3
    ),
)
def test_groups_property(before: list[str], quote: str, groups: list[str]) -> None:
    gem = f"gem {quote}sqlite3{quote}"
    body = f"group {', '.join(groups)} do\n  {gem}\nend\n" if groups else gem + "\n"
    check = sqlite3_in_production("".join(f"{b}\n" for b in before) + body, None)
    assert check.ok is (not groups or ":production" in groups)


LITESTACK_LOCK = """GEM
  remote: https://rubygems.org/
  specs:
    litestack (0.4.4)
      activerecord
      sqlite3
    rails (7.1.3)
    sqlite3 (1.7.2)

PLATFORMS
  ruby

DEPENDENCIES
  litestack (~> 0.4)
  rails (~> 7.1)
"""


def test_sqlite3_through_a_production_gem_counts() -> None:
    gemfile = 'source "https://rubygems.org"\ngem "rails", "~> 7.1"\ngem "litestack", "~> 0.4"\n'
    verdict = sqlite3_in_production(gemfile, LITESTACK_LOCK)
    assert verdict.ok
    assert verdict.message == (
        "sqlite3 1.7.2 is in the production bundle through litestack "
        '(Gemfile: gem "litestack", "~> 0.4")'
    )


def test_sqlite3_through_a_development_gem_does_not() -> None:
    gemfile = (
        'source "https://rubygems.org"\ngem "rails", "~> 7.1"\n'
        'group :development do\n  gem "litestack"\nend\n'
    )
    verdict = sqlite3_in_production(gemfile, LITESTACK_LOCK)
    assert not verdict.ok and "sqlite3 is not in the Gemfile" in verdict.message
