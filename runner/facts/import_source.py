"""Where a Postgres import copies from: the app's Postgres URL (docs/import.md "The Postgres
URL"), read once per run before any effect and kept in memory only.

By default it is read from a started machine of the app's process group with `fly ssh console`
(a machine's environment holds the secrets it booted with: the deployed DATABASE_URL, and
during an import FLYRUN_IMPORT_DATABASE_URL). With `import_data.url_env` it is the named
variable of flyrun's own environment, and it is compared with the app's own URL (`compare`):
on a started machine of the group by the same read, else with the DATABASE_URL secret's
digest when that is a legacy MD5 one (newer digests are computed server-side and cannot be
recomputed: docs/reference/flyctl.md §3.6). Either way it must be a postgres:// or
postgresql:// URL with a host or path. No value is ever printed: `SourceUrl` keeps it out of
repr and str, a comparison keeps only whether they are equal, and the machine's output is
parsed between markers, so a banner or a pseudo-terminal changes nothing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from urllib.parse import urlsplit

from runner.errors import RunnerError
from runner.facts.redact import display, mask_urls
from runner.facts.remote import RemoteFacts
from runner.flyctl.commands import MACHINES
from runner.flyctl.parse import Machine
from runner.importer import SOURCE_ENV

SCHEMES = ("postgres", "postgresql")
PRIMARY = "DATABASE_URL"
DIGEST = "digest"  # Comparison.variable: compared with the secret's legacy MD5 digest
_BEGIN, _END = "flyrun-env-begin", "flyrun-env-end"
# One line per variable between the markers; `printf %s` prints the value as it is.
ENV_SCRIPT = (
    f"printf '%s\\n' {_BEGIN}; "
    + "".join(f"printf '{name}=%s\\n' \"${name}\"; " for name in (PRIMARY, SOURCE_ENV))
    + f"printf '%s\\n' {_END}"
)


@dataclass(frozen=True)
class SourceUrl:
    """The Postgres URL to import from; `origin` says where it was read (for messages),
    `variable` which machine variable held it (None: flyrun's environment, `url_env`)."""

    value: str = field(repr=False)
    origin: str
    variable: str | None

    def __str__(self) -> str:
        return f"{self.shown} ({self.origin})"

    @property
    def shown(self) -> str:
        """The URL without user or password: `postgres://…@host:5432/db`."""
        return display(self.value)


@dataclass(frozen=True)
class Comparison:
    """`url_env`'s value against the app's own URL: `equal` True or False, or None when
    nothing could be compared (`reason` says why). `against` names what it was compared
    with, `variable` which: a machine's DATABASE_URL or FLYRUN_IMPORT_DATABASE_URL, or
    DIGEST; `shown` is that value without user or password (or what kind it is)."""

    equal: bool | None
    against: str = ""
    variable: str | None = None
    shown: str = ""
    reason: str = ""


@dataclass(frozen=True)
class SourceLookup:
    """The URL, or why there is none usable (`problem`); `machine` looked at, if any;
    with `url_env`, how its value compares with the app's own (`compared`)."""

    url: SourceUrl | None
    problem: str | None = None
    machine: str | None = None
    compared: Comparison | None = None


def scheme(url: str) -> str:
    return url.split("://", 1)[0].lower() if "://" in url else ""


def is_postgres(url: str) -> bool:
    """A postgres:// or postgresql:// URL with a host or path (what the import accepts)."""
    if scheme(url) not in SCHEMES:
        return False
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return bool(parts.netloc or parts.path)


def _kind(value: str) -> str:
    """What a value that is not a Postgres URL is, without showing it."""
    if not value:
        return "empty"
    return f"a {scheme(value)}:// URL" if scheme(value) else "not a URL"


def from_environment(name: str, environ: Mapping[str, str]) -> SourceLookup:
    """`import_data.url_env`: the variable of flyrun's own environment."""
    value = environ.get(name, "").strip()
    origin = f"{name} in flyrun's environment"
    if is_postgres(value):
        return SourceLookup(SourceUrl(value, origin, None))
    why = "is not set" if not value else f"is {_kind(value)}, not a postgres:// URL"
    return SourceLookup(None, f"import_data.url_env names {name}, which {why} where flyrun runs")


def parse_env(output: str) -> dict[str, str] | None:
    """ENV_SCRIPT's output: NAME → value (empty when unset); None when the markers are
    missing or a line is not one of the variables (a value with a newline)."""
    lines = [line.rstrip("\r") for line in output.split("\n")]
    if _BEGIN not in lines or _END not in lines:
        return None
    body = lines[lines.index(_BEGIN) + 1 : lines.index(_END)]
    found: dict[str, str] = {}
    for line in body:
        name, equals, value = line.partition("=")
        if not equals or name not in (PRIMARY, SOURCE_ENV) or name in found:
            return None
        found[name] = value
    return found if len(found) == 2 else None


@dataclass(frozen=True)
class MachineEnv:
    """The environment of the group's first started machine (`values`: NAME → value), or
    why it could not be read (`problem`; `machine` None: no started machine)."""

    machine: str | None
    values: Mapping[str, str] | None = None
    problem: str = ""


def _machine_env(remote: RemoteFacts, machines: Sequence[Machine], group: str) -> MachineEnv:
    started = [m for m in machines if m.group == group and m.state == "started"]
    if not started:
        return MachineEnv(None, problem=f"no started machine of group '{group}'")
    machine = started[0].id
    try:
        values = parse_env(remote.ssh_output(MACHINES, machine, ENV_SCRIPT))
    except RunnerError as exc:
        # flyctl's error text may quote what the machine printed: no URL survives it.
        problem = f"could not read DATABASE_URL on machine {machine}: {mask_urls(str(exc))}"
        return MachineEnv(machine, problem=problem[:400])
    if values is None:
        problem = f"could not read DATABASE_URL on machine {machine}: unexpected output"
        return MachineEnv(machine, problem=problem)
    return MachineEnv(machine, values)


def from_machine(remote: RemoteFacts, machines: Sequence[Machine], group: str) -> SourceLookup:
    """The URL in the environment of the group's first started machine: its DATABASE_URL
    while the app is on Postgres, else FLYRUN_IMPORT_DATABASE_URL (during an import)."""
    read = _machine_env(remote, machines, group)
    if read.machine is None:
        return SourceLookup(
            None,
            f"{read.problem} to read DATABASE_URL from (start it with `fly machine start ID`, "
            "or set import_data.url_env)",
        )
    if read.values is None:
        return SourceLookup(None, read.problem, read.machine)
    for name in (PRIMARY, SOURCE_ENV):
        if is_postgres(read.values[name]):
            origin = f"{name} on machine {read.machine}"
            return SourceLookup(SourceUrl(read.values[name], origin, name), machine=read.machine)
    problem = (
        f"DATABASE_URL on machine {read.machine} is {_kind(read.values[PRIMARY])}, not a "
        f"postgres:// URL, and {SOURCE_ENV} is not set there"
    )
    return SourceLookup(None, problem, read.machine)


def compare(remote: RemoteFacts, group: str, url: SourceUrl) -> Comparison:
    """`url_env`'s value against the app's own: FLYRUN_IMPORT_DATABASE_URL (an import under
    way) or DATABASE_URL (unless it is already SQLite) on the group's first started machine,
    the same `fly ssh console` read as without `url_env`; else the DATABASE_URL secret's
    digest when it is a legacy MD5 one; else nothing (None, and why)."""
    read = _machine_env(remote, remote.machines(), group)
    why = read.problem
    if read.values is not None:
        for name in (SOURCE_ENV, PRIMARY):
            value = read.values[name]
            if value and not (name == PRIMARY and scheme(value) in ("sqlite3", "sqlite")):
                shown = display(value) if is_postgres(value) else _kind(value)
                against = f"{name} on machine {read.machine}"
                return Comparison(value == url.value, against, name, shown)
        why = f"DATABASE_URL on machine {read.machine} is {_kind(read.values[PRIMARY])}"
    secret = next((s for s in remote.secrets() if s.name == PRIMARY), None)
    if secret is None:
        return Comparison(None, reason=f"{why}, and the app has no DATABASE_URL secret")
    from runner.state_file import legacy_md5_match  # lazy: validate never compares

    equal = legacy_md5_match(url.value, secret.digest)
    if equal is not None:
        return Comparison(equal, "the DATABASE_URL secret's legacy MD5 digest", DIGEST)
    return Comparison(
        None,
        reason=f"{why}, and the DATABASE_URL secret's digest ({secret.digest}) is computed by "
        "Fly and cannot be recomputed from a value",
    )


def read_source(
    remote: RemoteFacts, group: str, url_env: str | None, environ: Mapping[str, str]
) -> SourceLookup:
    """The import's source: `url_env` when given (compared with the app's own URL), else a
    started machine of `group`."""
    if url_env is None:
        return from_machine(remote, remote.machines(), group)
    found = from_environment(url_env, environ)
    if found.url is None:
        return found
    return replace(found, compared=compare(remote, group, found.url))
