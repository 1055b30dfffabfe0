"""What dotenv puts in ENV before Rails reads config/database.yml.

dotenv-rails (any version), and the dotenv gem itself from 3.0 on (bkeepers/dotenv#468:
"the dotenv-rails gem is now superfluous"), load these files from Rails.root in the
`before_configuration` hook, so before database.yml's ERB runs (Dotenv::Rails.files):
`.env.<Rails.env>.local`, `.env.local` (not in test), `.env.<Rails.env>`, `.env`. A variable
takes the value of the first file that sets it, and never replaces one the process already has
(`Dotenv.load`, not `overwrite`): fly.toml [env], the Dockerfile's ENV and secrets win. dotenv
before 3.0 without dotenv-rails loads nothing unless the app calls `Dotenv.load` itself, which
flyrun cannot see.

A file counts when the image has it: flyctl sends the app folder as the build context minus
`.dockerignore` (BuildKit reads `<Dockerfile>.dockerignore` first, when there is one), and
`COPY . .` puts it in Rails.root. Rails' own .dockerignore leaves every `/.env*` out, so a
developer's `.env` never reaches the machines. When the ignore files disagree about a file,
or dotenv may not load at all, its variables are unknown, never guessed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from runner.facts.bundle import parse_lockfile
from runner.facts.dockerignore import ignored
from runner.facts.erb import Setting
from runner.facts.gemfile import production_declaration

# dotenv's own line grammar (lib/dotenv/parser.rb LINE), one line at a time.
_LINE = re.compile(
    r"""^\s*(?:export\s+)?(?P<key>[\w.]+)(?:\s*=\s*?|:\s+?)"""
    r"""(?P<value>\s*'(?:\\'|[^'])*'|\s*"(?:\\"|[^"])*"|[^#\n]+)?\s*(?:\#.*)?$"""
)


@dataclass(frozen=True)
class Dotenv:
    """dotenv's inputs: the gem that loads the files (`loader`: `dotenv-rails`, `dotenv
    3.1.2`), or why flyrun cannot tell whether anything does (`unsure`); the .env files in the
    app folder (name → text); and the ignore files that decide whether the image has them
    (name → text)."""

    loader: str | None = None
    unsure: str | None = None
    files: Mapping[str, str] = field(default_factory=dict)
    ignores: Mapping[str, str] = field(default_factory=dict)


def loader(gemfile: str | None, lock: str | None) -> tuple[str | None, str | None]:
    """The gem that loads .env files in production (dotenv-rails, or dotenv from 3.0), or
    why flyrun cannot tell whether one does (dotenv before 3.0, or unlocked, alone)."""
    if gemfile is None:
        return None, None
    if production_declaration(gemfile, "dotenv-rails") is not None:
        return "dotenv-rails", None
    declared = production_declaration(gemfile, "dotenv")
    if declared is None:
        return None, None
    version = parse_lockfile(lock).locked_version("dotenv") if lock is not None else None
    if version is not None and _major(version) >= 3:
        return f"dotenv {version}", None
    return None, (
        f"dotenv {version or '(not locked)'} is in the production bundle ({declared}) without "
        "dotenv-rails, and loads .env files only where the app calls Dotenv.load, which "
        "flyrun cannot see"
    )


def _major(version: str) -> int:
    head = version.split(".", 1)[0]
    return int(head) if head.isdigit() else 0


def file_names(rails_env: str) -> tuple[str, ...]:
    """The files dotenv-rails loads, the first one winning (Dotenv::Rails.files)."""
    local = () if rails_env == "test" else (".env.local",)
    return (f".env.{rails_env}.local", *local, f".env.{rails_env}", ".env")


def dotenv_settings(dotenv: Dotenv | None, rails_env: str) -> tuple[Setting, ...]:
    """One Setting per variable the .env files give the app (the first file's), unknown
    ones saying why; () when nothing loads them."""
    if dotenv is None or (dotenv.loader is None and dotenv.unsure is None):
        return ()
    found: dict[str, Setting] = {}
    for name in file_names(rails_env):
        text = dotenv.files.get(name)
        image = _in_image(name, dotenv.ignores) if text is not None else ""
        if text is None or image == "":
            continue  # absent, or left out of the image
        doubt = dotenv.unsure or image
        # dotenv reads a whole file into a hash first, so a later line of one file wins
        parsed = {item.name: item for item in _parse(text, name, dotenv.loader or "dotenv")}
        for item in parsed.values():
            unknown = item.unknown or (doubt and f"{name} sets {item.name}, but {doubt}")
            found.setdefault(item.name, Setting(item.where, item.name, item.value, unknown))
    return tuple(found.values())


def _in_image(name: str, ignores: Mapping[str, str]) -> str | None:
    """None when the image has `name`, "" when it is left out, else why flyrun cannot tell."""
    verdicts = {file: ignored(name, text) for file, text in ignores.items()}
    if len(set(verdicts.values())) > 1:
        said = ", ".join(f"{f} {'leaves it out' if v else 'keeps it'}" for f, v in verdicts.items())
        return f"flyrun cannot tell whether the image has it ({said})"
    return "" if any(verdicts.values()) else None


def _parse(text: str, file: str, loader: str) -> Iterable[Setting]:
    """KEY=VALUE lines as dotenv reads them; a value it would expand ($VAR, $(command)) or a
    quote left open is unknown."""
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        match = _LINE.match(line)
        if match is None:
            continue
        where = f"{loader}: {file}:{number}"
        raw = (match["value"] or "").strip()
        value, why = _value(raw)
        yield Setting(where, match["key"], value, why and f"{where} {match['key']}: {why}")


def _value(raw: str) -> tuple[str, str | None]:
    if raw[:1] == "'" and raw.endswith("'") and len(raw) > 1:
        return raw[1:-1], None
    if raw[:1] == '"' and raw.endswith('"') and len(raw) > 1:
        inner = raw[1:-1]
        value = inner.replace("\\n", "\n").replace('\\"', '"')
        return value, ("flyrun does not expand $ in a .env value" if "$" in inner else None)
    if raw[:1] in ("'", '"'):
        return raw, "a quoted value that spans lines, which flyrun does not read"
    return raw, ("flyrun does not expand $ in a .env value" if "$" in raw else None)
