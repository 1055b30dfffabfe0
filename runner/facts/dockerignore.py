"""Whether a file of the app folder is left out of the build context by a .dockerignore.

moby/patternmatcher, as flyctl and BuildKit use it: one pattern a line (`#` comments, blank
lines skipped, surrounding spaces trimmed), cleaned like a path and anchored at the context's
root (a leading `/` changes nothing); `*` and `?` stay within one folder, `**` crosses any
number, `[...]` is a class; a pattern matches a path or any folder above it; `!` makes an
exception; the last pattern that matches decides.
"""

from __future__ import annotations

import posixpath
import re
from functools import lru_cache


def ignored(path: str, text: str) -> bool:
    """Whether `path` (relative to the app folder) is left out by the ignore file `text`."""
    verdict = False
    parts = path.split("/")
    candidates = ["/".join(parts[: i + 1]) for i in range(len(parts))]
    for negated, pattern in _patterns(text):
        if any(pattern.fullmatch(c) for c in candidates):
            verdict = not negated
    return verdict


@lru_cache(maxsize=32)
def _patterns(text: str) -> tuple[tuple[bool, re.Pattern[str]], ...]:
    found = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        negated = line.startswith("!")
        line = line[1:].strip() if negated else line
        cleaned = posixpath.normpath(line).lstrip("/") or "."
        found.append((negated, re.compile(_regex(cleaned))))
    return tuple(found)


def _regex(pattern: str) -> str:
    """patternmatcher's translation of one pattern into a regular expression."""
    out: list[str] = []
    index = 0
    while index < len(pattern):
        char = pattern[index]
        if pattern.startswith("**/", index):
            out.append("(?:.*/)?")
            index += 3
            continue
        if pattern.startswith("**", index):
            out.append(".*")
            index += 2
            continue
        if char == "*":
            out.append("[^/]*")
        elif char == "?":
            out.append("[^/]")
        elif char == "[" and "]" in pattern[index + 1 :]:
            end = pattern.index("]", index + 1)
            body = pattern[index + 1 : end]
            body = "^" + body[1:] if body[:1] in ("^", "!") else body
            out.append(f"[{body.replace(chr(92), chr(92) * 2)}]")
            index = end
        elif char == "\\" and index + 1 < len(pattern):
            out.append(re.escape(pattern[index + 1]))
            index += 1
        else:
            out.append(re.escape(char))
        index += 1
    return "".join(out)
