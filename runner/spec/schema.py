"""Validate a loaded spec file against schemas/spec.schema.json, in people's words.

Every schema error becomes one `SpecProblem` at the YAML node at fault: the value for
type/enum/range/pattern errors, the key for unknown keys (with "did you mean"), the parent
mapping for a missing key. Errors on fields that `spec_rules` owns (`RULED`) are left to
those rules, so each problem is told once, in one voice.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

from runner.errors import SpecProblem
from runner.resources import load_json
from runner.spec.rules import RULED
from runner.spec.views import missing_key_message
from runner.spec.yamlmarks import JsonPath, YamlDocument, describe, display_path, number_hint

SCHEMA_NAME = "spec.schema.json"
_APP_PATTERN = "^[a-z0-9][a-z0-9-]*$"
_YAML11_BOOLEANS = frozenset({"yes", "no", "on", "off", "y", "n"})
_TYPE_WORDS = {
    "string": "a string",
    "integer": "a whole number",
    "number": "a number",
    "boolean": "true or false",
    "object": "a mapping",
    "array": "a list",
    "null": "null",
}
# When one node breaks several keywords, the first of these is the one reported.
_PRIORITY = ("type", "const", "enum", "minLength", "maxLength", "pattern", "minimum", "maximum")
# The rule each pattern of schemas/spec.schema.json checks, in words (keyed by the pattern,
# so an array item is told like any value); tests/spec/test_schema_messages.py checks that
# every pattern in the schema has one.
_PATTERN_HINTS = {
    "^[a-z0-9][a-z0-9-]*$": "is not a Fly app name: use lowercase letters, digits and dashes, "
    "starting with a letter or digit",
    "^[a-z0-9_]+$": "may only contain lowercase letters, digits and underscores",
    "^[a-z]{3}$": "is not a Fly region code (three lowercase letters, e.g. 'iad')",
    "^/\\S+$": "must be an absolute path (start with /) without whitespace",
    "^[A-Za-z0-9][A-Za-z0-9._-]*$": "must be a plain file name: a letter or digit, then letters, "
    "digits, '.', '_' or '-'",
    "^\\S+$": "must not contain whitespace",
    "^[A-Za-z0-9_-]+$": "is not a process group name: use letters, digits, '_' and '-'",
    "^[A-Za-z_][A-Za-z0-9_]*$": "is not an environment variable name (letters, digits and _, "
    "not first a digit)",
}


@dataclass(frozen=True)
class SchemaResult:
    """The problems found, and the file paths they are about (rules skip those)."""

    problems: list[SpecProblem]
    bad_paths: frozenset[JsonPath]


@cache
def _validator() -> Any:
    """The compiled validator, built once; jsonschema is imported only when needed."""
    from jsonschema import Draft202012Validator  # type: ignore[import-untyped, unused-ignore]

    return Draft202012Validator(load_json("schemas", SCHEMA_NAME))


@cache
def _quick() -> Callable[[Any], Any]:
    """A fast yes/no validator of the same schema: fastjsonschema's code for it, generated
    ahead (runner/spec/quick_gen.py; compiling it here would cost ~45 ms, importing
    jsonschema ~60 ms, more than `flyrun validate` may take for a valid spec)."""
    from runner.spec import _quick_schema

    entry = "validate_https___flyrun_dev_schemas_spec_schema_json"  # the schema's $id
    validate: Callable[[Any], Any] = getattr(_quick_schema, entry)
    return validate


def quick_valid(data: Any) -> bool:
    from runner.spec._quick_schema import JsonSchemaException  # fastjsonschema's, copied

    try:
        _quick()(data)
    except JsonSchemaException:
        return False
    return True


def validate_document(doc: YamlDocument) -> SchemaResult:
    """Every schema problem of one file (whose data is a mapping). A valid file is told
    apart quickly; only an invalid one pays for jsonschema's full account of it."""
    if quick_valid(doc.data):
        return SchemaResult([], frozenset())
    problems: list[SpecProblem] = []
    bad: set[JsonPath] = set()
    value_errors: dict[JsonPath, Any] = {}
    for error in _validator().iter_errors(doc.data):
        path: JsonPath = tuple(error.absolute_path)
        if error.validator == "additionalProperties":
            problems.extend(_unknown_keys(doc, path, error))
            bad.update((*path, key) for key in _extra_keys(error))
        elif error.validator == "required":
            problems.extend(_missing_keys(doc, path, error))
        elif not _ruled(path) and _rank(error) < _rank(value_errors.get(path)):
            value_errors[path] = error
    for path, error in value_errors.items():
        problems.append(SpecProblem(doc.mark(path).value, _prefix(path, _describe_error(error))))
        bad.add(path)
    return SchemaResult(list(dict.fromkeys(problems)), frozenset(bad))


def _rank(error: Any) -> int:
    if error is None:
        return len(_PRIORITY) + 1
    return _PRIORITY.index(error.validator) if error.validator in _PRIORITY else len(_PRIORITY)


def _ruled(path: JsonPath) -> bool:
    """Is this a field `spec_rules` reports (in a single app, defaults, or an app entry)?"""
    if path[:1] == ("apps",):
        return path[2:] in RULED
    if path[:1] == ("defaults",):
        return path[1:] in RULED
    return path in RULED


def _prefix(path: JsonPath, message: str) -> str:
    name = display_path(path)
    return f"{name}: {message}" if name else message


def _extra_keys(error: Any) -> list[str]:
    allowed = error.schema.get("properties", {})
    instance = error.instance if isinstance(error.instance, Mapping) else {}
    return [key for key in instance if key not in allowed]


def _unknown_keys(doc: YamlDocument, path: JsonPath, error: Any) -> Iterable[SpecProblem]:
    allowed = list(error.schema.get("properties", {}))
    for key in _extra_keys(error):
        close = difflib.get_close_matches(key, allowed, n=1, cutoff=0.6)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        mark = doc.mark((*path, key))
        where = mark.key if mark.key is not None else mark.value
        yield SpecProblem(where, _prefix((*path, key), "unknown key" + hint))


def _missing_keys(doc: YamlDocument, path: JsonPath, error: Any) -> Iterable[SpecProblem]:
    instance = error.instance if isinstance(error.instance, Mapping) else {}
    for key in error.validator_value:
        if key not in instance:
            yield SpecProblem(doc.mark(path).value, _prefix(path, missing_key_message(key)))


def _describe_error(error: Any) -> str:
    handler = _HANDLERS.get(error.validator)
    return handler(error) if handler is not None else str(error.message)


def _type_message(error: Any) -> str:
    wanted = error.validator_value
    names = [wanted] if isinstance(wanted, str) else list(wanted)
    expected = " or ".join(_TYPE_WORDS.get(name, name) for name in names)
    message = f"expected {expected}, got {describe(error.instance)}"
    if "boolean" in names and str(error.instance).lower() in _YAML11_BOOLEANS:
        message += " (flyrun reads only true and false as booleans, not YAML 1.1's yes/no/on/off)"
    elif "integer" in names or "number" in names:
        message += number_hint(error.instance)
    return message


def _enum_message(error: Any) -> str:
    choices = error.validator_value
    listing = ", ".join(describe(choice) for choice in choices if isinstance(choice, str))
    message = f"{describe(error.instance)} is not one of {listing}"
    if isinstance(error.instance, str):
        strings = [c for c in choices if isinstance(c, str)]
        close = difflib.get_close_matches(error.instance.lower(), strings, n=1, cutoff=0.6)
        if error.instance.lower() in _YAML11_BOOLEANS:
            message += " (use true or false, not YAML 1.1's yes/no/on/off)"
        elif close:
            message += f" (did you mean {close[0]!r}?)"
    return message


def _const_message(error: Any) -> str:
    expected = error.validator_value
    message = f"{describe(error.instance)} is not supported; expected {describe(expected)}"
    if isinstance(expected, int) and error.instance == str(expected):  # `version: '1'`
        return message + f" (a number: write {expected} without quotes)"
    return message + (number_hint(error.instance) if isinstance(expected, int) else "")


def _pattern_message(error: Any) -> str:
    pattern = str(error.validator_value)
    if pattern == _APP_PATTERN and isinstance(error.instance, str):
        return _app_name_message(error.instance)
    hint = _PATTERN_HINTS.get(pattern, f"does not match the pattern {pattern!r}")
    return f"{describe(error.instance)} {hint}"


def app_name_error(name: str) -> str | None:
    """Why `name` is not a Fly app name, in the words a spec's `app:` gets (None when it is
    one): `flyrun init` says it at fly.toml's `app` line (runner/init.py)."""
    return None if re.fullmatch(_APP_PATTERN[1:-1], name) else _app_name_message(name)


def _app_name_message(name: str) -> str:
    suggestion = suggest_app_name(name)
    try_it = f" (try {suggestion!r})" if suggestion else ""
    return f"{describe(name)} {_PATTERN_HINTS[_APP_PATTERN]}{try_it}"


def suggest_app_name(name: str) -> str:
    """A valid Fly app name close to `name`: `My_App` → `my-app` ('' when none is)."""
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


def _unique_message(error: Any) -> str:
    seen: list[Any] = []
    for item in error.instance:
        if item in seen:
            return f"lists {describe(item)} twice; each item may appear once"
        seen.append(item)
    return "lists an item twice; each item may appear once"


_HANDLERS: dict[str, Callable[[Any], str]] = {
    "type": _type_message,
    "enum": _enum_message,
    "const": _const_message,
    "pattern": _pattern_message,
    "uniqueItems": _unique_message,
    "minLength": lambda error: "must not be empty",
    "minItems": lambda e: (
        "must not be empty"
        if e.validator_value == 1
        else f"must list at least {e.validator_value} items"
    ),
    "minimum": lambda e: f"{describe(e.instance)} is less than the minimum of {e.validator_value}",
    "maximum": lambda e: f"{e.instance!r} is greater than the maximum of {e.validator_value}",
}
