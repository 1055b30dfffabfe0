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


RELEASE_GUARD = (
    '#!/bin/bash -e\nif [ -z "$RELEASE_COMMAND" ]; then\n  bin/rails db:migrate\nfi\nexec "${@}"\n'
)
FOREMAN_GUARD = (
    "#!/bin/bash -e\n"
    'if [ "${*}" == "foreman start --procfile=Procfile.fly" ]; then\n'
    "  ./bin/rails db:prepare\n"
    "fi\n"
    'exec "${@}"\n'
)


@pytest.mark.parametrize("command", ["./bin/rails server", "bundle exec puma", "foreman start"])
def test_a_release_command_guard_migrates_on_every_server(command: str) -> None:
    """`-z "$RELEASE_COMMAND"` is true on every machine but the release machine."""
    assert entrypoint_prepares(RELEASE_GUARD, command)
    negated = RELEASE_GUARD.replace('-z "$RELEASE_COMMAND"', '-n "$RELEASE_COMMAND"')
    assert not entrypoint_prepares(negated, command)


def test_an_exact_whole_command_guard_matches_that_command_only() -> None:
    assert entrypoint_prepares(FOREMAN_GUARD, "foreman start --procfile=Procfile.fly")
    assert not entrypoint_prepares(FOREMAN_GUARD, "foreman start")
    assert not entrypoint_prepares(FOREMAN_GUARD, "./bin/rails server")
