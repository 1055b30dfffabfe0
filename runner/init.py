"""`flyrun init [APP_DIR] [--region CODE]`: write `fly-sqlite.yml` for the app in APP_DIR from
its fly.toml (`app`, `primary_region` or `--region`, a volume named after the app), with the
`yaml-language-server` line that gives editors the schema, then load it as `flyrun validate`
would. An app on PostgreSQL in production also gets `import_data: {from: postgres}` (README
"Bringing a Postgres app's data along"). It never overwrites a spec. `flyrun demo --app-dir`
makes its spec the same way (runner/demo.py)."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

import yaml

from runner.disk import read_text
from runner.errors import FileError, RunnerError, SpecError
from runner.facts import DATABASE_YML, GEMFILE_LOCK, AppFacts
from runner.facts.database import Database, locate_databases
from runner.facts.flytoml import parse_fly_toml
from runner.facts.gemfile import GemCheck
from runner.facts.live_data import IMPORTABLE
from runner.resources import load_json
from runner.spec import load_specs
from runner.spec.model import STATE_FILE
from runner.spec.regions import region_error
from runner.spec.rules import VOLUME_NAME_MAX
from runner.spec.schema import app_name_error
from runner.syntax.toml import key_line

SPEC_NAME = "fly-sqlite.yml"
INIT_USAGE = "flyrun init APP_DIR"
_CHECKOUT = Path(__file__).resolve().parents[1]  # flyrun's own repository, when run from it


@dataclass(frozen=True)
class Draft:
    """What `init` learnt from fly.toml."""

    app: str
    region: str
    volume: str
    postgres: bool = False  # on PostgreSQL in production: the spec imports its data


def volume_name(app: str) -> str:
    """The app name as a volume name: `-` → `_`, at most 30 characters (`^[a-z0-9_]+$`)."""
    name = re.sub(r"[^a-z0-9_]+", "_", app.lower().replace("-", "_")).strip("_")
    return name[:VOLUME_NAME_MAX].rstrip("_") or "data"


def draft(app_dir: Path, region: str | None = None, *, usage: str = INIT_USAGE) -> Draft:
    """The spec's values from `app_dir/fly.toml` (and `--region`, when given); RunnerError
    when they cannot be had. `usage` is the command the messages suggest (`init`'s, or
    `flyrun demo --app-dir DIR`'s: runner/demo.py drafts a spec the same way)."""
    check_folder(app_dir, usage)
    shown = os.path.normpath(app_dir / "fly.toml")
    text = read_text(app_dir / "fly.toml", shown=shown)
    if text is None:
        raise RunnerError(_no_fly_toml(shown, usage))
    try:
        fly = parse_fly_toml(text)
    except FileError as exc:
        where = f"{shown}:{exc.location.line}:{exc.location.column}" if exc.location else shown
        raise RunnerError(f"{where}: {exc.message}") from None
    if not fly.app:
        raise RunnerError(f'{shown} has no `app = "…"`: add the Fly app\'s name there')
    _check_app_name(fly.app, text, shown)
    chosen = _region(region, fly.primary_region, shown, usage)
    postgres = on_postgres(AppFacts(app_dir, fly.app, None, app_dir / STATE_FILE))
    return Draft(fly.app, chosen, volume_name(fly.app), postgres)


def check_folder(app_dir: Path, usage: str = INIT_USAGE) -> None:
    """`app_dir` is a folder holding fly.toml; RunnerError saying what it is instead."""
    shown = os.path.normpath(app_dir)
    try:
        exists, is_dir = app_dir.exists(), app_dir.is_dir()
    except (OSError, ValueError):  # a name too long, or with a NUL byte
        exists = is_dir = False
    if exists and not is_dir:
        its = f" ({os.path.normpath(app_dir.parent)})" if app_dir.name == "fly.toml" else ""
        raise RunnerError(
            f"{shown} is a file, not the app's folder: pass the folder that holds fly.toml{its}"
        )
    if not exists:
        raise RunnerError(f"no such folder: {shown}")
    if not (app_dir / "fly.toml").exists():
        raise RunnerError(_no_fly_toml(os.path.normpath(app_dir / "fly.toml"), usage))


def _no_fly_toml(shown: str, usage: str) -> str:
    return (
        f"there is no {shown}: run `fly launch` first (it writes fly.toml), or pass the "
        f"app's folder: `{usage}`"
    )


def _check_app_name(app: str, text: str, shown: str) -> None:
    """fly.toml's `app` must be a name the spec accepts: said at fly.toml's line, where the
    name comes from, before a spec is written that could not validate."""
    error = app_name_error(app)
    if error is None:
        return
    line = key_line(text, "app")
    raise RunnerError(f"{shown}:{line}:1: app {error}" if line else f"{shown}: app {error}")


def _region(given: str | None, primary: str | None, shown: str, usage: str) -> str:
    """`--region` (a current Fly region, and fly.toml's primary_region when it has one, as
    the spec requires), else primary_region."""
    if given is None:
        if not primary:
            raise RunnerError(
                f"{shown} has no `primary_region`: pass the region the app runs in, e.g. "
                f"`{usage} --region iad` (flyctl creates machines there, and the "
                "volume must be there too), or add primary_region to fly.toml"
            )
        return primary
    error = region_error(given)
    if error is not None:
        raise RunnerError(f"--region: {error}")
    if primary and given != primary:
        raise RunnerError(
            f"--region {given!r} differs from primary_region {primary!r} in {shown}: flyctl "
            "creates machines and first-deploy volumes in primary_region; leave out --region, "
            "or change primary_region first"
        )
    return given


def on_postgres(facts: AppFacts) -> bool:
    """Is the app on PostgreSQL in production, as its files say? Read offline: init asks
    no flyctl, so a `DATABASE_URL` secret (what `fly postgres attach` sets) is supposed."""
    env = [(e.where, e.name, e.value) for e in facts.env()]
    files_only, attached = (
        locate_databases(
            facts.read(DATABASE_YML),
            env,
            secrets,
            gemfile_lock=facts.read(GEMFILE_LOCK),
            rails_root=facts.rails_root(),
        ).primary
        for secrets in ((), ("DATABASE_URL",))
    )
    return postgres_in_production(facts.gem("pg"), files_only, attached)


def postgres_in_production(
    pg: GemCheck | None, files_only: Database | None, attached: Database | None
) -> bool:
    """The production bundle has `pg`, and the primary database is a PostgreSQL server:
    its adapter (database.yml's production entry, or a postgres:// URL in [env] or the
    Dockerfile) is PostgreSQL's, or it names no adapter and leaves the database to a
    `DATABASE_URL` secret. `files_only` is located from the files alone, `attached` as if
    the app had a `DATABASE_URL` secret. A SQLite file, another adapter, or `pg` only in a
    development group (the import needs it at boot) is not PostgreSQL."""
    if pg is None or not pg.ok or files_only is None or attached is None:
        return False
    if files_only.kind in ("sqlite_file", "litestack"):
        return False
    adapters = {d.adapter for d in (files_only, attached) if d.adapter is not None}
    if adapters:
        return adapters <= IMPORTABLE
    return attached.secret == "DATABASE_URL"


def schema_ref(spec_dir: Path) -> str:
    """The schema relative to the spec when both are in flyrun's own checkout (so editing a
    test case uses the schema beside it), else the schema's published `$id`. The bundled
    example's spec has the `$id` line: users copy it elsewhere (playbooks/examples/shop)."""
    local = _CHECKOUT / "schemas" / "spec.schema.json"
    folder = spec_dir.resolve()
    if local.is_file() and (folder == _CHECKOUT or _CHECKOUT in folder.parents):
        return Path(os.path.relpath(local, folder)).as_posix()
    return str(load_json("schemas", "spec.schema.json")["$id"])


def _scalar(value: str) -> str:
    """`value` as YAML: plain when YAML reads it back as that string, else quoted."""
    plain = yaml.safe_load(f"x: {value}") if value.strip() == value else None
    return value if plain == {"x": value} else '"' + value.replace('"', '\\"') + '"'


IMPORT_LINES = (
    '# On PostgreSQL: copy its data into SQLite at the switch (README "Bringing a Postgres '
    "app's data along\"); to opt out, delete this key\n"
    "import_data: {from: postgres}\n"
)


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
    ) + (IMPORT_LINES if found.postgres else "")


def write_spec(app_dir: Path, region: str | None = None) -> Path:
    """Write `app_dir/fly-sqlite.yml`; RunnerError when a spec is there already."""
    found = draft(app_dir, region)
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


def init_command(app_dir: Path, out: TextIO, region: str | None = None) -> int:
    target = write_spec(app_dir, region)  # a RunnerError is printed by the CLI (exit 1)
    try:
        (spec,) = load_specs([target])
    except SpecError as exc:
        out.write(f"wrote {target}, but it does not validate yet:\n{exc}\n")
        return 1
    out.write(
        f"wrote {target}: app {spec.app}, volume {spec.volume.name} ({spec.volume.size} GB) "
        f"in {spec.volume.region}, mounted at {spec.mount_path}\n"
        + (
            "the app is on PostgreSQL: import_data copies its data into SQLite at the switch\n"
            if spec.import_data is not None
            else ""
        )
        + f"next: `flyrun check {target}` shows what would change\n"
    )
    return 0
