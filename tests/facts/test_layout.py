from __future__ import annotations

import pytest

from runner.facts.layout import entrypoint_prepares, release_migrates

RAILS8 = """#!/bin/bash -e
if [ "${@: -2:1}" == "./bin/rails" ] && [ "${@: -1:1}" == "server" ]; then
  ./bin/rails db:prepare
fi
exec "${@}"
"""
RAILS71 = RAILS8.replace(
    '"${@: -2:1}" == "./bin/rails" ] && [ "${@: -1:1}" == "server"',
    '"${1}" == "./bin/rails" ] && [ "${2}" == "server"',
)
STAR = RAILS8.replace(
    '"${@: -2:1}" == "./bin/rails" ] && [ "${@: -1:1}" == "server"',
    '"${*}" == "./bin/rails server"',
)
UNGUARDED = """#!/bin/bash -e
if [ -f tmp/pids/server.pid ]; then
  rm tmp/pids/server.pid
fi
bundle exec rails db:prepare
exec "${@}"
"""
COMMENTED = RAILS8.replace("  ./bin/rails db:prepare", "  # ./bin/rails db:prepare")


@pytest.mark.parametrize(
    ("script", "command", "prepares"),
    [
        (RAILS8, "./bin/rails server", True),
        (RAILS8, "./bin/thrust ./bin/rails server", True),
        (RAILS8, "bin/rails server", False),
        (RAILS71, "./bin/rails server", True),
        (RAILS71, "./bin/thrust ./bin/rails server", False),
        (STAR, "./bin/rails server", True),
        (STAR, "./bin/rails server -b 0.0.0.0", False),
        (UNGUARDED, "bundle exec puma", True),
        (COMMENTED, "./bin/rails server", False),
        (RAILS8, None, False),
    ],
)
def test_entrypoint_prepares(script: str, command: str | None, prepares: bool) -> None:
    assert entrypoint_prepares(script, command) is prepares


@pytest.mark.parametrize(
    ("command", "migrates"),
    [
        ("bin/rails db:migrate", True),
        ("./bin/rails db:prepare", True),
        ("bundle exec rake db:migrate", True),
        ("bundle exec rails db:migrate", True),
        ("bin/rails fly:release", True),
        ("bin/rails data:seed", False),
        ("", False),
        (None, False),
    ],
)
def test_release_migrates(command: str | None, migrates: bool) -> None:
    assert release_migrates(command) is migrates


def test_fly_toml_overrides() -> None:
    from runner.facts.flytoml import parse_fly_toml

    found = parse_fly_toml(
        '[experimental]\n  cmd = ["bin/rails", "server"]\n'
        '[build]\n  dockerfile = "Dockerfile.fly"\n'
    )
    assert (found.experimental_cmd, found.dockerfile, found.hidden_start) == (
        "bin/rails server",
        "Dockerfile.fly",
        (),
    )
    hidden = parse_fly_toml('[build]\n  image = "registry/app:1"\n[experimental]\n  exec = ["x"]\n')
    assert hidden.hidden_start == ("[experimental] exec", "[build] image")
