"""The app's files as tasks see them: read once per pass (bounded, UTF-8, regular files only;
`runner/disk.py`), with an overlay where check mode plans each edit so that a later task
editing the same file sees the planned text."""

from __future__ import annotations

from pathlib import Path

from runner.disk import read_text, shown_name


class FileView:
    """Reads files under `root`; `plan` records the text a file would have after an
    earlier task; `forget` sends the next read to disk again (after a real write)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._overlay: dict[Path, str] = {}
        self._cache: dict[Path, str | None] = {}

    def path(self, relative: str) -> Path:
        return self.root / relative

    def read(self, relative: str) -> str | None:
        """The text of `relative` (None when absent); FileError when it cannot be used."""
        return self.read_path(self.path(relative))

    def read_path(self, path: Path) -> str | None:
        if path in self._overlay:
            return self._overlay[path]
        if path not in self._cache:
            self._cache[path] = read_text(path, shown=shown_name(path, self.root))
        return self._cache[path]

    def plan(self, path: Path, text: str) -> None:
        self._overlay[path] = text

    def forget(self, path: Path) -> None:
        self._overlay.pop(path, None)
        self._cache.pop(path, None)

    def reads(self) -> dict[Path, str | None]:
        """Every file read from disk so far and the text read (None: absent): the inputs
        a saved plan records (runner/facts/inputs.py)."""
        return dict(self._cache)

    def planned(self) -> dict[Path, str]:
        """The edits planned so far (check mode), by path."""
        return dict(self._overlay)
