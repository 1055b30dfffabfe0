"""The fly.toml handler: pure `str -> str` edits that change nothing but what they add.

Edits are textual (an inserted block, or one line turned into comments), so every other
byte of the file stays as it was: CRLF, tabs, comments, quotes, inline tables, dotted keys
and a missing final newline. tomlkit only reads the file's style and renders values. Each
edit is then proven: the bytes around the inserted region equal the input, tomlkit and
tomllib both read the new text, and what they read equals the old document plus exactly
the intended change. Anything else raises EditRefused and no text is returned.
"""

from __future__ import annotations

import copy
import re
from typing import TYPE_CHECKING, Any

from runner.errors import EditRefused, FileError
from runner.facts.flytoml import FILE, FlyToml, Mount, from_data, parse_fly_toml
from runner.handlers.flytoml_style import Style, detect, entry_style, header_name, lines, newline_of
from runner.syntax.toml import load_for_edit, read, same_value

if TYPE_CHECKING:
    from tomlkit import TOMLDocument

_RELEASE_COMMAND = re.compile(r"[ \t]*release_command[ \t]*=")


def load(text: str) -> tuple[TOMLDocument, dict[str, Any]]:
    """Both parsers' reading of the file about to be edited (an edit is refused, not made,
    when the file cannot be read with certainty)."""
    try:
        return load_for_edit(text, FILE)
    except FileError as err:
        raise EditRefused(str(err)) from err


def add_mount(text: str, source: str, destination: str, processes: tuple[str, ...] | None) -> str:
    """`text` with a mount of volume `source` at `destination` (for `processes`, or every
    group when None); `text` itself when fly.toml already has it. EditRefused on a
    conflict (another mount for one of these groups) or when it cannot be done exactly."""
    if not source or not destination or processes == ():
        raise ValueError("add_mount needs a source, a destination and None or some processes")
    wanted = Mount(source, destination, processes)
    doc, data = load(text)
    config = from_data(data)
    if _present(config.mounts, wanted):
        return text
    _refuse_overlap(config.mounts, wanted)
    offset, block, key = _placement(text, doc, data, config, wanted)
    new = text[:offset] + block + text[offset:]
    expected = copy.deepcopy(data)
    entry = _entry(wanted)
    expected[key] = [*data[key], entry] if key in data else entry
    _verify(text, new, offset, block, expected)
    if not _present(parse_fly_toml(new).mounts, wanted):
        raise EditRefused(f"internal: tomlkit/tomllib do not see the new mount in {FILE}")
    return new


def _present(mounts: tuple[Mount, ...], wanted: Mount) -> bool:
    """Same volume at the same path, for every wanted group (or for any, when None)."""
    return any(
        m.source == wanted.source
        and m.destination == wanted.destination
        and (wanted.processes is None or all(m.applies_to(g) for g in wanted.processes))
        for m in mounts
    )


def _refuse_overlap(mounts: tuple[Mount, ...], wanted: Mount) -> None:
    """flyctl allows one mount per process group: never replace one, never add a second."""
    for mount in mounts:
        shared = _shared_groups(mount, wanted)
        if shared is None:
            continue
        if (mount.source, mount.destination) == (wanted.source, wanted.destination):
            raise EditRefused(
                f"{FILE} mounts volume '{mount.source}' at '{mount.destination}' for "
                f"{_groups(mount.processes)} only; flyrun does not extend it to "
                f"{_groups(wanted.processes)}: change its processes by hand"
            )
        raise EditRefused(
            f"{FILE} already mounts volume '{mount.source}' at '{mount.destination}' for "
            f"{shared}; flyrun will not add volume '{wanted.source}' at '{wanted.destination}' "
            "there too (flyctl allows one mount per process group) nor replace it: remove that "
            "mount or use its volume and path in the spec"
        )


def _shared_groups(mount: Mount, wanted: Mount) -> str | None:
    """The groups both mounts apply to, described; None when they apply to none in common."""
    if not mount.processes or not wanted.processes:
        return _groups(wanted.processes or mount.processes)
    common = [g for g in wanted.processes if g in mount.processes]
    return _groups(tuple(common)) if common else None


def _groups(processes: tuple[str, ...] | None) -> str:
    if not processes:
        return "every process group"
    names = ", ".join(f"'{name}'" for name in processes)
    return f"process group{'s' if len(processes) > 1 else ''} {names}"


def _entry(wanted: Mount) -> dict[str, Any]:
    entry: dict[str, Any] = {"source": wanted.source, "destination": wanted.destination}
    if wanted.processes is not None:
        entry["processes"] = list(wanted.processes)
    return entry


def _pairs(wanted: Mount, style: Style) -> list[tuple[str, str]]:
    pairs = [("source", style.string(wanted.source))]
    pairs.append(("destination", style.string(wanted.destination)))
    if wanted.processes is not None:
        names = ", ".join(style.string(name) for name in wanted.processes)
        pairs.append(("processes", f"[{names}]"))
    return pairs


def _placement(
    text: str, doc: TOMLDocument, data: dict[str, Any], config: FlyToml, wanted: Mount
) -> tuple[int, str, str]:
    """(offset, block to insert there, top-level key the block adds to)."""
    if not config.mounts:
        for key in ("mount", "mounts"):
            if key in data:
                raise EditRefused(f"{FILE} has an empty `{key}` value; add the mount by hand")
        return len(text), _table_block(text, doc, wanted), "mounts"
    key = _array_key(doc, config, wanted)
    return (*_array_entry(text, doc, key, wanted), key)


def _table_block(text: str, doc: TOMLDocument, wanted: Mount) -> str:
    """A `[mounts]` table for the end of the file, after a blank line."""
    style = detect(text, doc)
    last = lines(text)[-1] if text else ""
    if not text:
        lead = ""
    elif not last.endswith("\n"):
        lead = style.newline + ("" if not last.strip() else style.newline)
    else:
        lead = "" if not last.strip() else style.newline
    return lead + style.block("[mounts]", _pairs(wanted, style))


def _array_key(doc: TOMLDocument, config: FlyToml, wanted: Mount) -> str:
    """The key of the `[[mounts]]` array of tables to extend; refuses other layouts."""
    from tomlkit.items import AoT

    for key in ("mounts", "mount"):
        if isinstance(doc.get(key), AoT):
            return key
    existing = ", ".join(f"'{m.source}' at '{m.destination}'" for m in config.mounts)
    form = "a single [mounts] table" if config.mount_style == "table" else "an inline array"
    raise EditRefused(
        f"{FILE} declares its mount ({existing}) as {form}; a second mount, for "
        f"{_groups(wanted.processes)}, needs the [[mounts]] form: change it by hand "
        "and run flyrun again"
    )


def _array_entry(text: str, doc: TOMLDocument, key: str, wanted: Mount) -> tuple[int, str]:
    """A `[[key]]` entry placed right after the last one, so the entries stay together."""
    rows = lines(text)
    headers = [(i, found) for i, row in enumerate(rows) if (found := header_name(row))]
    entries = [i for i, found in headers if found == ("[[", key)]
    if not entries:
        raise EditRefused(f"{FILE}: cannot find the [[{key}]] header lines; add the mount by hand")
    following = [(i, found) for i, found in headers if i > entries[-1]]
    if following and following[0][1][1].startswith(f"{key}."):
        raise EditRefused(f"{FILE}: the last [[{key}]] has sub-tables; add the mount by hand")
    end = following[0][0] if following else len(rows)
    body = [i for i in range(entries[-1] + 1, end) if rows[i].strip()[:1] not in ("", "#")]
    row = body[-1] if body else entries[-1]
    style = entry_style(text, doc, doc[key].body[-1])
    indent = rows[entries[-1]][: len(rows[entries[-1]]) - len(rows[entries[-1]].lstrip())]
    lead = ("" if rows[row].endswith("\n") else style.newline) + style.newline
    block = lead + style.block(f"{indent}[[{key}]]", _pairs(wanted, style))
    return sum(len(r) for r in rows[: row + 1]), block


def comment_out_release_command(text: str, note: str) -> str:
    """`text` with its `[deploy] release_command = …` line commented out (kept after "# ",
    under a "# note" line); `text` itself when there is none. EditRefused when it is not
    exactly one plain line under a [deploy] header."""
    if not note or "\n" in note or "\r" in note:
        raise ValueError("the note must be one non-empty line")
    _, data = load(text)
    command = from_data(data).release_command
    if command is None:
        return text
    rows = lines(text)
    row = _release_command_row(rows, command)
    line = rows[row]
    content = line.rstrip("\r\n")
    end = line[len(content) :] or newline_of(text)
    indent = content[: len(content) - len(content.lstrip())]
    replacement = f"{indent}# {note}{end}{indent}# {content.lstrip()}{line[len(content) :]}"
    offset = sum(len(r) for r in rows[:row])
    new = text[:offset] + replacement + text[offset + len(line) :]
    expected = copy.deepcopy(data)
    del expected["deploy"]["release_command"]
    _verify_replaced(text, new, offset, line, replacement, expected)
    return new


def _release_command_row(rows: list[str], command: str) -> int:
    import tomllib

    section, found = None, []
    for i, row in enumerate(rows):
        header = header_name(row)
        if header is not None:
            section = header
        elif section == ("[", "deploy") and _RELEASE_COMMAND.match(row):
            found.append(i)
    odd = f'{FILE}: [deploy] release_command is not one plain `release_command = "…"` line'
    if len(found) != 1:
        raise EditRefused(f"{odd} ({len(found)} found); comment it out by hand")
    try:
        alone = tomllib.loads(rows[found[0]].strip())
    except tomllib.TOMLDecodeError:
        raise EditRefused(f"{odd} (it spans lines); comment it out by hand") from None
    if alone != {"release_command": command}:
        raise EditRefused(f"{odd}; comment it out by hand")
    return found[0]


def _verify(old: str, new: str, offset: int, block: str, expected: dict[str, Any]) -> None:
    _verify_replaced(old, new, offset, "", block, expected)


def _verify_replaced(
    old: str, new: str, offset: int, removed: str, inserted: str, expected: dict[str, Any]
) -> None:
    """The proof of an edit: bytes outside it unchanged, and the strict reader (tomllib) reads
    exactly `expected`. (tomlkit read the input and agreed with tomllib on it; the edit itself
    is a textual insertion, so re-parsing the output with tomlkit would prove nothing more and
    cost more than everything else flyrun does per app: bench/PROFILE.md.)"""
    after = offset + len(inserted)
    if new[:offset] != old[:offset] or new[after:] != old[offset + len(removed) :]:
        raise EditRefused(f"internal: tomlkit edit of {FILE} changed bytes outside the edit")
    try:
        data = read(new, FILE)
    except FileError as err:
        raise EditRefused(
            f"internal: tomlkit/tomllib cannot read the edited {FILE}: {err}"
        ) from err
    if not same_value(data, expected):
        raise EditRefused(
            f"internal: tomlkit/tomllib read the edited {FILE} differently from the intended "
            "edit; it was not made"
        )
