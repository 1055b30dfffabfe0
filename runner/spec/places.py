"""Where the spec's mount_path lands in the app's image (README "The spec", mount_path): the
facts `runner/spec/rules.py` `mount_place_problems` judges, read from the app folder.

Rails.root is the Dockerfile's WORKDIR (`runner/facts/dockerfile.py`; /rails when it has
none, as the app's facts assume), and the Dockerfiles Rails and dockerfile-rails generate
copy the app folder there (`COPY . .`), so a subfolder of Rails.root is the same subfolder
of the app folder. Its files are those git tracks when the app is in a git work tree (a
developer's untracked databases in storage/ are not the app's), else every file on disk."""

from __future__ import annotations

import os
import posixpath
from pathlib import Path

from runner.disk import read_text
from runner.errors import FileError
from runner.facts.dockerfile import workdir
from runner.spec.rules import FlyTomlInfo, MountPlace

DEFAULT_ROOT = "/rails"  # runner/facts/__init__.py rails_root
_LISTED = 200  # files looked at on disk: enough to show some and to know there are any


def mount_place(folder: Path, fly: FlyTomlInfo, mount_path: str) -> MountPlace:
    root = posixpath.normpath(_rails_root(folder, fly.dockerfile))
    if not mount_path.startswith(root + "/"):
        return MountPlace(mount_path, root)
    relative = posixpath.relpath(mount_path, root)
    on_disk = _files(folder, relative)
    if not on_disk:
        return MountPlace(mount_path, root)
    from runner.vcs import tracked  # lazy: git is asked only when the mount has files on disk

    known = tracked(folder, relative)
    if known is None:
        return MountPlace(mount_path, root, on_disk, tracked=False)
    return MountPlace(mount_path, root, known)


def _rails_root(folder: Path, dockerfile: str) -> str:
    try:
        text = read_text(folder / dockerfile, shown=dockerfile)
    except (FileError, ValueError):
        return DEFAULT_ROOT
    # Variables resolved without fly.toml's [build.args] (not in FlyTomlInfo); an unknown
    # WORKDIR is taken as /rails here, as before, and judged by the live-data check.
    return workdir(text, None, dockerfile).path or DEFAULT_ROOT


def _files(folder: Path, relative: str) -> tuple[str, ...]:
    """Files at or under `relative` on disk (relative to `folder`), the first _LISTED."""
    start = folder / relative
    if start.is_file():
        return (relative,)
    found: list[str] = []
    for top, dirs, files in os.walk(start):
        dirs.sort()
        for name in sorted(files):
            found.append(Path(top, name).relative_to(folder).as_posix())
            if len(found) >= _LISTED:
                return tuple(found)
    return tuple(found)
