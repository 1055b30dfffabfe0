"""The flyctl client: the only code that runs flyctl (through invoke; `runner/flyctl/process.py`
makes each call its own process group so a timeout or Ctrl-C reaches flyctl itself).

Every call passes `--app` explicitly, has a timeout, and holds one slot of the run's bound on
concurrent flyctl processes (`--jobs`). Read-only queries are retried with backoff on
transient failures (timeouts, 5xx, dropped connections); a mutation never is: the caller
re-reads the facts to see whether it landed (README "Reliability")."""

from __future__ import annotations

import io
import os
import re
import shlex
import shutil
import threading
import time
from collections.abc import Mapping
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from runner.errors import FlyctlError, FlyctlNotFound
from runner.flyctl.commands import FlyctlCommand
from runner.flyctl.parse import (
    Machine,
    Secret,
    Volume,
    parse_machines,
    parse_secrets,
    parse_volumes,
)

if TYPE_CHECKING:
    from invoke.runners import Result

__all__ = ["Flyctl", "Machine", "Secret", "Timeouts", "Volume", "find_flyctl", "parse_version"]

# flyctl's messages for failures worth a retry on a read-only query.
TRANSIENT = re.compile(
    r"timed out|timeout|deadline exceeded|connection reset|connection refused|unexpected EOF|"
    r"\b50[234]\b|bad gateway|service unavailable|temporar|TLS handshake|no such host|EOF$",
    re.IGNORECASE | re.MULTILINE,
)


TOKENS = ("FLY_API_TOKEN", "FLY_ACCESS_TOKEN")  # passed on to flyctl, never printed


@dataclass(frozen=True)
class Timeouts:
    """Seconds a flyctl call may take (README "Options"): queries and small mutations, and a
    deploy (it builds an image). `FLYRUN_FLYCTL_TIMEOUT`/`--flyctl-timeout` set `query`."""

    query: float = 120.0
    deploy: float = 1800.0
    retries: int = 2  # extra attempts of a read-only query after a transient failure
    backoff: float = 1.0  # seconds before the first retry; doubles after each


# A semaphore (of threads, or shared by processes) bounding the flyctl processes running.
Slots = AbstractContextManager[Any]


class CommandRunner(Protocol):
    """What flyrun needs of an invoke `Context` (a stand-in in tests)."""

    def run(self, command: str, **kwargs: Any) -> Result: ...


def find_flyctl(explicit: str | None, env: Mapping[str, str]) -> str:
    """`--flyctl PATH`, else `$FLYRUN_FLYCTL`, else `flyctl`, else `fly` on PATH."""
    for source, candidate in (("--flyctl", explicit), ("FLYRUN_FLYCTL", env.get("FLYRUN_FLYCTL"))):
        if candidate:
            found = shutil.which(candidate)
            if found is None:
                raise FlyctlNotFound(
                    f"flyctl not found: {source} names {candidate!r}, "
                    "which is not an executable file"
                )
            return str(Path(found).absolute())
    for name in ("flyctl", "fly"):
        found = shutil.which(name, path=env.get("PATH"))
        if found:
            return str(Path(found).absolute())
    raise FlyctlNotFound(
        "flyctl not found: looked for --flyctl, $FLYRUN_FLYCTL, then `flyctl` and `fly` on PATH. "
        "Install it (https://fly.io/docs/flyctl/install/) or pass --flyctl PATH."
    )


def parse_version(text: str) -> tuple[int, int, int] | None:
    """`flyctl v0.4.87 linux/amd64 Commit: …` → (0, 4, 87)."""
    for word in text.split():
        core = word.lstrip("v").split("-")[0]
        parts = core.split(".")
        if len(parts) == 3 and all(p.isdigit() for p in parts) and word[:1] in "v0123456789":
            return int(parts[0]), int(parts[1]), int(parts[2])
    return None


class Flyctl:
    """A flyctl binary driven through invoke."""

    def __init__(
        self,
        binary: str,
        runner: CommandRunner | None = None,
        *,
        timeouts: Timeouts = Timeouts(),
        max_processes: int = 8,
        slots: Slots | None = None,
    ) -> None:
        self.binary = binary
        self.timeouts = timeouts
        self._runner = runner
        # One slot per flyctl process running; worker processes share one (runner/fleet.py).
        self._slots: Slots = slots or threading.BoundedSemaphore(max_processes)
        self._sleep = time.sleep
        self._slotted = runner is None  # group_context's runner takes a slot at the spawn

    def _context(self) -> CommandRunner:
        if self._runner is None:
            from runner.flyctl.process import group_context  # lazy: invoke costs start-up time

            self._runner = group_context(self._slots)
        return self._runner

    def command_line(self, argv: tuple[str, ...]) -> str:
        return shlex.join((self.binary, *argv))

    def _run(self, argv: tuple[str, ...], *, stdin: str | None, long: bool = False) -> str:
        # lazy: invoke costs start-up time, and `validate` never runs flyctl
        from invoke.exceptions import CommandTimedOut

        from runner.flyctl.process import interrupted

        shown = shlex.join(("fly", *argv))
        timeout = self.timeouts.deploy if long else self.timeouts.query
        kwargs: dict[str, Any] = {
            "hide": True,
            "warn": True,
            "in_stream": io.StringIO(stdin) if stdin is not None else False,
            "echo_stdin": False,
            "timeout": timeout,
            "env": _env(),
            # explicit, so an invoke.yaml on the machine cannot change how flyctl runs
            "pty": False,
            "dry": False,
            "echo": False,
            "replace_env": False,
        }
        context = self._context()
        with nullcontext() if self._slotted else self._slots:
            try:
                result = context.run(self.command_line(argv), **kwargs)
            except CommandTimedOut as exc:
                option = "--deploy-timeout" if long else "--flyctl-timeout (FLYRUN_FLYCTL_TIMEOUT)"
                raise FlyctlError(
                    shown,
                    -1,
                    f"timed out after {timeout:g} s, so flyctl (and what it started) was "
                    f"stopped; allow more time with {option}",
                    timed_out=True,
                ) from exc
        if interrupted(result.exited, result.stderr):
            raise KeyboardInterrupt  # Ctrl-C reached flyctl too: the run is interrupted
        if result.exited != 0:
            raise FlyctlError(
                shown, result.exited, _redacted(str(result.stderr or result.stdout), stdin)
            )
        return _redacted(str(result.stdout), None)

    def query(self, argv: tuple[str, ...]) -> str:
        """A read-only call, retried with backoff on a transient failure; a timeout only
        once (a hung API tends to stay hung: each attempt costs the whole timeout)."""
        delay = self.timeouts.backoff
        timed_out = False
        for attempt in range(self.timeouts.retries + 1):
            try:
                return self._run(argv, stdin=None)
            except FlyctlError as exc:
                last = attempt == self.timeouts.retries or (exc.timed_out and timed_out)
                if last or not transient(exc):
                    raise
                timed_out = timed_out or exc.timed_out
            self._sleep(delay)
            delay *= 2
        raise AssertionError("unreachable")

    def perform(self, command: FlyctlCommand) -> str:
        """A mutation (only the executor calls this, only in apply). Never retried."""
        return self._run(command.argv, stdin=command.stdin, long=command.long)

    def whoami(self) -> str:
        import json

        text = self.query(("auth", "whoami", "--json"))
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise FlyctlError("fly auth whoami --json", 0, f"not JSON: {text[:200]!r}") from exc
        return str(data.get("email", "")) if isinstance(data, dict) else ""

    def version(self) -> tuple[int, int, int] | None:
        return parse_version(self.query(("version",)))

    def volumes(self, app: str) -> tuple[Volume, ...]:
        return parse_volumes(self.query(("volumes", "list", "--app", app, "--json")))

    def secrets(self, app: str) -> tuple[Secret, ...]:
        return parse_secrets(self.query(("secrets", "list", "--app", app, "--json")))

    def machines(self, app: str) -> tuple[Machine, ...]:
        return parse_machines(self.query(("machines", "list", "--app", app, "--json")))

    def ssh(self, app: str, machine: str, script: str) -> str:
        """Run a read-only shell script on a machine (`fly ssh console -C`). Whether flyctl
        hands `-C` to a shell is not documented, so the script always goes through `sh -c`."""
        command = shlex.join(("sh", "-c", script))
        return self.query(("ssh", "console", "--app", app, "--machine", machine, "-C", command))


def transient(error: FlyctlError) -> bool:
    """Worth retrying a read-only query: a timeout, flyctl's deadline exit, a network error."""
    return error.timed_out or error.exit_code == 126 or bool(TRANSIENT.search(error.stderr))


def _redacted(output: str, stdin: str | None) -> str:
    """flyctl's output, with any value that went on stdin and any access token of the
    environment replaced (flyrun never echoes a secret or a token)."""
    values = [line.split("=", 1)[1] for line in (stdin or "").splitlines() if "=" in line]
    # a "token" shorter than 8 characters is no token, and replacing it would blank words
    values += [t for t in (os.environ.get(name, "") for name in TOKENS) if len(t) >= 8]
    for value in sorted(values, key=len, reverse=True):
        if value:
            output = output.replace(value, "<redacted>")
    return output


def _env() -> dict[str, str]:
    # Every call passes --app; an inherited FLY_APP must not redirect anything either.
    return {"FLY_APP": ""} if "FLY_APP" in os.environ else {}
