"""Fault injection: make a flyctl call fail, lose its response, hang, lie or dawdle.

Faults live in the state (`state["faults"]`, a list; see the package docstring) so that a
"fail once, then succeed" scenario works across processes: each match consumes one of the
fault's `times` and the state is saved. A fault is matched by command path ("volumes list",
"secrets import", "deploy", "ssh console"; aliases allowed) and optionally by app, and only
once the call got past flag parsing and flyctl's preparers (session, app name): a usage
error or a missing token still wins, as with real flyctl, and does not consume the fault.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from runner.simulator.errors import SimError

if TYPE_CHECKING:
    from runner.simulator.context import Ctx
    from runner.simulator.versions import Version

JSON = dict[str, Any]
KINDS = ("fail", "lost_response", "hang", "garbage", "latency")
DEFAULT_FAILURE = "simulated failure (injected by the flyctl simulator)"
DEFAULT_GARBAGE = "<html><body>502 Bad Gateway</body></html>\n"


@dataclass(frozen=True)
class Fault:
    """One matched fault, as the call applies it."""

    kind: str
    command: str
    exit: int = 1
    message: str = DEFAULT_FAILURE
    stdout: str = DEFAULT_GARBAGE
    seconds: float = 0.0


class Pause(Exception):
    """Raised by the dispatcher for `hang`/`latency`: the caller must sleep outside the
    state lock (and, after a latency, run the call again without faults)."""

    def __init__(self, fault: Fault) -> None:
        super().__init__(fault.kind)
        self.fault = fault


def canonical(command: str, version: Version) -> str:
    """`"vol ls"` → `"volumes list"`; ValueError when no command has that path."""
    from runner.simulator.dispatch import find  # the command tree, only when faults exist

    words = command.split()
    path, rest = find(words, version) if words else ([], words)
    if rest or len(path) < 2:
        raise ValueError(f"no flyctl command {command!r}")
    return " ".join(c.name for c in path[1:])


def validate(entry: JSON, version: Version) -> JSON:
    """A normalised fault entry; ValueError when it cannot be applied."""
    if entry.get("kind") not in KINDS:
        raise ValueError(f"fault kind must be one of {', '.join(KINDS)}: {entry.get('kind')!r}")
    times = entry.get("times", 1)
    if times is not None and (not isinstance(times, int) or times < 1):
        raise ValueError(f"fault times must be a positive integer or null: {times!r}")
    canonical(str(entry.get("command", "")), version)
    return entry


def _matches(entry: JSON, path: str, app: str, version: Version) -> bool:
    try:
        wanted = canonical(str(entry.get("command", "")), version)
    except ValueError:
        return False
    return wanted == path and entry.get("app") in (None, app)


def take(ctx: Ctx, app: str) -> Fault | None:
    """The first fault matching this call, consumed (one of its `times` used up)."""
    entries: list[JSON] = ctx.state.get("faults") or []
    path = " ".join(ctx.path)
    for index, entry in enumerate(entries):
        if not _matches(entry, path, app, ctx.version):
            continue
        times = entry.get("times", 1)
        if times is not None:
            if times <= 1:
                del entries[index]
            else:
                entry["times"] = times - 1
        return Fault(
            kind=str(entry["kind"]),
            command=path,
            exit=int(entry.get("exit", 1)),
            message=str(entry.get("stderr") or DEFAULT_FAILURE),
            stdout=str(entry["stdout"]) if entry.get("stdout") is not None else DEFAULT_GARBAGE,
            seconds=float(entry.get("seconds", 0.0)),
        )
    return None


def failure(fault: Fault) -> SimError:
    """The error a `fail` fault makes flyctl print (state untouched)."""
    return SimError(fault.message, exit_code=fault.exit)
