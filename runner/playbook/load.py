"""Load a playbook file: YAML with positions → the generated schema → the rules a schema cannot
express (unique ids, `notify` names a handler, `requires` names an earlier task of the type a
task type needs, substitutions name spec values). Every problem is reported at once, at its
FILE:LINE:COL (`PlaybookError`)."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterator, Mapping
from functools import cache
from pathlib import Path
from typing import Any

from runner.disk import read_text, user_path
from runner.errors import FileError, Location, PlaybookError, SpecProblem
from runner.playbook.model import Playbook, TaskEntry
from runner.playbook.schema import playbook_schema
from runner.playbook.values import NAMES, substitutions
from runner.resources import bundled
from runner.spec.yamlmarks import JsonPath, YamlDocument, describe, display_path, load_yaml
from runner.tasks import REGISTRY

BUILTIN = "sqlite-volume.yml"


def load_playbook(path: Path | None) -> Playbook:
    """The built-in playbook (None) or a user's file (absolute path), cached per process."""
    if path is None:
        return _builtin()
    return _load_user(path.resolve())


@cache
def _builtin() -> Playbook:
    text = (bundled("playbooks") / BUILTIN).read_text(encoding="utf-8")
    return parse_playbook(text, f"playbooks/{BUILTIN}", builtin=True)


@cache
def _load_user(path: Path) -> Playbook:
    shown = user_path(path)  # as the user opens it from where flyrun runs
    try:
        text = read_text(path, shown=shown)
    except FileError as exc:
        raise PlaybookError(
            [SpecProblem(exc.location or Location(shown, 1, 1), exc.message)]
        ) from exc
    if text is None:
        raise PlaybookError([SpecProblem(Location(shown, 1, 1), "playbook file not found")])
    return parse_playbook(text, shown)


def parse_playbook(text: str, file: str, *, builtin: bool = False) -> Playbook:
    doc = load_yaml(text, file)
    problems = list(doc.problems)
    if doc.data is None and not problems:
        problems.append(SpecProblem(Location(file, 1, 1), "the playbook is empty"))
    if problems:
        raise PlaybookError(problems)
    # The built-in playbook is validated by the tests (tests/playbook), not at every start.
    problems = [] if builtin else sorted(_schema_problems(doc), key=_position)
    if problems:
        raise PlaybookError(problems)
    data: dict[str, Any] = doc.data
    tasks = tuple(_entry(doc, ("tasks", i), e) for i, e in enumerate(data["tasks"]))
    handlers = tuple(
        _entry(doc, ("handlers", i), e) for i, e in enumerate(data.get("handlers", []))
    )
    problems = _rule_problems(doc, tasks, handlers)
    problems += _guard_problems((*tasks, *handlers), tuple(data.get("preflight", [])))
    if problems:
        raise PlaybookError(sorted(problems, key=_position))
    return Playbook(
        file,
        str(data["name"]),
        str(data.get("description", "")),
        tuple(data.get("preflight", [])),
        tasks,
        handlers,
        builtin,
    )


def _position(problem: SpecProblem) -> tuple[int, int]:
    return (problem.location.line, problem.location.column)


@cache
def _validator() -> Any:
    from jsonschema import Draft202012Validator  # lazy: it costs start-up time

    return Draft202012Validator(playbook_schema())


def _schema_problems(doc: YamlDocument) -> Iterator[SpecProblem]:
    seen: set[tuple[JsonPath, str]] = set()
    for error in _validator().iter_errors(doc.data):
        for problem in _describe(doc, error):
            key = (tuple(error.absolute_path), problem.message)
            if key not in seen:
                seen.add(key)
                yield problem


def _describe(doc: YamlDocument, error: Any) -> Iterator[SpecProblem]:
    path: JsonPath = tuple(error.absolute_path)
    name = display_path(path)
    prefix = f"{name}: " if name else ""
    if error.validator == "additionalProperties":
        allowed = list(error.schema.get("properties", {}))
        for key in (k for k in error.instance if k not in allowed):
            close = difflib.get_close_matches(key, allowed, n=1, cutoff=0.6)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            mark = doc.mark((*path, key))
            where = mark.key or mark.value
            yield SpecProblem(where, f"{display_path((*path, key))}: unknown key{hint}")
        return
    if error.validator == "required":
        for key in (k for k in error.validator_value if k not in error.instance):
            yield SpecProblem(doc.mark(path).value, f"{prefix}missing required key {key!r}")
        return
    if error.validator in ("anyOf", "oneOf") and error.context:
        # No branch fits (an argument's value, or a `${…}` for it): say what the closest
        # branch wanted, at the value; jsonschema keeps the branches' errors in `context`.
        from jsonschema.exceptions import best_match

        yield from _describe(doc, best_match(error.context))
        return
    if error.validator in ("if", "allOf"):
        return  # the branch's own errors say more (jsonschema reports them too)
    if error.validator == "enum":
        choices = [str(c) for c in error.validator_value]
        close = difflib.get_close_matches(str(error.instance), choices, n=1, cutoff=0.6)
        hint = f" (did you mean {close[0]!r}?)" if close else f"; one of: {', '.join(choices)}"
        message = f"{describe(error.instance)} is not a known value{hint}"
        yield SpecProblem(doc.mark(path).value, prefix + message)
        return
    yield SpecProblem(doc.mark(path).value, prefix + _message(error))


def _message(error: Any) -> str:
    path = tuple(error.absolute_path)
    if error.validator == "pattern" and path and path[-1] == "when":
        keys = re.search(r"\(([^()]*)\)\$$", str(error.validator_value))
        names = keys.group(1).replace("|", ", ") if keys else "a boolean spec key"
        return (
            f"{describe(error.instance)} is not a boolean spec key: write `when: KEY` or "
            f"`when: not KEY`, KEY one of {names}"
        )
    if error.validator == "pattern":
        return f"{describe(error.instance)} does not match {error.validator_value!r}"
    if error.validator == "type":
        return f"expected {error.validator_value}, got {describe(error.instance)}"
    return str(error.message)


def _entry(doc: YamlDocument, path: JsonPath, data: Mapping[str, Any]) -> TaskEntry:
    args = data.get("args") or {}
    return TaskEntry(
        id=str(data["id"]),
        name=str(data["name"]),
        type=str(data["type"]),
        args=dict(args),
        when=data.get("when"),
        notify=data.get("notify"),
        requires=tuple(data.get("requires", [])),
        at=doc.mark(path).value,
        arg_at={key: doc.mark((*path, "args", key)).value for key in args},
    )


def _rule_problems(
    doc: YamlDocument, tasks: tuple[TaskEntry, ...], handlers: tuple[TaskEntry, ...]
) -> list[SpecProblem]:
    problems: list[SpecProblem] = []
    seen: dict[str, TaskEntry] = {}
    for entry in (*tasks, *handlers):
        if entry.id in seen:
            problems.append(
                SpecProblem(
                    entry.at,
                    f"id {entry.id!r} is used twice (first at line {seen[entry.id].at.line})",
                )
            )
        seen.setdefault(entry.id, entry)
        problems += _substitution_problems(entry)
    handler_ids = {h.id for h in handlers}
    for index, entry in enumerate((*tasks, *handlers)):
        if entry.notify is not None and entry.notify not in handler_ids:
            known = ", ".join(sorted(handler_ids)) or "none"
            problems.append(
                SpecProblem(
                    entry.at,
                    f"{entry.id}: notify {entry.notify!r} is not a handler id (handlers: {known})",
                )
            )
        earlier = (
            {t.id: t for t in tasks[:index]} if index < len(tasks) else {t.id: t for t in tasks}
        )
        problems += _requires_problems(entry, earlier)
    return problems


def _requires_problems(entry: TaskEntry, earlier: Mapping[str, TaskEntry]) -> list[SpecProblem]:
    problems = []
    for wanted in entry.requires:
        if wanted not in earlier:
            problems.append(
                SpecProblem(
                    entry.at, f"{entry.id}: requires {wanted!r}, which is not an earlier task"
                )
            )
    for kind, why in REGISTRY[entry.type].requires.items():
        if not any(earlier[r].type == kind for r in entry.requires if r in earlier):
            problems.append(
                SpecProblem(
                    entry.at,
                    f"{entry.id}: a {entry.type} task requires a `{kind}` task ({why}); add "
                    f"one before it and name its id in `requires:`",
                )
            )
    return problems


def _guard_problems(
    entries: tuple[TaskEntry, ...], preflight: tuple[str, ...]
) -> list[SpecProblem]:
    """A task whose type guards data (`guards`, runner/tasks/base.py) needs those checks in
    the playbook's `preflight:`: a custom playbook cannot switch an app's database without
    the refusals that keep its live data from being abandoned."""
    problems = []
    for entry in entries:
        missing = {n: why for n, why in REGISTRY[entry.type].guards.items() if n not in preflight}
        if missing:
            listed = "; ".join(f"{name} (refuses when {why})" for name, why in missing.items())
            problems.append(
                SpecProblem(
                    entry.at,
                    f"{entry.id}: a {entry.type} task needs these checks in `preflight:`: "
                    f"{listed}; add {', '.join(missing)} to the playbook's preflight list",
                )
            )
    return problems


def _substitution_problems(entry: TaskEntry) -> list[SpecProblem]:
    problems = []
    texts = [(entry.at, entry.name)] + [
        (entry.arg_at.get(k, entry.at), v) for k, v in entry.args.items()
    ]
    for where, value in texts:
        for name in substitutions(value):
            if name not in NAMES:
                close = difflib.get_close_matches(name, sorted(NAMES), n=1, cutoff=0.6)
                hint = (
                    f" (did you mean {close[0]!r}?)"
                    if close
                    else f"; known: {', '.join(sorted(NAMES))}"
                )
                problems.append(SpecProblem(where, f"${{{name}}} is not a spec value{hint}"))
    return problems
