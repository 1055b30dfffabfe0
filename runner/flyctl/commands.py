"""Every mutating flyctl command flyrun runs, built by the typed constructors below and
nowhere else (tasks return these as effects; only the executor performs them).

Each command names the remote facts it invalidates (`runner/facts/remote.py`), so the next
decision is made on fresh facts. Secret values travel on stdin only: never argv, and never in
`repr`, `describe` or a report."""

from __future__ import annotations

import shlex
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

VOLUMES, SECRETS, MACHINES, VOLUME_FILES = "volumes", "secrets", "machines", "volume_files"


@dataclass(frozen=True)
class FlyctlCommand:
    """A mutating flyctl command: argv (no secret), what it is for, what it invalidates."""

    argv: tuple[str, ...]
    summary: str
    invalidates: frozenset[str]
    stdin: str | None = field(default=None, repr=False)  # NAME=VALUE lines, never shown
    secret_names: tuple[str, ...] = ()  # the names whose values are on stdin
    long: bool = False  # a deploy: builds an image, runs for minutes (its own timeout)

    def describe(self) -> str:
        """The command as a user could type it; a secret's value is never included."""
        line = shlex.join(("fly", *self.argv))
        if self.secret_names:
            shown = ", ".join(f"{name}=<redacted>" for name in self.secret_names)
            line += f"   (stdin: {shown})"
        return line


def create_volume(app: str, name: str, region: str, size_gb: int) -> FlyctlCommand:
    argv: tuple[str, ...] = ("volumes", "create", name, "--app", app, "--region", region)
    argv += ("--size", str(size_gb), "--yes", "--json")
    return FlyctlCommand(argv, f"create volume {name}", frozenset({VOLUMES}))


def extend_volume(app: str, volume_id: str, size_gb: int) -> FlyctlCommand:
    argv = ("volumes", "extend", volume_id, "--app", app, "--size", str(size_gb))
    return FlyctlCommand(argv, f"extend volume {volume_id}", frozenset({VOLUMES, VOLUME_FILES}))


def import_secrets(app: str, values: Mapping[str, str], *, stage: bool = True) -> FlyctlCommand:
    """`fly secrets import` reads NAME=VALUE lines on stdin (reference: README "The spec")."""
    if not values:
        raise ValueError("import_secrets needs at least one value")
    for name, value in values.items():
        if "\n" in value or "\r" in value or not name.isidentifier():
            raise ValueError(f"secret {name!r} cannot travel as one NAME=VALUE line")
    argv = ("secrets", "import", "--app", app) + (("--stage",) if stage else ())
    names = tuple(values)
    return FlyctlCommand(
        argv,
        f"{'stage' if stage else 'set'} {', '.join(names)} (values on stdin)",
        frozenset({SECRETS, MACHINES}) if not stage else frozenset({SECRETS}),
        stdin="".join(f"{name}={value}\n" for name, value in values.items()),
        secret_names=names,
    )


def unset_secrets(app: str, names: tuple[str, ...], *, stage: bool = True) -> FlyctlCommand:
    argv = ("secrets", "unset", *names, "--app", app) + (("--stage",) if stage else ())
    return FlyctlCommand(argv, f"unset {', '.join(names)}", frozenset({SECRETS}))


def deploy(app: str, folder: Path, config: Path) -> FlyctlCommand:
    """`fly deploy DIR`: flyctl changes into DIR itself (no `cd … &&`, so a timeout or Ctrl-C
    reaches flyctl, not a shell in front of it)."""
    argv = ("deploy", str(folder), "--app", app, "--config", str(config))
    return FlyctlCommand(
        argv, "deploy", frozenset({MACHINES, SECRETS, VOLUMES, VOLUME_FILES}), long=True
    )


def start_machine(app: str, machine_id: str) -> FlyctlCommand:
    """`fly machine start ID`: boots a stopped machine (a deploy updates a stopped machine
    without starting it; reference: runner/simulator/boot.py)."""
    argv = ("machine", "start", machine_id, "--app", app)
    return FlyctlCommand(argv, f"start machine {machine_id}", frozenset({MACHINES, VOLUME_FILES}))
