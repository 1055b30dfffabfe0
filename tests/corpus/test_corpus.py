"""The corpus (issue 3): realistic Rails-on-Fly app trees, each converted or refused.

One parametrized test per folder under `cases/` (format: README.md). A converted case runs
check → apply → check against the flyctl simulator and compares every file with its golden
copy under `expected/` (files not listed there must stay byte-identical); a refused case
must be refused by both check and apply, with the files and the simulated account untouched.

flyrun runs in-process (`runner.cli.main`), and so does the simulator behind it:
`InProcessFlyctl` stands in for invoke and runs `runner.simulator.cli.execute` on the same
state file with the same call log, as the `flyctl` shim would, without a Python start per
flyctl call. Set FLYRUN_CORPUS_SUBPROCESS=1 to go through the real shim and invoke instead.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from runner.cli import main
from runner.simulator import state as store
from runner.simulator.pg_import import boot_command
from runner.simulator.shim import install_shim
from runner.syntax.ruby import parses
from tests.inproc import InProcessFlyctl, use_in_process

CASES = Path(__file__).resolve().parent / "cases"
REPO = CASES.parents[2]
SPEC = "fly-sqlite.yml"
STATE_FILE = ".flyrun-state.json"  # flyrun's secret record beside the spec: not compared
IN_PROCESS = os.environ.get("FLYRUN_CORPUS_SUBPROCESS") != "1"
READ_ONLY = {
    ("version",),
    ("auth", "whoami"),
    ("volumes", "list"),
    ("secrets", "list"),
    ("machines", "list"),
    ("ssh", "console"),  # flyrun's only use: a read-only listing of the volume's SQLite files
}
RUBY_FILES = (".rb", ".rake", "Gemfile")
CASE_KEYS = {"description", "source", "fly", "args", "expect", "xfail_reason"}
EXPECT_KEYS = {
    "converted": {"outcome", "layout", "check", "says", "evidence", "creates"},
    "refused": {
        "outcome",
        "layout",
        "by",
        "message",
        "check_exit",
        "check",
        "check_message",
        "says",
    },
}
JSON = dict[str, Any]
Files = dict[str, tuple[bytes, int]]


# --- cases --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    name: str
    folder: Path
    data: JSON

    @property
    def expect(self) -> JSON:
        found: JSON = self.data["expect"]
        return found

    @property
    def converted(self) -> bool:
        return bool(self.expect["outcome"] == "converted")


def load_cases() -> list[Case]:
    """Every `cases/*/case.yml`, checked for unknown keys (a typo would skip a check)."""
    cases = []
    for folder in sorted(p for p in CASES.iterdir() if (p / "case.yml").is_file()):
        data = yaml.safe_load((folder / "case.yml").read_text(encoding="utf-8"))
        where = f"{folder.name}/case.yml"
        assert isinstance(data, dict) and not set(data) - CASE_KEYS, f"{where}: unknown keys"
        assert {"description", "source", "expect"} <= set(data), f"{where}: keys missing"
        allowed = EXPECT_KEYS.get(data["expect"].get("outcome"))
        assert allowed is not None, f"{where}: outcome must be converted or refused"
        assert not set(data["expect"]) - allowed, f"{where}: unknown expect keys"
        assert (folder / "app" / SPEC).is_file(), f"{folder.name}: app/{SPEC} missing"
        cases.append(Case(folder.name, folder, data))
    return cases


def _params() -> list[Any]:
    """One param per case; `xfail_reason` marks a known flyrun bug (strict: a fix XPASSes)."""
    params = []
    for case in load_cases():
        reason = case.data.get("xfail_reason")
        marks = [pytest.mark.xfail(reason=str(reason), strict=True)] if reason else []
        params.append(pytest.param(case, id=case.name, marks=marks))
    return params


# --- the simulated Fly account ------------------------------------------------------------


def build_state(case: Case, app: str, state_path: Path) -> JSON:
    """The simulated account of case.yml `fly:` (volumes first: machines mount them), saved
    to `state_path`; volume `files:` are seeded (SQLite's magic, then zeros up to `size`)."""
    fly: JSON = case.data.get("fly") or {}
    state = store.new_state([app], version=str(fly.get("flyctl", "0.4.87")))
    ids: dict[tuple[str, str], str] = {}
    for volume in fly.get("volumes", []):
        made = store.add_volume(state, app, volume["name"], volume["region"], volume["size"])
        ids[volume["name"], volume["region"]] = made["id"]
        for seeded in volume.get("files", []):
            data = b"SQLite format 3\x00".ljust(int(seeded["size"]), b"\x00")
            store.seed_volume_file(state_path, app, made["id"], seeded["path"], data, state=state)
    for machine in fly.get("machines", []):
        region = machine["region"]
        mounts = [
            {"volume": ids[m["volume"], region], "path": m["path"]}
            for m in machine.get("mounts", [])
        ]
        made = store.add_machine(state, app, region, machine.get("group", "app"), mounts)
        made["state"] = machine.get("state", made["state"])  # `stopped`: flyrun cannot look in
    for secret in fly.get("secrets", []):
        store.add_secret(
            state,
            app,
            secret["name"],
            secret["value"],
            legacy_md5=bool(secret.get("legacy_md5", False)),
            deployed=bool(secret.get("deployed", True)),
        )
    if "postgres" in fly:  # the app's Postgres: what the import stand-in copies at boot
        url = next(s["value"] for s in fly["secrets"] if s["name"] == "DATABASE_URL")
        servers = state_path.parent / "postgres.json"
        servers.write_text(json.dumps({url: fly["postgres"]}), encoding="utf-8")
        store.set_boot_command(state, app, boot_command(servers))
    return state


# --- one run of the CLI -------------------------------------------------------------------


def tree(root: Path) -> Files:
    """Every file under `root` but flyrun's state record: its bytes and executable bits."""
    return {
        str(p.relative_to(root)): (p.read_bytes(), p.stat().st_mode & 0o111)
        for p in sorted(root.rglob("*"))
        if p.is_file() and p.name != STATE_FILE
    }


@dataclass
class Run:
    app_dir: Path
    state_path: Path
    shim: Path
    args: tuple[str, ...]
    capsys: pytest.CaptureFixture[str]

    def __call__(self, mode: str) -> tuple[int, JSON]:
        """`flyrun MODE fly-sqlite.yml --format json`: exit code and report."""
        argv = [mode, str(self.app_dir / SPEC), "--flyctl", str(self.shim), "--format", "json"]
        code = main([*argv, *self.args])
        out, err = self.capsys.readouterr()
        assert out.strip(), f"{mode} printed no JSON report (exit {code}):\n{err}"
        report: JSON = json.loads(out)
        return code, report

    def snapshot(self) -> tuple[Files, bytes]:
        return tree(self.app_dir), self.state_path.read_bytes()

    def calls(self) -> list[list[str]]:
        log = Path(f"{self.state_path}.log")
        rows = log.read_text(encoding="utf-8").splitlines() if log.exists() else []
        return [json.loads(row)["argv"] for row in rows]


def _key(task: JSON) -> str:
    """The name case.yml uses: the task id (the built-in playbook's ids: volume, secret,
    mount, migrations, warning, machines, deploy), or for a refusal its title
    (`preflight: machine count`), which says more than the check's id."""
    return str(task["name"] if task["id"].startswith("preflight.") else task["id"])


def statuses(report: JSON) -> dict[str, str]:
    """Task statuses of the (only) app, keyed by the short names of case.yml."""
    return {_key(task): task["status"] for task in report["apps"][0]["tasks"]}


def task_text(report: JSON, key: str | None = None) -> str:
    """Messages and notes of the app's tasks (of the task `key` only, when given)."""
    parts = []
    for task in report["apps"][0]["tasks"]:
        if key is None or _key(task) == key:
            parts += [task["message"], *task["notes"]]
    return "\n".join(parts)


def shown(report: JSON) -> str:
    return json.dumps(report["apps"][0], indent=1, ensure_ascii=False)


def _words(value: str | list[str]) -> list[str]:
    return [value] if isinstance(value, str) else list(value)


def _mutations(calls: list[list[str]]) -> list[list[str]]:
    return [c for c in calls if tuple(c[:1]) not in READ_ONLY and tuple(c[:2]) not in READ_ONLY]


# --- the test -----------------------------------------------------------------------------


@pytest.mark.parametrize("case", _params())
def test_case(
    case: Case, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    app_dir = tmp_path / "app"
    shutil.copytree(case.folder / "app", app_dir)
    spec = yaml.safe_load((app_dir / SPEC).read_text(encoding="utf-8"))
    state_path = tmp_path / "fly-state.json"
    store.save(state_path, build_state(case, spec["app"], state_path))
    shim = install_shim(tmp_path / "bin", state_path)
    if IN_PROCESS:
        use_in_process(monkeypatch, InProcessFlyctl(state_path))
    monkeypatch.setenv("NO_COLOR", "1")
    run = Run(app_dir, state_path, shim, tuple(case.data.get("args", [])), capsys)
    if case.converted:
        _converted(case, run)
    else:
        _refused(case, run)


@pytest.mark.parametrize("case", [c for c in load_cases() if c.converted], ids=lambda c: c.name)
def test_a_converted_case_validates_offline(
    case: Case, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """validate (and so check --offline) decides on the files alone: no check may ask for a
    remote fact (it once asked for the machines of any app whose database has a path, and
    validate failed with `offline: flyctl is not asked`)."""
    monkeypatch.setenv("PATH", "/nonexistent")  # no flyctl to fall back on
    code = main(["validate", str(case.folder / "app" / SPEC), "--format", "json"])
    out, err = capsys.readouterr()
    report: JSON = json.loads(out)
    assert code == 0, f"validate exit {code}\n{shown(report)}\n{err}"
    assert "flyctl is not asked" not in out


def _check_touches_nothing(run: Run) -> tuple[int, JSON]:
    before, calls = run.snapshot(), len(run.calls())
    code, report = run("check")
    assert run.snapshot() == before, "check changed a file or the simulated account"
    assert _mutations(run.calls()[calls:]) == [], "check ran a mutating flyctl command"
    return code, report


def _converted(case: Case, run: Run) -> None:
    expect = case.expect
    code, first = _check_touches_nothing(run)
    assert code == 2, f"check exit {code}, want 2\n{shown(first)}"
    assert first["apps"][0]["layout"] == expect["layout"], shown(first)
    assert statuses(first) == expect["check"], shown(first)

    code, second = run("apply")
    assert code == 0, f"apply exit {code}, want 0\n{shown(second)}"
    code, third = run("check")
    assert code == 0 and third["apps"][0]["status"] == "ok", shown(third)
    assert third["apps"][0]["layout"] == expect["layout"], shown(third)

    _compare_files(case, run.app_dir)
    _says(expect, first)  # last: what the first check explained (evidence, messages, notes)


def _compare_files(case: Case, app_dir: Path) -> None:
    """Changed files equal expected/…, every other file equals the input, byte for byte."""
    original, after = tree(case.folder / "app"), tree(app_dir)
    golden_dir = case.folder / "expected"
    golden = tree(golden_dir) if golden_dir.is_dir() else {}
    assert set(golden) <= set(original), "expected/ holds a file the app does not have"
    created: dict[str, str] = case.expect.get("creates") or {}  # path → the repo file it copies
    assert set(after) == set(original) | set(created), "apply created or removed files"
    for name, copied in created.items():
        assert after.pop(name)[0] == (REPO / copied).read_bytes(), f"{name} is not {copied}"
    for name, (data, mode) in after.items():
        want = golden[name][0] if name in golden else original[name][0]
        assert mode == original[name][1], f"{name}: executable bit changed"
        if data != want:
            source = "expected/" if name in golden else "the input "
            pytest.fail(
                f"{name} differs from {source}{name}:\n--- want\n"
                f"{want.decode()}\n--- got\n{data.decode()}"
            )
    for name in golden:
        assert golden[name][0] != original[name][0], f"expected/{name} equals the input"
        if name.endswith(RUBY_FILES):
            _ruby_ok(app_dir / name)


def _ruby_ok(path: Path) -> None:
    """A converted Ruby file parses: tree-sitter always, `ruby -c` when Ruby is installed."""
    assert parses(path.read_text(encoding="utf-8")), f"{path.name} does not parse (tree-sitter)"
    ruby = shutil.which("ruby")
    if ruby is not None:
        done = subprocess.run([ruby, "-c", str(path)], capture_output=True, text=True, check=False)
        assert done.returncode == 0, f"ruby -c {path.name}: {done.stderr}"


def _spec_refused(case: Case, run: Run) -> None:
    """`by: spec`: the spec file itself is refused (a problem at its line), before any app:
    the report has no app, and `error.problems` says it, in check and in apply alike."""
    before = run.snapshot()
    for mode in ("check", "apply"):
        code, report = run(mode)
        assert code == 1 and report["apps"] == [], shown_error(report)
        said = "\n".join(
            f"{p['file']}:{p['line']}:{p['column']}: {p['message']}"
            for p in report["error"]["problems"]
        )
        for message in _words(case.expect["message"]):
            assert message in said, f"{mode} does not say {message!r}\n{said}"
    assert run.snapshot() == before and run.calls() == [], "a refused spec reached flyctl"


def shown_error(report: JSON) -> str:
    return json.dumps(report.get("error"), indent=1, ensure_ascii=False)


def _refused(case: Case, run: Run) -> None:
    expect = case.expect
    if expect["by"] == "spec":
        _spec_refused(case, run)
        return
    before = run.snapshot()
    check_exit = int(expect.get("check_exit", 1))
    code, first = _check_touches_nothing(run)
    assert code == check_exit, f"check exit {code}, want {check_exit}\n{shown(first)}"
    if "layout" in expect:
        assert first["apps"][0]["layout"] == expect["layout"], shown(first)
    for key, status in (expect.get("check") or {}).items():
        assert statuses(first).get(key) == status, f"check: {key} is not {status}\n{shown(first)}"
    if check_exit == 1:
        assert statuses(first).get(expect["by"]) == "failed", shown(first)
    said = expect["check_message"] if "check_message" in expect else expect["message"]
    for message in _words(said):
        assert message in task_text(first), f"check does not say {message!r}\n{shown(first)}"

    code, second = run("apply")
    assert run.snapshot() == before, "a refused apply changed a file or the simulated account"
    assert _mutations(run.calls()) == [], "a refused apply ran a mutating flyctl command"
    assert code == 1, f"apply exit {code}, want 1\n{shown(second)}"
    assert statuses(second).get(expect["by"]) == "failed", shown(second)
    for message in _words(expect["message"]):
        assert message in task_text(second), f"apply does not say {message!r}\n{shown(second)}"
    assert not (run.app_dir / STATE_FILE).exists(), "a refused apply wrote the state record"
    _says(expect, second)  # last: what the refusal explained beyond its core message


def _says(expect: JSON, report: JSON) -> None:
    """`says`: task key (or `*` for any task) → substrings of its message and notes."""
    for key, words in (expect.get("says") or {}).items():
        text = task_text(report, None if key == "*" else key)
        for word in _words(words):
            assert word in text, f"{key!r} does not say {word!r}\n{shown(report)}"
    if "evidence" in expect:
        evidence = "\n".join(report["apps"][0]["evidence"])
        assert expect["evidence"] in evidence, f"evidence lacks {expect['evidence']!r}\n{evidence}"
