"""Load spec files (README "The spec"): YAML with positions → JSON Schema → rules → frozen
dataclasses.

`load_specs(paths)` reads every file, reports every problem of every file at once (one
`SpecError`), and returns one `AppSpec` per app. Nothing downstream sees raw YAML data.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar, cast

from runner.disk import read_bytes, read_text
from runner.errors import FileError, Location, SpecError, SpecProblem
from runner.facts.flytoml import parse_fly_toml
from runner.spec.model import (
    DEFAULT_DATABASE,
    DEFAULT_DEPLOY,
    DEFAULT_PATH,
    DEFAULT_PROCESS_GROUP,
    DEFAULT_REPLACE_DATABASE_URL,
    DEFAULT_SILENCE,
    DEFAULT_SIZE,
    AppFailure,
    AppSpec,
    ImportData,
    SilenceSqliteWarning,
    VolumeSpec,
)
from runner.spec.places import mount_place
from runner.spec.rules import (
    AppFolder,
    FlyTomlInfo,
    field_problems,
    folder_problems,
    group_problems,
    import_problems,
    mount_path_error,
    mount_place_problems,
    required_problems,
    resolve_region,
)
from runner.spec.schema import validate_document
from runner.spec.views import AppView, app_views, defaults_view, is_inventory
from runner.spec.yamlmarks import JsonPath, YamlDocument, describe, load_yaml
from runner.syntax.toml import key_line

_T = TypeVar("_T")


@dataclass(frozen=True)
class _Checked:
    """One app of one file after every rule: its problems, or what it resolved to."""

    view: AppView
    problems: list[SpecProblem]
    folder: Path | None = None
    region: str | None = None
    app_problems: list[SpecProblem] = field(default_factory=list)  # its folder / fly.toml


def load_specs(paths: Sequence[Path], playbook: Path | None = None) -> list[AppSpec]:
    """Load every spec file; raise `SpecError` with every problem of every file if any."""
    loaded = load_for_run(paths, playbook=playbook)
    failures = [p for item in loaded if isinstance(item, AppFailure) for p in item.problems]
    if failures:
        raise SpecError(failures)
    return [item for item in loaded if isinstance(item, AppSpec)]


def load_for_run(
    paths: Sequence[Path], *, playbook: Path | None = None
) -> list[AppSpec | AppFailure]:
    """Like `load_specs`, but an app whose only problems are in its own folder or fly.toml
    comes back as an `AppFailure` in its place; any other problem raises `SpecError`.
    `playbook` (the `--playbook` option) replaces every spec's `playbook:`."""
    problems: list[SpecProblem] = []
    specs: list[AppSpec | AppFailure] = []
    first_at: dict[str, Location] = {}
    folders: dict[Path, tuple[str, Location]] = {}
    seen: set[Path] = set()
    for path in paths:
        absolute = _absolute(Path(path))
        if absolute in seen:
            continue
        seen.add(absolute)
        file_problems, checked = _load_file(Path(path), playbook is None)
        file_problems += _duplicate_apps(checked, first_at)
        file_problems += _shared_folders(checked, folders)
        if file_problems:  # the file itself is wrong: report everything in it at once
            file_problems += [p for c in checked for p in c.app_problems]
        problems += sorted(set(file_problems), key=_position)
        if not file_problems:
            specs += [
                _build(c, absolute, playbook) if not c.app_problems else _failure(c, absolute)
                for c in checked
            ]
    if problems:
        raise SpecError(problems)
    return specs


def _failure(checked: _Checked, spec_file: Path) -> AppFailure:
    name = checked.view.get(("app",))
    problems = tuple(sorted(set(checked.app_problems), key=_position))
    return AppFailure(name if isinstance(name, str) else "?", spec_file, problems)


def _position(problem: SpecProblem) -> tuple[int, int, str]:
    return (problem.location.line, problem.location.column, problem.message)


def _load_file(path: Path, own_playbook: bool) -> tuple[list[SpecProblem], list[_Checked]]:
    """Every problem of one file and its apps; `own_playbook`: the spec's `playbook:` is the
    one that runs (no `--playbook`), so it must name a file."""
    doc, problem = _read_document(path)
    if problem is not None:
        return [problem], []
    assert doc is not None
    problems = list(doc.problems)
    if not isinstance(doc.data, dict):
        return problems, []
    schema = validate_document(doc)
    problems += schema.problems
    bad = schema.bad_paths | doc.problem_paths
    if is_inventory(doc.data):
        problems += field_problems(defaults_view(doc, bad))
    checked = [_check_app(view, path.parent, own_playbook) for view in app_views(doc, bad)]
    return problems + [p for c in checked for p in c.problems], checked


def _read_document(path: Path) -> tuple[YamlDocument | None, SpecProblem | None]:
    """The parsed file, or the one problem that stops it from being read at all."""
    file = str(path)
    try:  # bounded, regular files only: a spec named /dev/zero or a FIFO is refused, not read
        raw = read_bytes(path, shown=file)
    except FileError as exc:
        return None, SpecProblem(Location(file, 1, 1), exc.message)
    except ValueError as exc:  # a NUL byte in the name
        return None, SpecProblem(Location(file, 1, 1), f"cannot read: {exc}")
    if raw is None:
        return None, SpecProblem(Location(file, 1, 1), "cannot read: No such file or directory")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        line_start = raw.rfind(b"\n", 0, exc.start) + 1
        column = len(raw[line_start : exc.start].decode("utf-8", "replace")) + 1
        message = f"not UTF-8 text (byte 0x{raw[exc.start]:02x} cannot be decoded)"
        return None, SpecProblem(Location(file, line, column), message)
    doc = load_yaml(text, file)
    if doc.data is None and not doc.problems:
        return None, SpecProblem(Location(file, 1, 1), "the file is empty; expected `version: 1`")
    if doc.data is not None and not isinstance(doc.data, dict):
        message = f"expected a mapping of spec keys (version, app, ...), got {describe(doc.data)}"
        return None, SpecProblem(doc.mark(()).value, message)
    return doc, None


def _check_app(view: AppView, spec_dir: Path, own_playbook: bool) -> _Checked:
    """Every rule for one app: fields, required keys, its playbook, its folder and fly.toml,
    region and process groups."""
    problems = field_problems(view) + required_problems(view) + import_problems(view)
    if own_playbook:
        problems += _playbook_problems(view, spec_dir)
    if view.has(("path",)) and not view.usable(("path",)):
        return _Checked(view, problems)
    raw = view.get(("path",), DEFAULT_PATH)
    folder = read_app_folder(spec_dir, raw)
    app_problems = folder_problems(view, folder)
    if not folder.is_dir or folder.fly.error is not None:
        return _Checked(view, problems, app_problems=app_problems)
    region, region_problems = resolve_region(view, folder.fly)
    app_problems += region_problems + group_problems(view, folder.fly)
    mount_path = _mount_path(view)
    if mount_path is not None:
        place = mount_place(spec_dir / raw, folder.fly, mount_path)
        app_problems += mount_place_problems(view, place)
    return _Checked(view, problems, _absolute(spec_dir / raw), region, app_problems)


def _mount_path(view: AppView) -> str | None:
    """The app's mount_path when it passed the field rules (the default follows the volume
    name); None when it is wrong already (said) or cannot be known."""
    path: JsonPath = ("mount_path",)
    if view.has(path):
        value = view.get(path)
        return value if view.usable(path) and mount_path_error(value) is None else None
    name = view.get(("volume", "name"))
    return f"/mnt/{name}" if isinstance(name, str) and view.usable(("volume", "name")) else None


def _playbook_problems(view: AppView, spec_dir: Path) -> list[SpecProblem]:
    """`playbook:` names a file relative to the spec's folder: a missing one is said at the
    spec's line, where the fix is (the playbook loader has no line to point at)."""
    path: JsonPath = ("playbook",)
    value = view.get(path)
    if not view.usable(path) or not isinstance(value, str):
        return []
    file = spec_dir / value
    shown = os.path.normpath(file)  # as the user would open it
    try:
        exists, is_dir = file.exists(), file.is_dir()
    except (OSError, ValueError):  # a name too long, or with a NUL byte
        exists = is_dir = False
    if is_dir:
        return [view.problem(path, f"{shown!r} is a folder, not a playbook file")]
    if not exists:
        return [view.problem(path, f"no playbook file {shown!r} (relative to the spec's folder)")]
    return []


def _absolute(path: Path) -> Path:
    try:
        return path.resolve()
    except (OSError, RuntimeError, ValueError):  # a symlink loop: keep the path as written
        return path.absolute()


def read_app_folder(spec_dir: Path, raw: str) -> AppFolder:
    """The facts the rules need about the app folder `raw` (relative to the spec's folder)."""
    folder = spec_dir / raw
    fly_shown = os.path.normpath(folder / "fly.toml")  # as the user would open it
    try:
        exists, is_dir = folder.exists(), folder.is_dir()
    except (OSError, ValueError):  # a name too long, or with a NUL byte
        exists = is_dir = False
    if not is_dir:
        return AppFolder(raw, is_dir, exists, FlyTomlInfo(fly_shown, exists=False))
    return AppFolder(raw, is_dir, exists, read_fly_toml(folder / "fly.toml", fly_shown))


def read_fly_toml(path: Path, shown: str) -> FlyTomlInfo:
    """`app` and `primary_region` of a fly.toml (the same cached reading the app's facts use
    later); `error` says why it cannot be used, `error_at` where, when known."""
    try:
        text = read_text(path, shown=shown)
        if text is None:
            return FlyTomlInfo(shown, exists=False)
        fly = parse_fly_toml(text)
    except FileError as exc:
        place = exc.location
        at = Location(shown, place.line, place.column) if place is not None else None
        return FlyTomlInfo(shown, exists=True, error=exc.message, error_at=at)
    line = key_line(text, "primary_region")
    where = Location(shown, line, 1) if line is not None else None
    return FlyTomlInfo(
        shown,
        True,
        None,
        fly.app,
        fly.primary_region,
        primary_region_at=where,
        process_groups=fly.process_groups,
        dockerfile=fly.dockerfile,
    )


def _duplicate_apps(checked: list[_Checked], first_at: dict[str, Location]) -> list[SpecProblem]:
    """An app listed twice (in one inventory or across files) is an error at the second."""
    problems: list[SpecProblem] = []
    for item in checked:
        name = item.view.get(("app",))
        if not isinstance(name, str) or not item.view.usable(("app",)):
            continue
        here = item.view.origins[("app",)].value
        first = first_at.setdefault(name, here)
        if first != here:
            where = f"line {first.line}" if first.file == here.file else str(first)
            message = f"{name!r} is listed twice (first at {where})"
            problems.append(item.view.problem(("app",), message))
    return problems


def _shared_folders(
    checked: list[_Checked], first_in: dict[Path, tuple[str, Location]]
) -> list[SpecProblem]:
    """Two apps in one folder would share one fly.toml and edit the same files: refused at
    the second app, before anything runs."""
    problems: list[SpecProblem] = []
    for item in checked:
        name = item.view.get(("app",))
        if item.folder is None or not isinstance(name, str):
            continue
        if not (item.folder / "fly.toml").exists():
            continue  # not an app folder yet: its own refusal says so
        origin = item.view.origins.get(("path",)) or item.view.origins[("app",)]
        first = first_in.setdefault(item.folder, (name, origin.value))
        if first[0] != name:
            at = first[1]
            where = f"line {at.line}" if at.file == origin.value.file else str(at)
            message = (
                f"folder {str(item.folder)!r} is also app {first[0]!r}'s ({where}): one folder "
                "holds one app's fly.toml, so two apps cannot share it"
            )
            key = ("path",) if item.view.has(("path",)) else ("app",)
            problems.append(item.view.problem(key, message))
    return problems


def _build(checked: _Checked, spec_file: Path, playbook: Path | None) -> AppSpec:
    """The dataclass for an app whose file had no problem (so types are as the schema says)."""
    view = checked.view
    assert checked.folder is not None and checked.region is not None
    name = _typed(view.get(("volume", "name")), str)
    silence = view.get(("silence_sqlite_warning",), DEFAULT_SILENCE)
    if isinstance(silence, bool):
        silence = "true" if silence else "false"
    return AppSpec(
        spec_file=spec_file,
        app=_typed(view.get(("app",)), str),
        path=checked.folder,
        volume=VolumeSpec(name, int(view.get(("volume", "size"), DEFAULT_SIZE)), checked.region),
        mount_path=_typed(view.get(("mount_path",), f"/mnt/{name}"), str),
        database=_typed(view.get(("database",), DEFAULT_DATABASE), str),
        process_group=_typed(view.get(("process_group",), DEFAULT_PROCESS_GROUP), str),
        silence_sqlite_warning=cast(SilenceSqliteWarning, _typed(silence, str)),
        replace_database_url=_typed(
            view.get(("replace_database_url",), DEFAULT_REPLACE_DATABASE_URL), bool
        ),
        deploy=_typed(view.get(("deploy",), DEFAULT_DEPLOY), bool),
        groups_without_database=tuple(view.get(("groups_without_database",), [])),
        playbook=_playbook(view.get(("playbook",)), spec_file, playbook),
        import_data=_import_data(view.get(("import_data",))),
    )


def _import_data(value: Any) -> ImportData | None:
    if not isinstance(value, dict):
        return None
    url_env = value.get("url_env")
    return ImportData("postgres", url_env if isinstance(url_env, str) else None)


def _playbook(value: Any, spec_file: Path, override: Path | None) -> Path | None:
    """`--playbook` wins; else the spec's `playbook:` relative to the spec's folder."""
    if override is not None:
        return _absolute(override)
    return _absolute(spec_file.parent / str(value)) if value is not None else None


def _typed(value: Any, kind: type[_T]) -> _T:
    if not isinstance(value, kind):
        raise TypeError(f"validated spec value {value!r} is not a {kind.__name__}")
    return value
