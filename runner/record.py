"""`.flyrun-state.json`: what flyrun set, so a secret's opaque digest can be verified later.

Kept beside the spec (or inventory), keyed by app; written only by apply; meant to be
committed so CI's clean checkout can verify too (DESIGN §5). Holds SHA-256 of the value
flyrun set and the digest flyctl showed right after, never a value."""

from __future__ import annotations

import hashlib
import json
import threading
from dataclasses import dataclass
from pathlib import Path

from runner.errors import RunnerError
from runner.files import read_text, write_atomic

FORMAT_VERSION = 1
_LOCK = threading.Lock()  # apps of one inventory share the file: read-modify-write under it


@dataclass(frozen=True)
class SecretRecord:
    value_sha256: str
    digest: str
    deploy_pending: bool = False  # staged by flyrun, no successful deploy since


def sha256(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


def _load(state_file: Path) -> dict[str, object]:
    try:
        text = read_text(state_file)
    except OSError as exc:
        raise RunnerError(f"{state_file}: cannot read it: {exc.strerror or exc}") from exc
    if text is None:
        return {"format_version": FORMAT_VERSION, "apps": {}}
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise RunnerError(
            f"{state_file}:{exc.lineno}:{exc.colno}: not valid JSON: {exc.msg}"
        ) from exc
    if not isinstance(data, dict) or not isinstance(data.get("apps"), dict):
        raise RunnerError(f"{state_file}: not a flyrun state file (no 'apps' mapping)")
    if data.get("format_version") != FORMAT_VERSION:
        raise RunnerError(
            f"{state_file}: format_version {data.get('format_version')!r} is not "
            f"{FORMAT_VERSION}; it was written by another flyrun version"
        )
    return data


def check_readable(state_file: Path) -> None:
    """Raise RunnerError now if apply could not record into this file later."""
    _load(state_file)


def _secrets(data: dict[str, object], state_file: Path, app: str) -> dict[str, object]:
    apps = data["apps"]
    assert isinstance(apps, dict)
    entry = apps.setdefault(app, {})
    secrets = entry.setdefault("secrets", {}) if isinstance(entry, dict) else None
    if not isinstance(secrets, dict):
        raise RunnerError(f"{state_file}: apps.{app} is not a mapping with `secrets`")
    return secrets


def secret_record(state_file: Path, app: str, name: str) -> SecretRecord | None:
    entry = _secrets(_load(state_file), state_file, app).get(name)
    if not isinstance(entry, dict):
        return None
    return SecretRecord(
        str(entry.get("sha256", "")),
        str(entry.get("digest", "")),
        bool(entry.get("deploy_pending", False)),
    )


def save_secret_record(state_file: Path, app: str, name: str, record: SecretRecord) -> None:
    with _LOCK:
        data = _load(state_file)
        entry: dict[str, object] = {"sha256": record.value_sha256, "digest": record.digest}
        if record.deploy_pending:
            entry["deploy_pending"] = True
        _secrets(data, state_file, app)[name] = entry
        data["format_version"] = FORMAT_VERSION
        write_atomic(state_file, json.dumps(data, indent=2, sort_keys=True) + "\n")


def mark_deployed(state_file: Path, app: str) -> None:
    """After a successful deploy: the recorded values are live on the machines."""
    with _LOCK:
        data = _load(state_file)
        secrets = _secrets(data, state_file, app)
        pending = [e for e in secrets.values() if isinstance(e, dict) and e.get("deploy_pending")]
        if not pending:
            return
        for entry in pending:
            del entry["deploy_pending"]
        write_atomic(state_file, json.dumps(data, indent=2, sort_keys=True) + "\n")
