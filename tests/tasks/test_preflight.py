"""Preflight check types: each refuses what it must, with the check's name and a fix."""

from __future__ import annotations

from pathlib import Path

import pytest

from runner.errors import PreflightRefused
from runner.tasks.base import Options
from runner.tasks.preflight import (
    EnvDatabaseUrlCheck,
    FlyTomlCheck,
    GemCheck,
    MachinesCheck,
    ProcessGroupsCheck,
    SecretReplaceableCheck,
)
from tests.tasks.canned import Canned, context, machine, secret


def test_fly_toml_parse_error_points_into_fly_toml(tmp_path: Path) -> None:
    ctx = context(tmp_path, files={"fly.toml": 'app = "shop"\nprimary_region = iad\n'})
    with pytest.raises(PreflightRefused) as info:
        FlyTomlCheck().run(ctx)
    assert info.value.location is not None
    assert (info.value.location.file, info.value.location.line) == (str(tmp_path / "fly.toml"), 2)
    assert not info.value.found.startswith("fly.toml:")  # said once, by the location


def test_fly_toml_app_and_group_must_match(tmp_path: Path) -> None:
    with pytest.raises(PreflightRefused, match=r"fly\.toml says app = 'blog'"):
        FlyTomlCheck().run(context(tmp_path, files={"fly.toml": 'app = "blog"\n'}))
    with pytest.raises(PreflightRefused, match="no process group 'web'"):
        FlyTomlCheck().run(context(tmp_path, process_group="web"))
    fly = 'app = "shop"\n\n[processes]\n  worker = "bin/jobs"\n'
    with pytest.raises(PreflightRefused, match="no process group 'web'") as info:
        FlyTomlCheck().run(context(tmp_path, files={"fly.toml": fly}, process_group="web"))
    assert info.value.location is not None and info.value.location.line == 3  # [processes]


def test_machines_in_another_region_or_more_than_one(tmp_path: Path) -> None:
    with pytest.raises(PreflightRefused, match="m2 in ams"):
        MachinesCheck().run(context(tmp_path, Canned(machines_=(machine("m2", "ams"),))))
    with pytest.raises(PreflightRefused, match="fly scale count 1 --process-group app"):
        MachinesCheck().run(context(tmp_path, Canned(machines_=(machine("a"), machine("b")))))
    MachinesCheck().run(
        context(tmp_path, Canned(machines_=(machine("a"), machine("w", group="worker"))))
    )


def test_sqlite3_gem_names_the_line_to_add(tmp_path: Path) -> None:
    ctx = context(
        tmp_path,
        files={"Gemfile": 'gem "rails"\n', "Gemfile.lock": "GEM\n  specs:\n    rails (7.0.4)\n"},
    )
    with pytest.raises(PreflightRefused, match=r'add  gem "sqlite3", "~> 1\.4"'):
        GemCheck().run(ctx)


def test_env_database_url_elsewhere_is_refused_redacted(tmp_path: Path) -> None:
    fly = 'app = "shop"\n[env]\n  DATABASE_URL = "postgres://u:pw-7f3a@db/x"\n'
    with pytest.raises(PreflightRefused) as info:
        EnvDatabaseUrlCheck().run(context(tmp_path, files={"fly.toml": fly}))
    assert "pw-7f3a" not in str(info.value) and "postgres://…" in str(info.value)
    assert "add `import_data: {from: postgres}` to the spec" in str(info.value)  # a way on
    docker = (
        "FROM ruby\nENV RAILS_ENV=production \\\n    DATABASE_URL=sqlite3:///mnt/shop_data/x.db\n"
    )
    EnvDatabaseUrlCheck().run(
        context(tmp_path, files={"Dockerfile": docker})
    )  # in the mount: reused


def test_an_unverifiable_secret_is_refused_in_check_and_apply(tmp_path: Path) -> None:
    from dataclasses import replace

    canned = Canned(secrets_=(secret("522d6815e668a102"),))
    ctx = context(tmp_path, canned)
    for mode in (ctx, replace(ctx, apply=True)):  # check says what apply would do
        with pytest.raises(PreflightRefused, match="cannot be verified equal"):
            SecretReplaceableCheck().run(mode)
    allowed = context(tmp_path, canned, options=Options(replace_database_url=True))
    SecretReplaceableCheck().run(allowed)
    SecretReplaceableCheck().run(replace(allowed, apply=True))


def test_machines_of_a_group_fly_toml_lacks_are_refused_online_only(tmp_path: Path) -> None:
    """fly.toml has no [processes] (only 'app'), yet a 'worker' machine runs: refused,
    naming it; offline flyrun cannot see machines and judges fly.toml alone."""
    from runner.facts import AppFacts

    running = Canned(machines_=(machine("m1"), machine("w1", group="worker")))
    with pytest.raises(PreflightRefused, match="but machine w1 runs in it") as info:
        ProcessGroupsCheck().run(context(tmp_path, running))
    assert info.value.check == "process groups"
    assert "does not declare process group 'worker'" in info.value.found
    ctx = context(tmp_path)
    offline = AppFacts(tmp_path, "shop", None, ctx.spec.state_file)
    from dataclasses import replace

    ProcessGroupsCheck().run(replace(ctx, facts=offline))
    ProcessGroupsCheck().run(context(tmp_path, Canned(machines_=(machine("m1"),))))
