"""What one app's check read, as hashes: the inputs a saved plan records (`flyrun check
--out`), and the comparison `flyrun apply PLAN` makes before any change (docs/ci.md "Saved
plans").

Files: each file the pass read from the app folder, by path relative to it, the SHA-256 of
its text (None: it was absent). State: the SHA-256 of the app's records in
`.flyrun-state.json`, when read. Remote: each flyctl fact a task or check used (`volumes`,
`secrets`, `machines`, the SQLite files seen on a volume), the SHA-256 of its parsed value and
one per item (by id, name or path), so that a difference can name the item that changed. A
secret's digest is hashed like the rest: the plan holds no value and no digest."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from runner.facts import AppFacts
from runner.facts.remote import SSH
from runner.flyctl.commands import MACHINES, SECRETS, VOLUMES

_READERS = {VOLUMES: "volumes", SECRETS: "secrets", MACHINES: "machines"}


@dataclass(frozen=True)
class Fact:
    """One remote fact as hashes: the whole parsed value, and each item of it."""

    sha256: str
    items: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Inputs:
    files: Mapping[str, str | None] = field(default_factory=dict)
    state: str | None = None
    remote: Mapping[str, Fact] = field(default_factory=dict)


def digest(value: Any) -> str:
    """SHA-256 of a value's canonical JSON (dataclasses as mappings)."""
    text = json.dumps(_plain(value), sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _plain(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.asdict(value)
    if isinstance(value, tuple | list):
        return [_plain(item) for item in value]
    return value


def text_digest(text: str | None) -> str | None:
    return None if text is None else hashlib.sha256(text.encode("utf-8")).hexdigest()


def fact_key(key: Any) -> str:
    """`volumes`; `volume_files:MACHINE:/mount/path` for a look inside a volume;
    `FACT:MACHINE:ssh:SCRIPT` for what a read-only script printed on a machine (the import's
    source URL, its record on the volume), cached as part of FACT."""
    return ":".join(map(str, key)) if isinstance(key, tuple) else str(key)


def _fact(value: Any) -> Fact:
    items = getattr(value, "files", value)  # a volume listing: its files
    named = {}
    if isinstance(items, tuple):
        for item in items:
            name = next((getattr(item, a) for a in ("id", "name", "path") if hasattr(item, a)), "")
            named[str(name)] = digest(item)
    return Fact(digest(value), named)


def _relative(path: Path, root: Path) -> str:
    return Path(os.path.relpath(path, root)).as_posix()


def read_by(facts: AppFacts) -> Inputs:
    """What the pass on `facts` has read so far."""
    files = {_relative(p, facts.root): text_digest(t) for p, t in facts.files.reads().items()}
    state = None if facts.state_read is None else digest(_records(facts.state_read))
    remote = {fact_key(k): _fact(v) for k, v in dict(facts.remote.used).items()}
    return Inputs(dict(sorted(files.items())), state, dict(sorted(remote.items())))


def _records(records: Mapping[str, Any]) -> dict[str, Any]:
    return {name: dataclasses.asdict(record) for name, record in sorted(records.items())}


def read_again(facts: AppFacts, recorded: Inputs) -> Inputs:
    """Exactly the inputs in `recorded`, read now through `facts` (so the pass that follows
    decides on the very values compared)."""
    files = {name: text_digest(facts.files.read(name)) for name in recorded.files}
    state = None if recorded.state is None else digest(_records(facts.state()))
    remote = {key: _fact(_remote(facts, key)) for key in recorded.remote}
    return Inputs(files, state, remote)


def _remote(facts: AppFacts, key: str) -> Any:
    name, _, rest = key.partition(":")
    if not rest:
        return getattr(facts.remote, _READERS[name])()
    machine, _, rest = rest.partition(":")
    kind, _, script = rest.partition(":")  # a mount path starts with `/`, never with `ssh`
    if kind == SSH:
        return facts.remote.ssh_output(name, machine, script)
    return facts.remote.volume_files(machine, rest)


def _shown(key: str) -> str:
    """A key as a difference names it (a script is long, and says nothing to a reader)."""
    name, _, rest = key.partition(":")
    machine, _, rest = rest.partition(":")
    if rest.partition(":")[0] == SSH:
        return f"flyctl ssh console on machine {machine} (part of {name})"
    return f"flyctl {key.replace(':', ' ', 1)}"


def differences(recorded: Inputs, now: Inputs, state_name: str) -> list[str]:
    """Each input that differs, in words (empty: the plan is current)."""
    found = []
    for name, was in recorded.files.items():
        found += _file_change(name, was, now.files.get(name))
    if recorded.state != now.state:
        found.append(f"{state_name}: this app's records changed")
    for key, fact in recorded.remote.items():
        current = now.remote.get(key)
        if current is None or current.sha256 != fact.sha256:
            found.append(f"{_shown(key)}: {_items_changed(fact, current)}")
    return found


def _file_change(name: str, was: str | None, now: str | None) -> list[str]:
    if was == now:
        return []
    if was is None:
        return [f"{name} created since the plan was made"]
    if now is None:
        return [f"{name} deleted since the plan was made"]
    return [f"{name} changed since the plan was made"]


def _items_changed(was: Fact, now: Fact | None) -> str:
    if now is None:
        return "not read"
    words = [f"{k} added" for k in now.items if k not in was.items]
    words += [f"{k} removed" for k in was.items if k not in now.items]
    words += [f"{k} changed" for k, v in was.items.items() if k in now.items and now.items[k] != v]
    return ", ".join(words) or "changed"


def to_json(inputs: Inputs) -> dict[str, Any]:
    return {
        "files": dict(inputs.files),
        "state": inputs.state,
        "remote": {
            key: {"sha256": fact.sha256, "items": dict(fact.items)}
            for key, fact in inputs.remote.items()
        },
    }


def from_json(data: Mapping[str, Any]) -> Inputs:
    remote = {k: Fact(v["sha256"], dict(v["items"])) for k, v in data["remote"].items()}
    return Inputs(dict(data["files"]), data["state"], remote)
