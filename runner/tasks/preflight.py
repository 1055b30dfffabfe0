"""Preflight checks (README "Preflight"): registered types a playbook lists under
`preflight:`. Every check of an app runs before its first effect; a refusal names the check,
what was found and what to do, and stops the app with nothing changed."""

from __future__ import annotations

import re
from typing import ClassVar

from runner.errors import FileError, Location, PreflightRefused
from runner.facts import GEMFILE
from runner.facts.dburl import in_mount, parse_url, redact
from runner.facts.flytoml import FILE as FLY_TOML
from runner.facts.live_data import Spec, other_groups_refusal
from runner.facts.mount_rules import mount_problems
from runner.syntax.toml import key_line
from runner.tasks.base import TaskContext
from runner.tasks.import_common import adopts
from runner.tasks.secret import SECRET, unverified, wanted_urls


class FlyTomlCheck:
    name: ClassVar[str] = "fly_toml"
    summary: ClassVar[str] = "fly.toml exists, parses, names the app and has the process group"
    remote: ClassVar[bool] = False

    def run(self, ctx: TaskContext) -> None:
        if ctx.read(FLY_TOML) is None:
            raise PreflightRefused(
                "fly.toml",
                f"no fly.toml in {ctx.spec.path}",
                "Run flyrun where the app's fly.toml is, or set `path` in the spec.",
            )
        try:
            fly = ctx.facts.fly_toml()
        except FileError as exc:
            at = exc.location
            where = Location(str(ctx.spec.fly_toml), at.line, at.column) if at else None
            found = exc.message if at else str(exc)  # the location says FILE:LINE:COL
            raise PreflightRefused(
                "fly.toml", found, "Fix fly.toml so that it parses.", location=where
            ) from exc
        group = ctx.spec.process_group
        if group not in fly.process_groups:  # the spec loader says it first, at the spec's line
            raise PreflightRefused(
                "process group",
                f"fly.toml has no process group {group!r} (it has {', '.join(fly.process_groups)})",
                "Set process_group in the spec to one of them.",
                location=_line_at(ctx, FLY_TOML, ctx.read(FLY_TOML) or "", _PROCESSES),
            )
        if fly.app is not None and fly.app != ctx.spec.app:
            raise PreflightRefused(
                "fly.toml app",
                f"fly.toml says app = {fly.app!r}, spec says {ctx.spec.app!r}",
                "Make the spec's `app` match fly.toml.",
            )


class MountRulesCheck:
    name: ClassVar[str] = "mount_rules"
    summary: ClassVar[str] = "fly.toml's [mounts] keep the rules flyctl enforces"
    remote: ClassVar[bool] = False

    def run(self, ctx: TaskContext) -> None:
        text = ctx.read(FLY_TOML) or ""
        problems = mount_problems(text)
        if problems:
            raise PreflightRefused(
                "fly.toml mounts",
                "; ".join(problems),
                "Fix the [mounts] section; flyctl would reject it too.",
                location=_line_at(ctx, FLY_TOML, text, _MOUNTS),
            )


# Where a refusal about a file points (CI annotates that line): the first [mounts] table or
# `mounts =` key of fly.toml; the line setting DATABASE_URL in fly.toml [env], or the
# Dockerfile ENV instruction (`runner/facts/dockerfile.py` names it `FILE:LINE ENV`).
_MOUNTS = re.compile(r"\s*(\[\[?\s*mounts?\s*\]\]?|mounts?\s*=)")
_PROCESSES = re.compile(r"\s*(\[\s*processes\s*\]|processes\s*=)")
_DOCKER_ENV = re.compile(r"(?P<file>.+):(?P<line>[0-9]+) ENV")


def _line_at(ctx: TaskContext, name: str, text: str, pattern: re.Pattern[str]) -> Location | None:
    for number, row in enumerate(text.splitlines(), 1):
        if pattern.match(row):
            return Location(str(ctx.path(name)), number, 1)
    return None


def _env_at(ctx: TaskContext, where: str) -> Location | None:
    docker = _DOCKER_ENV.fullmatch(where)
    if docker is not None:
        return Location(str(ctx.path(docker["file"])), int(docker["line"]), 1)
    line = key_line(ctx.read(FLY_TOML) or "", SECRET, "env")
    return Location(str(ctx.path(FLY_TOML)), line, 1) if line is not None else None


class ProcessGroupsCheck:
    """Secrets reach every machine of the app, a volume only the mounted group's: any other
    process group would open an empty SQLite file on its own disk (README "Preflight").
    The groups are fly.toml's and, online, those the app's machines run in (`fly machines
    list`): a group fly.toml does not declare is no safer, and `fly deploy` destroys its
    machines (runner/facts/live_data.py UNDECLARED)."""

    name: ClassVar[str] = "process_groups"
    summary: ClassVar[str] = (
        "no other process group (in fly.toml, or running machines) would get the database URL "
        "without the volume"
    )
    remote: ClassVar[bool] = False  # offline it judges fly.toml's groups alone

    def run(self, ctx: TaskContext) -> None:
        spec = ctx.spec
        wanted = Spec(
            spec.mount_path,
            spec.database,
            spec.volume.name,
            spec.process_group,
            spec.groups_without_database,
            file=spec.spec_file.name,
        )
        remote = ctx.facts.remote
        machines = [(m.id, m.group) for m in remote.machines()] if remote.online else []
        refusal = other_groups_refusal(ctx.facts.fly_toml().process_groups, wanted, machines)
        if refusal is not None:
            raise PreflightRefused(refusal.check, refusal.found, refusal.fix)


class LayoutCheck:
    name: ClassVar[str] = "layout"
    summary: ClassVar[str] = "something recognisable starts the server and runs migrations"
    remote: ClassVar[bool] = False

    def run(self, ctx: TaskContext) -> None:
        layout = ctx.facts.layout(ctx.spec.process_group)
        if layout.problem is not None:
            raise PreflightRefused(
                "layout",
                f"{layout.kind} ({'; '.join(layout.evidence)})",
                layout.problem[0].upper() + layout.problem[1:] + ".",
            )


class MachinesCheck:
    name: ClassVar[str] = "machines"
    summary: ClassVar[str] = "the group's machines are in the volume's region, at most one"
    remote: ClassVar[bool] = True

    def run(self, ctx: TaskContext) -> None:
        spec = ctx.spec
        group = [m for m in ctx.facts.remote.machines() if m.group == spec.process_group]
        away = [m for m in group if m.region != spec.volume.region]
        if away:
            found = ", ".join(f"{m.id} in {m.region}" for m in away)
            raise PreflightRefused(
                "machine regions",
                f"machines of '{spec.process_group}' outside {spec.volume.region}: {found}",
                "A volume attaches only in its region: move or destroy those machines, or use "
                f"region {away[0].region} (as volume.region and as fly.toml's primary_region, "
                "which must agree).",
            )
        if len(group) > 1:
            raise PreflightRefused(
                "machine count",
                f"{len(group)} machines in '{spec.process_group}'",
                "SQLite has one writer and a volume attaches to one machine: "
                f"`fly scale count 1 --process-group {spec.process_group}` first.",
            )


class GemCheck:
    name: ClassVar[str] = "sqlite3_gem"
    summary: ClassVar[str] = "the sqlite3 gem is in the production bundle"
    remote: ClassVar[bool] = False

    def run(self, ctx: TaskContext) -> None:
        verdict = ctx.facts.sqlite3_gem()
        if verdict is None:
            raise PreflightRefused(
                "sqlite3 gem",
                f"no {GEMFILE} in {ctx.spec.path}",
                "flyrun converts Rails apps; point `path` at the app.",
            )
        if not verdict.ok:
            raise PreflightRefused(
                "sqlite3 gem",
                "sqlite3 is not in the production bundle",
                verdict.message,
                location=verdict.at(str(ctx.path(GEMFILE))),
            )


# A Postgres URL baked into a file can be brought along once it is the app's secret, as
# `fly postgres attach` leaves it: import_data reads that secret (docs/import.md).
_IMPORT_HINT = (
    "; or let flyrun copy it: remove it from {where}, set it as the app's secret "
    "(`fly secrets set DATABASE_URL=…`, deploy), and add `import_data: {{from: postgres}}` to "
    "the spec (docs/import.md)."
)


def _postgres(url: str) -> bool:
    return url.split("://", 1)[0].lower() in ("postgres", "postgresql")


class EnvDatabaseUrlCheck:
    """A DATABASE_URL baked into fly.toml [env] or the Dockerfile is reused when it points
    into the mount; anything else would fight the volume, so it is refused with the reason."""

    name: ClassVar[str] = "env_database_url"
    summary: ClassVar[str] = "no DATABASE_URL in fly.toml [env] or the Dockerfile points elsewhere"
    remote: ClassVar[bool] = False

    def run(self, ctx: TaskContext) -> None:
        mount = ctx.spec.mount_path
        for env in ctx.facts.env_values(SECRET):
            parsed = parse_url(env.value)
            if parsed.kind == "sqlite" and in_mount(env.value, mount):
                continue
            shown = f"{env.where} sets DATABASE_URL={redact(env.value)}"
            at = _env_at(ctx, env.where)
            if parsed.kind == "two_slashes":
                raise PreflightRefused(
                    "DATABASE_URL elsewhere",
                    f"{shown}, with two slashes: Rails reads the first path segment as a host "
                    "and drops it",
                    f"Remove it (flyrun points DATABASE_URL into {mount}) or write three slashes.",
                    location=at,
                )
            if parsed.kind in ("sqlite", "relative"):
                raise PreflightRefused(
                    "DATABASE_URL elsewhere",
                    f"{shown}, outside the mount {mount}",
                    f"Remove it or point it into {mount}: the data would otherwise stay on the "
                    "machine's ephemeral disk.",
                    location=at,
                )
            raise PreflightRefused(
                "DATABASE_URL elsewhere",
                f"{shown}: another database",
                "flyrun never overrides another database silently: the data would stay behind "
                "in it. Move the data to SQLite first, then remove that DATABASE_URL"
                + (_IMPORT_HINT.format(where=env.where) if _postgres(env.value) else "."),
                location=at,
            )


class SecretReplaceableCheck:
    """An existing DATABASE_URL secret flyrun cannot verify equal is never replaced: apply
    refuses, and check says so (a failure, not `unknown`: its next command would be an
    apply that refuses)."""

    name: ClassVar[str] = "secret_replaceable"
    summary: ClassVar[str] = (
        "never replace a DATABASE_URL secret flyrun cannot verify (unless allowed)"
    )
    remote: ClassVar[bool] = True

    def run(self, ctx: TaskContext) -> None:
        if ctx.replace_database_url:
            return
        wanted = wanted_urls(ctx, ctx.spec.mount_path, ctx.spec.database)
        for want, verdict in unverified(ctx, wanted):
            current = ctx.facts.remote.secret(want.name)
            if current is not None and adopts(ctx, current):
                continue  # the Postgres database import_data copies (docs/import.md)
            raise PreflightRefused(
                f"existing {want.name} secret",
                f"cannot be verified equal: {verdict.reason}",
                "The app may be on another database and would come up empty. Set "
                "replace_database_url: true in the spec (or pass --replace-database-url) to "
                "replace it.",
            )
