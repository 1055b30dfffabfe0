"""`flyctl secrets list|set|unset|import|deploy` (docs/reference/flyctl.md §3)."""

from __future__ import annotations

from typing import Any

from runner.simulator import state as store
from runner.simulator.context import Ctx
from runner.simulator.errors import SimError
from runner.simulator.render import humanize_since, table
from runner.simulator.rollout import live_machines, restart_only
from runner.simulator.secrets_parse import ParseError, parse_import, parse_pairs
from runner.simulator.versions import (
    SECRETS_JSON_CAPITALISED,
    SECRETS_JSON_TABLE,
    SECRETS_MACHINES_API,
    SECRETS_STATUS,
)

JSON = dict[str, Any]
STDIN_LIMIT = 64 * 1024
STATUS_LIMIT = 100  # with more live machines flyctl does not compute the status


def _statuses(app: JSON) -> dict[str, str]:
    machines = live_machines(app)
    return {
        name: "Deployed" if machines and record["deployed"] else "Staged"
        for name, record in app["secrets"].items()
    }


def _json_rows(ctx: Ctx, app: JSON) -> list[JSON]:
    names = sorted(app["secrets"])
    secrets = app["secrets"]
    if ctx.version.before(SECRETS_MACHINES_API):
        return [
            {"Name": n, "Digest": secrets[n]["digest"], "CreatedAt": secrets[n]["created_at"]}
            for n in names
        ]
    rows = [{"name": n, "digest": secrets[n]["digest"]} for n in names]
    if ctx.version.at_least(SECRETS_STATUS) and len(live_machines(app)) <= STATUS_LIMIT:
        statuses = _statuses(app)
        for row in rows:
            row["status"] = statuses[row["name"]]
    return rows


def _table(ctx: Ctx, app: JSON) -> str:
    secrets = app["secrets"]
    names = sorted(secrets)
    if ctx.version.before(SECRETS_MACHINES_API):
        rows = [
            [n, secrets[n]["digest"], humanize_since(secrets[n]["created_at"], ctx.now())]
            for n in names
        ]
        return table(("Name", "Digest", "Created At"), rows)
    if ctx.version.before(SECRETS_STATUS):
        return table(("Name", "Digest"), [[n, secrets[n]["digest"]] for n in names])
    statuses = _statuses(app)
    marks = {"Staged": "* ", "Partial": "! "}
    rows = [[marks.get(statuses[n], "") + n, secrets[n]["digest"], statuses[n]] for n in names]
    text = table(("Name", "Digest", "Status"), rows)
    pending = sum(1 for s in statuses.values() if s != "Deployed")
    if pending:
        verb, noun = ("is", "secret") if pending == 1 else ("are", "secrets")
        text += (
            f"There {verb} {pending} {noun} not deployed. Deploy with `fly secrets deploy` to "
            "make them available.\n"
        )
    return text


def list_secrets(ctx: Ctx) -> None:
    """`secrets list`: the JSON shape depends on the flyctl version (§3.5)."""
    try:
        app = ctx.app()
    except SimError as exc:
        if ctx.version.at_least(SECRETS_MACHINES_API):  # Machines API: flyctl wraps it
            raise SimError(f"failed to list app secrets: {exc.message}") from None
        raise
    if ctx.json_output() and ctx.version.before(SECRETS_JSON_TABLE):
        raise SimError("JSON output not available")
    if ctx.json_output() and ctx.version.at_least(SECRETS_JSON_CAPITALISED):
        ctx.print_json(_json_rows(ctx, app))
    else:
        ctx.out.write(_table(ctx, app))


def _apply(ctx: Ctx, app: JSON, values: dict[str, str]) -> None:
    legacy = app.get("digest_style") == "md5"
    for name, value in values.items():
        store.put_secret(ctx.state, app["name"], name, value, legacy_md5=legacy)
    deploy_secrets(ctx, app)


def deploy_secrets(ctx: Ctx, app: JSON) -> None:
    """DeploySecrets: stage, wait for the first deploy, or restart the machines."""
    if ctx.flag("stage"):
        ctx.echo(
            "Secrets have been staged, but not set on VMs. Deploy or update machines in this "
            "app for the secrets to take effect."
        )
        return
    if not app["deployed"] and not live_machines(app):
        ctx.echo("Secrets are staged for the first deployment")
        return
    restart_only(
        ctx, app, detach=bool(ctx.flag("detach")), dns_checks=ctx.flag("dns-checks") is not False
    )


def set_secrets(ctx: Ctx) -> None:
    """`secrets set NAME=VALUE...`; a value of `-` is read from piped stdin."""
    app = ctx.app()
    try:
        values = parse_pairs(ctx.args)
    except ParseError as exc:
        raise SimError(f"could not parse secrets: {exc}") from None
    for name, value in values.items():
        if value != "-":
            continue
        if not ctx.stdin.piped:
            raise SimError(f"secret `{name}` expects standard input but none provided")
        data = ctx.stdin.read()
        ctx.stdin_log = "***"
        if len(data) > STDIN_LIMIT:
            limit = f"Input exceeded max length of {STDIN_LIMIT} bytes"
            raise SimError(f"error reading stdin for '{name}': {limit}")
        values[name] = data.decode("utf-8", errors="replace").strip()
    _apply(ctx, app, values)


def import_secrets(ctx: Ctx) -> None:
    """`secrets import`: NAME=VALUE lines on stdin."""
    app = ctx.app()
    data = ctx.stdin.read()
    try:
        values = parse_import(data)
    except ParseError as exc:
        ctx.stdin_log = "***"
        raise SimError(f"Failed to parse secrets from stdin: {exc}") from None
    except SimError:
        ctx.stdin_log = "***"
        raise
    ctx.stdin_log = "".join(f"{name}=***\n" for name in values) if values else "***" * bool(data)
    if not values:
        raise SimError("requires at least one SECRET=VALUE pair")
    _apply(ctx, app, values)


def unset_secrets(ctx: Ctx) -> None:
    """`secrets unset NAME...`: unknown names are not an error (Machines API)."""
    app = ctx.app()
    for name in ctx.args:
        app["secrets"].pop(name, None)
    deploy_secrets(ctx, app)


def deploy(ctx: Ctx) -> None:
    """`secrets deploy`: restart machines so staged secrets take effect."""
    app = ctx.app()
    if not app["deployed"] or not live_machines(app):
        raise SimError(
            "no machines available to deploy",
            description=(
                "'fly secrets deploy' will only work if the app has been deployed and there are "
                "machines available"
            ),
            suggestion="Try 'fly deploy' first",
        )
    restart_only(
        ctx, app, detach=bool(ctx.flag("detach")), dns_checks=ctx.flag("dns-checks") is not False
    )
