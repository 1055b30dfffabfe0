"""Preflight `live_data`: flyrun never points the app at a database file other than the one
holding its live data (README "Live data").

Where the database is comes from everything that decides it in Rails
(`runner/facts/database.py`): database.yml's entries for RAILS_ENV, DATABASE_URL and friends in
fly.toml `[env]`, the Dockerfile's `ENV` and secrets, .env files dotenv loads, Rails.root (the
Dockerfile's WORKDIR), and Litestack; a path is on a volume when fly.toml or a machine mounts
one there. What the volume holds is looked at from a running machine of the group (`fly ssh
console`, read-only), only when the decision depends on it: not for an app whose secret is
already verified and whose machines already use the volume. The decision itself is
`runner/facts/live_data.py`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from runner.errors import PreflightRefused, RunnerError
from runner.facts import DATABASE_YML, GEMFILE_LOCK
from runner.facts.database import DatabaseFacts, locate_databases
from runner.facts.erb import Setting
from runner.facts.live_data import GROUPS, Decision, Spec, decide
from runner.facts.mounts import (
    Mount,
    VolumeFile,
    machine_mounts,
    mount_of,
    mounted_volume,
    volume_names,
)
from runner.facts.remote import Offline, VolumeListing
from runner.flyctl.parse import Machine
from runner.tasks.base import TaskContext
from runner.tasks.import_common import adopts, importing, known, source
from runner.tasks.secret import Wanted, verify, wanted_urls


def _verified(ctx: TaskContext, wanted: tuple[Wanted, ...]) -> dict[str, str]:
    """Secrets whose value flyrun knows: verified equal to the wanted URL."""
    known = {}
    state = ctx.spec.state_file.name
    for want in wanted:
        current = ctx.facts.remote.secret(want.name) if ctx.facts.remote.online else None
        if current is not None:
            verdict = verify(ctx.facts.record(want.name), current.digest, want.value, state)
            if verdict.equal:
                known[want.name] = want.value
    return known


def locate(
    ctx: TaskContext, verified: dict[str, str], origins: dict[str, str] | None = None
) -> DatabaseFacts:
    secrets = tuple(s.name for s in ctx.facts.remote.secrets()) if ctx.facts.remote.online else ()
    env = tuple(Setting(e.where, e.name, e.value, e.unknown) for e in ctx.facts.env())
    return locate_databases(
        ctx.read(DATABASE_YML),
        env,
        secrets,
        verified=verified,
        gemfile_lock=ctx.read(GEMFILE_LOCK),
        rails_root=ctx.facts.rails_root(),
        dotenv=ctx.facts.dotenv(),
        origins=origins,
    )


def _group_machines(ctx: TaskContext) -> list[Machine]:
    """The machines of the spec's process group (none offline: validate, check --offline)."""
    if not ctx.facts.remote.online:
        return []
    return [m for m in ctx.facts.remote.machines() if m.group == ctx.spec.process_group]


def _listed_volume(ctx: TaskContext, located: DatabaseFacts, mounts: tuple[Mount, ...]) -> str:
    """The volume to look into: the one the group's machines mount where the app's database
    is (it may not be the spec's; a mount named by volume id only is named from the
    volume list), else the spec's."""
    path = located.primary.path if located.primary is not None else None
    group = [m for m in mounts if ctx.spec.process_group in (m.processes or ())]
    mount = mount_of(path, group) if path is not None else None
    return mount.source if mount is not None else ctx.spec.volume.name


@dataclass(frozen=True)
class _Look:
    """A look inside the volume: its SQLite files (None: not looked), the report's line,
    and why flyrun could not look (for a refusal, which the report's findings do not show)."""

    files: list[VolumeFile] | None
    line: str
    why: str | None = None


def _listing(ctx: TaskContext, verified: dict[str, str], volume: str) -> _Look:
    """The SQLite files on `volume`, from a started machine that mounts it."""
    spec = ctx.spec
    if not ctx.facts.remote.online:
        return _Look(None, "offline: flyrun did not look inside the volume", "offline")
    region = spec.volume.region
    if volume == spec.volume.name and not any(
        v.name == volume and v.region == region for v in ctx.facts.remote.volumes()
    ):
        return _Look([], f"volume {volume} does not exist yet: it holds no data")
    machines = _group_machines(ctx)
    names = volume_names(ctx.facts.remote.volumes())
    mounted = [
        (m, mount.path)
        for m in machines
        for mount in m.mounts
        if mounted_volume(mount, names) == volume
    ]
    if "DATABASE_URL" in verified and machines and len(mounted) == len(machines):
        why = "the secret is verified and the machines use it"
        return _Look(None, f"not looked inside the volume: {why}", why)
    started = [(m, path) for m, path in mounted if m.state == "started"]
    if not started:
        why = "no started machine of the group mounts it" if mounted else "no machine mounts it"
        line = f"could not look inside volume {volume}: {why}; decided on the files alone"
        return _Look(None, line, f"volume {volume}: {why}")
    machine, path = started[0]
    try:
        found: VolumeListing = ctx.facts.remote.volume_files(machine.id, path)
    except (RunnerError, Offline) as exc:
        why = f"volume {volume} on machine {machine.id}: {exc}"
        return _Look(None, f"could not look inside {why}", why)
    files = [VolumeFile(f.path, f.size) for f in found.files]
    shown = ", ".join(f"{f.path} ({_size(f.size)})" for f in files) or "no SQLite file"
    return _Look(files, f"volume {volume} at {path} on machine {machine.id} holds {shown}")


def _size(count: int) -> str:
    for unit, scale in (("GB", 1 << 30), ("MB", 1 << 20), ("kB", 1 << 10)):
        if count >= scale:
            return f"{count / scale:.1f} {unit}"
    return f"{count} bytes"


def _adopted(ctx: TaskContext, verified: dict[str, str]) -> tuple[dict[str, str], dict[str, str]]:
    """The Postgres DATABASE_URL that import_data copies: its value is known (read this
    run), so the app's database is located as the Postgres server it is; and how it is
    known, for the evidence (never "verified": flyrun did not set it)."""
    if not importing(ctx) or "DATABASE_URL" in verified or not ctx.facts.remote.online:
        return {}, {}
    current = ctx.facts.remote.secret("DATABASE_URL")
    url = source(ctx) if current is not None and adopts(ctx, current) else None
    if url is None:
        return {}, {}
    return {"DATABASE_URL": url.value}, {"DATABASE_URL": f"read this run: {known(ctx)}"}


def decision(ctx: TaskContext) -> tuple[Decision, DatabaseFacts, str]:
    spec = ctx.spec
    verified = _verified(ctx, wanted_urls(ctx, spec.mount_path, spec.database))
    adopted, origins = _adopted(ctx, verified)
    located = locate(ctx, {**verified, **adopted}, origins)
    mounts = _machine_mounts(ctx)
    listed = _listed_volume(ctx, located, mounts)
    look = _listing(ctx, verified, listed)
    wanted = Spec(
        spec.mount_path,
        spec.database,
        spec.volume.name,
        spec.process_group,
        spec.groups_without_database,
        ctx.replace_database_url,
        import_data=spec.import_data is not None,
        file=spec.spec_file.name,
    )
    decided = decide(
        located,
        wanted,
        ctx.facts.fly_toml().mounts,
        volume_files=look.files,
        machine_mounts=mounts,
        listed_volume=listed,
        unseen=look.why,
    )
    return decided, located, look.line


def _machine_mounts(ctx: TaskContext) -> tuple[Mount, ...]:
    """What the app's machines mount now, whatever fly.toml says (none offline)."""
    if not ctx.facts.remote.online:
        return ()
    return machine_mounts(ctx.facts.remote.machines(), ctx.facts.remote.volumes())


def findings(located: DatabaseFacts, looked: str, decided: Decision) -> tuple[str, ...]:
    """The database-location fact with its evidence, for the report."""
    lines = []
    for db in located.databases:
        where = db.path or db.why_unknown or "unknown"
        lines.append(f"database {db.name}: {where} ({db.kind}, {db.adapter or 'no adapter'})")
        lines += [f"  evidence: {e}" for e in db.evidence]
    lines.append(looked)
    lines += [f"note: {n}" for n in decided.notes]
    return tuple(lines)


class LiveDataCheck:
    name: ClassVar[str] = "live_data"
    summary: ClassVar[str] = (
        "the database URL flyrun sets names the file holding the app's live data, or no data "
        "exists anywhere (looks inside the volume when that decides it)"
    )
    remote: ClassVar[bool] = False  # offline it decides on the files alone

    def run(self, ctx: TaskContext) -> tuple[str, ...]:
        decided, located, looked = decision(ctx)
        for refusal in decided.refusals:
            if refusal.check == GROUPS:
                continue  # `process_groups` says it
            db = located.database(refusal.database or "")
            if not ctx.apply and db is not None and db.secret is not None and db.kind == "unknown":
                continue  # check: the secret task reports it unknown; apply refuses it
            raise PreflightRefused("live data", refusal.found, refusal.fix)
        return findings(located, looked, decided)
