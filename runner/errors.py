"""The error tree. Only `runner.cli.main` turns these into exit codes (README "Exit codes"):
every `RunnerError` is a problem the user can fix (exit 1, no traceback); anything else is a
bug (exit 3, with the traceback)."""

from __future__ import annotations

from dataclasses import dataclass


class RunnerError(Exception):
    """A problem the user can fix; printed without a traceback, exit 1."""


@dataclass(frozen=True)
class Location:
    """A place in a file, 1-based, for `FILE:LINE:COL: message` reports."""

    file: str
    line: int
    column: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"


@dataclass(frozen=True)
class SpecProblem:
    """One error found in a spec, inventory or playbook file, with where it is."""

    location: Location
    message: str

    def __str__(self) -> str:
        return f"{self.location}: {self.message}"


class SpecError(RunnerError):
    """A spec (or inventory) file is invalid; carries every problem found at once."""

    def __init__(self, problems: list[SpecProblem]) -> None:
        self.problems = tuple(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


class PlaybookError(SpecError):
    """A playbook file is invalid (same shape as a spec error: every problem, located)."""


class FileError(RunnerError):
    """An app file flyrun reads cannot be used (not UTF-8, too large, not a regular file,
    invalid TOML …). `location` points into that file when the position is known."""

    def __init__(self, file: str, message: str, line: int | None = None, column: int = 1) -> None:
        self.file = file
        self.message = message
        self.location = Location(file, line, column) if line is not None else None
        where = str(self.location) if self.location is not None else file
        super().__init__(f"{where}: {message}")


class FlyctlNotFound(RunnerError):
    """No flyctl binary could be located."""


class FlyctlError(RunnerError):
    """A flyctl call failed; carries the command (secret-free) and its stderr."""

    def __init__(
        self, command: str, exit_code: int, stderr: str, *, timed_out: bool = False
    ) -> None:
        self.command = command
        self.exit_code = exit_code
        self.stderr = stderr
        self.timed_out = timed_out
        tail = "\n".join(stderr.strip().splitlines()[-10:])
        if timed_out:
            super().__init__(f"`{command}` {tail}")
        else:
            super().__init__(f"`{command}` failed (exit {exit_code}): {tail}")


class EditRefused(RunnerError):
    """A file handler cannot make an edit with certainty; the file stays untouched.
    `location` points into the file (named relative to the app folder) when the refusal is
    about a place in it (a syntax error)."""

    def __init__(self, message: str, *, location: Location | None = None) -> None:
        self.location = location
        super().__init__(message)


class PreflightRefused(RunnerError):
    """A preflight check refused an app before any effect: which check, what it found,
    what to do, and (when known) where the problem is."""

    def __init__(
        self, check: str, found: str, fix: str, *, location: Location | None = None
    ) -> None:
        self.check = check
        self.found = found
        self.fix = fix
        self.location = location
        super().__init__(f"{check}: {found}. {fix}")
