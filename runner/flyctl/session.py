"""Once per run, before any app is shown or decided: a recent enough flyctl that is logged
in (README "Preflight")."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from runner.errors import FlyctlError, PreflightRefused
from runner.flyctl.client import Flyctl, Slots

MIN_FLYCTL = (0, 1, 0)  # older ones lack per-command --json and `volumes create --yes`


def check_session(flyctl: Flyctl) -> str:
    """A one-line description (`flyctl v0.4.87, logged in as …`), or PreflightRefused."""
    # Both queries at once: a fleet's first app waits for them (bench/PROFILE.md). A refused
    # version is reported first, as if whoami had never run (it only reads).
    with ThreadPoolExecutor(max_workers=1) as pool:
        login = pool.submit(flyctl.whoami)
        try:
            version = flyctl.version()
        except FlyctlError as exc:
            login.cancel()
            raise _version_failed(exc) from exc
    if version is None or version < MIN_FLYCTL:
        shown = "unrecognised" if version is None else "v" + ".".join(map(str, version))
        raise PreflightRefused(
            "flyctl version",
            f"flyctl {shown}",
            "Upgrade flyctl to v0.1.0 or newer (`fly version upgrade`).",
        )
    try:
        email = login.result()
    except FlyctlError as exc:
        raise PreflightRefused(
            "flyctl login",
            "flyctl says: " + (first_line(exc.stderr) or "not logged in"),
            "Run `fly auth login`, or set FLY_API_TOKEN.",
        ) from exc
    return f"flyctl v{'.'.join(map(str, version))}, logged in as {email}"


def _version_failed(exc: FlyctlError) -> PreflightRefused:
    return PreflightRefused(
        "flyctl version",
        f"`fly version` failed: {exc.stderr.strip() or f'exit {exc.exit_code}, no output'}",
        "Check that the flyctl binary works.",
    )


def first_line(stderr: str) -> str:
    """flyctl's error without its `Error: ` prefix (`Error ` before v0.1.79)."""
    for line in stderr.splitlines():
        if line.strip():
            return line.strip().removeprefix("Error:").removeprefix("Error ").strip()
    return ""


@dataclass(frozen=True)
class Verdict:
    """How a session check in the background ended."""

    described: str = ""  # `flyctl v0.4.87, logged in as …` when it passed
    refused: PreflightRefused | None = None
    interrupted: bool = False  # Ctrl-C reached its flyctl
    error: Exception | None = None  # a bug: re-raised by the run


class BackgroundSession:
    """`check_session` in a thread of its own, so that a fleet's first apps query flyctl
    meanwhile (bench/PROFILE.md); nothing of those apps is shown or decided before the
    verdict (runner/run.py). It runs on `min(2, jobs)` of the run's flyctl slots, taken
    here, before any app can take them: the check never queues behind the apps' queries and
    the --jobs bound holds. They are given back when it ends, then `done(verdict)` is called
    once, in that thread."""

    def __init__(
        self,
        flyctl: Callable[[int], Flyctl],
        slots: Slots,
        jobs: int,
        done: Callable[[Verdict], None],
    ) -> None:
        self._reserved = min(2, jobs)
        for _ in range(self._reserved):
            slots.__enter__()
        self._slots = slots
        self._flyctl = flyctl(self._reserved)  # a client bound to the reserved slots alone
        self._done = done
        self._thread = threading.Thread(target=self._run, name="flyrun-session", daemon=True)
        self._ended = threading.Event()

    def start(self) -> None:
        self._thread.start()

    def finish(self) -> None:
        """Wait until `done` was called; a check never started (Ctrl-C came first) ends
        here, interrupted."""
        if self._thread.ident is None:
            self._end(Verdict(interrupted=True))
        # An Event, not Thread.join: on Python 3.11 a join that Ctrl-C interrupts marks the
        # thread as ended (bpo-45274's fix), and the next join returns at once.
        self._ended.wait()

    def _run(self) -> None:
        verdict = Verdict(interrupted=True)
        try:
            verdict = Verdict(check_session(self._flyctl))
        except PreflightRefused as exc:
            verdict = Verdict(refused=exc)
        except KeyboardInterrupt:
            pass
        except Exception as exc:
            verdict = Verdict(error=exc)
        finally:
            self._end(verdict)

    def _end(self, verdict: Verdict) -> None:
        try:
            for _ in range(self._reserved):
                self._slots.__exit__(None, None, None)
            self._done(verdict)
        finally:
            self._ended.set()
