"""Errors raised by simulated commands; `cli` prints them the way flyctl does."""

from __future__ import annotations

NOT_INTERACTIVE_YES = "yes flag must be specified when not running interactively"


class SimError(Exception):
    """A failed command: `Error: <message>` on stderr (plus description/suggestion), exit 1."""

    def __init__(
        self,
        message: str,
        *,
        description: str = "",
        suggestion: str = "",
        exit_code: int = 1,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.description = description
        self.suggestion = suggestion
        self.exit_code = exit_code


class UsageError(SimError):
    """A cobra flag or argument error: the command's usage text goes to stdout too."""


class UnknownCommand(SimError):
    """An unknown subcommand of the root: flyctl adds `Run 'flyctl --help' for usage.`."""


class StateError(Exception):
    """The simulator itself is misconfigured (no state file, unreadable state)."""


class Crash(SimError):
    """A Go panic that flyctl recovers: a fixed message, exit 3, no `Error:` prefix."""

    def __init__(self) -> None:
        super().__init__("Oops, something went wrong! Could you try that again?", exit_code=3)
