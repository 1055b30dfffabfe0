"""The Dockerfile's variables as the running image has them (runner/facts/dockerfile.py):
`$VAR` in ENV and WORKDIR resolved from the ENV and ARG before them, fly.toml [build.args]
over an ARG's default, and what flyrun cannot know kept unknown with the reason. Rails.root is
the last WORKDIR: a wrong one makes a database on the volume look like the root filesystem."""

from __future__ import annotations

import pytest

from runner.facts.dockerfile import EnvVar, Workdir, env_vars, workdir

BASE = "FROM ruby:3.2-slim AS base\n"


@pytest.mark.parametrize(
    ("body", "path"),
    [
        ("WORKDIR /rails\n", "/rails"),
        ("ENV APP_HOME=/app\nWORKDIR $APP_HOME\n", "/app"),
        ('ENV APP_HOME="/srv/app"\nWORKDIR "${APP_HOME}"\n', "/srv/app"),
        ("ARG APP_HOME=/opt/app\nWORKDIR ${APP_HOME}/current\n", "/opt/app/current"),
        ("ENV ROOT /home\nWORKDIR $ROOT\nWORKDIR app\n", "/home/app"),
        ("WORKDIR ${UNSET:-/fallback}\n", "/fallback"),
        ("ARG X=1\nENV X=/env-wins\nWORKDIR $X\n", "/env-wins"),
    ],
    ids=["literal", "env", "braced-quoted", "arg-default", "relative", "default-form", "env-arg"],
)
def test_workdir_variables_resolve_in_order(body: str, path: str) -> None:
    assert workdir(BASE + body).path == path


def test_a_build_arg_in_fly_toml_wins_over_the_default() -> None:
    text = BASE + "ARG APP_HOME=/app\nWORKDIR $APP_HOME\n"
    assert workdir(text, {"APP_HOME": "/custom"}).path == "/custom"


def test_a_bare_arg_takes_the_default_declared_before_the_first_from() -> None:
    text = "ARG APP_HOME=/global\n" + BASE + "ARG APP_HOME\nWORKDIR $APP_HOME\n"
    assert workdir(text) == Workdir("/global", "Dockerfile:4 WORKDIR $APP_HOME")


def test_env_carries_into_a_later_stage_but_an_arg_does_not() -> None:
    text = BASE + "ENV HOME_DIR=/app\nARG OTHER=/x\nFROM base\nWORKDIR $HOME_DIR\n"
    assert workdir(text).path == "/app"
    text = BASE + "ARG OTHER=/x\nFROM base\nWORKDIR $OTHER\n"
    assert workdir(text).path is None


@pytest.mark.parametrize(
    ("body", "why"),
    [
        (
            "WORKDIR $APP_HOME\n",
            "Dockerfile:2 WORKDIR $APP_HOME uses $APP_HOME, which the Dockerfile does not set",
        ),
        (
            "ARG APP_HOME\nWORKDIR $APP_HOME\n",
            "Dockerfile:2 ARG APP_HOME has no default, and only a --build-arg flyrun cannot see "
            "would set it",
        ),
        ("WORKDIR app\n", "Dockerfile:2 WORKDIR app is relative to a WORKDIR flyrun cannot tell"),
        (
            "WORKDIR ${APP_HOME#/}\n",
            "Dockerfile:2 WORKDIR ${APP_HOME#/}: flyrun does not resolve '${APP_HOME#/}'",
        ),
        ("RUN true\n", "Dockerfile sets no WORKDIR (the base image's is not in it)"),
    ],
    ids=["unset", "arg-without-default", "relative-first", "other-form", "none"],
)
def test_a_workdir_flyrun_cannot_resolve_is_unknown_with_the_reason(body: str, why: str) -> None:
    found = workdir(BASE + body)
    assert found.path is None and found.unknown == why


def test_a_later_literal_workdir_settles_it() -> None:
    assert workdir(BASE + "WORKDIR $NOPE\nWORKDIR /rails\n").path == "/rails"


def test_dollars_docker_leaves_alone_stay_literal() -> None:
    text = BASE + "ENV A='$HOME' B=\\$HOME C=\"x$\"\n"
    assert [(v.name, v.value, v.unknown) for v in env_vars(text)] == [
        ("A", "$HOME", None),
        ("B", "$HOME", None),
        ("C", "x$", "Dockerfile:2 ENV C: flyrun does not resolve 'x$'"),
    ]


def test_env_values_are_resolved_like_the_fly_rake_template_writes_them() -> None:
    text = BASE + "ARG RAILS_ENV=production\nENV RAILS_ENV=${RAILS_ENV}\n"
    assert env_vars(text) == (EnvVar("Dockerfile:3 ENV", "RAILS_ENV", "production"),)
    (staging,) = env_vars(text, "Dockerfile", {"RAILS_ENV": "staging"})
    assert staging.value == "staging"


def test_an_env_value_from_the_base_image_is_unknown_and_kept_as_written() -> None:
    (path,) = env_vars(BASE + "ENV PATH $VOLTA_HOME/bin:$PATH\n")
    assert path.value == "$VOLTA_HOME/bin:$PATH"
    assert path.unknown == (
        "Dockerfile:2 ENV PATH uses $VOLTA_HOME, which the Dockerfile does not set; "
        "Dockerfile:2 ENV PATH uses $PATH, which the Dockerfile does not set"
    )


def test_within_one_env_instruction_values_come_from_before_it() -> None:
    text = BASE + "ENV A=old\nENV A=new B=$A\n"
    assert [(v.name, v.value) for v in env_vars(text)] == [("A", "old"), ("A", "new"), ("B", "old")]
