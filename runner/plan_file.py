"""Saved plans (`flyrun check --out PLAN`, `flyrun apply PLAN`; docs/ci.md "Saved plans"):
a versioned JSON file (`schemas/plan.schema.json`) holding, per app, what its check read (as
hashes, runner/facts/inputs.py) and every effect apply would perform, without any secret
value: a secret's value is derived from the spec again at apply time and only its SHA-256 is
in the plan. Terraform's saved plan keeps sensitive values in cleartext; this one cannot.

A file is a plan when it is a JSON object with the key `flyrun_plan` (its format version),
whatever its name, so `apply` tells a PLAN from a SPEC by content. Paths are portable: spec
and playbook files relative to the folder `check` ran in, app files and the paths in flyctl
arguments relative to the app's folder."""

from __future__ import annotations

import hashlib
import json
import os
import shlex
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from runner import __version__
from runner.disk import read_bytes, user_path
from runner.errors import RunnerError
from runner.facts import AppFacts
from runner.facts.inputs import Inputs, differences, from_json, read_again, read_by, to_json
from runner.flyctl.commands import FlyctlCommand
from runner.model import Effect, Outcome, RecordState, SecretIntent, SecretSet, WriteFile
from runner.resources import load_json
from runner.spec import AppSpec
from runner.state_file import sha256

KEY = "flyrun_plan"
VERSION = 1
REMAKE = "make a new plan with `flyrun check --out PLAN`"


@dataclass(frozen=True)
class SavedStep:
    id: str
    effects: tuple[Mapping[str, Any], ...]


@dataclass(frozen=True)
class SavedApp:
    app: str
    spec: str
    inputs: Inputs
    steps: tuple[SavedStep, ...]

    def effects(self, step_id: str) -> list[Mapping[str, Any]]:
        return [e for s in self.steps if s.id == step_id for e in s.effects]


@dataclass(frozen=True)
class SavedPlan:
    path: Path
    specs: Mapping[str, str]  # spec file (relative to where check ran) → SHA-256
    playbooks: Mapping[str, str]
    playbook: str | None  # `--playbook` given to check
    replace_database_url: bool
    apps: Mapping[str, SavedApp]
    # `--limit`/`--shard` given to check: `apps` are already those they chose; kept for the
    # commands a message suggests (none in a plan made before flyrun recorded them)
    limit: tuple[str, ...] = ()
    shard: tuple[int, int] | None = None
    # this run's own `--flyctl` words (not in the file): a suggested check must ask the same
    # flyctl, and so the same Fly account, as the apply that refused
    account: tuple[str, ...] = ()

    def words(self) -> tuple[str, ...]:
        """The plan's options as quoted shell words, for a next command that acts on the
        same apps in the same way (runner/cli_args.py `next_options`)."""
        words: list[str] = []
        for pattern in self.limit:
            words += ["--limit", shlex.quote(pattern)]
        if self.shard is not None:
            words += ["--shard", f"{self.shard[0]}/{self.shard[1]}"]
        if self.playbook is not None:
            words += ["--playbook", shlex.quote(self.playbook)]
        return (*words, "--replace-database-url") if self.replace_database_url else tuple(words)

    def remake(self) -> str:
        """The sentence a refusal ends with: the command that plans the same apps the same
        way again, into the same file (from the folder check ran in, as apply runs)."""
        words = [
            *map(shlex.quote, self.specs),
            *self.words(),
            *self.account,
            "--out",
            shlex.quote(user_path(self.path)),
        ]
        return f"Make a new plan with `flyrun check {' '.join(words)}`"


# --- effects, portable and secret-free ------------------------------------------------------


def _portable(arg: str, root: Path) -> str:
    """An absolute path inside the app folder, relative to it (the checkout may move)."""
    if Path(arg).is_absolute():
        relative = os.path.relpath(arg, root)
        if relative != ".." and not relative.startswith("../"):
            return Path(relative).as_posix()
    return arg


def effect_json(effect: Effect, root: Path) -> dict[str, Any]:
    if isinstance(effect, WriteFile):
        return {
            "kind": "write_file",
            "path": _portable(str(effect.path), root),
            "old_sha256": sha256(effect.old),
            "new_sha256": sha256(effect.new),
            "new_text": effect.new,
        }
    if isinstance(effect, FlyctlCommand):
        values = dict(line.split("=", 1) for line in (effect.stdin or "").splitlines())
        return {
            "kind": "flyctl",
            "argv": [_portable(arg, root) for arg in effect.argv],
            "secrets": {name: sha256(values.get(name, "")) for name in effect.secret_names},
        }
    return {"kind": "record", "file": effect.state_file.name, **_change(effect)}


def _change(effect: RecordState) -> dict[str, Any]:
    change = effect.change
    if isinstance(change, SecretIntent):
        return {"change": "secret_intent", "name": change.name, "sha256": change.sha256,
                "replaces": change.replaces}  # fmt: skip
    if isinstance(change, SecretSet):
        return {"change": "secret_set", "name": change.name, "sha256": change.sha256}
    return {"change": "deployed"}


def effects_json(outcome: Outcome, root: Path) -> list[dict[str, Any]]:
    return [effect_json(effect, root) for effect in outcome.effects]


# --- check --out: one app's entry -----------------------------------------------------------


def app_entry(
    spec: AppSpec, facts: AppFacts, done: Sequence[tuple[str, Outcome]]
) -> dict[str, Any]:
    """The plan's entry for an app whose check pass gave `done` (step id, outcome)."""
    return {
        "app": spec.app,
        "spec": portable_path(spec.spec_file),
        "playbook": portable_path(spec.playbook) if spec.playbook else None,
        "inputs": to_json(read_by(facts)),
        "steps": [
            {
                "id": step_id,
                "status": outcome.status.value,
                "message": outcome.message,
                "effects": effects_json(outcome, spec.path),
            }
            for step_id, outcome in done
        ],
    }


def portable_path(path: Path) -> str:
    """As the plan names a spec or playbook: relative to the current folder."""
    return Path(os.path.relpath(path)).as_posix()


def file_sha256(path: Path | str) -> str | None:
    data = read_bytes(Path(path), shown=str(path))
    return None if data is None else hashlib.sha256(data).hexdigest()


def document(
    entries: Sequence[Mapping[str, Any]],
    playbook: Path | None,
    replace_database_url: bool,
    *,
    limit: Sequence[str] = (),
    shard: tuple[int, int] | None = None,
) -> dict[str, Any]:
    specs = sorted({str(e["spec"]) for e in entries})
    playbooks = sorted({portable_path(p) for p in _playbooks(entries, playbook)})
    return {
        KEY: VERSION,
        "flyrun_version": __version__,
        "options": {
            "playbook": portable_path(playbook) if playbook else None,
            "replace_database_url": replace_database_url,
            "limit": list(limit),
            "shard": {"index": shard[0], "count": shard[1]} if shard else None,
        },
        "specs": {path: file_sha256(path) for path in specs},
        "playbooks": {path: file_sha256(path) for path in playbooks},
        "apps": list(entries),
    }


def _playbooks(entries: Sequence[Mapping[str, Any]], override: Path | None) -> list[Path]:
    found = [Path(str(e["playbook"])) for e in entries if e.get("playbook")]
    return found + ([override] if override else [])


# --- apply PLAN -----------------------------------------------------------------------------


def is_plan(path: Path) -> bool:
    """Does `path` hold a saved plan (a JSON object with `flyrun_plan`)? Specs are YAML."""
    try:
        data = read_bytes(path, shown=str(path))
    except RunnerError:
        return False
    if data is None or not data.lstrip().startswith(b"{"):
        return False
    try:
        parsed = json.loads(data)
    except (json.JSONDecodeError, UnicodeDecodeError):
        return False
    return isinstance(parsed, dict) and KEY in parsed


def load_plan(path: Path) -> SavedPlan:
    """The plan in `path`, validated; RunnerError when it is not one this flyrun applies."""
    try:
        data = json.loads(read_bytes(path, shown=str(path)) or b"{}")
    except ValueError as exc:  # not JSON, or not UTF-8
        raise RunnerError(f"{path} is not a flyrun plan: {exc}") from None
    problems = _schema_problems(data)
    if problems:
        raise RunnerError(f"{path} is not a valid flyrun plan: " + "; ".join(problems))
    if data["flyrun_version"] != __version__:
        raise RunnerError(
            f"{path} was made by flyrun {data['flyrun_version']}, this is flyrun {__version__}: "
            f"another version may decide differently; {REMAKE}"
        )
    options = data["options"]
    apps = {entry["app"]: _saved_app(entry) for entry in data["apps"]}
    shard = options.get("shard")  # limit and shard: absent in older plans
    return SavedPlan(
        path, data["specs"], data["playbooks"], options["playbook"],
        options["replace_database_url"], apps, tuple(options.get("limit", ())),
        (shard["index"], shard["count"]) if shard else None,
    )  # fmt: skip


def _schema_problems(data: Any) -> list[str]:
    from jsonschema import Draft202012Validator  # lazy: it costs start-up time

    if isinstance(data, dict) and data.get(KEY) != VERSION:
        return [f"{KEY} {data.get(KEY)!r} is not a version this flyrun reads ({VERSION})"]
    validator = Draft202012Validator(load_json("schemas", "plan.schema.json"))
    return [
        f"{'/'.join(map(str, e.absolute_path)) or 'the file'}: {e.message}"
        for e in validator.iter_errors(data)
    ][:5]


def _saved_app(entry: Mapping[str, Any]) -> SavedApp:
    steps = tuple(SavedStep(s["id"], tuple(s["effects"])) for s in entry["steps"])
    return SavedApp(entry["app"], entry["spec"], from_json(entry["inputs"]), steps)


def stale_files(plan: SavedPlan) -> list[str]:
    """The spec and playbook files that differ now from when the plan was made."""
    found = []
    for kind, files in (("spec", plan.specs), ("playbook", plan.playbooks)):
        for path, was in files.items():
            now = file_sha256(path)
            if now != was:
                found.append(f"{kind} {path} {'is gone' if now is None else 'changed'}")
    return found


def stale_inputs(saved: SavedApp, facts: AppFacts, state_name: str) -> list[str]:
    """Each input of the app's check that differs now (read through `facts`)."""
    return differences(saved.inputs, read_again(facts, saved.inputs), state_name)


def mismatch(saved: SavedApp, done: Sequence[tuple[str, Outcome]], root: Path) -> list[str]:
    """The steps whose effects now differ from the plan's (apply's check pass, `done`)."""
    now = {step_id: effects_json(outcome, root) for step_id, outcome in done}
    ids = dict.fromkeys([*(s.id for s in saved.steps if s.effects), *now])
    found = (_differ(saved, step_id, now.get(step_id, [])) for step_id in ids)
    return [words for words in found if words is not None]


def step_mismatch(saved: SavedApp, step_id: str, outcome: Outcome, root: Path) -> str | None:
    """How one step's effects differ from the plan's, or None."""
    return _differ(saved, step_id, effects_json(outcome, root))


def _differ(saved: SavedApp, step_id: str, now: list[dict[str, Any]]) -> str | None:
    planned = saved.effects(step_id)
    if now == planned:
        return None
    return f"{step_id}: {_effects_words(now)} instead of the plan's {_effects_words(planned)}"


def _effects_words(effects: Sequence[Mapping[str, Any]]) -> str:
    if not effects:
        return "no change"
    words = []
    for effect in effects:
        if effect["kind"] == "write_file":
            words.append(f"write {effect['path']}")
        elif effect["kind"] == "flyctl":
            words.append("`fly " + " ".join(effect["argv"]) + "`")
        else:
            words.append(f"record {effect['change']}")
    return ", ".join(words)
