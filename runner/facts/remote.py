"""Read-only flyctl facts about one app: its volumes, secrets and machines, and the SQLite
files on a volume (looked at from a running machine).

Fetched on first use, or together with `prefetch` (concurrently: an app's queries do not
wait for each other), cached for the pass, and invalidated by the effects that change them
(`runner/flyctl/commands.py` names them), so every decision in apply is made on fresh
facts. Without flyctl (`--offline`, `validate`) asking for one raises `Offline`."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from concurrent.futures import Future, wait
from dataclasses import dataclass
from typing import Any, Protocol

from runner.errors import RunnerError
from runner.flyctl.commands import MACHINES, SECRETS, VOLUME_FILES, VOLUMES
from runner.flyctl.parse import Machine, Secret, Volume

_DONE = "flyrun-listing-done"
# The marker in the key of a script's output (FACT, MACHINE, SSH, SCRIPT), which tells it from
# a volume listing's (VOLUME_FILES, MACHINE, MOUNT_PATH) when a saved plan reads it again.
SSH = "ssh"
_BEGIN, _END, _ABSENT = "flyrun-file-begin", "flyrun-file-end", "flyrun-file-absent"
# Lists regular files whose first 15 bytes are SQLite's magic, with their sizes. POSIX sh
# and coreutils only (the app's image); the closing marker proves the script ran to the end.
_LISTING = (
    'find "$1" -xdev -maxdepth 4 -type f 2>/dev/null | while IFS= read -r f; do '
    'if [ "$(head -c 15 "$f" 2>/dev/null)" = "SQLite format 3" ]; then '
    'printf \'%s\\t%s\\n\' "$(wc -c < "$f" | tr -d \' \')" "$f"; fi; done; '
    f"echo {_DONE}"
)


class Queries(Protocol):
    """The read-only flyctl queries remote facts come from (`runner/flyctl/client.py`'s
    `Flyctl`; canned answers in tests)."""

    def volumes(self, app: str) -> tuple[Volume, ...]: ...

    def secrets(self, app: str) -> tuple[Secret, ...]: ...

    def machines(self, app: str) -> tuple[Machine, ...]: ...

    def ssh(self, app: str, machine: str, script: str) -> str: ...


class Offline(RunnerError):
    """A remote fact was asked for without flyctl (offline mode)."""


@dataclass(frozen=True)
class VolumeFile:
    path: str  # absolute path on the machine
    size: int  # bytes


@dataclass(frozen=True)
class VolumeListing:
    """The SQLite files under a mount path, as seen from one running machine."""

    machine: str
    mount_path: str
    files: tuple[VolumeFile, ...]


class RemoteFacts:
    """One app's remote facts for one pass."""

    def __init__(self, flyctl: Queries | None, app: str) -> None:
        self.flyctl = flyctl
        self.app = app
        self._lock = threading.Lock()
        self._cache: dict[Any, Future[Any]] = {}
        # Each fact a task or check read, as first read (a saved plan's inputs,
        # runner/facts/inputs.py); what only `prefetch` fetched is not in it.
        self.used: dict[Any, Any] = {}

    @property
    def online(self) -> bool:
        return self.flyctl is not None

    def _client(self) -> Queries:
        if self.flyctl is None:
            raise Offline("offline: flyctl is not asked")
        return self.flyctl

    def _get(self, key: Any, fetch: Callable[[], Any]) -> Any:
        with self._lock:
            future = self._cache.get(key)
            mine = future is None
            if future is None:
                future = self._cache[key] = Future()
        if mine:
            _fill(future, fetch)
        result = future.result()
        with self._lock:
            self.used.setdefault(key, result)
        return result

    def volumes(self) -> tuple[Volume, ...]:
        result: tuple[Volume, ...] = self._get(VOLUMES, lambda: self._client().volumes(self.app))
        return result

    def secrets(self) -> tuple[Secret, ...]:
        result: tuple[Secret, ...] = self._get(SECRETS, lambda: self._client().secrets(self.app))
        return result

    def machines(self) -> tuple[Machine, ...]:
        result: tuple[Machine, ...] = self._get(MACHINES, lambda: self._client().machines(self.app))
        return result

    def secret(self, name: str) -> Secret | None:
        return next((s for s in self.secrets() if s.name == name), None)

    def volume_files(self, machine: str, mount_path: str) -> VolumeListing:
        """The SQLite files under `mount_path` on a started machine (`fly ssh console`)."""

        def fetch() -> VolumeListing:
            script = _LISTING.replace('"$1"', _quote(mount_path))
            return parse_listing(self._client().ssh(self.app, machine, script), machine, mount_path)

        result: VolumeListing = self._get((VOLUME_FILES, machine, mount_path), fetch)
        return result

    def ssh_output(self, fact: str, machine: str, script: str) -> str:
        """What a read-only `script` prints on a started machine, cached as part of `fact`
        (VOLUME_FILES, MACHINES): an effect that invalidates that fact drops it."""
        result: str = self._get(
            (fact, machine, SSH, script), lambda: self._client().ssh(self.app, machine, script)
        )
        return result

    def volume_file(self, machine: str, path: str) -> str | None:
        """The text of the file `path` on a started machine (None: no such file), e.g. an
        import record beside the database (docs/import.md, runner/facts/import_record.py)."""
        quoted = _quote(path)
        script = (
            f"if [ -f {quoted} ]; then echo {_BEGIN}; cat {quoted}; echo; echo {_END}; "
            f"else echo {_ABSENT}; fi"
        )
        return parse_file(self.ssh_output(VOLUME_FILES, machine, script), machine, path)

    def prefetch(self, names: Iterable[str] = (VOLUMES, SECRETS, MACHINES)) -> None:
        """Start the queries not cached yet, each in its own thread (errors surface when the
        fact is read)."""
        if self.flyctl is None:
            return
        client, app = self.flyctl, self.app
        fetchers: dict[str, Callable[[], Any]] = {
            VOLUMES: lambda: client.volumes(app),
            SECRETS: lambda: client.secrets(app),
            MACHINES: lambda: client.machines(app),
        }
        for name in names:
            with self._lock:  # claimed here, so `settle` sees every query started
                if name in self._cache:
                    continue
                future: Future[Any] = Future()
                self._cache[name] = future
            # _fill keeps any error for the reader: a prefetch thread never prints one, and
            # what only a prefetch fetched is not a use (`used`)
            threading.Thread(target=_fill, args=(future, fetchers[name]), daemon=True).start()

    def settle(self) -> None:
        """Wait until every query started for this app has ended (an app that stops
        before reading them leaves no flyctl running)."""
        with self._lock:
            futures = list(self._cache.values())
        wait(futures)

    def invalidate(self, names: Iterable[str]) -> None:
        wanted = set(names)
        with self._lock:
            for key in list(self._cache):
                name = key[0] if isinstance(key, tuple) else key
                if name in wanted:
                    del self._cache[key]


def _fill(future: Future[Any], fetch: Callable[[], Any]) -> None:
    try:
        future.set_result(fetch())
    except BaseException as exc:  # re-raised to every reader, KeyboardInterrupt included
        future.set_exception(exc)


def _quote(path: str) -> str:
    return "'" + path.replace("'", "'\"'\"'") + "'"


def parse_listing(output: str, machine: str, mount_path: str) -> VolumeListing:
    """The listing script's output (lines `SIZE<TAB>PATH`, then the marker); anything
    before the rows (a banner) is ignored; no marker means the script did not finish."""
    rows = output.splitlines()
    if _DONE not in (row.strip() for row in rows):
        raise RunnerError(
            f"could not list the files on machine {machine}: the listing did not complete "
            f"(output: {output.strip()[:200]!r})"
        )
    files = []
    for row in rows:
        size, tab, path = row.partition("\t")
        if tab and size.isdigit() and path.startswith("/"):
            files.append(VolumeFile(path, int(size)))
    return VolumeListing(machine, mount_path, tuple(files))


def parse_file(output: str, machine: str, path: str) -> str | None:
    """The `volume_file` script's output: the text between the markers (a banner before them
    and a pseudo-terminal's `\r\n` are tolerated), None when the file is absent."""
    lines = output.replace("\r\n", "\n").split("\n")
    marks = [line.strip() for line in lines]
    if _BEGIN in marks and _END in marks:
        start = marks.index(_BEGIN) + 1
        end = len(marks) - 1 - marks[::-1].index(_END)
        text = "\n".join(lines[start:end])
        return text[:-1] if text.endswith("\n") else text  # the `echo` after `cat`
    if _ABSENT in marks:
        return None
    raise RunnerError(f"could not read {path} on machine {machine}: the script did not complete")
