"""`.flyrun-state.json`: what flyrun set, so a secret's opaque digest can be verified later.

Kept beside the spec (or inventory), keyed by app; written only by apply (through
`RecordState` effects); meant to be committed so CI's clean checkout can verify too (README
"The spec"). Per secret it holds the SHA-256 of the value flyrun set and the digest flyctl
showed right after, `deploy_pending` until a deploy succeeded, and, while a change is in
flight, its `intent` (the SHA-256 about to be set and the digest it replaces), so that after a
lost response the next run can tell flyrun's own change from someone else's. Never a value.

The whole file is validated before the first effect of a run; every update is a locked
read-modify-write (threads and processes) and an atomic write."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from runner import locks
from runner.disk import read_text, write_atomic
from runner.errors import RunnerError
from runner.model import Deployed, SecretIntent, SecretSet, StateChange

FORMAT_VERSION = 2
READABLE = (1, 2)  # version 1 had no intents; it reads the same otherwise


@dataclass(frozen=True)
class Intent:
    sha256: str
    replaces: str | None  # the digest of the secret the change replaces (None: absent)


@dataclass(frozen=True)
class SecretRecord:
    value_sha256: str | None  # None while only an intent is recorded
    digest: str | None
    deploy_pending: bool = False  # staged by flyrun, no successful deploy since
    intent: Intent | None = None


def sha256(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


def legacy_md5_match(value: str, digest: str) -> bool | None:
    """Whether a secret's legacy digest (MD5 of its value, older flyctl) is `value`'s; None
    when `digest` is not one (newer digests are Fly's own and cannot be recomputed)."""
    if len(digest) != 32 or any(c not in "0123456789abcdef" for c in digest):
        return None
    return hashlib.md5(value.encode("utf-8")).hexdigest() == digest


def load(state_file: Path) -> dict[str, Any]:
    """The whole file, validated (an empty document when it does not exist)."""
    name = state_file.name
    text = read_text(state_file, shown=str(state_file))
    if text is None:
        return {"format_version": FORMAT_VERSION, "apps": {}}
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise RunnerError(
            f"{state_file}:{exc.lineno}:{exc.colno}: not valid JSON: {exc.msg}"
        ) from exc
    problem = _problem(data)
    if problem is not None:
        raise RunnerError(
            f"{state_file}: {problem}; flyrun keeps its records there and will not guess. "
            f"Restore {name} from git, or delete it (flyrun then cannot verify the secrets it "
            "set and reports them unknown)"
        )
    return dict(data)


def _problem(data: Any) -> str | None:
    if not isinstance(data, dict) or not isinstance(data.get("apps"), dict):
        return "not a flyrun state file (no 'apps' mapping)"
    if data.get("format_version") not in READABLE:
        return f"format_version {data.get('format_version')!r} is not one flyrun reads {READABLE}"
    for app, entry in data["apps"].items():
        if not isinstance(entry, dict) or not isinstance(entry.get("secrets", {}), dict):
            return f"apps.{app} is not a mapping with a `secrets` mapping"
        for secret, record in entry.get("secrets", {}).items():
            problem = _record_problem(record)
            if problem is not None:
                return f"apps.{app}.secrets.{secret}: {problem}"
    return None


def _record_problem(record: Any) -> str | None:
    if not isinstance(record, dict):
        return "not a mapping"
    for key in ("sha256", "digest"):
        if key in record and not isinstance(record[key], str):
            return f"{key} is not a string"
    if not isinstance(record.get("deploy_pending", False), bool):
        return "deploy_pending is not true or false"
    intent = record.get("intent")
    if intent is not None and not (
        isinstance(intent, dict)
        and isinstance(intent.get("sha256"), str)
        and isinstance(intent.get("replaces"), str | None)
    ):
        return "intent is not a mapping of sha256 and replaces"
    return None


def check_usable(state_file: Path) -> None:
    """Raise RunnerError now if apply could not record into this file later."""
    load(state_file)


def secret_record(state_file: Path, app: str, name: str) -> SecretRecord | None:
    return records(load(state_file), app).get(name)


def records(data: dict[str, Any], app: str) -> dict[str, SecretRecord]:
    entry = data["apps"].get(app) or {}
    found = {}
    for name, raw in (entry.get("secrets") or {}).items():
        intent = raw.get("intent")
        found[name] = SecretRecord(
            raw.get("sha256"),
            raw.get("digest"),
            bool(raw.get("deploy_pending", False)),
            Intent(intent["sha256"], intent.get("replaces")) if intent else None,
        )
    return found


def record(state_file: Path, app: str, change: StateChange, digest: str | None = None) -> None:
    """Apply one change under the file's lock (`digest`: for SecretSet, what flyctl shows)."""
    with locks.held(state_file, what=str(state_file), wait=30.0):
        data = load(state_file)
        secrets = data["apps"].setdefault(app, {}).setdefault("secrets", {})
        if not _change(secrets, change, digest):
            return
        data["format_version"] = FORMAT_VERSION
        text = json.dumps(data, indent=2, sort_keys=True) + "\n"
        write_atomic(state_file, text, root=state_file.parent)


def _change(secrets: dict[str, Any], change: StateChange, digest: str | None) -> bool:
    """Edit the app's secrets mapping in place; False when nothing changes."""
    if isinstance(change, SecretIntent):
        entry = secrets.setdefault(change.name, {})
        entry["intent"] = {"sha256": change.sha256, "replaces": change.replaces}
        return True
    if isinstance(change, SecretSet):
        if digest is None:
            raise RunnerError(f"{change.name} is not listed right after it was set")
        secrets[change.name] = {"sha256": change.sha256, "digest": digest, "deploy_pending": True}
        return True
    assert isinstance(change, Deployed)
    pending = [e for e in secrets.values() if e.get("deploy_pending")]
    for entry in pending:
        del entry["deploy_pending"]
    return bool(pending)
