"""Where a Postgres import copies from: the app's Postgres URL (docs/import.md "The Postgres
URL"), read once per run before any effect and kept in memory only.

By default it is read from a started machine of the app's process group with `fly ssh console`
(a machine's environment holds the secrets it booted with: the deployed DATABASE_URL, and
during an import FLYRUN_IMPORT_DATABASE_URL). With `import_data.url_env` it is the named
variable of flyrun's own environment. Either way it must be a postgres:// or postgresql://
URL. The value is never printed: `SourceUrl` keeps it out of repr and str, and the
machine's output is parsed between markers, so a banner or a pseudo-terminal changes nothing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from runner.errors import RunnerError
from runner.facts.redact import display, mask_urls
from runner.facts.remote import RemoteFacts
from runner.flyctl.commands import MACHINES
from runner.flyctl.parse import Machine
from runner.importer import SOURCE_ENV

SCHEMES = ("postgres", "postgresql")
PRIMARY = "DATABASE_URL"
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
class SourceLookup:
    """The URL, or why there is none usable (`problem`); `machine` looked at, if any."""

    url: SourceUrl | None
    problem: str | None = None
    machine: str | None = None


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


def from_machine(remote: RemoteFacts, machines: Sequence[Machine], group: str) -> SourceLookup:
    """The URL in the environment of the group's first started machine: its DATABASE_URL
    while the app is on Postgres, else FLYRUN_IMPORT_DATABASE_URL (during an import)."""
    started = [m for m in machines if m.group == group and m.state == "started"]
    if not started:
        return SourceLookup(
            None,
            f"no started machine of group '{group}' to read DATABASE_URL from (start it with "
            "`fly machine start ID`, or set import_data.url_env)",
        )
    machine = started[0].id
    try:
        values = parse_env(remote.ssh_output(MACHINES, machine, ENV_SCRIPT))
    except RunnerError as exc:
        # flyctl's error text may quote what the machine printed: no URL survives it.
        problem = f"could not read DATABASE_URL on machine {machine}: {mask_urls(str(exc))}"
        return SourceLookup(None, problem[:400], machine)
    if values is None:
        return SourceLookup(
            None, f"could not read DATABASE_URL on machine {machine}: unexpected output", machine
        )
    for name in (PRIMARY, SOURCE_ENV):
        if is_postgres(values[name]):
            origin = f"{name} on machine {machine}"
            return SourceLookup(SourceUrl(values[name], origin, name), machine=machine)
    problem = (
        f"DATABASE_URL on machine {machine} is {_kind(values[PRIMARY])}, not a postgres:// URL, "
        f"and {SOURCE_ENV} is not set there"
    )
    return SourceLookup(None, problem, machine)


def read_source(
    remote: RemoteFacts, group: str, url_env: str | None, environ: Mapping[str, str]
) -> SourceLookup:
    """The import's source: `url_env` when given, else a started machine of `group`."""
    if url_env is not None:
        return from_environment(url_env, environ)
    return from_machine(remote, remote.machines(), group)
