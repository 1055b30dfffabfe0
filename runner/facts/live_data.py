"""The decision that keeps live data: may flyrun point the app at the spec's database file?

README "Live data": flyrun never points DATABASE_URL at a file other
than the one holding the app's live data. Live data is a SQLite file under a mount
destination (a volume survives deploys); a file on a machine's root filesystem is reset from
the image on every deploy and restart, so nothing there outlives the next restart and it is
not data flyrun can abandon (the decision says so in a note). Another database server
(Postgres, MySQL) holds live data elsewhere. flyrun compares where each database is now
(`runner.facts.database`) with where it would be once flyrun's URL variables are set, and
with what the volume holds when a machine could be looked into.
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from runner.facts.database import Database, DatabaseFacts
from runner.facts.live_text import (
    Spec,
    adoption_fix,
    data_on_volume,
    label,
    litedb_switch,
    litestack_layout,
    not_on_volume,
    other_database,
    other_groups,
    toml_in_step,
    undeclared_groups,
    unknown_location,
)
from runner.facts.mounts import (
    Mount,
    MountLike,
    VolumeFile,
    VolumeView,
    mount_of,
    under,
    volume_view,
)
from runner.facts.url_chars import parse_database_url, url_unsafe

LIVE = "live data"
GROUPS = "process groups"
# UNDECLARED: what `fly deploy` does to machines of a process group its fly.toml does not
# declare (flyctl internal/command/deploy/machines_deploymachinesapp.go; since v0.0.474
# "Process Groups for V2/Machines", 2023-03): `resolveProcessGroupChanges` puts every machine
# whose `fly_process_group` is not in the config's groups in `machinesToRemove`,
# `warnAboutProcessGroupChanges` prints `Process groups have changed. This will:` and
# ` * destroy 1 "worker" machine`, and `deployMachinesApp` destroys them (`machcmd.Destroy`,
# forced) before updating the rest. Only machines of the Fly apps platform are in that set
# (`ListFlyAppsMachines`: `fly_platform_version` v2, not the release command's or `fly
# console`'s); others (`fly machine run`) are left alone and get the app's secrets when they
# next start ("available as environment variables on every Machine belonging to that Fly
# App, whether the Machine is part of Fly Launch or not": fly.io/docs/reference/secrets).
# Either way the group's work is lost or runs on an empty database, so flyrun
# refuses (docs/reference/flyctl.md §4.2).
# Groups flyctl keeps for itself (fly-go `MachineProcessGroupFlyAppReleaseCommand`,
# `MachineProcessGroupFlyAppConsole`): short-lived machines, not the app's programs.
RESERVED = frozenset({"fly_app_release_command", "fly_app_console"})
# What import_data copies (runner/data/flyrun_import.rake): the primary database, from these.
IMPORTABLE = frozenset({"postgresql", "postgres", "postgis"})


@dataclass(frozen=True)
class Refusal:
    """Why flyrun must not go on: `check: found. fix`, fit for PreflightRefused."""

    check: str
    found: str
    fix: str
    database: str | None = None
    live: str | None = None
    evidence: tuple[str, ...] = ()
    spec_change: tuple[str, ...] = ()

    @property
    def message(self) -> str:
        return f"{self.check}: {self.found}. {self.fix}"


@dataclass(frozen=True)
class Decision:
    """`ok` when nothing is refused; `adopted` lists live files flyrun keeps using and
    `planned` the URL variables it would set (values are SQLite paths, never credentials)."""

    refusals: tuple[Refusal, ...]
    adopted: tuple[str, ...]
    planned: Mapping[str, str]
    notes: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return not self.refusals


def planned_urls(facts: DatabaseFacts, spec: Spec) -> dict[str, str]:
    """The URL variables flyrun would set: DATABASE_URL (a SQLite URL already in fly.toml
    [env] or the Dockerfile that points into the mount is reused as it is), and for each
    other database without a `url:`, NAME_DATABASE_URL with dockerfile-rails' naming
    (production.sqlite3 → production_cache.sqlite3)."""
    primary = spec.url
    for found in facts.sources.env:
        value = found.value
        path = _sqlite_path(value) if found.name == "DATABASE_URL" and not found.unknown else None
        if path is not None and posixpath.dirname(path) == spec.mount_path:
            primary = value
    planned = {"DATABASE_URL": primary}
    stem, suffix = posixpath.splitext(posixpath.basename(_sqlite_path(primary) or spec.database))
    for database in facts.databases[1:]:
        variable = database.url_variable
        if variable is not None:  # runner/facts/dburl.py derived_database: production_cache.sqlite
            derived = f"{stem}_{database.name}{suffix}"
            planned[variable] = f"sqlite3://{spec.mount_path}/{derived}"
    return planned


def decide(
    facts: DatabaseFacts,
    spec: Spec,
    mounts: Iterable[MountLike],
    *,
    process_groups: Sequence[str] = (),
    volume_files: Iterable[VolumeFile] | None = None,
    machine_mounts: Iterable[MountLike] = (),
    listed_volume: str | None = None,
    unseen: str | None = None,
) -> Decision:
    """Adopt (the live data, if any, is exactly where flyrun points) or refuse, for every
    production database, the files on the volume, and the app's other process groups.
    `mounts` are fly.toml's; `machine_mounts` the ones the machines have now
    (runner/facts/mounts.py machine_mounts): a path under either is on a volume, the
    machines' first. `volume_files` lists volume `listed_volume` (default: the spec's);
    None means flyrun could not look (offline, or no started machine mounts it), `unseen`
    says why."""
    place = _Place(tuple(machine_mounts) + tuple(mounts), tuple(mounts), spec, unseen)
    planned = planned_urls(facts, spec)
    after = facts.with_secrets(planned)
    volume = volume_view(place.mounts, listed_volume or spec.volume, volume_files)
    refusals: list[Refusal] = []
    notes: list[str] = list(facts.notes)
    adopted: list[str] = []
    for index, before in enumerate(facts.databases):
        now = after.database(before.name) or before
        refusal, note, live = _judge(before, now, place, volume, first=index == 0)
        refusals += [refusal] if refusal else []
        notes += [note] if note else []
        adopted += [live] if live and refusal is None else []
    stray = _stray(facts, after, place, volume, listed_volume or spec.volume)
    if stray is not None and not any(r.live for r in refusals) and not adopted:
        refusals.append(stray)
    elif stray is not None:
        notes.append(f"{stray.found}; flyrun leaves it alone")
    groups = other_groups_refusal(process_groups, spec)
    refusals += [groups] if groups else []
    return Decision(tuple(refusals), tuple(adopted), planned, tuple(notes))


@dataclass(frozen=True)
class _Place:
    """Where things are: every mount (the machines' first), fly.toml's own, the spec, and
    why flyrun could not look inside the volume (when it could not)."""

    mounts: tuple[MountLike, ...]
    declared: tuple[MountLike, ...]
    spec: Spec
    unseen: str | None = None


def other_groups_refusal(
    process_groups: Sequence[str], spec: Spec, machines: Sequence[tuple[str, str]] = ()
) -> Refusal | None:
    """Groups besides the mounted one get DATABASE_URL (an app-wide secret) but not the
    volume (one volume attaches to one machine), so they would each write their own
    database on their own disk; refused unless declared `groups_without_database`. The
    groups are fly.toml's `process_groups` and those the app's `machines` (id, group) run
    in: a group fly.toml does not declare is refused the same way (UNDECLARED)."""
    skip = {spec.process_group, *spec.groups_without_database}
    others = [g for g in dict.fromkeys(process_groups) if g not in skip]
    undeclared: dict[str, list[str]] = {}
    for machine, group in machines:
        if group not in skip and group not in process_groups and group not in RESERVED:
            undeclared.setdefault(group, []).append(machine)
    parts = [other_groups(others, spec)] if others else []
    parts += [undeclared_groups(undeclared, spec)] if undeclared else []
    if not parts:
        return None
    found, fix = "; ".join(f for f, _ in parts), ". ".join(x for _, x in parts)
    change = (f"groups_without_database: [{', '.join(others)}]",) if others else ()
    return Refusal(GROUPS, found, fix, spec_change=change)


def _judge(
    before: Database, after: Database, place: _Place, volume: VolumeView, *, first: bool
) -> tuple[Refusal | None, str | None, str | None]:
    """One database: a refusal, a note, and the live file flyrun keeps (if any). `first`:
    the first one is Rails' primary, the database flyrun's DATABASE_URL must reach."""
    spec = place.spec
    if before.kind == "other_database":
        if spec.import_data and first and before.adapter in IMPORTABLE:
            note = f"{label(before.name)} is a {before.adapter} database; import_data brings it"
            return None, note, None
        return _refuse(before, *other_database(before)), None, None
    if before.kind == "no_database":
        note = f"{label(before.name)}: {before.why_unknown}, so there is no data to keep"
        refused = first and not _on_volume(after, spec)
        return (_refuse(before, *not_on_volume(after, spec)) if refused else None), note, None
    if before.kind == "unknown" or before.path is None:
        if before.secret is not None and spec.replace_database_url:
            note = f"{label(before.name)}: {before.why_unknown}; replace_database_url allows "
            note += "replacing it"
            return None, note, None
        return _refuse(before, *unknown_location(before, spec)), None, None
    mount = mount_of(before.path, place.mounts)
    held = volume.size(before.path) if mount is not None else 0
    live = before.path if held is None or held > 0 else None
    if before.kind == "litestack":
        return _litestack(before, after, mount, live, spec)
    # live data kept only where flyrun points *and* on the spec's volume: the same path on
    # another volume (the machines mount `olddata` at /data, the spec says `data` at /data)
    # would come up as a new, empty volume at that path, the live one left detached
    elsewhere = after.path != live or (mount is not None and mount.source != spec.volume)
    if live is not None and elsewhere:
        return _elsewhere(before, after, mount, live, held, place), None, None
    if live is None and not _on_volume(after, spec) and first:
        return _refuse(before, *not_on_volume(after, spec)), None, None
    if live is not None:
        return None, None, live
    kept = after.path if after.path and (volume.size(after.path) or 0) > 0 else None
    return None, _nothing_live(before, mount is None), kept


def _nothing_live(before: Database, ephemeral: bool) -> str:
    """Why a database file that is not on a volume (or not there yet) is no live data."""
    if ephemeral:
        return (
            f"{label(before.name)} is now {before.path}, on the machine's root filesystem, "
            "which Fly resets from the image on every deploy and restart: no data there "
            "outlives a restart, so there is none to keep"
        )
    return f"{label(before.name)} is named {before.path}, which holds no data on the volume yet"


def _litestack(
    before: Database, after: Database, mount: MountLike | None, live: str | None, spec: Spec
) -> tuple[Refusal | None, str | None, str | None]:
    if live is not None and mount is not None:
        return _refuse(before, *litestack_layout(before, after, mount, spec), live=live), None, None
    if before.adapter == "litedb" and after.adapter != "litedb":
        return _refuse(before, *litedb_switch(before, spec)), None, None
    return None, _nothing_live(before, mount is None), None


def _elsewhere(
    before: Database,
    after: Database,
    mount: MountLike | None,
    live: str,
    held: int | None,
    place: _Place,
) -> Refusal:
    spec = place.spec
    if before.name == "primary":
        changes, why_not = _adoption(live, place.mounts, spec)
    else:  # flyrun derives its file name from `database` (runner/facts/dburl.py derived_database)
        name = posixpath.basename(after.path or "")
        changes, why_not = (
            (),
            (
                f"flyrun names its file after `database` ({name}); rename it to that with the app "
                f"stopped, or give production.{before.name} a `url:` of its own"
            ),
        )
    found, fix = adoption_fix(
        before, after, mount, live, held, spec, changes, why_not, unseen=place.unseen
    )
    fix += toml_in_step(mount, place.declared) if changes else ""
    return _refuse(before, found, fix, live=live, spec_change=changes)


def _stray(
    facts: DatabaseFacts, after: DatabaseFacts, place: _Place, volume: VolumeView, listed: str
) -> Refusal | None:
    """Databases on the volume that no configuration names, when the app would otherwise
    start empty: most likely the app's data from an earlier setup."""
    named = {d.path for d in (*facts.databases, *after.databases) if d.path}
    roots = [r for r in (facts.litestack_root, *(d.litestack_root for d in facts.databases)) if r]
    stray = {
        p: s
        for p, s in (volume.files or {}).items()
        if s > 0 and p not in named and not any(under(p, r) for r in roots)
    }
    if not stray:
        return None
    first = sorted(stray)[0]
    spec = place.spec
    changes, why_not = _adoption(first, place.mounts, spec) if len(stray) == 1 else ((), None)
    found, fix = data_on_volume(stray, listed, after.primary, spec, changes, why_not)
    fix += toml_in_step(mount_of(first, place.mounts), place.declared) if changes else ""
    return Refusal(LIVE, found, fix, "primary", first, (), changes)


def _refuse(
    db: Database, found: str, fix: str, live: str | None = None, spec_change: tuple[str, ...] = ()
) -> Refusal:
    return Refusal(LIVE, found, fix, db.name, live, db.evidence, spec_change)


def _adoption(
    live: str, mounts: tuple[MountLike, ...], spec: Spec
) -> tuple[tuple[str, ...], str | None]:
    """The spec lines that make flyrun's URL name `live`, or why no spec change can."""
    mount = mount_of(live, mounts)
    if mount is None:
        return (), f"{live} is on no volume"
    folder, name = posixpath.split(live)
    if folder != mount.destination.rstrip("/"):
        return (), (
            f"it is in a subfolder of the mount ({folder}), and `database` is a file "
            f"name directly in mount_path; move it to {mount.destination} first"
        )
    if url_unsafe(folder) or url_unsafe(name) or not _plain(name):
        return (), f"its path {live!r} cannot be written as flyrun's DATABASE_URL"
    changes = []
    if mount.source != spec.volume:
        changes.append(f"volume.name: {mount.source}")
    if folder != spec.mount_path:
        changes.append(f"mount_path: {folder}")
    if name != spec.database:
        changes.append(f"database: {name}")
    if mount.processes and spec.process_group not in mount.processes:
        changes.append(f"process_group: {mount.processes[0]}")
    return tuple(changes), None


def _plain(name: str) -> bool:
    """The spec's `database` rule: ^[A-Za-z0-9][A-Za-z0-9._-]*$ (runner/spec_rules.py)."""
    return (
        bool(name)
        and name[0].isascii()
        and name[0].isalnum()
        and all(c.isascii() and (c.isalnum() or c in "._-") for c in name)
    )


def _on_volume(database: Database, spec: Spec) -> bool:
    return database.path is not None and posixpath.dirname(database.path) == spec.mount_path


def _sqlite_path(url: str) -> str | None:
    """The absolute path of a sqlite3 URL (None for anything else)."""
    parsed = parse_database_url(url)
    ok = parsed.adapter == "sqlite3" and parsed.database and parsed.database.startswith("/")
    return posixpath.normpath(parsed.database or "") if ok else None


__all__ = [
    "Decision",
    "Mount",
    "MountLike",
    "Refusal",
    "Spec",
    "VolumeFile",
    "decide",
    "other_groups_refusal",
    "planned_urls",
]
