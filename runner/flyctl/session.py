"""Once per run, before any app: a recent enough flyctl that is logged in (README
"Preflight")."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from runner.errors import FlyctlError, PreflightRefused
from runner.flyctl.client import Flyctl

MIN_FLYCTL = (0, 1, 0)  # older ones lack per-command --json and `volumes create --yes`


def check_session(flyctl: Flyctl) -> str:
    """A one-line description (`flyctl v0.4.87, logged in as …`), or PreflightRefused."""
    # Both queries at once: a fleet's first app waits for them (bench/PROFILE.md). A refused
    # version is reported first, as if whoami had never run (it only reads).
    with ThreadPoolExecutor(max_workers=1) as pool:
        login = pool.submit(flyctl.whoami)
        try:
            version = flyctl.version()
        except FlyctlError as exc:
            login.cancel()
            raise _version_failed(exc) from exc
    if version is None or version < MIN_FLYCTL:
        shown = "unrecognised" if version is None else "v" + ".".join(map(str, version))
        raise PreflightRefused(
            "flyctl version",
            f"flyctl {shown}",
            "Upgrade flyctl to v0.1.0 or newer (`fly version upgrade`).",
        )
    try:
        email = login.result()
    except FlyctlError as exc:
        raise PreflightRefused(
            "flyctl login",
            "flyctl says: " + (first_line(exc.stderr) or "not logged in"),
            "Run `fly auth login`, or set FLY_API_TOKEN.",
        ) from exc
    return f"flyctl v{'.'.join(map(str, version))}, logged in as {email}"


def _version_failed(exc: FlyctlError) -> PreflightRefused:
    return PreflightRefused(
        "flyctl version",
        f"`fly version` failed: {exc.stderr.strip() or f'exit {exc.exit_code}, no output'}",
        "Check that the flyctl binary works.",
    )


def first_line(stderr: str) -> str:
    """flyctl's error without its `Error: ` prefix (`Error ` before v0.1.79)."""
    for line in stderr.splitlines():
        if line.strip():
            return line.strip().removeprefix("Error:").removeprefix("Error ").strip()
    return ""
