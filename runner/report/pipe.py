"""Output whose reader may go away (`flyrun check … | head -1`, a pager quit early).

A closed pipe is not a failure of the run: once a write to a stream meets EPIPE
(BrokenPipeError), `PipeSafeStream` stops writing to it, silently, and the run goes on (an
apply must not stop half-way because a pager closed) and exits with its own exit code. The
stream's file descriptor is then pointed at /dev/null, so that what is still buffered in the
interpreter's own stream, flushed at exit, goes nowhere instead of printing "Exception
ignored … BrokenPipeError" (the remedy the Python documentation gives for SIGPIPE)."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import TextIO


class PipeSafeStream:
    """A text stream wrapper that turns a closed reader into silence."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.reader_gone = False

    def write(self, text: str) -> int:
        self._guarded(lambda: self.stream.write(text))
        return len(text)

    def flush(self) -> None:
        self._guarded(self.stream.flush)

    def isatty(self) -> bool:
        return self.stream.isatty()

    def fileno(self) -> int:
        return self.stream.fileno()

    @property
    def encoding(self) -> str:
        return str(getattr(self.stream, "encoding", "utf-8"))

    def _guarded(self, action: Callable[[], object]) -> None:
        if self.reader_gone:
            return
        try:
            action()
        except BrokenPipeError:
            self.reader_gone = True
            self._to_devnull()

    def _to_devnull(self) -> None:
        try:
            descriptor = self.stream.fileno()
        except (AttributeError, OSError, ValueError):  # not a file (a test's StringIO)
            return
        null = os.open(os.devnull, os.O_WRONLY)
        try:
            os.dup2(null, descriptor)
        finally:
            os.close(null)
