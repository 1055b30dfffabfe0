"""A temporary PostgreSQL cluster for the end-to-end tests: Debian's server binaries, initdb
into a fresh folder, password authentication, listening on 127.0.0.1 only (a free port) and
on a unix socket inside the folder, stopped and deleted at the end.

PostgreSQL refuses to run as root: as root (CI) the server runs as the `postgres` user that
Debian's package creates, through `runuser`; the folder lives under /tmp (pytest's own
folders are private to root) and is handed to that user.
"""

from __future__ import annotations

import os
import pwd
import re
import secrets
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

SUPERUSER = "postgres"  # the role initdb creates; its password is random per cluster
SERVER_USER = "postgres"  # the system user that runs the server when we are root
TIMEOUT = 60


def server_bin() -> Path | None:
    """The newest /usr/lib/postgresql/*/bin that has initdb, pg_ctl, psql and pg_dump."""

    def version(path: Path) -> tuple[int, ...]:
        return tuple(int(part) for part in re.findall(r"\d+", path.parent.name))

    found = [
        path
        for path in Path("/usr/lib/postgresql").glob("*/bin")
        if all((path / tool).exists() for tool in ("initdb", "pg_ctl", "psql", "pg_dump"))
    ]
    return max(found, key=version, default=None)


def _as_root() -> bool:
    return os.geteuid() == 0


def missing_postgres() -> list[str]:
    """What the cluster needs that this machine lacks (empty: a cluster can start)."""
    missing = [] if server_bin() is not None else ["the PostgreSQL server (initdb, pg_ctl)"]
    if _as_root():
        try:
            pwd.getpwnam(SERVER_USER)
        except KeyError:
            missing.append(f"a {SERVER_USER!r} system user to run the server as")
        if shutil.which("runuser") is None:
            missing.append("runuser")
    return missing


@dataclass(frozen=True)
class Cluster:
    """A running cluster: its folder, TCP port on 127.0.0.1 and superuser password."""

    root: Path
    bin: Path
    port: int
    password: str

    def url(self, database: str) -> str:
        return f"postgres://{SUPERUSER}:{self.password}@127.0.0.1:{self.port}/{database}"

    def _client(self, tool: str, *args: str) -> str:
        env = {
            **os.environ,
            "PGHOST": "127.0.0.1",
            "PGPORT": str(self.port),
            "PGUSER": SUPERUSER,
            "PGPASSWORD": self.password,
        }
        result = subprocess.run(
            [str(self.bin / tool), *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=TIMEOUT,
            check=False,
        )
        assert result.returncode == 0, f"{tool} {args}: {result.stderr}"
        return result.stdout

    def sql(self, database: str, statements: str) -> str:
        """Run `statements` with psql in `database`; its unaligned output."""
        return self._client(
            "psql", "-X", "-At", "-v", "ON_ERROR_STOP=1", "-d", database, "-c", statements
        )

    def dump(self, database: str) -> str:
        """pg_dump of `database`: schema and data, to compare before and after (without the
        random `\\restrict` key lines recent pg_dump versions write)."""
        text = self._client("pg_dump", "--no-owner", "--no-privileges", "-d", database)
        return "".join(
            line
            for line in text.splitlines(keepends=True)
            if not line.startswith(("\\restrict ", "\\unrestrict "))
        )


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _server(argv: Sequence[str], cwd: Path) -> None:
    """Run a server-side command, as the postgres user when we are root, from `cwd` (the
    cluster's own folder: the caller's may be closed to that user)."""
    command = ["runuser", "-u", SERVER_USER, "--", *argv] if _as_root() else list(argv)
    result = subprocess.run(
        command, cwd=cwd, capture_output=True, text=True, timeout=TIMEOUT, check=False
    )
    assert result.returncode == 0, f"{argv}: {result.stdout}\n{result.stderr}"


def _folder(password: str) -> Path:
    """A fresh folder under /tmp with the password file, owned by the server's user."""
    root = Path(tempfile.mkdtemp(prefix="flyrun-pg-"))
    (root / "pw").write_text(password + "\n", encoding="utf-8")
    if _as_root():
        account = pwd.getpwnam(SERVER_USER)
        for path in (root, root / "pw"):
            os.chown(path, account.pw_uid, account.pw_gid)
    return root


def start() -> Cluster:
    """initdb and start a throwaway cluster (fsync off: nothing here needs to survive)."""
    binaries = server_bin()
    assert binaries is not None, missing_postgres()
    password = secrets.token_hex(12)
    root = _folder(password)
    data = str(root / "data")
    initdb = [str(binaries / "initdb"), "-D", data, "-U", SUPERUSER, "-E", "UTF8"]
    initdb += ["--locale=C.UTF-8", "--auth=scram-sha-256", f"--pwfile={root / 'pw'}"]
    _server(initdb, root)
    port = _free_port()
    options = (
        f"-c listen_addresses=127.0.0.1 -p {port} -k {root} -c fsync=off "
        "-c synchronous_commit=off -c full_page_writes=off"
    )
    pg_ctl = [str(binaries / "pg_ctl"), "-D", data, "-l", str(root / "log"), "-w"]
    _server([*pg_ctl, "-t", str(TIMEOUT), "-o", options, "start"], root)
    _watchdog(binaries, root)
    return Cluster(root, binaries, port, password)


# Waits for this process to end, then stops the server and deletes its folder unless `stop`
# already did: a test run killed from outside (SIGTERM, SIGKILL) never runs its teardown,
# and the server would outlive it. $1: the pid; $2: the folder; $3: pg_ctl; $4…: runuser.
WATCHDOG = (
    'while kill -0 "$1" 2>/dev/null; do sleep 0.5; done; [ -d "$2/data" ] || exit 0; '
    'pid="$1"; root="$2"; pg_ctl="$3"; shift 3; '
    '"$@" "$pg_ctl" -D "$root/data" -m immediate -w stop >/dev/null 2>&1; rm -rf "$root"'
)


def _watchdog(binaries: Path, root: Path) -> None:
    runuser = ["runuser", "-u", SERVER_USER, "--"] if _as_root() else []
    argv = ["sh", "-c", WATCHDOG, "pg-watchdog", str(os.getpid()), str(root)]
    subprocess.Popen(  # a fixed argv: the shell script above, no input
        [*argv, str(binaries / "pg_ctl"), *runuser],
        start_new_session=True,  # not in the test run's process group: a Ctrl-C spares it
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def stop(cluster: Cluster) -> None:
    """Stop the server and delete its folder."""
    pg_ctl = [str(cluster.bin / "pg_ctl"), "-D", str(cluster.root / "data")]
    try:
        _server([*pg_ctl, "-m", "immediate", "-w", "stop"], cluster.root)
    finally:
        shutil.rmtree(cluster.root, ignore_errors=True)
