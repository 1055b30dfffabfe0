"""Which layout is *active* (README "Layouts"): who runs migrations, and where.

- rake: the server is started through `fly:server` (SERVER_COMMAND, CMD, ENTRYPOINT, Procfile
  or [processes]); migrations move from `fly:release` to `fly:server`.
- entrypoint: dockerfile-rails / Rails 7.1+: ENTRYPOINT bin/docker-entrypoint, which runs
  `db:prepare` before `./bin/rails server`; a migrating release_command must go (release
  machines have no volume).
- custom: anything else, or a mix flyrun cannot settle: refused with the evidence.
Pure functions over file texts."""

from __future__ import annotations

import re
import shlex
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from runner.errors import RunnerError
from runner.facts import dockerfile as docker
from runner.facts.flytoml import FlyToml
from runner.facts.rake import release_and_server

MIGRATING = re.compile(
    r"^(?:bundle\s+exec\s+)?(?:\./|/\S*/)?(?:bin/)?(?:rails|rake)\s+"
    r"(?:db:(?:migrate|prepare)|fly:release)\b"
)
_ARG_ENV = re.compile(r"^\s*(?:ARG|ENV)\s+SERVER_COMMAND[= ]\s*\"?([^\"\n]*)\"?", re.MULTILINE)


@dataclass(frozen=True)
class AppFiles:
    """The texts the layout is decided from (None: the file does not exist)."""

    fly_toml: FlyToml
    dockerfile: str | None
    entrypoint: str | None  # bin/docker-entrypoint
    procfile: str | None
    fly_rake: str | None


@dataclass(frozen=True)
class Layout:
    kind: Literal["rake", "entrypoint", "custom"]
    evidence: tuple[str, ...]
    server_command: str | None = None  # what the process group's machines start with
    problem: str | None = None  # set when flyrun refuses: what is unsettled and what to do


def dockerfile_commands(dockerfile: str | None) -> dict[str, str]:
    """The runtime image's CMD and ENTRYPOINT, as command lines (absent ones left out)."""
    found = {k: docker.command(dockerfile, k) for k in ("CMD", "ENTRYPOINT")}
    return {k: v for k, v in found.items() if v is not None}


def server_command_value(files: AppFiles) -> str | None:
    """$SERVER_COMMAND from fly.toml [build.args]/[env], else the Dockerfile's ARG/ENV default."""
    fly = files.fly_toml
    for source in (fly.build_args, fly.env):
        if "SERVER_COMMAND" in source:
            return source["SERVER_COMMAND"]
    match = _ARG_ENV.search(files.dockerfile or "")
    return match.group(1).strip() if match and "$" not in match.group(1) else None


def start_command(files: AppFiles, group: str) -> tuple[str | None, str]:
    """The command the group's machines start with, and where it comes from."""
    if group in files.fly_toml.processes:
        return files.fly_toml.processes[group], f"fly.toml [processes] {group}"
    if files.fly_toml.experimental_cmd:
        return files.fly_toml.experimental_cmd, "fly.toml [experimental] cmd"
    commands = dockerfile_commands(files.dockerfile)
    command = commands.get("CMD")
    if command and "SERVER_COMMAND" in command:
        return server_command_value(files), "Dockerfile CMD ${SERVER_COMMAND}"
    return command, "Dockerfile CMD"


def release_migrates(release_command: str | None) -> bool:
    return bool(release_command) and bool(MIGRATING.match((release_command or "").strip()))


def _entrypoint_runs_fly_server(files: AppFiles) -> bool:
    entry = dockerfile_commands(files.dockerfile).get("ENTRYPOINT", "")
    return "fly:server" in entry


def detect_layout(files: AppFiles, group: str) -> Layout:
    command, source = start_command(files, group)
    if files.fly_toml.hidden_start:
        shown = ", ".join(files.fly_toml.hidden_start)
        return Layout(
            "custom",
            (f"fly.toml sets {shown}",),
            command,
            f"fly.toml's {shown} decides what the machines run, which flyrun cannot "
            "see; remove it or convert this app by hand",
        )
    evidence = [f"{source}: {command}" if command else f"{source}: none found"]
    release = files.fly_toml.release_command
    if release is not None:
        evidence.append(f"fly.toml [deploy] release_command = {release!r}")
    procfile = files.procfile or ""
    if (
        (command and "fly:server" in command)
        or _entrypoint_runs_fly_server(files)
        or ("fly:server" in procfile and command and "foreman" in command)
    ):
        entry = dockerfile_commands(files.dockerfile).get("ENTRYPOINT", "")
        if "fly:server" in entry:
            evidence.append(f"Dockerfile ENTRYPOINT {entry}")
        return _rake_layout(files, tuple(evidence), command)
    entry = dockerfile_commands(files.dockerfile).get("ENTRYPOINT", "")
    if "docker-entrypoint" in entry and files.entrypoint is not None:
        evidence.append(f"Dockerfile ENTRYPOINT {entry}")
        if files.fly_rake is not None:
            evidence.append("lib/tasks/fly.rake is dead code: nothing runs fly:server")
        return Layout("entrypoint", tuple(evidence), command)
    if "docker-entrypoint" in entry:
        return Layout(
            "custom",
            tuple(evidence),
            command,
            f"the Dockerfile's ENTRYPOINT is {entry} but bin/docker-entrypoint is "
            "missing; restore it (`bin/rails generate dockerfile`)",
        )
    return Layout(
        "custom",
        tuple(evidence),
        command,
        "neither fly:server (lib/tasks/fly.rake) nor bin/docker-entrypoint starts "
        "the server, so flyrun cannot tell where migrations should run; run "
        "`bin/rails generate dockerfile` (dockerfile-rails) to get the entrypoint "
        "layout, or start the server with `bin/rails fly:server`",
    )


def _rake_layout(files: AppFiles, evidence: tuple[str, ...], command: str | None) -> Layout:
    """fly:server starts the server: fly.rake must define it, inside `namespace :fly`."""
    if files.fly_rake is None:
        return Layout(
            "custom",
            evidence,
            command,
            "fly:server is started but lib/tasks/fly.rake is missing; "
            "add it back or start the server directly",
        )
    try:
        facts = release_and_server(files.fly_rake)
    except RunnerError:  # the migrations task quotes the broken line
        return Layout("rake", (*evidence, "lib/tasks/fly.rake (does not parse)"), command)
    if not facts.namespaced and (facts.server or facts.release):
        return Layout(
            "custom",
            (*evidence, "lib/tasks/fly.rake has no `namespace :fly`"),
            command,
            "lib/tasks/fly.rake declares its tasks outside `namespace :fly`, "
            "so `bin/rails fly:server` and `fly:release` do not exist; wrap them in "
            "`namespace :fly do … end` first",
        )
    if not facts.server:
        return Layout(
            "custom",
            (*evidence, "lib/tasks/fly.rake has no server task"),
            command,
            "fly:server is started but lib/tasks/fly.rake does not define it",
        )
    return Layout("rake", (*evidence, "lib/tasks/fly.rake defines fly:server"), command)


def _last_two(words: list[str]) -> bool:
    return words[-2:] == ["./bin/rails", "server"]


def _first_two(words: list[str]) -> bool:
    return words[:2] == ["./bin/rails", "server"]


def _exactly(words: list[str]) -> bool:
    return words == ["./bin/rails", "server"]


_GUARDS: tuple[tuple[str, Callable[[list[str]], bool]], ...] = (  # newest first
    ('"${@: -2:1}" == "./bin/rails" ] && [ "${@: -1:1}" == "server"', _last_two),
    ('"${1}" == "./bin/rails" ] && [ "${2}" == "server"', _first_two),
    ('"${*}" == "./bin/rails server"', _exactly),
)
_PREPARE = re.compile(r"\b(?:rails|rake)\s+db:(?:prepare|migrate)\b")


def code_lines(script: str) -> list[str]:
    """The shell script's lines with comments dropped (whole-line and trailing)."""
    return [re.sub(r"(^|\s)#.*$", "", line) for line in script.splitlines()]


def entrypoint_prepares(entrypoint: str, command: str | None) -> bool:
    """Does bin/docker-entrypoint run db:prepare (or db:migrate) for this start command?

    Unconditionally (outside any `if`), or under a guard dockerfile-rails writes:
    `"${1}" == "./bin/rails" && "${2}" == "server"` (Rails 7.1), the last two arguments
    (Rails 8, behind ./bin/thrust) or `"${*}" == "./bin/rails server"` (dockerfile-rails 1.0);
    other commands (`bin/rails server`, `bundle exec puma`) skip the guarded forms."""
    words = shlex.split(command) if command else []
    guards: list[str] = []
    for line in code_lines(entrypoint):
        stripped = line.strip()
        if re.match(r"^if\b", stripped):
            guards.append(stripped)
        elif stripped == "fi" and guards:
            guards.pop()
        elif _PREPARE.search(stripped):
            if not guards:
                return True
            if _guard_admits(guards[-1], words):
                return True
    return False


# `if [ -z "$RELEASE_COMMAND" ]`: every machine but flyctl's release machine (which has
# RELEASE_COMMAND=1 set) — so the server, which has the volume, migrates.
_NOT_RELEASE = re.compile(r'-z\s+"?\$\{?RELEASE_COMMAND\}?"?')
# `if [ "${*}" == "foreman start --procfile=Procfile.fly" ]`: the whole command, literally.
_WHOLE = re.compile(r'"\$\{?\*\}?"\s*==?\s*"([^"]*)"\s*\]')


def _guard_admits(guard: str, words: list[str]) -> bool:
    """Does the `if` line `guard` let this start command through?"""
    if any(text in guard and test(words) for text, test in _GUARDS):
        return True
    if _NOT_RELEASE.search(guard) and "!" not in guard.split("RELEASE_COMMAND")[0][-6:]:
        return True
    whole = _WHOLE.search(guard)
    return whole is not None and bool(words) and shlex.split(whole.group(1)) == words


def entrypoint_mentions_prepare(entrypoint: str) -> bool:
    """db:prepare/db:migrate appears in the script's code (comments do not count)."""
    return any(_PREPARE.search(line) for line in code_lines(entrypoint))
