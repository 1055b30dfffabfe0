"""Playbooks: the generated schema, loading with located errors, `requires`, rendering."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from runner.errors import PlaybookError
from runner.playbook import load_playbook, render
from runner.playbook.load import parse_playbook
from runner.playbook.schema import playbook_schema
from runner.resources import bundled, load_json
from tests.tasks.canned import spec

BUILTIN_IDS = ["volume", "secret", "mount", "migrations", "warning", "machines"]


def test_the_schema_file_is_generated_from_the_registry() -> None:
    """`flyrun schema --playbook > schemas/playbook.schema.json` after changing a task type."""
    assert load_json("schemas", "playbook.schema.json") == json.loads(json.dumps(playbook_schema()))


def test_the_builtin_playbook_loads_and_renders(tmp_path: Path) -> None:
    plan = render(load_playbook(None), spec(tmp_path))
    assert [s.id for s in plan.steps] == BUILTIN_IDS
    assert [h.id for h in plan.handlers] == ["deploy"]
    assert plan.steps[0].args == {"name": "shop_data", "size": 3, "region": "iad"}
    assert plan.steps[0].title == "volume shop_data (3 GB) in iad"
    assert [c.name for c in plan.checks][:2] == ["fly_toml", "mount_rules"]
    assert plan.steps[5].requires == (("secret", "secret"),)


def test_when_drops_tasks_per_app(tmp_path: Path) -> None:
    plan = render(load_playbook(None), spec(tmp_path, deploy=False))
    assert [s.id for s in plan.steps] == BUILTIN_IDS[:-1] and plan.handlers == ()


def _problems(text: str) -> list[str]:
    with pytest.raises(PlaybookError) as info:
        parse_playbook(text, "p.yml")
    return [str(p) for p in info.value.problems]


HEAD = "name: mine\ntasks:\n"


def test_unknown_keys_types_and_args_are_located() -> None:
    problems = _problems(
        HEAD
        + "  - id: vol\n    name: v\n    type: volum\n"
        + "  - id: m\n    name: m\n    type: fly_toml_mount\n"
        + "    args: {source: x, destinaton: /x, process_group: app}\n"
        + "    notfy: deploy\n"
    )
    assert problems == [
        "p.yml:5:11: tasks[0].type: 'volum' is not a known value (did you mean 'volume'?)",
        "p.yml:9:11: tasks[1].args: missing required key 'destination'",
        "p.yml:9:23: tasks[1].args.destinaton: unknown key (did you mean 'destination'?)",
        "p.yml:10:5: tasks[1].notfy: unknown key (did you mean 'notify'?)",
    ]


def test_a_value_no_branch_accepts_is_said_at_the_value_with_the_rule() -> None:
    """An argument takes a value or a `${…}` (anyOf): a value neither is, and a `when:` that
    names no boolean key, are refused at their value in the first round, in line order."""
    problems = _problems(
        HEAD
        + "  - {id: m, name: m, type: fly_toml_mount, when: sometimes,\n"
        + "     args: {source: x, destination: 5, process_group: app}}\n"
    )
    assert problems == [
        "p.yml:3:50: tasks[0].when: 'sometimes' is not a boolean spec key: write `when: KEY` "
        "or `when: not KEY`, KEY one of deploy, replace_database_url, import_data",
        "p.yml:4:37: tasks[0].args.destination: expected string, got 5",
    ]


def test_reference_problems_come_in_line_order() -> None:
    """A missing preflight check (line 3) is found after a bad `notify` (line 4): said in
    line order all the same."""
    problems = _problems(
        HEAD
        + "  - {id: a, name: a, type: secret, args: {mount_path: /m, database: d}}\n"
        + "  - {id: b, name: b, type: migrations, args: {process_group: app}, notify: nope}\n"
    )
    lines = [int(p.split(":")[1]) for p in problems]
    assert lines == sorted(lines) and len(problems) == 2


def test_a_missing_requirement_is_an_error_at_the_task() -> None:
    problems = _problems(
        HEAD + "  - id: machines\n    name: m\n    type: machines_use_volume\n"
        "    args: {volume: v, mount_path: /v, process_group: app}\n"
    )
    assert problems == [
        "p.yml:3:5: machines: a machines_use_volume task requires a `secret` task (it checks "
        "that the database URLs that task sets are deployed); add one before it and name its "
        "id in `requires:`"
    ]


def test_ids_notify_and_substitutions_are_checked() -> None:
    problems = _problems(
        HEAD
        + "  - {id: a, name: a, type: migrations, args: {process_group: '${proces_group}'},"
        + " notify: nope}\n"
        + "  - {id: a, name: 'b ${volume.nam}', type: migrations, args: {process_group: app}}\n"
    )
    said = "\n".join(problems)
    assert "${proces_group} is not a spec value (did you mean 'process_group'?)" in said
    assert "${volume.nam} is not a spec value (did you mean 'volume.name'?)" in said
    assert any("notify 'nope' is not a handler id" in p for p in problems)
    assert any("id 'a' is used twice" in p for p in problems)


def test_rendered_arguments_are_checked_per_app(tmp_path: Path) -> None:
    playbook = parse_playbook(
        HEAD + "  - {id: v, name: v, type: volume,"
        " args: {name: '${app}-data', size: 3, region: iad}}\n",
        "p.yml",
    )
    with pytest.raises(PlaybookError) as info:
        render(playbook, spec(tmp_path))
    (problem,) = info.value.problems
    assert str(problem).startswith("p.yml:3:49: v: args.name for app shop: 'shop-data' does not")


EXAMPLES = sorted(
    Path(str(p)) for p in (bundled("playbooks") / "examples").iterdir() if p.name.endswith(".yml")
)


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.name for p in EXAMPLES])
def test_every_example_playbook_loads(path: Path) -> None:
    assert load_playbook(path).tasks


def test_the_builtin_playbook_is_valid_against_the_schema() -> None:
    """It is not validated at run time (start-up cost), so it is here."""
    from runner.playbook.load import _schema_problems
    from runner.spec.yamlmarks import load_yaml

    text = (bundled("playbooks") / "sqlite-volume.yml").read_text(encoding="utf-8")
    assert list(_schema_problems(load_yaml(text, "sqlite-volume.yml"))) == []


def test_a_task_that_switches_the_database_needs_the_checks_guarding_live_data() -> None:
    """A custom playbook cannot set DATABASE_URL without the refusals that keep live data
    from being abandoned (README "Playbooks"): left out, the playbook does not load."""
    secret = (
        "  - id: db\n    name: d\n    type: secret\n"
        "    args: {mount_path: /data, database: production.sqlite3}\n"
    )
    problems = _problems("name: mine\npreflight: [fly_toml, machines]\ntasks:\n" + secret)
    assert problems == [
        "p.yml:4:5: db: a secret task needs these checks in `preflight:`: live_data (refuses "
        "when the app's live data would be abandoned); process_groups (refuses when another "
        "process group would get the URL without the volume); secret_replaceable (refuses "
        "when a DATABASE_URL flyrun cannot verify would be replaced); add live_data, "
        "process_groups, secret_replaceable to the playbook's preflight list"
    ]
    guarded = "preflight: [live_data, process_groups, machines, secret_replaceable]\n"
    assert parse_playbook(f"name: mine\n{guarded}tasks:\n{secret}", "p.yml").tasks[0].id == "db"
