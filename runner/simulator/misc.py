"""`flyctl version` and `flyctl auth whoami`."""

from __future__ import annotations

from runner.simulator.context import Ctx


def version(ctx: Ctx) -> None:
    """`version`: `flyctl v0.4.87 linux/amd64 Commit: … BuildDate: …`, or a JSON object."""
    number = str(ctx.state.get("version"))
    # A stable 40-hex stand-in commit id; derived without hashlib, whose OpenSSL import
    # would cost more than the rest of this command.
    commit = number.encode().ljust(20, b"\0")[:20].hex()
    build_date = "2026-08-20T00:00:00Z"
    if ctx.json_output():
        ctx.print_json(
            {
                "Name": "flyctl",
                "Version": number,
                "Commit": commit,
                "BuildDate": build_date,
                "OS": "linux",
                "Architecture": "amd64",
                "Environment": "production",
            }
        )
        return
    ctx.echo(f"flyctl v{number} linux/amd64 Commit: {commit} BuildDate: {build_date}")


def whoami(ctx: Ctx) -> None:
    """`auth whoami`: the account e-mail, or `{"email": …}` with --json."""
    email = str(ctx.state.get("email", ""))
    if ctx.json_output():
        ctx.print_json({"email": email})
    else:
        ctx.echo(email)
