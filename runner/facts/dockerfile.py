"""What a Dockerfile gives the running machines: the `ENV` variables of the final stage (and
of the stages it is built `FROM`), its `WORKDIR`, `CMD` and `ENTRYPOINT`. Read textually, with
the instruction's line for messages; continuation lines (`\\` at the end) are joined.

`ENV` and `WORKDIR` values have their `$VAR`, `${VAR}`, `${VAR:-word}` and `${VAR:+word}`
replaced as Docker does (not in single quotes, not after a backslash): from the `ENV` set
before them in the stage chain, then the stage's `ARG`s (an `ENV` wins over an `ARG` of the
same name). An `ARG` takes fly.toml's `[build.args]` value, else its default (a bare `ARG` in a
stage, the default of the same `ARG` before the first `FROM`). What flyrun cannot know stays
unknown, with the reason: a variable the Dockerfile never sets (the base image may), an `ARG`
without a default (only a `--build-arg` would set it), another expansion form. The fly.rake-era
template writes `ARG RAILS_ENV=production` then `ENV RAILS_ENV=${RAILS_ENV}`; some write
`ENV APP_HOME=/app` then `WORKDIR $APP_HOME`."""

from __future__ import annotations

import posixpath
import re
import shlex
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import lru_cache

_INSTRUCTION = re.compile(r"^\s*([A-Za-z]+)\s+(.*)$", re.DOTALL)
_FROM = re.compile(r"^(\S+)(?:\s+AS\s+(\S+))?", re.IGNORECASE)


_LITERAL = "\ue010"  # a `$` Docker leaves as it is (escaped, or in single quotes)
_VAR = re.compile(
    r"\$(?:\{(?P<braced>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<op>:[-+])(?P<word>[^}$]*))?\}"
    r"|(?P<plain>[A-Za-z_][A-Za-z0-9_]*))"
)


@dataclass(frozen=True)
class EnvVar:
    """One variable an `ENV` instruction sets: where (file:line), name, value (as written
    when `unknown` says why flyrun cannot tell it)."""

    where: str
    name: str
    value: str
    unknown: str | None = None


@dataclass(frozen=True)
class Resolved:
    """A value after Docker's variable substitution: `text`, or why it is `unknown`."""

    text: str
    unknown: str | None = None


@dataclass(frozen=True)
class Workdir:
    """The runtime image's working directory (Rails.root): `path`, or why flyrun cannot
    tell (`unknown`); `where` is the instruction that decided it."""

    path: str | None
    where: str | None = None
    unknown: str | None = None


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


Args = tuple[tuple[str, str], ...]  # fly.toml [build.args], hashable for the caches below


def _frozen(build_args: Mapping[str, str] | None) -> Args:
    return tuple(sorted((build_args or {}).items()))


def env_vars(
    text: str, file: str = "Dockerfile", build_args: Mapping[str, str] | None = None
) -> tuple[EnvVar, ...]:
    """Every variable the running image gets from `ENV` (later ones override earlier)."""
    return _env_vars(text, file, _frozen(build_args))


# Cached by text, like every file fact (runner/facts/__init__.py): an app's facts ask for its
# ENV and WORKDIR several times a pass, and walking the stages with their variables is
# the costliest read of a Dockerfile (bench/PROFILE.md).
@lru_cache(maxsize=4096)
def _env_vars(text: str, file: str, build_args: Args) -> tuple[EnvVar, ...]:
    found: list[EnvVar] = []
    for instruction, scope in _walk(text, dict(build_args), file):
        if instruction.keyword == "ENV":
            where = f"{file}:{instruction.line} ENV"
            for name, raw in _env_pairs(_protect(instruction.rest)):
                value = _expand(raw, scope, f"{where} {name}")
                shown = raw.replace(_LITERAL, "$") if value.unknown else value.text
                found.append(EnvVar(where, name, shown, value.unknown))
    return tuple(found)


def _walk(
    text: str, build_args: Mapping[str, str], file: str
) -> Iterator[tuple[Instruction, Mapping[str, Resolved]]]:
    """Each instruction of the runtime stages with the variables in scope before it."""
    env: dict[str, Resolved] = {}
    defaults = _global_args(text, build_args, file)
    for stage in runtime_stages(text):
        args: dict[str, Resolved] = {}  # an ARG lasts to the end of its stage
        for instruction in stage.instructions:
            scope = {**args, **env}
            yield instruction, scope
            where = f"{file}:{instruction.line} {instruction.keyword}"
            if instruction.keyword == "ARG":
                for name, default in _arg_pairs(instruction.rest):
                    args[name] = _arg(name, default, scope, build_args, defaults, f"{where} {name}")
            elif instruction.keyword == "ENV":
                pairs = _env_pairs(_protect(instruction.rest))
                env.update((n, _expand(v, scope, f"{where} {n}")) for n, v in pairs)


def _global_args(text: str, build_args: Mapping[str, str], file: str) -> dict[str, Resolved]:
    """The `ARG`s before the first `FROM`: a stage's bare `ARG NAME` takes their value."""
    found: dict[str, Resolved] = {}
    first = stages(text)[0] if stages(text) else None
    if first is None or first.base or len(stages(text)) == 1:
        return found
    for instruction in first.instructions:
        if instruction.keyword == "ARG":
            for name, default in _arg_pairs(instruction.rest):
                where = f"{file}:{instruction.line} ARG {name}"
                found[name] = _arg(name, default, found, build_args, {}, where)
    return found


def _arg_pairs(rest: str) -> list[tuple[str, str | None]]:
    """`ARG A=1 B` → [("A", "1"), ("B", None)]."""
    try:
        words = shlex.split(_protect(rest), posix=True)
    except ValueError:  # unbalanced quotes
        words = rest.split()
    return [(w.split("=", 1)[0], w.split("=", 1)[1]) if "=" in w else (w, None) for w in words]


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


def _arg(
    name: str,
    default: str | None,
    scope: Mapping[str, Resolved],
    build_args: Mapping[str, str],
    defaults: Mapping[str, Resolved],
    where: str,
) -> Resolved:
    """An ARG's value: fly.toml [build.args], else its default, else the global one."""
    if name in build_args:
        return Resolved(build_args[name])
    if default is not None:
        return _expand(default, scope, where)
    if name in defaults:
        return defaults[name]
    why = f"{where} has no default, and only a --build-arg flyrun cannot see would set it"
    return Resolved("", why)


def _protect(rest: str) -> str:
    """`rest` with each `$` Docker leaves alone (after a backslash, inside single quotes)
    marked, so that quote removal cannot turn it into a substitution."""
    out: list[str] = []
    single = double = False
    index = 0
    while index < len(rest):
        char = rest[index]
        if char == "\\" and rest[index + 1 : index + 2] == "$" and not single:
            out.append(_LITERAL)
            index += 2
            continue
        single = not single if char == "'" and not double else single
        double = not double if char == '"' and not single else double
        out.append(_LITERAL if char == "$" and single else char)
        index += 1
    return "".join(out)


def _expand(value: str, scope: Mapping[str, Resolved], where: str) -> Resolved:
    """Docker's substitution of `value` (quotes already removed, literal `$` marked)."""
    problems: list[str] = []

    def replace(match: re.Match[str]) -> str:
        name = match["braced"] or match["plain"]
        found = scope.get(name)
        if found is not None and found.unknown:
            problems.append(found.unknown)
            return ""
        text = found.text if found is not None else None
        if match["op"] == ":-":
            return text or match["word"]
        if match["op"] == ":+":
            return match["word"] if text else ""
        if found is None:
            problems.append(f"{where} uses ${name}, which the Dockerfile does not set")
        return text or ""

    text = _VAR.sub(replace, value)
    if not problems and "$" in text:
        problems.append(f"{where}: flyrun does not resolve {value.replace(_LITERAL, '$')!r}")
    text = text.replace(_LITERAL, "$")
    return Resolved(text, "; ".join(dict.fromkeys(problems)) or None)


def workdir(
    text: str | None, build_args: Mapping[str, str] | None = None, file: str = "Dockerfile"
) -> Workdir:
    """The runtime image's last `WORKDIR`, variables resolved, a relative one joined to the
    one before (Docker's rule). Unknown when the Dockerfile sets none: the base image's
    working directory is not in it."""
    return _workdir(text or "", _frozen(build_args), file)


@lru_cache(maxsize=4096)
def _workdir(text: str, build_args: Args, file: str) -> Workdir:
    found = Workdir(None, None, f"{file} sets no WORKDIR (the base image's is not in it)")
    for instruction, scope in _walk(text, dict(build_args), file):
        if instruction.keyword != "WORKDIR":
            continue
        where = f"{file}:{instruction.line} WORKDIR {instruction.rest.strip()}"
        words = shlex.split(_protect(instruction.rest), posix=True) or [""]
        value = _expand(" ".join(words), scope, where)
        if value.unknown is not None:
            found = Workdir(None, where, value.unknown)
        elif posixpath.isabs(value.text):
            found = Workdir(posixpath.normpath(value.text), where)
        elif found.path is not None:
            found = Workdir(posixpath.normpath(posixpath.join(found.path, value.text)), where)
        else:
            found = Workdir(None, where, f"{where} is relative to a WORKDIR flyrun cannot tell")
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
