"""`.flyrun-state.json`: what flyrun set, so a secret's opaque digest can be verified later.

Kept beside the spec (or inventory), keyed by app; written only by apply; meant to be
committed so CI's clean checkout can verify too (DESIGN §5). Holds SHA-256 of the value
flyrun set and the digest flyctl showed right after, never a value."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from runner.errors import RunnerError
from runner.files import read_text, write_atomic

FORMAT_VERSION = 1


@dataclass(frozen=True)
class SecretRecord:
    value_sha256: str
    digest: str


def sha256(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


def _load(state_file: Path) -> dict[str, object]:
    text = read_text(state_file)
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


def secret_record(state_file: Path, app: str, name: str) -> SecretRecord | None:
    apps = _load(state_file)["apps"]
    assert isinstance(apps, dict)
    entry = apps.get(app, {}).get("secrets", {}).get(name)
    if not isinstance(entry, dict):
        return None
    return SecretRecord(str(entry.get("sha256", "")), str(entry.get("digest", "")))


def save_secret_record(state_file: Path, app: str, name: str, record: SecretRecord) -> None:
    data = _load(state_file)
    apps = data["apps"]
    assert isinstance(apps, dict)
    secrets = apps.setdefault(app, {}).setdefault("secrets", {})
    secrets[name] = {"sha256": record.value_sha256, "digest": record.digest}
    data["format_version"] = FORMAT_VERSION
    write_atomic(state_file, json.dumps(data, indent=2, sort_keys=True) + "\n")
