"""The words of the live-data refusals (`runner.facts.live_data`): each function returns
`(found, fix)`, the two halves of `live data: <found>. <fix>` (PreflightRefused's shape).
They name the live file, where flyrun learnt it (evidence), and the spec change that adopts
it, or why none can; tests/facts/HAZARDS.md shows each one as printed."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from runner.facts.database import Database


@dataclass(frozen=True)
class Spec:
    """The spec values the decision needs."""

    mount_path: str
    database: str
    volume: str
    process_group: str = "app"
    groups_without_database: tuple[str, ...] = ()
    replace_database_url: bool = False
    import_data: bool = False  # bring the primary's Postgres data along (docs/import.md)
    file: str = "fly-sqlite.yml"

    @property
    def url(self) -> str:
        return f"sqlite3://{self.mount_path}/{self.database}"


class _Mount(Protocol):
    @property
    def source(self) -> str: ...
    @property
    def destination(self) -> str: ...


EMPTY = "the app would come up on a new, empty database there"


def label(name: str) -> str:
    return "the app's database" if name == "primary" else f"the {name} database"


def empty(name: str) -> str:
    return EMPTY if name == "primary" else f"{label(name)} would start empty there"


def series(items: Sequence[str]) -> str:
    """`a`, `a and b`, `a, b and c`."""
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _why(db: Database) -> str:
    """The evidence, shortened for a message: a plain sqlite3 adapter line says nothing
    (Refusal.evidence keeps every line)."""
    said = [e for e in db.evidence if not (db.adapter == "sqlite3" and ".adapter: " in e)]
    return "; ".join(said) or "flyrun found nothing that configures it"


def _size(size: int) -> str:
    for unit, scale in (("GB", 1 << 30), ("MB", 1 << 20), ("KB", 1 << 10)):
        if size >= scale:
            return f"{size / scale:.1f} {unit}"
    return f"{size} bytes"


def _url(db: Database) -> str:
    variable = db.url_variable or "DATABASE_URL"
    return f"{variable}=sqlite3://{db.path}" if db.path else f"{variable} as the spec says"


def _adopt(changes: Sequence[str], why_not: str | None, spec: Spec) -> str:
    if changes:
        return f"To adopt it, set {series([f'`{c}`' for c in changes])} in {spec.file}"
    return f"No spec change can adopt it: {why_not}" if why_not else "The spec already names it"


def other_database(db: Database) -> tuple[str, str]:
    found = f"{label(db.name)} is a {db.adapter} database server, not a SQLite file ({_why(db)})"
    fix = (
        "flyrun would point the app at a new, empty SQLite database and leave that data "
        "behind. Move the data to SQLite first (or, for the primary database on PostgreSQL, "
        "opt in with `import_data: {from: postgres}` in the spec), then run flyrun again"
    )
    return found, fix


def unknown_location(db: Database, spec: Spec) -> tuple[str, str]:
    found = f"flyrun cannot tell where {label(db.name)} is: {db.why_unknown} ({_why(db)})"
    if db.secret is not None:
        fix = (
            f"flyrun will not replace what the secret {db.secret} points at without knowing "
            "it: if it holds no data you need, set `replace_database_url: true` in "
            f"{spec.file} (or pass --replace-database-url)"
        )
    elif db.hint is not None:
        fix = f"{db.hint}; flyrun changes nothing until it knows where the live data is"
    else:
        fix = (
            'Write it in a form flyrun reads (a literal path, ENV["X"], ENV.fetch("X") '
            '{ "default" }, Rails.root.join(...)) or set the variable in fly.toml [env]; '
            "flyrun changes nothing until it knows where the live data is"
        )
    return found, fix


def adoption_fix(
    before: Database,
    after: Database,
    mount: _Mount | None,
    live: str,
    held: int | None,
    spec: Spec,
    changes: Sequence[str],
    why_not: str | None,
    *,
    unseen: str | None = None,
) -> tuple[str, str]:
    """Hazard 1: the live file is in the mount, flyrun's URL names another one. `held` is
    its size on the volume, None when flyrun could not look (`unseen` says why, when the
    caller knows: a refusal's report shows no findings)."""
    volume = f" on volume '{mount.source}'" if mount is not None else ""
    if held is None:
        why = unseen or "the report says why"
        seen = (
            f"flyrun could not look inside the volume ({why}), so it takes that file as live data"
        )
    else:
        seen = f"the volume holds it ({_size(held)})"
    found = f"{label(before.name)} is {live}{volume} ({_why(before)}); {seen}"
    fix = f"flyrun would set {_url(after)} and {empty(before.name)}. "
    fix += _adopt(changes, why_not, spec)
    return found, fix


def litestack_layout(
    before: Database, after: Database, mount: _Mount, spec: Spec
) -> tuple[str, str]:
    """Hazards 2 and 3: Litestack keeps the data in a folder per environment."""
    root = before.litestack_root or "Litesupport.root"
    found = (
        f"{label(before.name)} is {before.path}, in Litestack's data folder {root} on volume "
        f"'{mount.source}' ({_why(before)})"
    )
    what = f"flyrun would set {_url(after)}"
    if after.path and before.path and before.path.startswith(after.path.rstrip("/") + "/"):
        what += ", which is a folder of Litestack's, not a database file"
    elif after.path != before.path:
        what += f": {empty(before.name)}"
    if before.adapter == "litedb":
        what += "; and the sqlite3:// URL would switch the app from Litestack's litedb adapter "
        what += "to Rails' sqlite3 adapter"
    fix = (
        f"{what}. No spec change can adopt it: Litestack keeps one folder per environment "
        f"({root}/) holding the data, cache, queue and cable databases, while flyrun's "
        "DATABASE_URL names one file directly in mount_path. The data already lives on the "
        "volume: leave this app to Litestack rather than converting it"
    )
    return found, fix


def litedb_switch(before: Database, spec: Spec) -> tuple[str, str]:
    """Hazard 3 without data yet: flyrun's URL would still change the adapter."""
    found = f"{label(before.name)} uses Litestack's litedb adapter ({_why(before)})"
    fix = (
        f"A sqlite3:// DATABASE_URL ({spec.url}) would switch the app to Rails' sqlite3 "
        "adapter. Set production adapter: sqlite3 in config/database.yml first, or keep "
        "Litestack and point LITESTACK_DATA_PATH at a folder on the volume instead"
    )
    return found, fix


def not_on_volume(after: Database, spec: Spec) -> tuple[str, str]:
    """flyrun's URL would not reach the database (a `url:` wins, or it is not `primary`)."""
    where = after.path or after.why_unknown or "unknown"
    found = (
        f"with flyrun's DATABASE_URL ({spec.url}) {label(after.name)} would still be {where}, "
        f"not on the volume ({_why(after)})"
    )
    if after.url_key:
        fix = 'Remove its `url:` from config/database.yml or make it <%= ENV["DATABASE_URL"] %>'
    else:
        fix = (
            f"Rails gives DATABASE_URL only to a database named primary: rename "
            f"production.{after.name} to production.primary in config/database.yml"
        )
    return found, fix


def data_on_volume(
    stray: Mapping[str, int],
    volume: str,
    primary: Database | None,
    spec: Spec,
    changes: Sequence[str],
    why_not: str | None,
) -> tuple[str, str]:
    """The volume holds a database no configuration names, and the app would start empty."""
    files = series([f"{path} ({_size(size)})" for path, size in sorted(stray.items())])
    target = primary.path if primary is not None and primary.path else spec.url
    found = f"volume '{volume}' already holds {files}, which the app's configuration does "
    found += "not name"
    if len(stray) == 1 and changes:
        shown = series([f"`{c}`" for c in changes])
        fix = (
            f"flyrun would point the app at {target} instead. If it is the app's data, adopt "
            f"it: set {shown} in {spec.file}; if it is not, move it off the volume first"
        )
    elif len(stray) == 1:
        fix = (
            f"flyrun would point the app at {target} instead. No spec change can adopt it "
            f"({why_not or 'the spec already names it'}): move it, or off the volume, first"
        )
    else:
        fix = (
            f"flyrun would point the app at {target} instead. Name the one holding the app's "
            f"data in {spec.file} (`database:`), or move the others off the volume first"
        )
    return found, fix


def toml_in_step(mount: _Mount | None, declared: Sequence[_Mount]) -> str:
    """The words that keep fly.toml's [mounts] in step with the mount holding the live file,
    when the adopting spec alone would not: nothing when fly.toml already mounts that volume
    there. The machines may mount what fly.toml does not declare (`fly machines list`)."""
    if mount is None or any(
        d.source == mount.source and d.destination == mount.destination for d in declared
    ):
        return ""
    where = f"volume '{mount.source}' at {mount.destination}"
    if not declared:
        return (
            f". fly.toml has no [mounts], yet the machines mount {where} (fly machines list): "
            "with that spec flyrun adds it to fly.toml's [mounts], so deploys keep it"
        )
    said = series([f"'{d.source}' at {d.destination}" for d in declared])
    return (
        f". fly.toml's [mounts] says {said} while the machines mount {where} (fly machines "
        f"list): set its source = '{mount.source}' and destination = '{mount.destination}' too"
    )


def other_groups(others: Sequence[str], spec: Spec) -> tuple[str, str]:
    """Hazard 5: other process groups get DATABASE_URL but not the volume."""
    names = ", ".join(f"'{g}'" for g in others)
    group = f"'{spec.process_group}'"
    found = (
        f"fly.toml [processes] runs {names} besides {group}: volume '{spec.volume}' would be "
        f"mounted on {group} machines only, while DATABASE_URL, a secret, reaches every group"
    )
    listed = ", ".join(others)
    fix = (
        f"{names} machines would each get their own empty {spec.mount_path}/{spec.database} "
        f"on their own disk, not the app's data. Run that work in {group} (e.g. Solid Queue "
        f"inside Puma, or a Procfile run by foreman or overmind as the {group} command), "
        "remove the group from "
        f"fly.toml, or, if it never touches the database, declare "
        f"`groups_without_database: [{listed}]` in {spec.file}"
    )
    return found, fix


def undeclared_groups(machines: Mapping[str, Sequence[str]], spec: Spec) -> tuple[str, str]:
    """Machines run in process groups fly.toml does not declare (`machines`: group → ids).
    What `fly deploy` does to them is flyctl's (runner/facts/live_data.py UNDECLARED)."""
    names = ", ".join(f"'{g}'" for g in machines)
    ids = [i for found in machines.values() for i in found]
    if len(machines) == 1:
        runs = f"machine {ids[0]} runs in it" if len(ids) == 1 else f"machines {', '.join(ids)}"
        runs += "" if len(ids) == 1 else " run in it"
        said = f"process group {names}"
    else:
        listed = "; ".join(f"'{g}': {', '.join(found)}" for g, found in machines.items())
        runs, said = f"machines run in them ({listed})", f"process groups {names}"
    group, count = next(iter(machines)), len(next(iter(machines.values())))
    destroy = f'* destroy {count} "{group}" machine{"s" if count > 1 else ""}'
    found = (
        f"fly.toml does not declare {said} in [processes], but {runs}: `fly deploy` destroys "
        f"the machines of a group its fly.toml does not declare (flyctl: `{destroy}`), and a "
        "machine it does not manage (made by `fly machine run`) gets DATABASE_URL, a secret, "
        f"at its next start, without volume '{spec.volume}'"
    )
    fix = (
        "flyrun never destroys machines, nor lets another program of the app open an empty "
        f"{spec.mount_path}/{spec.database}. Declare the group in fly.toml [processes] with "
        "its command (its machines then stay, and flyrun asks how it uses the database, as "
        f"for every group there), or, if it is no longer used, destroy its machines (`fly "
        f"machine destroy {ids[0]}`) and run flyrun again"
    )
    return found, fix
