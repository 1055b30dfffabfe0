"""The one substitution a playbook has: `${name}` for a spec value (README "Playbooks"). A
string that is exactly one `${…}` takes the value with its type (`${volume.size}` is a
number); inside a longer string the value is written as text. Nothing else is evaluated."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from runner.spec import AppSpec

_PATTERN = re.compile(r"\$\{([a-z_]+(?:\.[a-z_]+)*)\}")

VALUES: Mapping[str, Callable[[AppSpec], Any]] = {
    "app": lambda s: s.app,
    "volume.name": lambda s: s.volume.name,
    "volume.size": lambda s: s.volume.size,
    "volume.region": lambda s: s.volume.region,
    "mount_path": lambda s: s.mount_path,
    "database": lambda s: s.database,
    "database_url": lambda s: s.database_url,
    "process_group": lambda s: s.process_group,
    "silence_sqlite_warning": lambda s: s.silence_sqlite_warning,
    "replace_database_url": lambda s: s.replace_database_url,
    "deploy": lambda s: s.deploy,
    "import_data": lambda s: s.import_data is not None,  # a boolean: whether it is set
}
NAMES = frozenset(VALUES)


def substitutions(value: Any) -> list[str]:
    """The names a value refers to (strings, and strings inside lists and mappings)."""
    if isinstance(value, str):
        return _PATTERN.findall(value)
    if isinstance(value, list):
        return [name for item in value for name in substitutions(item)]
    if isinstance(value, dict):
        return [name for item in value.values() for name in substitutions(item)]
    return []


def substitute(value: Any, spec: AppSpec) -> Any:
    if isinstance(value, str):
        whole = _PATTERN.fullmatch(value)
        if whole is not None:
            return VALUES[whole.group(1)](spec)
        return _PATTERN.sub(lambda m: str(VALUES[m.group(1)](spec)), value)
    if isinstance(value, list):
        return [substitute(item, spec) for item in value]
    if isinstance(value, dict):
        return {key: substitute(item, spec) for key, item in value.items()}
    return value


def when_holds(when: str | None, spec: AppSpec) -> bool:
    """`when: deploy` / `when: not deploy` (the schema admits only boolean spec keys)."""
    if when is None:
        return True
    negate = when.startswith("not ")
    value = bool(VALUES[when.removeprefix("not ")](spec))
    return value != negate
