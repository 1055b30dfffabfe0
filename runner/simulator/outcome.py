"""What one simulated flyctl call printed and returned, and flyctl's error layout (kept apart
from `runner/simulator/cli.py` so that the ssh session can build outcomes without importing the
command runner)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from runner.simulator.errors import Crash, SimError
from runner.simulator.versions import ERROR_COLON, ERROR_LINES, Version

if TYPE_CHECKING:
    from runner.simulator.faults import Fault
    from runner.simulator.ssh_session import SshSession


@dataclass
class Outcome:
    """What one call printed and returned; `stdin_log` is the masked stdin, if read.

    `fault` names the injected fault kind (for the call log); `pause` is a hang/latency
    fault the caller must sleep for; `remote` is a command still to run on a machine
    (`lost` then turns its end into a lost connection)."""

    exit_code: int
    stdout: str
    stderr: str
    stdin_read: bool
    stdin_log: str | None
    fault: str | None = None
    pause: Fault | None = None
    remote: SshSession | None = None
    lost: bool = False


def error_text(exc: SimError, version: Version) -> str:
    """flyctl's printError, by version (see versions.ERROR_LINES)."""
    if isinstance(exc, Crash):
        return exc.message + "\n"
    if version.at_least(ERROR_LINES):
        text = f"Error: {exc.message}\n"
        if exc.description and exc.description != exc.message:
            text += f"{exc.description}\n\n"
        return text + (f"{exc.suggestion}\n\n" if exc.suggestion else "")
    prefix = "Error:" if version.at_least(ERROR_COLON) else "Error"
    text = f"{prefix} {exc.message}\n\n"
    if exc.description:
        text += f"\n{exc.description}"
    if exc.suggestion:
        text += ("\n" if exc.description else "") + f"\n{exc.suggestion}"
    return text + ("\n" if exc.description or exc.suggestion else "")
