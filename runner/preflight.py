"""Preflight checks (DESIGN §5): all of them run before the first effect; a refusal names the
check, what was found and what to do, and stops the app with nothing changed."""

from __future__ import annotations

import re
from collections.abc import Iterator

from runner.errors import EditRefused, FlyctlError, PreflightRefused
from runner.flyctl import Flyctl
from runner.model import Status, WriteFile
from runner.tasks.base import TaskContext
from runner.tasks.files import FLY_TOML, GEMFILE_LOCK
from runner.tasks.secret import SECRET

MIN_FLYCTL = (0, 1, 0)
_DOCKER_ENV = re.compile(
    r"""^\s*ENV\s+(?:.*\s)?DATABASE_URL(?:=|\s+)["']?(?P<value>[^"'\s\\]+)""",
    re.IGNORECASE | re.MULTILINE,
)


def flyctl_preflight(flyctl: Flyctl) -> str:
    """Once per run: a recent enough flyctl, logged in. Returns a one-line description."""
    try:
        version = flyctl.version()
    except FlyctlError as exc:
        raise PreflightRefused(
            "flyctl version",
            f"`fly version` failed: {exc.stderr.strip() or f'exit {exc.exit_code}, no output'}",
            "Check that the flyctl binary works.",
        ) from exc
    if version is None or version < MIN_FLYCTL:
        shown = "unrecognised" if version is None else "v" + ".".join(map(str, version))
        raise PreflightRefused(
            "flyctl version",
            f"flyctl {shown}",
            "Upgrade flyctl to v0.1.0 or newer (`fly version upgrade`).",
        )
    try:
        email = flyctl.whoami()
    except FlyctlError as exc:
        raise PreflightRefused(
            "flyctl login",
            "flyctl says: " + (_first_line(exc.stderr) or "not logged in"),
            "Run `fly auth login`, or set FLY_API_TOKEN.",
        ) from exc
    return f"flyctl v{'.'.join(map(str, version))}, logged in as {email}"


def _first_line(stderr: str) -> str:
    """flyctl's error without its `Error: ` prefix (`Error ` before v0.1.79)."""
    for line in stderr.splitlines():
        if line.strip():
            return line.strip().removeprefix("Error:").removeprefix("Error ").strip()
    return ""


def app_preflight(ctx: TaskContext, *, apply: bool) -> None:
    """Per app; raises PreflightRefused on the first failing check."""
    for check in (_fly_toml, _layout, _machines, _gem, _env_database_url):
        check(ctx)
    if apply:
        _secret_replaceable(ctx)


OFFLINE_TASKS = ("fly_toml_mount", "migrations", "production_warning")


def offline_problems(ctx: TaskContext) -> list[str]:
    """What `validate` can refuse without flyctl: the file-only preflight checks, then a
    check of the file tasks (a mount conflict, a fly.rake form flyrun cannot edit)."""
    from runner.playbook import render

    for check in (_fly_toml, _layout, _gem, _env_database_url):
        try:
            check(ctx)
        except PreflightRefused as exc:
            return [f"{exc.check} refused: {exc.found}. {exc.fix}"]
    problems = []
    for step in render(ctx.spec).steps:
        if step.type in OFFLINE_TASKS:
            outcome = step.task.check(ctx)
            for effect in outcome.effects:
                if isinstance(effect, WriteFile):
                    ctx.files.plan(effect.path, effect.new)
            if outcome.status is Status.FAILED:
                problems.append(f"{step.task.name}: {outcome.message}")
    return problems


def _fly_toml(ctx: TaskContext) -> None:
    from runner.handlers.flytoml import mount_problems, parse_fly_toml

    text = ctx.read(FLY_TOML)
    if text is None:
        raise PreflightRefused(
            "fly.toml",
            f"no fly.toml in {ctx.spec.path}",
            "Run flyrun where the app's fly.toml is, or set `path` in the spec.",
        )
    try:
        fly = parse_fly_toml(text)
        problems = mount_problems(text)
    except EditRefused as exc:
        raise PreflightRefused("fly.toml", str(exc), "Fix fly.toml so that it parses.") from exc
    app = fly.app
    group = ctx.spec.process_group
    if group not in fly.process_groups:
        raise PreflightRefused(
            "process group",
            f"fly.toml has no process group {group!r} (it has {', '.join(fly.process_groups)})",
            "Set process_group in the spec to one of them.",
        )
    if app is not None and app != ctx.spec.app:
        raise PreflightRefused(
            "fly.toml app",
            f"fly.toml says app = {app!r}, spec says {ctx.spec.app!r}",
            "Make the spec's `app` match fly.toml.",
        )
    if problems:
        raise PreflightRefused(
            "fly.toml mounts",
            "; ".join(problems),
            "Fix the [mounts] section; flyctl would reject it too.",
        )


def _layout(ctx: TaskContext) -> None:
    from runner.tasks.migrations import app_layout

    layout = app_layout(ctx)
    if layout.problem is not None:
        raise PreflightRefused(
            "layout",
            f"{layout.kind} ({'; '.join(layout.evidence)})",
            layout.problem[0].upper() + layout.problem[1:] + ".",
        )


def _machines(ctx: TaskContext) -> None:
    spec = ctx.spec
    group = [m for m in ctx.remote.machines if m.group == spec.process_group]
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


def _gem(ctx: TaskContext) -> None:
    from runner.rails_facts import sqlite3_in_production

    gemfile = ctx.read("Gemfile")
    if gemfile is None:
        raise PreflightRefused(
            "sqlite3 gem",
            f"no Gemfile in {ctx.spec.path}",
            "flyrun converts Rails apps; point `path` at the app.",
        )
    verdict = sqlite3_in_production(gemfile, ctx.read(GEMFILE_LOCK))
    if not verdict.ok:
        raise PreflightRefused(
            "sqlite3 gem", "sqlite3 is not in the production bundle", verdict.message
        )


def env_database_urls(ctx: TaskContext) -> Iterator[tuple[str, str]]:
    """(where, value) of every DATABASE_URL baked into fly.toml [env] or the Dockerfile."""
    from runner.handlers.flytoml import parse_fly_toml

    text = ctx.read(FLY_TOML)
    if text is not None and SECRET in (env := parse_fly_toml(text).env):
        yield "fly.toml [env]", env[SECRET]
    from runner.layout import fly_overrides

    name = fly_overrides(text).dockerfile if text is not None else "Dockerfile"
    dockerfile = ctx.read(name)
    if dockerfile is not None:
        joined = dockerfile.replace("\\\n", "  ")  # continuation lines; offsets kept
        for match in _DOCKER_ENV.finditer(joined):
            line = dockerfile.count("\n", 0, match.start()) + 1
            yield f"{name}:{line} ENV", match.group("value")


def _env_database_url(ctx: TaskContext) -> None:
    """A DATABASE_URL baked into fly.toml [env] or the Dockerfile is reused when it points into
    the mount; anything else would fight the volume, so it is refused with the reason."""
    from runner.dburl import in_mount, parse_url, redact

    mount = ctx.spec.mount_path
    for where, value in env_database_urls(ctx):
        parsed = parse_url(value)
        if parsed.kind == "sqlite" and in_mount(value, mount):
            continue
        shown = f"{where} sets DATABASE_URL={redact(value)}"
        if parsed.kind == "two_slashes":
            raise PreflightRefused(
                "DATABASE_URL elsewhere",
                f"{shown}, with two slashes: Rails reads the first path segment as a host and "
                "drops it",
                f"Remove it (flyrun points DATABASE_URL into {mount}) or write three slashes.",
            )
        if parsed.kind in ("sqlite", "relative"):
            raise PreflightRefused(
                "DATABASE_URL elsewhere",
                f"{shown}, outside the mount {mount}",
                f"Remove it or point it into {mount}: the data would otherwise stay on the "
                "machine's ephemeral disk.",
            )
        raise PreflightRefused(
            "DATABASE_URL elsewhere",
            f"{shown}: another database",
            "flyrun never overrides another database silently: the data would stay behind in "
            "it. Move the data to SQLite first, then remove that DATABASE_URL.",
        )


def _secret_replaceable(ctx: TaskContext) -> None:
    from runner.tasks.secret import unverified

    if ctx.replace_database_url:
        return
    for want, verdict in unverified(ctx):
        raise PreflightRefused(
            f"existing {want.name} secret",
            f"cannot be verified equal: {verdict.reason}",
            "The app may be on another database and would come up empty. Set "
            "replace_database_url: true in the spec (or pass --replace-database-url) to "
            "replace it.",
        )
