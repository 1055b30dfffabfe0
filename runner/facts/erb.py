"""The ERB that production entries of config/database.yml use, evaluated without Ruby.

Rails renders database.yml with ERB before reading it as YAML. flyrun understands the forms
real apps and generators write and refuses to guess anything else:
`ENV["X"]`, `ENV.fetch("X")`, `ENV.fetch("X") { "d" }`, `ENV.fetch("X", "d")`, `A || B`,
`Rails.root.join("db", "x")`, `Rails.env`, `Litesupport.root("production").join("x")`
(Litestack's install template, oldmoe/litestack lib/generators/litestack/install/templates/
database.yml) and dockerfile-rails' multi-database `url:` line
`URI.parse(ENV["DATABASE_URL"]).tap { |url| url.path += "_cache" } if ENV["DATABASE_URL"]`
(docs/reference/rails.md §2 pitfall 4). Environment values come from an `Env`: the machines'
`[env]`/Dockerfile values and the names of secrets, whose values flyrun cannot read.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace

from runner.facts.dockerfile import Workdir

_STR = r"""(?:"([^"\\#]*)"|'([^'\\]*)')"""
_ARG = rf"""(?:{_STR}|(\d+)|(nil))"""
_ENV_INDEX = re.compile(rf"ENV\[\s*{_STR}\s*\]")
_FETCH_BLOCK = re.compile(rf"ENV\.fetch\(\s*{_STR}\s*\)\s*\{{\s*{_ARG}\s*\}}")
_FETCH_ARG = re.compile(rf"ENV\.fetch\(\s*{_STR}\s*,\s*{_ARG}\s*\)")
_FETCH = re.compile(rf"ENV\.fetch\(\s*{_STR}\s*\)")
_LITERAL = re.compile(_ARG)
_JOIN = rf"""\.join\(\s*({_STR}(?:\s*,\s*{_STR})*)\s*\)"""
_RAILS_JOIN = re.compile(rf"Rails\.root{_JOIN}(?:\.to_s)?")
_LITE_ROOT = re.compile(rf"Litesupport\.root(?:\(\s*{_STR}?\s*\))?(?:{_JOIN})?(?:\.to_s)?")
_TAP = re.compile(
    rf"URI\.parse\(\s*ENV\[\s*{_STR}\s*\]\s*\)\.tap\s*\{{\s*\|(\w+)\|\s*\3\.path\s*\+=\s*"
    rf"{_STR}\s*\}}\s*if\s+ENV\[\s*{_STR}\s*\]"
)


@dataclass(frozen=True)
class Value:
    """An ERB result: `text` (None and no `unknown`: Ruby's nil, rendered as ""), or why it
    is `unknown`, with the `secret` that decides it and the `evidence` it was read from."""

    text: str | None
    unknown: str | None = None
    secret: str | None = None
    evidence: tuple[str, ...] = ()
    litestack_root: str | None = None  # set when the value is under Litesupport.root
    hint: str | None = None  # for an unknown value: what would let flyrun know it

    @property
    def known(self) -> bool:
        return self.unknown is None


@dataclass(frozen=True)
class Setting:
    """A variable the machines get from a file: where (for messages), name, value; `unknown`
    says why flyrun cannot tell the value (a Dockerfile `$VAR` it cannot resolve)."""

    where: str
    name: str
    value: str
    unknown: str | None = None

    def read(self) -> Value:
        if self.unknown is not None:
            hint = f"Give {self.name} a value flyrun sees: set it in fly.toml [env]"
            return Value(None, self.unknown, evidence=(self.shown,), hint=hint)
        return Value(self.value, evidence=(self.shown,))

    @property
    def shown(self) -> str:
        return f"{self.where} {self.name}={redact(self.value)}"


Triple = tuple[str, str, str]  # (where, name, value): a Setting flyrun can read


@dataclass(frozen=True)
class Env:
    """What the app's machines see: values set in fly.toml [env] or the Dockerfile, secret
    names, and secret values the caller verified."""

    values: Mapping[str, Setting] = field(default_factory=dict)
    secrets: frozenset[str] = frozenset()
    verified: Mapping[str, str] = field(default_factory=dict)
    rails_root: Workdir = field(default_factory=lambda: Workdir("/rails"))
    rails_env: str = "production"
    dotenv: Mapping[str, Setting] = field(default_factory=dict)  # below all the others
    dotenv_from: str | None = None  # the gem that loads .env files, if one does
    # How a `verified` value is known when it is not the value flyrun set (the Postgres
    # URL import_data read from a machine, runner/tasks/live_data.py `_adopted`).
    origins: Mapping[str, str] = field(default_factory=dict)

    def root(self) -> Value:
        """Rails.root (the image's WORKDIR, runner/facts/dockerfile.py), or why flyrun
        cannot tell it."""
        root = self.rails_root
        if root.path is not None:
            said = (f"Rails.root is {root.path} ({root.where})",) if root.where else ()
            return Value(root.path, evidence=said)
        why = f"Rails.root, the image's WORKDIR, is not known: {root.unknown}"
        if root.where is None:
            hint = "Set a literal WORKDIR in the Dockerfile's final stage (where the app is)"
        else:
            hint = (
                f"Write {root.where} as a literal path (or give what it uses a value flyrun "
                "sees: an ENV or ARG default before it, or fly.toml [build.args])"
            )
        hint += ", or make the database path in config/database.yml absolute"
        return Value(None, why, hint=hint)

    def under_root(self, path: str) -> Value:
        """`File.expand_path(path, Rails.root)`: an absolute path as it is."""
        if posixpath.isabs(path):
            return Value(posixpath.normpath(path))
        root = self.root()
        if root.text is None:
            return replace(root, unknown=f"{path!r} is relative to Rails.root: {root.unknown}")
        return replace(root, text=posixpath.normpath(posixpath.join(root.text, path)))

    def get(self, name: str) -> Value:
        """ENV[name]: a secret wins over [env], which wins over the image's ENV (flyctl
        passes [env] and secrets to the machine config; docs/reference/rails.md §5 step 4),
        which wins over a .env file (runner/facts/dotenv.py)."""
        if name in self.verified:
            value = self.verified[name]
            # Its value is known because flyrun verified it (or read it: `origins`), but a
            # secret's value is never shown (README "The spec"): the evidence names it only.
            how = self.origins.get(name, "verified: the value flyrun sets")
            return Value(value, evidence=(f"secret {name} ({how})",))
        if name in self.secrets:
            return Value(None, f"{name} is set by a secret flyrun cannot read", secret=name)
        if name in self.values:
            return self.values[name].read()
        if name in self.dotenv:  # dotenv never replaces a variable the machine has
            return self.dotenv[name].read()
        if self.dotenv_from is None:
            unset = f"{name} is not set in fly.toml [env], the Dockerfile or a secret"
        else:
            unset = (
                f"{name} is not set in fly.toml [env], the Dockerfile, a secret or a .env file "
                f"{self.dotenv_from} loads"
            )
        return Value(None, evidence=(unset,))


def make_env(
    settings: Iterable[Triple | Setting],
    secrets: Iterable[str] = (),
    verified: Mapping[str, str] | None = None,
    *,
    rails_root: str | Workdir = "/rails",
    origins: Mapping[str, str] | None = None,
) -> Env:
    """An Env from settings (or `(where, name, value)` triples). fly.toml [env] wins over a
    Dockerfile `ENV` (runtime config over image); among equals the later one wins, like a
    later `ENV` line."""
    ordered = sorted(map(setting, settings), key=lambda s: s.where.startswith("fly.toml"))
    values = {s.name: s for s in ordered}
    root = Workdir(rails_root) if isinstance(rails_root, str) else rails_root
    return Env(
        values,
        frozenset(secrets),
        dict(verified or {}),
        root,
        origins=dict(origins or {}),
    )


def rails_env(env: Env) -> Value:
    """The Rails environment the machines boot in, which picks database.yml's entry:
    RAILS_ENV, else RACK_ENV (an empty one counts as unset: Rails reads them with
    `.presence`, railties lib/rails.rb `Rails.env`). Rails' own last resort is development;
    flyrun takes production, which every Fly Rails Dockerfile sets (README "Live data")."""
    evidence: tuple[str, ...] = ()
    for name in ("RAILS_ENV", "RACK_ENV"):
        found = env.get(name)
        evidence += found.evidence
        if not found.known:
            why = f"{found.unknown}, so flyrun cannot tell which entry of config/database.yml "
            why += "the app reads"
            hint = found.hint or (
                f"Move {name} from the app's secrets to fly.toml [env] (fly secrets unset {name}),"
                " where flyrun can read it"
            )
            return replace(found, unknown=why, evidence=evidence, hint=hint)
        if found.text:
            return Value(found.text, evidence=evidence)
    return Value("production", evidence=evidence)


def setting(item: Triple | Setting) -> Setting:
    return item if isinstance(item, Setting) else Setting(*item)


def redact(value: str) -> str:
    """`scheme://user:password@host` → `scheme://…@host`: evidence is printed."""
    return re.sub(r"^([A-Za-z][A-Za-z0-9+.-]*://)[^/@]*@", r"\1…@", value)


def evaluate(code: str, env: Env) -> Value:
    """The value of one `<%= code %>` expression, or unknown ("not understood")."""
    code = code.strip()
    if "||" in code:
        return _either([evaluate(part, env) for part in code.split("||")])
    for form in (_env_index, _fetch, _literal, _rails_root, _litestack, _tap):
        value = form(code, env)
        if value is not None:
            return value
    if code == "Rails.env":
        return Value(env.rails_env)
    return Value(None, f"flyrun does not understand the Ruby `{code}`")


def _either(values: list[Value]) -> Value:
    """`a || b`: the first value that is not nil (an unknown one stops the search)."""
    evidence: tuple[str, ...] = ()
    for value in values:
        evidence += value.evidence
        if not value.known or value.text is not None:
            return replace(value, evidence=evidence)
    return Value(None, evidence=evidence)


def _string(match: re.Match[str], first: int) -> str:
    return match[first] if match[first] is not None else match[first + 1] or ""


def _env_index(code: str, env: Env) -> Value | None:
    match = _ENV_INDEX.fullmatch(code)
    return env.get(_string(match, 1)) if match else None


def _fetch(code: str, env: Env) -> Value | None:
    match = _FETCH_BLOCK.fullmatch(code) or _FETCH_ARG.fullmatch(code)
    if match is not None:
        found = env.get(_string(match, 1))
        if not found.known or found.text is not None:
            return found
        default = _argument(match, 3)
        said = f"so ENV.fetch returns its default {default!r}"
        return Value(default, evidence=tuple(f"{line}, {said}" for line in found.evidence))
    match = _FETCH.fullmatch(code)
    if match is None:
        return None
    found = env.get(_string(match, 1))
    if found.known and found.text is None:  # ENV.fetch without a default raises KeyError
        why = f"ENV.fetch({_string(match, 1)!r}) raises: it is not set anywhere flyrun can see"
        return Value(None, why, evidence=found.evidence)
    return found


def _argument(match: re.Match[str], first: int) -> str | None:
    if match[first] is not None or match[first + 1] is not None:
        return _string(match, first)
    return match[first + 2]  # an integer's digits, or None for nil


def _literal(code: str, env: Env) -> Value | None:
    match = _LITERAL.fullmatch(code)
    return Value(_argument(match, 1)) if match else None


def _parts(joined: str) -> list[str]:
    return [a or b for a, b in re.findall(_STR, joined)]


def _rails_root(code: str, env: Env) -> Value | None:
    match = _RAILS_JOIN.fullmatch(code)
    if match is None:
        return None
    return env.under_root(posixpath.join(*_parts(match[1])))


def _litestack(code: str, env: Env) -> Value | None:
    """`Litesupport.root(env)` is `ENV["LITESTACK_DATA_PATH"]` (else `./db` under Rails)
    joined with the environment name, relative to the working directory, Rails.root in
    the image (oldmoe/litestack lib/litestack/litesupport.rb `detect_root`)."""
    match = _LITE_ROOT.fullmatch(code)
    if match is None:
        return None
    data = env.get("LITESTACK_DATA_PATH")
    if not data.known:
        return data
    base = data.text if data.text is not None else "./db"
    name = _string(match, 1) if match[1] is not None or match[2] is not None else env.rails_env
    folder = env.under_root(posixpath.join(base, name))
    evidence = data.evidence
    if data.text is None:
        evidence = ("LITESTACK_DATA_PATH is not set, so Litestack uses ./db",)
    if folder.text is None:
        return replace(folder, evidence=evidence + folder.evidence)
    root = folder.text
    path = posixpath.join(root, *_parts(match[3])) if match[3] else root
    return Value(path, evidence=evidence + folder.evidence, litestack_root=root)


def _tap(code: str, env: Env) -> Value | None:
    """dockerfile-rails' derived URL: DATABASE_URL with a suffix on its path, or nil."""
    match = _TAP.fullmatch(code)
    if match is None:
        return None
    name, suffix, guard = _string(match, 1), _string(match, 4), _string(match, 6)
    if guard != name:
        return Value(None, f"flyrun does not understand the Ruby `{code}`")
    found = env.get(name)
    if not found.known or found.text is None:
        return found
    base = re.split(r"[#?]", found.text, maxsplit=1)
    tail = found.text[len(base[0]) :]
    # URI#to_s writes `sqlite3:///x` back as `sqlite3:/x` (docs/reference/rails.md §2).
    text = re.sub(r"^sqlite3:///", "sqlite3:/", base[0]) + suffix + tail
    return Value(text, evidence=found.evidence)
