"""The spec rules JSON Schema cannot express (README "The spec"), as pure functions.

Each rule takes an `AppView` (one app's merged settings, with where each value came from)
and returns `SpecProblem`s; none raises. Field rules own their field completely, types
included, so the schema's messages for those fields are dropped in favour of these (see
`RULED`). What the rules need from disk (the app folder, fly.toml) comes in as facts.
"""

from __future__ import annotations

import difflib
import posixpath
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from runner.errors import Location, SpecProblem
from runner.facts.mount_rules import app_folder_problem, system_folder_problem
from runner.facts.url_chars import url_unsafe_message
from runner.spec.model import DEFAULT_PROCESS_GROUP
from runner.spec.regions import region_error, regions
from runner.spec.views import AppView
from runner.spec.yamlmarks import JsonPath, describe, number_hint

VOLUME_NAME_MAX = 30
SIZE_MIN, SIZE_MAX = 1, 500
_VOLUME_NAME = re.compile(r"[a-z0-9_]+")
_DATABASE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")

# Paths whose problems these rules report (the schema's errors there are not shown).
RULED: frozenset[JsonPath] = frozenset(
    {("volume", "name"), ("volume", "size"), ("volume", "region"), ("mount_path",), ("database",)}
)


@dataclass(frozen=True)
class FlyTomlInfo:
    """What the spec rules need from an app's fly.toml."""

    shown: str  # how messages name it: relative to the spec file's folder
    exists: bool
    error: str | None = None  # it exists but cannot be used: why
    app: str | None = None
    primary_region: str | None = None
    error_at: Location | None = None  # where in fly.toml the error is, when known
    primary_region_at: Location | None = None
    process_groups: tuple[str, ...] = ()  # its [processes] groups (("app",) when none)
    dockerfile: str = "Dockerfile"  # its `[build] dockerfile`, relative to the app folder


@dataclass(frozen=True)
class AppFolder:
    """The app folder named by `path`, and its fly.toml."""

    shown: str
    is_dir: bool
    exists: bool
    fly: FlyTomlInfo


# --- field rules --------------------------------------------------------------------------


def suggest_volume_name(name: str, app: str = "") -> str:
    """A valid volume name close to `name` (or derived from the app name): `shop-data` →
    `shop_data`."""
    for base, suffix in ((name, ""), (app, "_data")):
        cleaned = re.sub(r"[^a-z0-9]+", "_", base.lower()).strip("_")
        if cleaned:
            return (cleaned[: VOLUME_NAME_MAX - len(suffix)].rstrip("_") or "data") + suffix
    return "data"


def volume_name_problems(view: AppView) -> list[SpecProblem]:
    path = ("volume", "name")
    if not view.usable(path):
        return []
    name = view.get(path)
    if not isinstance(name, str):
        return [view.problem(path, f"expected a volume name, got {describe(name)}")]
    hint = f" (try {suggest_volume_name(name, _own_app(view, path))!r})"
    if not name:
        return [view.problem(path, "must not be empty" + hint)]
    if not _VOLUME_NAME.fullmatch(name):
        message = f"{name!r} may only contain lowercase letters, digits and underscores"
        return [view.problem(path, message + hint)]
    if len(name) > VOLUME_NAME_MAX:
        message = f"{name!r} is {len(name)} characters long; at most {VOLUME_NAME_MAX} are allowed"
        return [view.problem(path, message + hint)]
    return []


def _own_app(view: AppView, path: JsonPath) -> str:
    """The app name, when `path` is set in the app's own entry (a name inherited from
    `defaults` must get one suggestion, not one per app)."""
    app = view.get(("app",))
    inherited = view.origins[path].source[: len(view.home)] != view.home
    return "" if inherited or not isinstance(app, str) else app


def volume_size_problems(view: AppView) -> list[SpecProblem]:
    path = ("volume", "size")
    if not view.usable(path):
        return []
    size = view.get(path)
    if isinstance(size, float) and size.is_integer():
        size = int(size)
    if isinstance(size, bool) or not isinstance(size, int):
        message = f"expected a whole number of GB, got {describe(size)}{number_hint(size)}"
        return [view.problem(path, message)]
    if size < SIZE_MIN:
        return [view.problem(path, f"{size} is less than the minimum of {SIZE_MIN}")]
    if size > SIZE_MAX:
        return [view.problem(path, f"{size} is greater than the maximum of {SIZE_MAX}")]
    return []


def mount_path_problems(view: AppView) -> list[SpecProblem]:
    path = ("mount_path",)
    if not view.usable(path):
        return []
    value = view.get(path)
    message = mount_path_error(value)
    return [] if message is None else [view.problem(path, message)]


def mount_path_error(value: Any) -> str | None:
    """Why `value` cannot be a mount path, or None when it can."""
    if not isinstance(value, str):
        return f"expected an absolute path, got {describe(value)}"
    if not value.startswith("/"):
        return f"{value!r} must be an absolute path (start with /)"
    if re.search(r"\s", value):
        return f"{value!r} must not contain whitespace"
    if ".." in value.split("/"):
        return f"{value!r} must not contain '..'"
    normal = posixpath.normpath(value)
    if normal in ("/", "//"):
        return "must not be / (the volume would hide the whole filesystem)"
    if normal != value or "//" in value:
        return f"{value!r} is not normalised; write {normal.replace('//', '/')!r}"
    return system_folder_problem(value) or url_unsafe_message("mount_path", value)


def database_problems(view: AppView) -> list[SpecProblem]:
    path = ("database",)
    if not view.usable(path):
        return []
    value = view.get(path)
    if not isinstance(value, str):
        return [view.problem(path, f"expected a file name, got {describe(value)}")]
    if not _DATABASE.fullmatch(value):
        message = (
            f"{value!r} must be a plain file name: a letter or digit, then letters, digits, "
            "'.', '_' or '-' (e.g. 'production.sqlite')"
        )
        return [view.problem(path, message)]
    return []


def region_code_problems(view: AppView) -> list[SpecProblem]:
    path = ("volume", "region")
    if not view.usable(path):
        return []
    message = region_error(view.get(path))
    return [] if message is None else [view.problem(path, message)]


FIELD_RULES: tuple[Callable[[AppView], list[SpecProblem]], ...] = (
    volume_name_problems,
    volume_size_problems,
    region_code_problems,
    mount_path_problems,
    database_problems,
)


def field_problems(view: AppView) -> list[SpecProblem]:
    """Every field rule's problems (they also run on an inventory's `defaults`)."""
    return [problem for rule in FIELD_RULES for problem in rule(view)]


# --- rules that need the whole app and its folder -----------------------------------------


def required_problems(view: AppView) -> list[SpecProblem]:
    """After the merge every app needs `volume.name` (the schema cannot see the merge)."""
    for path in (("volume",), ("volume", "name")):
        if view.present_and_unusable(path):
            return []
        if not view.has(path):
            return [view.missing(path)]
    return []


def import_problems(view: AppView) -> list[SpecProblem]:
    """`import_data` copies the data at the first boot on SQLite, which only a deploy starts
    (docs/import.md), so it needs `deploy: true`."""
    path = ("import_data",)
    if not view.usable(path):
        return []
    if not view.has((*path, "from")):  # an inventory entry may take it from `defaults`
        return [view.missing((*path, "from"))]
    if not view.usable(("deploy",)) or view.get(("deploy",)) is not False:
        return []
    return [
        view.problem(
            path,
            "needs `deploy: true`: the data is copied at the first boot on SQLite, which "
            "flyrun's deploy starts (and a failed import is undone by another deploy)",
        )
    ]


def folder_problems(view: AppView, folder: AppFolder) -> list[SpecProblem]:
    """The app folder exists, its fly.toml parses and names the same app."""
    path = ("path",)
    if not folder.exists:
        return [view.problem(path, f"folder {folder.shown!r} does not exist")]
    if not folder.is_dir:
        return [view.problem(path, f"{folder.shown!r} is not a folder")]
    fly = folder.fly
    if fly.error is not None and fly.error_at is not None:
        return [SpecProblem(fly.error_at, fly.error)]  # in the file at fault
    if fly.error is not None:
        return [
            view.problem(path if view.has(path) else (), f"cannot use {fly.shown}: {fly.error}")
        ]
    app = view.get(("app",))
    if fly.app is not None and view.usable(("app",)) and app != fly.app:
        message = f"{app!r} does not match app {fly.app!r} in {fly.shown}"
        return [view.problem(("app",), message)]
    return []


def group_problems(view: AppView, fly: FlyTomlInfo) -> list[SpecProblem]:
    """`process_group` and every `groups_without_database` entry name a process group of
    fly.toml: a typo would refuse the app at preflight without saying where, or declare a
    group that does not exist while the real one stays refused."""
    if not fly.process_groups:
        return []  # no usable fly.toml: said on its own
    problems = []
    path: JsonPath = ("process_group",)
    group = view.get(path, DEFAULT_PROCESS_GROUP)
    if (view.usable(path) or not view.has(path)) and group not in fly.process_groups:
        said = "" if view.has(path) else f"not set, so {DEFAULT_PROCESS_GROUP!r}, but "
        problems.append(view.problem(path, said + _no_group(group, fly)))
    listed: JsonPath = ("groups_without_database",)
    names = view.get(listed) if view.usable(listed) else None
    for index, name in enumerate(names if isinstance(names, list) else []):
        if isinstance(name, str) and name not in fly.process_groups:
            problems.append(view.problem((*listed, index), _no_group(name, fly)))
    return problems


@dataclass(frozen=True)
class MountPlace:
    """Where mount_path lands in the image: Rails.root (the Dockerfile's WORKDIR) and the
    app's files (relative to the app folder) under the subfolder mount_path names, if any."""

    mount_path: str
    rails_root: str
    held: tuple[str, ...] = ()
    tracked: bool = True  # `held` are the files git tracks (else: every file on disk)


def mount_place_problems(view: AppView, place: MountPlace) -> list[SpecProblem]:
    """mount_path hides no part of the app: not Rails.root, not a folder above it, not a
    subfolder of it that holds app files (a volume replaces what the image has there)."""
    path: JsonPath = ("mount_path",)
    message = app_folder_problem(
        place.mount_path, place.rails_root, place.held, tracked=place.tracked
    )
    if message is None or (view.has(path) and not view.usable(path)):
        return []
    said = "" if view.has(path) else f"not set, so {place.mount_path!r}, but "
    return [view.problem(path, said + message)]


def _no_group(name: str, fly: FlyTomlInfo) -> str:
    groups = fly.process_groups
    close = difflib.get_close_matches(name, groups, n=1, cutoff=0.6)
    hint = f"did you mean {close[0]!r}? " if close else ""
    alone = "; without [processes] the only group is 'app'" if groups == ("app",) else ""
    return f"{fly.shown} has no process group {name!r} ({hint}it has {', '.join(groups)}{alone})"


def resolve_region(view: AppView, fly: FlyTomlInfo) -> tuple[str | None, list[SpecProblem]]:
    """The volume's region: the spec's, else fly.toml `primary_region` (README "The spec")."""
    path = ("volume", "region")
    primary = fly.primary_region
    if not view.has(path[:-1]) or view.present_and_unusable(path[:-1]):
        return None, []  # `volume` itself is missing or wrong: reported already
    if primary is not None and primary in regions().retired:
        return None, [_retired(view, fly, primary)]
    if view.has(path):
        region = view.get(path)
        if not view.usable(path) or region_error(region) is not None:
            return None, []  # reported by the schema or `region_code_problems`
        if primary is not None and region != primary:
            return None, [view.problem(path, _differs(region, primary, fly.shown))]
        return str(region), []
    if primary is None:
        if not fly.exists:  # said as such, not as the region it would otherwise lack
            return None, [_no_fly_toml(view, fly)]
        return None, [view.problem(path, f"not set and {fly.shown} has no primary_region")]
    error = region_error(primary)
    if error is not None:
        return None, [view.problem(path, f"not set, and primary_region in {fly.shown}: {error}")]
    return primary, []


def _no_fly_toml(view: AppView, fly: FlyTomlInfo) -> SpecProblem:
    """At `path` (or the app's entry): the app folder has no fly.toml to take the region from
    (with a region in the spec, preflight's `fly_toml` check refuses the app instead)."""
    message = (
        f"there is no {fly.shown}: flyrun converts an app that runs on Fly.io (`fly launch` "
        "writes fly.toml); set `path` to the app's folder, or put the spec beside fly.toml"
    )
    return view.problem(("path",) if view.has(("path",)) else (), message)


def _retired(view: AppView, fly: FlyTomlInfo, primary: str) -> SpecProblem:
    """A retired primary_region, reported at its fly.toml line (a spec region cannot fix
    it: flyctl puts machines and first volumes in primary_region)."""
    from runner.facts.regions_near import nearest_current  # lazy: retired regions only

    nearest, km = nearest_current(primary)
    places = regions()
    message = (
        f"primary_region {primary!r} ({places.retired[primary]}) is a retired Fly.io region; "
        f"change it to {nearest!r} ({places.current[nearest]}, {km} km away), the nearest "
        "current region, and move the app's machines there"
    )
    if view.has(("volume", "region")):
        message += "; volume.region must then be the same"
    if fly.primary_region_at is not None:
        return SpecProblem(fly.primary_region_at, message)
    return view.problem(("volume", "region"), f"{fly.shown}: {message}")


def _differs(region: str, primary: str, shown: str) -> str:
    return (
        f"{region!r} differs from primary_region {primary!r} in {shown}: flyctl creates "
        "machines and first-deploy volumes in primary_region, so the volume would sit unused "
        "(remove volume.region or make them equal)"
    )
