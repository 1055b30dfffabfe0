"""What a Dockerfile gives the running machines: the `ENV` variables of the final stage (and
of the stages it is built `FROM`), its `CMD` and `ENTRYPOINT`. Read textually, with the
instruction's line for messages; continuation lines (`\\` at the end) are joined."""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass
from functools import lru_cache

_INSTRUCTION = re.compile(r"^\s*([A-Za-z]+)\s+(.*)$", re.DOTALL)
_FROM = re.compile(r"^(\S+)(?:\s+AS\s+(\S+))?", re.IGNORECASE)


@dataclass(frozen=True)
class EnvVar:
    """One variable an `ENV` instruction sets: where (file:line), name, value."""

    where: str
    name: str
    value: str


@dataclass(frozen=True)
class Instruction:
    line: int  # 1-based line of the instruction's first row
    keyword: str  # upper case
    rest: str  # the arguments, continuation lines joined


@dataclass(frozen=True)
class Stage:
    base: str  # the FROM image or stage name
    name: str | None
    instructions: tuple[Instruction, ...]


@lru_cache(maxsize=64)
def stages(text: str) -> tuple[Stage, ...]:
    """The build stages in order (instructions before any FROM form a nameless stage, so a
    fragment without FROM still reads)."""
    found: list[Stage] = []
    for instruction in _instructions(text):
        if instruction.keyword == "FROM":
            match = _FROM.match(instruction.rest.replace("--platform=", "").strip())
            base, name = (match.group(1), match.group(2)) if match else (instruction.rest, None)
            found.append(Stage(base, name, ()))
        else:
            if not found:
                found.append(Stage("", None, ()))
            last = found[-1]
            found[-1] = Stage(last.base, last.name, (*last.instructions, instruction))
    return tuple(found)


def _instructions(text: str) -> list[Instruction]:
    rows = text.splitlines()
    result: list[Instruction] = []
    index = 0
    while index < len(rows):
        start, parts = index, [rows[index]]
        while parts[-1].rstrip().endswith("\\") and index + 1 < len(rows):
            parts[-1] = parts[-1].rstrip()[:-1]
            index += 1
            if not rows[index].lstrip().startswith("#"):
                parts.append(rows[index])
        index += 1
        line = " ".join(parts)
        match = _INSTRUCTION.match(line)
        if match and not line.lstrip().startswith("#"):
            result.append(Instruction(start + 1, match.group(1).upper(), match.group(2).strip()))
    return result


def runtime_stages(text: str) -> tuple[Stage, ...]:
    """The final stage and the stages it derives from, base first."""
    all_stages = stages(text)
    if not all_stages:
        return ()
    chain = [all_stages[-1]]
    names = {s.name.lower(): s for s in all_stages if s.name}
    while (parent := names.get(chain[-1].base.lower())) is not None and parent not in chain:
        chain.append(parent)
    return tuple(reversed(chain))


def env_vars(text: str, file: str = "Dockerfile") -> tuple[EnvVar, ...]:
    """Every variable the running image gets from `ENV` (later ones override earlier)."""
    found: list[EnvVar] = []
    for stage in runtime_stages(text):
        for instruction in stage.instructions:
            if instruction.keyword == "ENV":
                where = f"{file}:{instruction.line} ENV"
                found.extend(EnvVar(where, n, v) for n, v in _env_pairs(instruction.rest))
    return tuple(found)


def _env_pairs(rest: str) -> list[tuple[str, str]]:
    """`A=1 B="two words"` → pairs; the legacy `ENV NAME value with spaces` form too."""
    try:
        words = shlex.split(rest, posix=True)
    except ValueError:  # unbalanced quotes: take the legacy form, value as written
        words = rest.split(None, 1)
    if words and "=" not in words[0]:
        name, _, value = rest.partition(" ")
        return [(name, value.strip().strip("\"'"))]
    return [(w.split("=", 1)[0], w.split("=", 1)[1]) for w in words if "=" in w]


def workdir(text: str | None) -> str | None:
    """The runtime image's last absolute `WORKDIR` (where Rails.root is)."""
    found = None
    for stage in runtime_stages(text or ""):
        for instruction in stage.instructions:
            if instruction.keyword == "WORKDIR" and instruction.rest.startswith("/"):
                found = instruction.rest.strip().strip("\"'")
    return found


def command(text: str | None, keyword: str) -> str | None:
    """The last `CMD` or `ENTRYPOINT` of the runtime image, as a command line."""
    found = None
    for stage in runtime_stages(text or ""):
        for instruction in stage.instructions:
            if instruction.keyword == keyword:
                found = _exec_form(instruction.rest)
    return found


def _exec_form(value: str) -> str:
    """`["./bin/rails", "server"]` → `./bin/rails server`; the shell form unchanged."""
    value = value.strip()
    if value.startswith("["):
        return " ".join(re.findall(r'"((?:[^"\\]|\\.)*)"', value))
    return value
