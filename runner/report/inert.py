"""Output that no input can turn into a GitHub Actions workflow command (README "CI").

The Actions runner reads commands from every line of a step's stdout and stderr: a line
that starts with `::` once leading whitespace is trimmed (`::error file=…::…`,
`::stop-commands::…`), and the older `##[command]` form anywhere in a line (actions/runner,
`ActionCommand.TryParseV2` and `TryParse`). Text flyrun prints can carry input (spec keys,
file contents, flyctl's output), so every human-readable stream goes through `InertStream`,
which breaks both forms; only `runner/report/github.py` writes real commands, on purpose."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TextIO

_COMMAND = re.compile(r"^(\s*):(?=:)")
_LEGACY = "##["


def inert_line(line: str) -> str:
    """The line with any workflow command broken: `::x` → `: :x`, `##[x` → `## [x`."""
    return _COMMAND.sub(r"\1: ", line).replace(_LEGACY, "## [")


def inert_text(text: str) -> str:
    return "".join(inert_line(line) for line in text.splitlines(keepends=True))


def inert_json(text: str) -> str:
    """JSON text with the same value whose lines form no command (`[` may be `\\u005b`)."""
    return text.replace(_LEGACY, "##\\u005b")


class LineStream:
    """A text stream wrapper that writes whole lines through `transform`: lines are
    completed first (a `\r`, a status line's redraw, ends one too), so nothing it looks
    for is ever cut between two writes. The rest is the wrapped stream's."""

    def __init__(self, stream: TextIO, transform: Callable[[str], str]) -> None:
        self.stream = stream
        self.transform = transform
        self._partial = ""

    def write(self, text: str) -> int:
        data = self._partial + text
        cut = max(data.rfind("\n"), data.rfind("\r")) + 1
        self._partial = data[cut:]
        if cut:
            self.stream.write(self.transform(data[:cut]))
        return len(text)

    def flush(self) -> None:
        if self._partial:
            self.stream.write(self.transform(self._partial))
            self._partial = ""
        self.stream.flush()

    def isatty(self) -> bool:
        return self.stream.isatty()

    def fileno(self) -> int:
        return self.stream.fileno()

    @property
    def encoding(self) -> str:
        return str(getattr(self.stream, "encoding", "utf-8"))


class InertStream(LineStream):
    """A text stream wrapper that writes every line inert."""

    def __init__(self, stream: TextIO) -> None:
        super().__init__(stream, inert_text)
