"""Bad input never gives a traceback or a write (hypothesis): random and mutated specs, app
files (fly.toml, fly.rake, production.rb, Gemfile, Gemfile.lock, database.yml, Dockerfile)
and flyctl JSON end in success or a clean error (exit 1, never 3, no traceback), and a run
that fails changes nothing."""

from __future__ import annotations

import contextlib
import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from runner.cli import main
from runner.errors import RunnerError
from runner.flyctl.parse import parse_machines, parse_secrets, parse_volumes
from runner.resources import bundled
from runner.simulator.state import add_fault
from tests.cli.harness import make_app, tree_digest
from tests.inproc import use_in_process

FILES = (
    "fly.toml",
    "lib/tasks/fly.rake",
    "config/environments/production.rb",
    "Gemfile",
    "Gemfile.lock",
    "config/database.yml",
    "Dockerfile",
)
SPEC = (bundled("playbooks") / "examples" / "shop" / "fly-sqlite.yml").read_text()
DATABASE_YML = """default: &default
  adapter: sqlite3
  pool: <%= ENV.fetch("RAILS_MAX_THREADS") { 5 } %>

production:
  <<: *default
  database: <%= ENV["DATABASE_PATH"] || "db/production.sqlite3" %>
"""
# Pieces that matter to the parsers: quoting, nesting, ERB, TOML and YAML syntax, Ruby blocks.
TOKENS = st.sampled_from(
    ['"', "'", '"""', "[", "]", "[[", "{", "}", "=", ":", "::", "<%", "%>", "<%=", "#", "\\",
     "\n", "\r\n", "\t", "  ", "do", "end", "task", ":release", "=>", "db:migrate", "<<: *",
     "&a", "*a", "[mounts]", "source", "destination", "- ", "\x00", "\ufeff", "é", "🚀", "0"]
)  # fmt: skip
SETTINGS = settings(
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@st.composite
def mutated(draw: st.DrawFn, text: str) -> str:
    """`text` with a few random edits: a slice deleted, tokens or random text inserted, a
    line doubled or dropped."""
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(("delete", "insert", "text", "line")))
        at = draw(st.integers(0, len(text)))
        if kind == "delete":
            text = text[:at] + text[at + draw(st.integers(1, 40)) :]
        elif kind == "insert":
            text = text[:at] + "".join(draw(st.lists(TOKENS, min_size=1, max_size=4))) + text[at:]
        elif kind == "text":
            text = text[:at] + draw(st.text(max_size=20)) + text[at:]
        else:
            lines = text.splitlines(keepends=True) or [""]
            index = draw(st.integers(0, len(lines) - 1))
            lines[index : index + 1] = draw(st.sampled_from(([], [lines[index]] * 2)))
            text = "".join(lines)
    return text


class Playground:
    """One app for every example: each example edits it, runs, and gets it back as it was."""

    def __init__(self, root: Path) -> None:
        self.app = make_app(root)
        (self.app.app_dir / "config" / "database.yml").write_text(DATABASE_YML)
        self.clean = root / "clean"
        shutil.copytree(self.app.app_dir, self.clean, symlinks=True)
        self.sim = self.app.state_path.read_bytes()

    def reset(self) -> None:
        shutil.rmtree(self.app.app_dir)
        shutil.copytree(self.clean, self.app.app_dir, symlinks=True)
        self.app.state_path.write_bytes(self.sim)
        Path(f"{self.app.state_path}.log").unlink(missing_ok=True)


@pytest.fixture(scope="module")
def playground(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Playground]:
    yield Playground(tmp_path_factory.mktemp("props"))


def _clean_run(capsys: pytest.CaptureFixture[str], argv: list[str]) -> tuple[int, str]:
    code = main(argv)
    out, err = capsys.readouterr()
    assert code in (0, 1, 2), (code, err[-3000:])
    assert "Traceback" not in err and "internal error" not in err, err[-3000:]
    return code, out


@settings(SETTINGS, max_examples=40)
@given(data=st.data())
def test_mutated_app_files_end_cleanly_and_check_writes_nothing(
    playground: Playground, capsys: pytest.CaptureFixture[str], data: st.DataObject
) -> None:
    app = playground.app
    playground.reset()
    name = data.draw(st.sampled_from(FILES))
    path = app.app_dir / name
    text = data.draw(st.one_of(mutated(path.read_text()), st.text(max_size=200)))
    path.write_text(text, encoding="utf-8", newline="")
    before = tree_digest(app.app_dir)
    _clean_run(capsys, ["check", "--offline", str(app.spec), "--format", "json"])
    assert tree_digest(app.app_dir) == before


@settings(SETTINGS, max_examples=20)
@given(data=st.data())
def test_mutated_app_files_in_apply_change_nothing_unless_it_succeeds(
    playground: Playground,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    data: st.DataObject,
) -> None:
    app = playground.app
    use_in_process(monkeypatch, app.state_path)
    playground.reset()
    name = data.draw(st.sampled_from(FILES))
    path = app.app_dir / name
    path.write_text(data.draw(mutated(path.read_text())), encoding="utf-8", newline="")
    before, sim = tree_digest(app.app_dir), app.state_path.read_bytes()
    code, _ = _clean_run(capsys, ["apply", str(app.spec), "--flyctl", str(app.shim)])
    mutations = [c for c in app.calls() if c[0] == "deploy" or c[1:2] in (["create"], ["import"])]
    if code != 0 and not mutations:  # refused before the first effect: nothing changed
        assert tree_digest(app.app_dir) == before, "a refused apply wrote a file"
        assert app.state_path.read_bytes() == sim


@settings(SETTINGS, max_examples=40)
@given(spec=st.one_of(st.text(max_size=300), mutated(SPEC)))
def test_random_specs_end_cleanly(
    playground: Playground, capsys: pytest.CaptureFixture[str], spec: str
) -> None:
    playground.reset()
    playground.app.spec.write_text(spec, encoding="utf-8", newline="")
    _clean_run(capsys, ["validate", str(playground.app.spec)])


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=10),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=20,
)
FIELDS = st.sampled_from(
    ["id", "name", "region", "size_gb", "state", "digest", "status", "config", "mounts",
     "path", "volume", "metadata", "ID", "Name", "SizeGb", "AttachedMachine", "Digest"]
)  # fmt: skip
SHAPED = st.lists(st.dictionaries(FIELDS, JSON_VALUES, max_size=6), max_size=3)


@settings(max_examples=100, deadline=None, database=None)
@given(value=st.one_of(JSON_VALUES, SHAPED), raw=st.booleans())
def test_flyctl_json_parses_or_is_a_clean_error(value: Any, raw: bool) -> None:
    text = str(value) if raw else json.dumps(value)
    for parse in (parse_volumes, parse_secrets, parse_machines):
        with contextlib.suppress(RunnerError):
            parse(text)


@settings(SETTINGS, max_examples=15)
@given(value=SHAPED, command=st.sampled_from(["volumes list", "secrets list", "machines list"]))
def test_garbage_from_flyctl_ends_cleanly(
    playground: Playground,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    value: Any,
    command: str,
) -> None:
    app = playground.app
    use_in_process(monkeypatch, app.state_path)
    playground.reset()
    state = app.state
    add_fault(state, command, "garbage", stdout=json.dumps(value), times=None)
    app.edit_state(state)
    _clean_run(capsys, ["apply", str(app.spec), "--flyctl", str(app.shim)])
