"""The only module that runs flyctl (through invoke). Queries return parsed data; mutations
arrive as `RunFlyctl` effects from the executor. JSON shapes from every flyctl era parse."""

from __future__ import annotations

import io
import os
import shlex
import shutil
import signal
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from runner.errors import FlyctlError, FlyctlNotFound
from runner.flyctl_json import Machine, Secret, Volume, parse_machines, parse_secrets, parse_volumes
from runner.model import RunFlyctl

if TYPE_CHECKING:
    from invoke.runners import Result

__all__ = ["Flyctl", "Machine", "Secret", "Volume", "find_flyctl", "parse_version"]

QUERY_TIMEOUT = 120
MUTATION_TIMEOUT = 1800  # a deploy builds an image


class CommandRunner(Protocol):
    """What flyrun needs of an invoke `Context` (a `MockContext` in tests)."""

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
            return str(Path(found).absolute())  # deploy runs from the app folder
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
    """A flyctl binary driven through invoke: `hide`, `warn`, no stdin, a timeout."""

    def __init__(self, binary: str, runner: CommandRunner | None = None) -> None:
        self.binary = binary
        self._runner = runner

    def _context(self) -> CommandRunner:
        if self._runner is None:
            from invoke.context import Context  # lazy: startup time matters

            self._runner = Context()
        return self._runner

    def command_line(self, argv: tuple[str, ...]) -> str:
        return shlex.join((self.binary, *argv))

    def _run(
        self,
        argv: tuple[str, ...],
        *,
        stdin: str | None = None,
        cwd: Path | None = None,
        timeout: int = QUERY_TIMEOUT,
    ) -> str:
        command = self.command_line(argv)
        in_stream: io.StringIO | bool = io.StringIO(stdin) if stdin is not None else False
        context = self._context()
        kwargs: dict[str, Any] = {
            "hide": True,
            "warn": True,
            "in_stream": in_stream,
            "echo_stdin": False,
            "timeout": timeout,
            "env": _env(),
            # explicit, so an invoke.yaml on the machine cannot change how flyctl runs
            "pty": False,
            "dry": False,
            "echo": False,
            "replace_env": False,
        }
        if cwd is not None:
            command = f"cd {shlex.quote(str(cwd))} && {command}"
        from invoke.exceptions import CommandTimedOut

        try:
            result = context.run(command, **kwargs)
        except CommandTimedOut as exc:
            raise FlyctlError(self.command_line(argv), -1, f"timed out after {timeout} s") from exc
        if interrupted(result.exited, result.stderr):
            raise KeyboardInterrupt  # Ctrl-C reached flyctl too: the run is interrupted
        if result.exited != 0:
            output = str(result.stderr or result.stdout)
            for line in (stdin or "").splitlines():  # never echo a value back into a report
                if "=" in line and line.split("=", 1)[1]:
                    output = output.replace(line.split("=", 1)[1], "<redacted>")
            raise FlyctlError(self.command_line(argv), result.exited, output)
        return str(result.stdout)

    def whoami(self) -> str:
        import json

        text = self._run(("auth", "whoami", "--json"))
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise FlyctlError("fly auth whoami --json", 0, f"not JSON: {text[:200]!r}") from exc
        return str(data.get("email", "")) if isinstance(data, dict) else ""

    def version(self) -> tuple[int, int, int] | None:
        return parse_version(self._run(("version",)))

    def volumes(self, app: str) -> tuple[Volume, ...]:
        return parse_volumes(self._run(("volumes", "list", "--app", app, "--json")))

    def secrets(self, app: str) -> tuple[Secret, ...]:
        return parse_secrets(self._run(("secrets", "list", "--app", app, "--json")))

    def machines(self, app: str) -> tuple[Machine, ...]:
        return parse_machines(self._run(("machines", "list", "--app", app, "--json")))

    def perform(self, effect: RunFlyctl) -> str:
        """Run a mutating command (only the executor calls this, only in apply)."""
        return self._run(effect.argv, stdin=effect.stdin, cwd=effect.cwd, timeout=MUTATION_TIMEOUT)


def interrupted(exited: int, stderr: str | None) -> bool:
    """Killed by SIGINT (-2, 130), or flyctl's own Ctrl-C exit: 127 with no message
    (127 with a message is the shell's "not found")."""
    return exited in (-signal.SIGINT, 128 + signal.SIGINT) or (
        exited == 127 and not (stderr or "").strip()
    )


def _env() -> dict[str, str]:
    # Every call passes --app; an inherited FLY_APP must not redirect anything either.
    return {"FLY_APP": ""} if "FLY_APP" in os.environ else {}
