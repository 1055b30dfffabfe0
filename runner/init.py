"""`flyrun init [APP_DIR]`: write `fly-sqlite.yml` for the app in APP_DIR from its fly.toml
(`app`, `primary_region`, a volume named after the app), with the `yaml-language-server`
line that gives editors the schema, then load it as `flyrun validate` would. It never
overwrites a spec. `flyrun demo --app-dir` makes its spec the same way (runner/demo.py)."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

import yaml

from runner.disk import read_text
from runner.errors import FileError, RunnerError, SpecError
from runner.facts.flytoml import parse_fly_toml
from runner.resources import load_json
from runner.spec import load_specs
from runner.spec.rules import VOLUME_NAME_MAX

SPEC_NAME = "fly-sqlite.yml"
_CHECKOUT = Path(__file__).resolve().parents[1]  # flyrun's own repository, when run from it


@dataclass(frozen=True)
class Draft:
    """What `init` learnt from fly.toml."""

    app: str
    region: str
    volume: str


def volume_name(app: str) -> str:
    """The app name as a volume name: `-` → `_`, at most 30 characters (`^[a-z0-9_]+$`)."""
    name = re.sub(r"[^a-z0-9_]+", "_", app.lower().replace("-", "_")).strip("_")
    return name[:VOLUME_NAME_MAX].rstrip("_") or "data"


def draft(app_dir: Path) -> Draft:
    """The spec's values from `app_dir/fly.toml`; RunnerError when it cannot give them."""
    shown = os.path.normpath(app_dir / "fly.toml")
    text = read_text(app_dir / "fly.toml", shown=shown)
    if text is None:
        raise RunnerError(
            f"there is no {shown}: run `fly launch` first (it writes fly.toml), or pass the "
            "app's folder: `flyrun init APP_DIR`"
        )
    try:
        fly = parse_fly_toml(text)
    except FileError as exc:
        where = f"{shown}:{exc.location.line}:{exc.location.column}" if exc.location else shown
        raise RunnerError(f"{where}: {exc.message}") from None
    if not fly.app:
        raise RunnerError(f'{shown} has no `app = "…"`: add the Fly app\'s name there')
    if not fly.primary_region:
        raise RunnerError(
            f"{shown} has no `primary_region`: add the region the app runs in (flyctl "
            "creates machines there, and the volume must be there too)"
        )
    return Draft(fly.app, fly.primary_region, volume_name(fly.app))


def schema_ref(spec_dir: Path) -> str:
    """The schema relative to the spec when both are in flyrun's own checkout (so editing an
    example uses the schema beside it), else the schema's published `$id`."""
    local = _CHECKOUT / "schemas" / "spec.schema.json"
    folder = spec_dir.resolve()
    if local.is_file() and (folder == _CHECKOUT or _CHECKOUT in folder.parents):
        return Path(os.path.relpath(local, folder)).as_posix()
    return str(load_json("schemas", "spec.schema.json")["$id"])


def _scalar(value: str) -> str:
    """`value` as YAML: plain when YAML reads it back as that string, else quoted."""
    plain = yaml.safe_load(f"x: {value}") if value.strip() == value else None
    return value if plain == {"x": value} else '"' + value.replace('"', '\\"') + '"'


def spec_text(found: Draft, schema: str) -> str:
    return (
        f"# yaml-language-server: $schema={schema}\n"
        "# Made by `flyrun init` from fly.toml. Every key: `flyrun schema`; check this file\n"
        "# offline with `flyrun validate`, see what would change with `flyrun check`.\n"
        "version: 1\n"
        f"app: {_scalar(found.app)}\n"
        "volume:\n"
        f"  name: {found.volume}\n"
        "  size: 3\n"
        f"  region: {_scalar(found.region)}\n"
    )


def write_spec(app_dir: Path) -> Path:
    """Write `app_dir/fly-sqlite.yml`; RunnerError when a spec is there already."""
    found = draft(app_dir)
    for name in (SPEC_NAME, "fly-sqlite.yaml"):
        if (app_dir / name).exists():
            raise RunnerError(f"{app_dir / name} already exists; flyrun init never overwrites it")
    target = app_dir / SPEC_NAME
    try:
        with target.open("x", encoding="utf-8") as handle:  # "x": never over a racing file
            handle.write(spec_text(found, schema_ref(app_dir)))
    except OSError as exc:
        raise RunnerError(f"cannot write {target}: {exc.strerror or exc}") from None
    return target


def init_command(app_dir: Path, out: TextIO) -> int:
    target = write_spec(app_dir)  # a RunnerError is printed by the CLI (exit 1)
    try:
        (spec,) = load_specs([target])
    except SpecError as exc:
        out.write(f"wrote {target}, but it does not validate yet:\n{exc}\n")
        return 1
    out.write(
        f"wrote {target}: app {spec.app}, volume {spec.volume.name} ({spec.volume.size} GB) "
        f"in {spec.volume.region}, mounted at {spec.mount_path}\n"
        f"next: `flyrun check {target}` shows what would change\n"
    )
    return 0
