"""Spec loading (README "The spec"): fixtures, schema conventions, rules, and properties."""

from __future__ import annotations

import copy
import dataclasses
import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from jsonschema import Draft7Validator, Draft202012Validator  # type: ignore[import-untyped, unused-ignore]

from runner.errors import SpecError
from runner.resources import load_json
from runner.spec import AppSpec, VolumeSpec, load_specs
from runner.spec import model as spec_module
from runner.spec.regions import region_error, regions
from runner.spec.rules import mount_path_error, suggest_volume_name
from runner.spec.schema import _validator
from runner.spec.yamlmarks import load_yaml

FIXTURES = Path(__file__).parent / "fixtures" / "specs"
VALID = sorted((FIXTURES / "valid").glob("*.yaml"))
INVALID = sorted(path for path in (FIXTURES / "invalid").iterdir() if path.is_dir())
SCHEMA: dict[str, Any] = load_json("schemas", "spec.schema.json")
CURRENT = [
    "ams",
    "arn",
    "bom",
    "cdg",
    "dfw",
    "ewr",
    "fra",
    "gru",
    "iad",
    "jnb",
    "lax",
    "lhr",
    "nrt",
    "ord",
    "sin",
    "sjc",
    "syd",
    "yyz",
]
TO_BE_DEPRECATED = [
    "atl",
    "bog",
    "bos",
    "den",
    "eze",
    "gdl",
    "gig",
    "hkg",
    "mad",
    "mia",
    "otp",
    "phx",
    "qro",
    "scl",
    "sea",
    "waw",
    "yul",
]
OLDER = ["maa", "vin", "mrs", "dxb", "ist", "mel"]


@pytest.fixture
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _write(folder: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text, encoding="utf-8")


def _errors(paths: list[Path]) -> list[str]:
    with pytest.raises(SpecError) as caught:
        load_specs(paths)
    return [str(problem) for problem in caught.value.problems]


def _as_expected(spec: AppSpec, base: Path) -> dict[str, Any]:
    """An AppSpec in the shape of the fixtures' `*.expected.json` files."""
    data = dataclasses.asdict(spec)
    del data["spec_file"]
    data["path"] = spec.path.relative_to(base.resolve()).as_posix()
    data["database_url"] = spec.database_url
    data["groups_without_database"] = list(spec.groups_without_database)
    if data["import_data"] is None:  # absent by default: fixtures name it only when set
        del data["import_data"]
    return data


# --- fixtures -----------------------------------------------------------------------------


@pytest.mark.parametrize("path", VALID, ids=[p.stem for p in VALID])
def test_valid_fixture_loads(path: Path) -> None:
    specs = load_specs([path])
    expected = json.loads(path.with_suffix(".expected.json").read_text(encoding="utf-8"))
    assert [_as_expected(s, path.parent) for s in specs] == expected
    assert all(s.spec_file == path.resolve() for s in specs)


def test_every_valid_fixture_loads_together() -> None:
    assert len(load_specs(VALID)) == sum(
        len(json.loads(p.with_suffix(".expected.json").read_text())) for p in VALID
    )


@pytest.mark.parametrize("case", INVALID, ids=[p.name for p in INVALID])
def test_invalid_fixture_reports_exactly_the_expected_problems(
    case: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(case)
    expected = (case / "expected.txt").read_text(encoding="utf-8").splitlines()
    assert _errors(sorted(Path().glob("*.yaml"))) == expected


# --- schema conventions -------------------------------------------------------------------

FORBIDDEN = {
    "unevaluatedProperties",
    "unevaluatedItems",
    "prefixItems",
    "$dynamicRef",
    "$dynamicAnchor",
    "$recursiveRef",
    "dependentSchemas",
    "dependentRequired",
    "$anchor",
    "minContains",
    "maxContains",
}


def _subschemas(schema: Any) -> Iterator[dict[str, Any]]:
    """Every schema object inside `schema` (not the names in `properties` maps)."""
    if not isinstance(schema, dict):
        return
    yield schema
    for key, value in schema.items():
        if key in ("properties", "$defs"):
            for child in value.values():
                yield from _subschemas(child)
        elif key in ("items", "if", "then", "else", "not"):
            yield from _subschemas(value)
        elif key in ("anyOf", "allOf", "oneOf"):
            for child in value:
                yield from _subschemas(child)


def _resolve(schema: dict[str, Any]) -> dict[str, Any]:
    ref = schema.get("$ref")
    if ref is None:
        return schema
    assert ref.startswith("#/$defs/") and set(schema) <= {"$ref", "title", "description"}
    resolved: dict[str, Any] = SCHEMA["$defs"][ref.removeprefix("#/$defs/")]
    return resolved


def _draft7_twin() -> dict[str, Any]:
    twin = copy.deepcopy(SCHEMA)
    twin["$schema"] = "http://json-schema.org/draft-07/schema#"
    return twin


def test_schema_is_valid_2020_12_and_draft_07() -> None:
    assert SCHEMA["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert SCHEMA["$id"] == "https://flyrun.dev/schemas/spec.schema.json"
    Draft202012Validator.check_schema(SCHEMA)
    Draft7Validator.check_schema(_draft7_twin())


def test_schema_uses_no_keyword_that_draft_07_reads_differently() -> None:
    used = {key for sub in _subschemas(SCHEMA) for key in sub}
    assert not used & FORBIDDEN
    for sub in _subschemas(SCHEMA):  # draft-07 ignores everything beside a $ref
        if "$ref" in sub:
            assert set(sub) <= {"$ref", "title", "description"}


def test_every_property_has_a_title_and_description() -> None:
    for sub in _subschemas(SCHEMA):
        for name, prop in sub.get("properties", {}).items():
            resolved = _resolve(prop)
            assert resolved.get("title") and resolved.get("description"), name


def test_every_object_forbids_unknown_keys() -> None:
    objects = [sub for sub in _subschemas(SCHEMA) if "properties" in sub]
    assert len(objects) == 8
    for sub in objects:
        assert sub["type"] == "object" and sub["additionalProperties"] is False


def test_schema_defaults_are_the_loaders_defaults() -> None:
    defaults = {name: d.get("default") for name, d in SCHEMA["$defs"].items() if "default" in d}
    assert defaults == {
        "path": spec_module.DEFAULT_PATH,
        "volume_size": spec_module.DEFAULT_SIZE,
        "database": spec_module.DEFAULT_DATABASE,
        "process_group": spec_module.DEFAULT_PROCESS_GROUP,
        "silence_sqlite_warning": spec_module.DEFAULT_SILENCE,
        "replace_database_url": spec_module.DEFAULT_REPLACE_DATABASE_URL,
        "deploy": spec_module.DEFAULT_DEPLOY,
        "groups_without_database": list(spec_module.DEFAULT_GROUPS_WITHOUT_DATABASE),
    }


def _error_keys(validator: Any, data: Any) -> list[tuple[str, str]]:
    return sorted((e.json_path, e.validator) for e in validator.iter_errors(data))


def _fixture_documents() -> list[Any]:
    files = VALID + [f for case in INVALID for f in sorted(case.glob("*.yaml"))]
    documents = []
    for path in files:
        try:
            doc = load_yaml(path.read_text(encoding="utf-8"), str(path))
        except UnicodeDecodeError:
            continue
        if isinstance(doc.data, dict):
            documents.append(doc.data)
    return documents


def test_draft_07_validates_every_fixture_like_2020_12() -> None:
    modern, legacy = Draft202012Validator(SCHEMA), Draft7Validator(_draft7_twin())
    documents = _fixture_documents()
    assert len(documents) > 40
    for data in documents:
        assert _error_keys(modern, data) == _error_keys(legacy, data)


def test_schema_is_compiled_once_and_jsonschema_imported_lazily() -> None:
    assert _validator() is _validator()
    code = "import sys, runner.spec; assert 'jsonschema' not in sys.modules, 'eager'"
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parents[2])}
    subprocess.run([sys.executable, "-c", code], check=True, env=env)


# --- API ----------------------------------------------------------------------------------


def test_app_spec_properties(in_tmp: Path) -> None:
    _write(
        in_tmp, {"x/spec.yaml": "version: 1\napp: a\npath: ../y\nvolume: {name: v, region: iad}\n"}
    )
    (in_tmp / "y").mkdir()
    (spec,) = load_specs([Path("x/spec.yaml")])
    assert spec.spec_file == in_tmp.resolve() / "x" / "spec.yaml"
    assert spec.path == in_tmp.resolve() / "y"
    assert spec.fly_toml == in_tmp.resolve() / "y" / "fly.toml"
    assert spec.state_file == in_tmp.resolve() / "x" / ".flyrun-state.json"
    assert spec.volume == VolumeSpec("v", 3, "iad")
    assert spec.database_url == "sqlite3:///mnt/v/production.sqlite"


def test_the_same_file_twice_is_loaded_once(in_tmp: Path) -> None:
    _write(in_tmp, {"s.yaml": "version: 1\napp: a\nvolume: {name: v, region: iad}\n"})
    assert len(load_specs([Path("s.yaml"), in_tmp / "s.yaml", Path("./s.yaml")])) == 1


def test_unreadable_spec_file(in_tmp: Path) -> None:
    assert _errors([Path("nope.yaml")]) == ["nope.yaml:1:1: cannot read: No such file or directory"]


def test_problems_of_all_files_come_in_the_order_the_files_were_given(in_tmp: Path) -> None:
    _write(in_tmp, {"b.yaml": "version: 1\nx: 1\n", "a.yaml": "version: 3\n"})
    assert _errors([Path("b.yaml"), Path("a.yaml")]) == [
        "b.yaml:1:1: missing required key 'app'",
        "b.yaml:1:1: missing required key 'volume'",
        "b.yaml:2:1: x: unknown key",
        "a.yaml:1:1: missing required key 'app'",
        "a.yaml:1:1: missing required key 'volume'",
        "a.yaml:1:10: version: 3 is not supported; expected 1",
    ]


def test_error_text_is_the_whole_report() -> None:
    with pytest.raises(SpecError) as caught:
        load_specs([FIXTURES / "invalid" / "missing_keys" / "spec.yaml"])
    assert str(caught.value).count("\n") == 1


# --- rules --------------------------------------------------------------------------------


def test_region_list_snapshot() -> None:
    known = regions()
    assert sorted(known.current) == CURRENT
    assert sorted(known.retired) == sorted(TO_BE_DEPRECATED + OLDER)
    assert regions() is known


@pytest.mark.parametrize("code", CURRENT)
def test_current_regions_are_accepted(code: str) -> None:
    assert region_error(code) is None


@pytest.mark.parametrize("code", TO_BE_DEPRECATED + OLDER)
def test_retired_regions_say_so(code: str) -> None:
    """One word for a retired code, in the spec as in fly.toml (`_retired` in rules.py)."""
    message = region_error(code) or ""
    assert "is a retired Fly.io region" in message and "deprecated" not in message


@pytest.mark.parametrize(
    ("name", "app", "suggestion"),
    [
        ("shop-data", "", "shop_data"),
        ("Shop Data!", "", "shop_data"),
        ("", "my-shop", "my_shop_data"),
        ("---", "", "data"),
        ("x" * 40, "", "x" * 30),
        ("", "a" * 40, "a" * 25 + "_data"),
    ],
)
def test_volume_name_suggestion(name: str, app: str, suggestion: str) -> None:
    assert suggest_volume_name(name, app) == suggestion


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        ("/data", True),
        ("/mnt/shop_data", True),
        ("/a.b/c-d", True),
        ("/", False),
        ("//", False),
        ("//mnt", False),
        ("/mnt/", False),
        ("/mnt/../x", False),
        ("/mnt/..", False),
        ("/mnt/./x", False),
        ("mnt/x", False),
        ("/mnt/a b", False),
        ("/mnt/a\tb", False),
        ("", False),
        (None, False),
        # system folders of the image, and what is inside them (runner/facts/mount_rules.py)
        ("/usr", False),
        ("/usr/local/data", False),
        ("/etc", False),
        ("/tmp", False),
        ("/tmp/db", False),
        ("/proc/x", False),
        ("/sys/x", False),
        ("/dev/shm", False),
        ("/run", False),
        ("/var/run/app", False),
        ("/var", False),
        ("/bin", False),
        ("/lib64", False),
        ("/var/lib/app_data", True),  # /var itself only
        ("/usrdata", True),
        ("/etcetera", True),
        ("/srv/data", True),
    ],
)
def test_mount_path_rule(value: Any, ok: bool) -> None:
    assert (mount_path_error(value) is None) is ok


# --- properties ---------------------------------------------------------------------------

APP_NAMES = st.from_regex(r"[a-z][a-z0-9-]{0,15}", fullmatch=True)
VOLUME_NAMES = st.from_regex(r"[a-z0-9_]{1,30}", fullmatch=True)
SEGMENTS = st.from_regex(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,8}", fullmatch=True)
MOUNTS = (
    st.lists(SEGMENTS, min_size=1, max_size=3)
    .map(lambda parts: "/" + "/".join(parts))
    .filter(lambda path: mount_path_error(path) is None and not _in_rails(path))
)
DATABASES = st.from_regex(r"[A-Za-z0-9][A-Za-z0-9._-]{0,15}", fullmatch=True)
GROUPS = st.from_regex(r"[a-z][a-z0-9_-]{0,8}", fullmatch=True)
SILENCE = st.sampled_from(["auto", "true", "false", True, False])
OPTIONAL: dict[str, st.SearchStrategy[Any]] = {
    "mount_path": MOUNTS,
    "database": DATABASES,
    "process_group": GROUPS,
    "silence_sqlite_warning": SILENCE,
    "replace_database_url": st.booleans(),
    "deploy": st.booleans(),
}


def _in_rails(path: str) -> bool:
    """/rails or a folder above it: Rails.root of the generated apps (no Dockerfile)."""
    return path == "/rails" or path.startswith("/rails/") or "/rails".startswith(path + "/")


@st.composite
def app_settings(draw: st.DrawFn) -> dict[str, Any]:
    """Optional app-level keys, each present or not."""
    return {key: draw(s) for key, s in OPTIONAL.items() if draw(st.booleans())}


@st.composite
def single_app_case(draw: st.DrawFn) -> tuple[dict[str, Any], dict[str, str] | None]:
    """A valid single-app spec, and the fly.toml (app, primary_region) beside it, if any."""
    app, primary = draw(APP_NAMES), draw(st.none() | st.sampled_from(CURRENT))
    volume: dict[str, Any] = {"name": draw(VOLUME_NAMES)}
    if draw(st.booleans()):
        volume["size"] = draw(st.integers(1, 500))
    if primary is None or draw(st.booleans()):
        volume["region"] = primary or draw(st.sampled_from(CURRENT))
    spec = {"version": 1, "app": app, "volume": volume, **draw(app_settings())}
    fly = None
    if primary is not None or draw(st.booleans()):
        fly = {"app": app} if draw(st.booleans()) else {}
        fly |= {"primary_region": primary} if primary else {}
    if draw(st.booleans()):
        spec["path"] = "app"
    return spec, fly


def _oracle(merged: dict[str, Any], folder: Path, spec_file: Path, region: str) -> AppSpec:
    """What the spec must load as, written independently of the loader."""
    volume = merged["volume"]
    silence = merged.get("silence_sqlite_warning", "auto")
    return AppSpec(
        spec_file=spec_file,
        app=merged["app"],
        path=folder,
        volume=VolumeSpec(volume["name"], volume.get("size", 3), region),
        mount_path=merged.get("mount_path", "/mnt/" + volume["name"]),
        database=merged.get("database", "production.sqlite"),
        process_group=merged.get("process_group", "app"),
        silence_sqlite_warning={True: "true", False: "false"}.get(silence, silence),
        replace_database_url=merged.get("replace_database_url", False),
        deploy=merged.get("deploy", True),
    )


def _dump(data: Any, flow: bool) -> str:
    return yaml.safe_dump(data, sort_keys=False, default_flow_style=flow)


def _fly_toml(values: dict[str, str]) -> str:
    return "".join(f"{key} = {json.dumps(value)}\n" for key, value in values.items())


def _processes(spec: dict[str, Any]) -> str:
    """fly.toml's [processes] with the spec's group (the loader checks fly.toml has it)."""
    group = spec.get("process_group")
    return f'[processes]\n  "{group}" = "bin/rails server"\n' if group else ""


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=single_app_case(), flow=st.booleans())
def test_any_valid_single_app_spec_round_trips(
    case: tuple[dict[str, Any], dict[str, str] | None], flow: bool
) -> None:
    spec, fly = case
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp).resolve()
        folder = root / spec.get("path", ".")
        folder.mkdir(exist_ok=True)
        _write(root, {"fly-sqlite.yml": _dump(spec, flow)})
        if fly is not None:
            _write(folder, {"fly.toml": _fly_toml(fly) + _processes(spec)})
        region = spec["volume"].get("region") or (fly or {})["primary_region"]
        expected = _oracle(spec, folder.resolve(), root / "fly-sqlite.yml", region)
        assert load_specs([root / "fly-sqlite.yml"]) == [expected]


def _merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in over.items():
        both = isinstance(value, dict) and isinstance(out.get(key), dict)
        out[key] = _merge(out[key], value) if both else value
    return out


@st.composite
def inventory_case(draw: st.DrawFn) -> dict[str, Any]:
    """A valid inventory: defaults and 1 to 4 apps with distinct names, regions in the spec."""
    defaults: dict[str, Any] = draw(app_settings())
    shared = {"region": draw(st.sampled_from(CURRENT))} if draw(st.booleans()) else {}
    if draw(st.booleans()):
        shared["name"] = draw(VOLUME_NAMES)
    if shared:
        defaults["volume"] = shared
    names = draw(st.lists(APP_NAMES, min_size=1, max_size=4, unique=True))
    apps = []
    for name in names:
        volume: dict[str, Any] = {}
        if "name" not in shared or draw(st.booleans()):
            volume["name"] = draw(VOLUME_NAMES)
        if "region" not in shared or draw(st.booleans()):
            volume["region"] = draw(st.sampled_from(CURRENT))
        if draw(st.booleans()):
            volume["size"] = draw(st.integers(1, 500))
        apps.append({"app": name, "volume": volume, **draw(app_settings())})
    return {"version": 1, "defaults": defaults, "apps": apps}


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(inventory=inventory_case(), flow=st.booleans())
def test_any_valid_inventory_round_trips(inventory: dict[str, Any], flow: bool) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp).resolve()
        _write(root, {"inventory.yml": _dump(inventory, flow)})
        expected = []
        for entry in inventory["apps"]:
            merged = _merge(inventory["defaults"], entry)
            region = merged["volume"]["region"]
            expected.append(_oracle(merged, root, root / "inventory.yml", region))
        assert load_specs([root / "inventory.yml"]) == expected


def _check_problems(error: SpecError, file: str, text: str) -> None:
    assert error.problems
    lines = max(1, text.count("\n") + 2)
    for problem in error.problems:
        assert problem.location.file == file
        assert 1 <= problem.location.line <= lines
        assert problem.location.column >= 1
        assert problem.message and "\n" not in problem.message


_TOKENS = [*":-{}[]&*!|>'\"#%@`,? \t\n.~/=_aZ09", "yes", "<<", "---", "é", "\x07", ": ", "\n  "]
_NOISE = st.lists(st.sampled_from(_TOKENS), max_size=8).map("".join)


@st.composite
def mutated_text(draw: st.DrawFn) -> str:
    """A valid spec's text after a few random edits: deletions, insertions, line shuffles."""
    spec, _ = draw(single_app_case())
    text = _dump(spec, draw(st.booleans()))
    for _ in range(draw(st.integers(1, 4))):
        start = draw(st.integers(0, len(text)))
        end = draw(st.integers(start, min(len(text), start + 10)))
        choice = draw(st.sampled_from(["delete", "insert", "replace", "swap"]))
        if choice == "swap":
            lines = text.splitlines(keepends=True)
            i, j = draw(st.integers(0, len(lines) - 1)), draw(st.integers(0, len(lines) - 1))
            lines[i], lines[j] = lines[j], lines[i]
            text = "".join(lines)
        else:
            insert = "" if choice == "delete" else draw(_NOISE)
            text = text[:start] + insert + text[end if choice != "insert" else start :]
    return text


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=mutated_text(), fly=st.booleans())
def test_random_text_edits_raise_nothing_but_spec_error(text: str, fly: bool) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        _write(root, {"s.yaml": text})
        if fly:
            _write(root, {"fly.toml": 'app = "x"\nprimary_region = "iad"\n'})
        try:
            load_specs([root / "s.yaml"])
        except SpecError as error:
            _check_problems(error, str(root / "s.yaml"), text)


_JSONISH = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-1000, 1000)
    | st.floats(allow_nan=False)
    | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=8,
)
_KEYS = st.sampled_from(
    [
        "version",
        "app",
        "path",
        "volume",
        "name",
        "size",
        "region",
        "mount_path",
        "database",
        "process_group",
        "silence_sqlite_warning",
        "deploy",
        "replace_database_url",
        "defaults",
        "apps",
        "x",
    ]
)


def _mutate(data: Any, path: list[Any], value: Any, delete: bool) -> Any:
    """Replace (or delete) what `path` leads to; an int picks the n-th key or item."""
    if not path:
        return value
    key: Any = None
    if isinstance(data, dict):
        key = path[0] if isinstance(path[0], str) or not data else list(data)[path[0] % len(data)]
    elif isinstance(data, list) and data and isinstance(path[0], int):
        key = path[0] % len(data)
    if key is None:
        return value
    if delete and len(path) == 1:
        if isinstance(data, dict):
            data.pop(key, None)
        else:
            del data[key]
        return data
    child = data.get(key) if isinstance(data, dict) else data[key]
    data[key] = _mutate(child, path[1:], value, delete)
    return data


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    base=single_app_case().map(lambda case: case[0]) | inventory_case(),
    path=st.lists(_KEYS | st.integers(0, 5), min_size=1, max_size=4),
    value=_JSONISH,
    delete=st.booleans(),
)
def test_random_data_edits_raise_nothing_but_spec_error(
    base: dict[str, Any], path: list[Any], value: Any, delete: bool
) -> None:
    data = _mutate(copy.deepcopy(base), path, value, delete)
    assume(isinstance(data, dict))
    text = _dump(data, flow=False)
    modern, legacy = Draft202012Validator(SCHEMA), Draft7Validator(_draft7_twin())
    assert _error_keys(modern, data) == _error_keys(legacy, data)
    with tempfile.TemporaryDirectory() as tmp:
        _write(Path(tmp), {"s.yaml": text})
        try:
            load_specs([Path(tmp) / "s.yaml"])
        except SpecError as error:
            _check_problems(error, str(Path(tmp) / "s.yaml"), text)


def test_large_inventory_is_fast(in_tmp: Path) -> None:
    apps = [{"app": f"app-{i}", "volume": {"name": f"v{i}"}} for i in range(500)]
    _write(
        in_tmp,
        {
            "inv.yaml": _dump(
                {"version": 1, "defaults": {"volume": {"region": "iad"}}, "apps": apps}, False
            )
        },
    )
    import time

    started = time.perf_counter()
    assert len(load_specs([Path("inv.yaml")])) == 500
    assert time.perf_counter() - started < 5


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("/mnt/x#y", "'#' starts the URL's fragment"),
        ("/mnt/x?y", "'?' starts the URL's query"),
        ("/mnt/a%20b", "'%' starts a %xx escape that Rails decodes (%20 becomes a space)"),
    ],
)
def test_mount_path_must_survive_rails_url_parsing(in_tmp: Path, value: str, reason: str) -> None:
    _write(
        in_tmp,
        {
            "fly.toml": 'app = "shop"\nprimary_region = "iad"\n',
            "s.yml": f"version: 1\napp: shop\nvolume: {{name: data}}\nmount_path: '{value}'\n",
        },
    )
    (problem,) = _errors([Path("s.yml")])
    assert problem.startswith(f"s.yml:4:13: mount_path: '{value}' does not survive Rails'")
    assert reason in problem


def test_apps_sharing_a_folder_are_refused_before_anything_runs(in_tmp: Path) -> None:
    _write(
        in_tmp,
        {
            "shop/fly.toml": 'app = "shop"\nprimary_region = "iad"\n',
            "inv.yml": "version: 1\napps:\n"
            "  - {app: shop, path: shop, volume: {name: a}}\n"
            "  - {app: shop2, path: shop, volume: {name: b}}\n"
            "  - {app: shop3, path: ./shop/, volume: {name: c}}\n",
        },
    )
    problems = _errors([Path("inv.yml")])
    assert any(p.startswith("inv.yml:4:24: apps[1].path: folder") for p in problems), problems
    assert any("is also app 'shop''s (line 3)" in p for p in problems)
    assert sum("two apps cannot share it" in p for p in problems) == 2


def test_every_schema_pattern_is_told_as_the_rule_it_checks() -> None:
    """A pattern error states its rule in words, never the raw regular expression."""
    from runner.spec.schema import _PATTERN_HINTS

    found: set[str] = set()

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if isinstance(node.get("pattern"), str):
                found.add(node["pattern"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(SCHEMA)
    assert found and found <= set(_PATTERN_HINTS)


def test_a_quoted_version_says_it_is_a_string(in_tmp: Path) -> None:
    _write(in_tmp, {"q.yaml": "version: '1'\napp: a\nvolume: {name: v, region: iad}\n"})
    assert _errors([Path("q.yaml")]) == [
        "q.yaml:1:10: version: '1' is not supported; expected 1 (a number: write 1 without quotes)"
    ]


APP_TREE = {
    "fly.toml": 'app = "shop"\nprimary_region = "iad"\n',
    "Dockerfile": "FROM ruby:3.3-slim AS base\nWORKDIR /srv/shop\nCOPY . .\n",
    "db/schema.rb": "ActiveRecord::Schema[7.1].define(version: 1) do\nend\n",
    "db/migrate/20240101000000_create_users.rb": "class CreateUsers; end\n",
    "config/routes.rb": "Rails.application.routes.draw do\nend\n",
    "app/models/user.rb": "class User; end\n",
    "storage/.keep": "",
    "log/.keep": "",
    "tmp/pids/.keep": "",
}


def _spec_with_mount(mount_path: str) -> str:
    return f"version: 1\napp: shop\nvolume: {{name: data}}\nmount_path: {mount_path}\n"


@pytest.mark.parametrize(
    ("mount_path", "said"),
    [
        ("/srv/shop", "'/srv/shop' is Rails.root (the Dockerfile's WORKDIR is /srv/shop)"),
        ("/srv", "'/srv' holds Rails.root (the Dockerfile's WORKDIR is /srv/shop)"),
        ("/srv/shop/db", "'/srv/shop/db' is the app's db/ (Rails.root is /srv/shop"),
        ("/srv/shop/config", "holds files (not a git work tree: every file counts): config/"),
        ("/srv/shop/app/models", "app/models/user.rb"),
        ("/srv/shop/db/migrate", "db/migrate/20240101000000_create_users.rb"),
        ("/srv/shop/storage", None),  # only .keep: the usual place for the database
        ("/srv/shop/log", None),
        ("/srv/shop/tmp", None),  # placeholders in subfolders too
        ("/srv/shop/storage/sqlite", None),  # not in the app folder at all
        ("/srv/shopping", None),
        ("/data", None),
    ],
)
def test_a_volume_over_the_app_is_refused_at_the_mount_path_line(
    in_tmp: Path, mount_path: str, said: str | None
) -> None:
    """Mounting over Rails.root, a folder above it, or one of its folders that holds app
    files (migrations, config, code) hides them from the first boot on."""
    _write(in_tmp, {**APP_TREE, "s.yml": _spec_with_mount(mount_path)})
    if said is None:
        assert load_specs([Path("s.yml")])[0].mount_path == mount_path
        return
    (problem,) = _errors([Path("s.yml")])
    assert problem.startswith("s.yml:4:13: mount_path: ") and said in problem, problem
    assert "Use a folder outside the app" in problem or "use /data" in problem


def test_rails_root_is_rails_without_a_workdir_and_the_default_mount_is_judged_too(
    in_tmp: Path,
) -> None:
    _write(in_tmp, {"fly.toml": APP_TREE["fly.toml"], "s.yml": _spec_with_mount("/rails")})
    (problem,) = _errors([Path("s.yml")])
    assert "'/rails' is Rails.root (the Dockerfile's WORKDIR is /rails)" in problem
    docker = "FROM ruby:3.3-slim\nWORKDIR /mnt/data\n"  # the default /mnt/<volume.name>
    spec = "version: 1\napp: shop\nvolume: {name: data}\n"
    _write(in_tmp, {"Dockerfile": docker, "s.yml": spec})
    (problem,) = _errors([Path("s.yml")])
    assert "mount_path: not set, so '/mnt/data', but '/mnt/data' is Rails.root" in problem


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git (.ci/run installs it)")
def test_in_a_git_work_tree_only_tracked_files_count(in_tmp: Path) -> None:
    """storage/ holds the developer's own databases, which git ignores: the usual
    /rails/storage mount stays fine; a tracked file there is the app's and refuses it."""
    _write(in_tmp, {**APP_TREE, "s.yml": _spec_with_mount("/srv/shop/storage")})
    _write(in_tmp, {".gitignore": "/storage/*\n!/storage/.keep\n", "storage/dev.sqlite3": "x"})
    (problem,) = _errors([Path("s.yml")])  # outside git every file counts
    assert "not a git work tree: every file counts): storage/dev.sqlite3" in problem

    def git(*args: str) -> None:
        subprocess.run(["git", *args], cwd=in_tmp, check=True, capture_output=True)

    git("init", "-q", ".")
    git("add", "-A")
    git("-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-qm", "app")
    assert load_specs([Path("s.yml")])[0].mount_path == "/srv/shop/storage"
    git("add", "-f", "storage/dev.sqlite3")
    (problem,) = _errors([Path("s.yml")])
    assert "holds files git tracks: storage/dev.sqlite3" in problem
