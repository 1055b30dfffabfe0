"""The per-call context handed to command handlers, and flyctl's common preparers
(session, app config, app name)."""

from __future__ import annotations

import io
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from runner.simulator import records
from runner.simulator.errors import SimError
from runner.simulator.render import go_json
from runner.simulator.versions import (
    LOWERCASE_NO_TOKEN,
    MISSING_CONFIG_ERROR,
    NEW_MISSING_APP_TEXT,
    Version,
)

if TYPE_CHECKING:
    from datetime import datetime

    from runner.simulator.appconfig import AppConfig
    from runner.simulator.ssh_session import SshSession

JSON = dict[str, Any]
_TRUTHY = {"1", "t", "true", "y", "yes", "on"}


@dataclass
class Stdin:
    """Standard input: `piped` is flyctl's HasPipedStdin (not a character device)."""

    reader: Callable[[], bytes]
    piped: bool
    consumed: bool = False

    def read(self) -> bytes:
        """Everything on stdin (only once; later reads see EOF)."""
        if self.consumed:
            return b""
        self.consumed = True
        return self.reader()


@dataclass
class Ctx:
    """One call: the state, the environment and the parsed command line."""

    state: JSON
    version: Version
    env: Mapping[str, str]
    cwd: Path
    stdin: Stdin
    path: tuple[str, ...] = ()
    flags: dict[str, Any] = field(default_factory=dict)
    specified: set[str] = field(default_factory=set)
    args: list[str] = field(default_factory=list)
    out: io.StringIO = field(default_factory=io.StringIO)
    err: io.StringIO = field(default_factory=io.StringIO)
    stdin_log: str | None = None
    config: AppConfig | None = None
    app_name: str = ""
    # where the state file is (volumes' host folders live next to it); None in-process
    state_path: Path | None = None
    fault: str | None = None  # the injected fault kind, for the call log
    remote: SshSession | None = None  # a command to run on a machine once the state is saved
    lost: bool = False  # that command's connection drops at the end (lost_response)

    def flag(self, name: str) -> Any:
        """A parsed flag value (None when the command has no such flag)."""
        return self.flags.get(name)

    def echo(self, text: str = "") -> None:
        """A line on stdout."""
        self.out.write(text + "\n")

    def warn(self, text: str) -> None:
        """A line on stderr."""
        self.err.write(text + "\n")

    def json_output(self) -> bool:
        """`--json`/`-j`, or env FLY_JSON truthy."""
        return bool(self.flag("json")) or self.env.get("FLY_JSON", "").lower() in _TRUTHY

    def print_json(self, value: Any) -> None:
        """flyctl's render.JSON."""
        self.out.write(go_json(value))

    def now(self) -> datetime:
        """The simulated clock."""
        return records.now(self.state)

    def app(self, name: str | None = None) -> JSON:
        """The stored app (default: the resolved app name); the API's error when unknown."""
        name = self.app_name if name is None else name
        found = self.state["apps"].get(name)
        if found is None:
            raise SimError(f'Could not find App "{name}"')
        return found  # type: ignore[no-any-return]


def require_session(ctx: Ctx) -> None:
    """RequireSession: a token from the config (state), env or `-t` must be there."""
    token = (
        ctx.flag("access-token") or ctx.env.get("FLY_ACCESS_TOKEN") or ctx.env.get("FLY_API_TOKEN")
    )
    if ctx.state.get("logged_in") or token:
        return
    first = "no" if ctx.version.at_least(LOWERCASE_NO_TOKEN) else "No"
    raise SimError(f"{first} access token available. Please login with 'flyctl auth login'")


def load_app_config(ctx: Ctx) -> None:
    """LoadAppConfigIfPresent: `-c/--config` or the working directory's fly.toml."""
    # Imported here: parsing fly.toml needs tomllib/yaml, which `version` never does.
    from runner.simulator.appconfig import find_config, load_config

    strict = ctx.version.at_least(MISSING_CONFIG_ERROR)
    path = find_config(ctx.cwd, str(ctx.flag("config") or ""), strict=strict)
    ctx.config = load_config(path) if path else None


def app_name_if_present(ctx: Ctx) -> str:
    """The app name by flyctl's precedence: `-a` → env FLY_APP → config `app` (may be "")."""
    load_app_config(ctx)
    name = ctx.flag("app") or ctx.env.get("FLY_APP") or (ctx.config.app if ctx.config else "")
    ctx.app_name = str(name or "")
    return ctx.app_name


def missing_app_message(version: Version) -> str:
    """The error for a command that needs an app name and found none."""
    if version.at_least(NEW_MISSING_APP_TEXT):
        return (
            "the config for your app is missing an app name, add an app field to the fly.toml "
            "file or specify with the -a flag"
        )
    return (
        "we couldn't find a fly.toml nor an app specified by the -a flag. If you want to "
        "launch a new app, use 'flyctl launch'"
    )


def require_app_name(ctx: Ctx) -> str:
    """RequireAppName: as `app_name_if_present`, but none is an error."""
    if not app_name_if_present(ctx):
        raise SimError(missing_app_message(ctx.version))
    return ctx.app_name
