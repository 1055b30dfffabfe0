"""Redraws the live status line about once a second (README "Many apps"): elapsed time and
ETA would otherwise freeze while no event arrives, as during a long `fly deploy`.

Started only once apps are running (the text report's first AppStarted, in the process that
renders): worker processes are forked (runner/fleet.py) before any app starts, and a thread
running at a fork would be lost in the child with whatever lock it held."""

from __future__ import annotations

import threading
from collections.abc import Callable


class Ticker:
    """Calls `tick` every `interval` seconds in a daemon thread, from `start` until `stop`
    (once: a stopped ticker does not start again)."""

    def __init__(self, tick: Callable[[], None], interval: float = 1.0) -> None:
        self.tick = tick
        self.interval = interval
        self._stopped = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> None:
        if self._thread is None and not self._stopped.is_set():
            self._thread = threading.Thread(target=self._loop, name="flyrun-ticker", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        """No tick after this returns (the thread is joined)."""
        self._stopped.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join()

    def _loop(self) -> None:
        while not self._stopped.wait(self.interval):
            try:
                self.tick()
            except (OSError, ValueError):  # the stream is gone (closed): nothing to redraw
                return
