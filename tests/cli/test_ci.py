"""`flyrun check` in CI, through the CLI: every output from one run, exit codes 0/1/2 in every
format, GitHub annotations at the right file and line, no secret value in any output byte,
--offline and validate without flyctl."""

from __future__ import annotations

import errno
import json
import os
import stat
import tempfile
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

from runner.cli import main
from tests.cli.harness import FlyApp, make_app
from tests.report.test_sarif import valid_sarif

URL = "sqlite3:///mnt/shop_data/production.sqlite"  # the secret flyrun sets


@pytest.fixture(scope="module")
def converged(tmp_path_factory: pytest.TempPathFactory) -> FlyApp:
    """The example app after apply (offline checks only read it)."""
    app = make_app(tmp_path_factory.mktemp("converged"))
    assert main(["apply", str(app.spec), "--flyctl", str(app.shim)]) == 0
    return app


def _reports(tmp_path: Path) -> list[str]:
    files = ("--json", "r.json"), ("--junit", "j.xml"), ("--sarif", "r.sarif")
    return [arg for option, name in files for arg in (option, str(tmp_path / name))]


def _junit(tmp_path: Path) -> dict[str, int]:
    root = ET.parse(tmp_path / "j.xml").getroot()
    return {k: int(root.get(k, "-1")) for k in ("tests", "failures", "errors", "skipped")}


def _levels(tmp_path: Path) -> set[str]:
    log = valid_sarif(json.loads((tmp_path / "r.sarif").read_text()))
    return {r["level"] for r in log["runs"][0]["results"]}


def _spec_for(outcome: str, tmp_path: Path, converged: FlyApp) -> Path:
    if outcome == "converged":
        return converged.spec
    app = make_app(tmp_path / "app")
    if outcome == "failed":  # fly.toml names another app: this app fails alone
        toml = app.app_dir / "fly.toml"
        toml.write_text(toml.read_text().replace('app = "shop"', 'app = "blog"'))
    if outcome == "invalid":  # the run stops before any app
        app.spec.write_text("version: 1\napp: shop\nvolume: {name: Shop}\n")
    return app.spec


@pytest.mark.parametrize("fmt", ["text", "json", "github"])
@pytest.mark.parametrize(
    ("outcome", "code"), [("converged", 0), ("pending", 2), ("failed", 1), ("invalid", 1)]
)
def test_exit_codes_agree_with_every_output(
    fmt: str,
    outcome: str,
    code: int,
    tmp_path: Path,
    converged: FlyApp,
    capsys: pytest.CaptureFixture[str],
) -> None:
    spec = _spec_for(outcome, tmp_path, converged)
    argv = ["check", str(spec), "--offline", "--format", fmt, *_reports(tmp_path)]
    assert main(argv) == code
    out = capsys.readouterr().out
    junit, levels = _junit(tmp_path), _levels(tmp_path)
    assert json.loads((tmp_path / "r.json").read_text())["summary"]["exit_code"] == code
    assert (junit["errors"] > 0, "error" in levels) == (code == 1, code == 1)
    assert (junit["failures"] > 0, "note" in levels) == (code == 2, code == 2)
    if fmt == "json":
        assert json.loads(out)["summary"]["exit_code"] == code
    if fmt == "github":
        assert ("::error " in out, "::notice " in out) == (code == 1, code == 2)


def _unescape(text: str) -> str:
    """actions/toolkit's escaping, undone (as the runner reads a command)."""
    for escaped, char in (("%0D", "\r"), ("%0A", "\n"), ("%3A", ":"), ("%2C", ","), ("%25", "%")):
        text = text.replace(escaped, char)
    return text


def _annotations(out: str) -> list[dict[str, str]]:
    found = []
    for line in out.splitlines():
        if line.startswith("::"):
            head, message = line[2:].split("::", 1)
            level, _, props = head.partition(" ")
            fields = {k: _unescape(v) for k, v in (p.split("=", 1) for p in props.split(","))}
            found.append({"level": level, "message": _unescape(message), **fields})
    return found


def test_github_annotations_point_at_the_file_and_line_at_fault(
    fly_app: FlyApp, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(fly_app.root)
    monkeypatch.delenv("GITHUB_WORKSPACE", raising=False)
    code, out, _ = fly_app.run(capsys, "check", "--offline", "--format", "github")
    assert code == 2
    edits = {(a["file"], a["line"]) for a in _annotations(out) if a["level"] == "notice"}
    assert {a["title"] for a in _annotations(out)} == {
        "flyrun shop: mount", "flyrun shop: migrations", "flyrun shop: warning"
    }  # fmt: skip
    assert edits == {  # each edited file at its first changed line
        ("shop/fly.toml", "52"),
        ("shop/lib/tasks/fly.rake", "13"),
        ("shop/config/environments/production.rb", "4"),
    }
    fly_app.spec.write_text("version: 1\napp: shop\nvolume:\n  name: shop_data\n  sise: 3\n")
    fly_app.spec.write_text(fly_app.spec.read_text() + "  region: iad\n")
    code, out, _ = fly_app.run(capsys, "check", "--offline", "--format", "github")
    (spec,) = _annotations(out)
    assert (code, spec["file"], spec["line"], spec["col"]) == (1, "shop/fly-sqlite.yml", "5", "3")
    assert spec["message"] == "volume.sise: unknown key (did you mean 'size'?)"


def test_a_fly_toml_problem_is_annotated_at_fly_toml(
    fly_app: FlyApp, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(fly_app.root)
    toml = fly_app.app_dir / "fly.toml"
    original = toml.read_text()
    toml.write_text(original.replace("kill_timeout = 5", "kill_timeout = \n"))
    code, out, _ = fly_app.run(capsys, "check", "--offline", "--format", "github")
    (error,) = _annotations(out)
    assert (code, error["file"], error["line"]) == (1, "shop/fly.toml", "5")
    assert error["message"].startswith("invalid TOML")  # the place is the annotation's
    mounts = '[mounts]\n  source = "shop_data"\n  destination = "/mnt/shop_data"\n'
    toml.write_text(f"{original}\n{mounts}  snapshot_retention = 0\n")
    code, out, _ = fly_app.run(capsys, "check", "--offline", "--format", "github")
    (error,) = _annotations(out)
    assert (code, error["file"], error["line"]) == (1, "shop/fly.toml", "53")
    assert "snapshot_retention" in error["message"]


def test_annotation_text_round_trips_through_the_toolkit_escaping(
    fly_app: FlyApp, capsys: pytest.CaptureFixture[str]
) -> None:
    fly_app.spec.write_text("version: 1\napp: shop\nvolume: {region: iad, name: 'a,b: 100%\\nc'}\n")
    code = main(["validate", str(fly_app.spec), "--format", "github"])
    out, err = capsys.readouterr()
    (error,) = _annotations(out)
    assert code == 1 and error["message"] in err  # the same text as the human report


def test_no_secret_value_in_any_output_byte(
    fly_app: FlyApp,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    summary = tmp_path / "summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    monkeypatch.chdir(fly_app.root)
    written: list[str] = []
    codes: list[int] = []
    for command, fmt, extra in (
        ("check", "github", []),
        ("check", "json", ["--out", "plan.json"]),
        ("apply", "json", []),  # apply PLAN (below) and SPEC print the same way
        ("check", "text", ["-v"]),
    ):
        target = [str(fly_app.root / "plan.json")] if command == "apply" else [str(fly_app.spec)]
        argv = [command, *target, "--format", fmt, *_reports(tmp_path), *extra]
        codes.append(main([*argv, "--flyctl", str(fly_app.shim)]))
        written += [*capsys.readouterr(), (tmp_path / "j.xml").read_text()]
        written += [(tmp_path / name).read_text() for name in ("r.sarif", "r.json")]
        if command == "check" and extra:
            written.append((fly_app.root / "plan.json").read_text())
    written.append(summary.read_text())
    assert codes == [2, 2, 0, 0]  # the secret was set, and verified by the last check
    assert [text for text in written if URL in text] == []
    assert any("DATABASE_URL" in text for text in written)


def test_the_json_file_is_the_json_format_beside_annotations(
    tmp_path: Path, converged: FlyApp, capsys: pytest.CaptureFixture[str]
) -> None:
    """A CI shard keeps its annotations on stdout and its report for `report merge`."""
    argv = ["check", str(converged.spec), "--offline"]
    assert main([*argv, "--format", "json"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert main([*argv, "--format", "github", "--json", str(tmp_path / "shard" / "1.json")]) == 0
    written = json.loads((tmp_path / "shard" / "1.json").read_text())
    assert not capsys.readouterr().out.lstrip().startswith("{")
    for report in (printed, written):
        for app in report["apps"]:
            app.pop("duration")  # the one field two runs need not share
    assert written == printed


def test_validate_and_offline_never_run_flyctl(
    fly_app: FlyApp, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", "/nonexistent")  # no flyctl anywhere
    monkeypatch.setenv("FLYRUN_FLYCTL", "/nonexistent/flyctl")
    for argv in (["validate", "--format", "json"], ["validate", "--format", "github"]):
        assert main([*argv, str(fly_app.spec)]) == 0
    report = json.loads(capsys.readouterr().out.split("\n}\n")[0] + "\n}")
    assert report["offline"] is True and report["summary"]["exit_code"] == 0
    assert main(["check", str(fly_app.spec), "--offline", "--format", "json"]) == 2
    tasks = json.loads(capsys.readouterr().out)["apps"][0]["tasks"]
    unknown = {t["id"] for t in tasks if t["status"] == "unknown"}
    assert unknown == {"volume", "secret", "machines", "deploy"}
    assert all(t["message"].startswith("offline: ") for t in tasks if t["id"] in unknown)
    assert fly_app.calls() == []


def test_offline_exit_speaks_for_what_could_be_checked(
    converged: FlyApp, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["check", str(converged.spec), "--offline", "--format", "json"]) == 0
    report: dict[str, Any] = json.loads(capsys.readouterr().out)
    assert report["summary"]["tasks"]["unknown"] > 0 and report["summary"]["exit_code"] == 0


def test_validate_says_so_when_fly_toml_is_missing(
    fly_app: FlyApp, capsys: pytest.CaptureFixture[str]
) -> None:
    (fly_app.app_dir / "fly.toml").unlink()
    fly_app.spec.write_text("version: 1\napp: shop\nvolume: {name: shop_data}\n")
    assert main(["validate", str(fly_app.spec)]) == 1
    err = capsys.readouterr().err
    assert "fly-sqlite.yml:1:1: there is no " in err and "region" not in err


def test_a_report_file_that_is_a_folder_is_one_clear_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    app = make_app(tmp_path / "app")
    (tmp_path / "bakery").mkdir()
    sarif = tmp_path / "ok.sarif"
    argv = ["check", str(app.spec), "--offline", "--junit", str(tmp_path / "bakery")]
    assert main([*argv, "--sarif", str(sarif)]) == 1
    err = capsys.readouterr().err
    assert err == f"flyrun: error: cannot write --junit {tmp_path / 'bakery'}: is a folder\n"
    log = json.loads(sarif.read_text())  # the other report files are written
    assert log["runs"][0]["invocations"][0]["exitCode"] == 1
    assert list((tmp_path / "bakery").iterdir()) == []


def test_a_failed_flyctl_call_says_why_in_every_output(
    fly_app: FlyApp, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Not only what was tried ("deploy the app") but flyctl's own error, and no record of
    a deploy that did not happen."""
    from runner.simulator.state import add_fault, load, save

    state = load(fly_app.state_path)
    add_fault(state, "deploy", "fail", stderr="could not reach builder")
    save(fly_app.state_path, state)
    argv = ["apply", str(fly_app.spec), "--flyctl", str(fly_app.shim), "--yes", "--allow-dirty"]
    assert main([*argv, "--format", "github", *_reports(tmp_path)]) == 1
    why = "failed (exit 1): Error: could not reach builder"
    (error,) = [a for a in _annotations(capsys.readouterr().out) if a["level"] == "error"]
    assert error["message"].startswith("deploy the app: `fly deploy ") and why in error["message"]
    tasks = json.loads((tmp_path / "r.json").read_text())["apps"][0]["tasks"]
    (deploy,) = [t for t in tasks if t["id"] == "deploy"]
    assert deploy["status"] == "failed" and deploy["records"] == [] and why in deploy["message"]
    assert [c.split()[:2] for c in deploy["commands"]] == [["fly", "deploy"]]
    log = valid_sarif(json.loads((tmp_path / "r.sarif").read_text()))
    assert any(why in r["message"]["text"] for r in log["runs"][0]["results"])
    errors = ET.parse(tmp_path / "j.xml").getroot().iter("error")
    assert any(why in error.get("message", "") for error in errors)


def test_a_report_file_that_is_a_fifo_is_refused_up_front_and_stays_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A report is renamed over its target: `--json /dev/full` had replaced the device."""
    app = make_app(tmp_path / "app")
    fifo, link, sarif = tmp_path / "fifo", tmp_path / "link.json", tmp_path / "ok.sarif"
    os.mkfifo(fifo)
    link.symlink_to(fifo)  # followed: what it points at is what would be replaced
    for target in (fifo, link):
        argv = ["check", str(app.spec), "--offline", "--json", str(target), "--sarif", str(sarif)]
        assert main(argv) == 1
        err = capsys.readouterr().err
        assert err == (
            f"flyrun: error: cannot write --json {target}: is a FIFO; a report file must be "
            "a regular file, or a new one\n"
        )
        assert stat.S_ISFIFO(fifo.stat().st_mode) and link.is_symlink()
        assert json.loads(sarif.read_text())["runs"][0]["invocations"][0]["exitCode"] == 1


def test_a_report_folder_that_takes_no_file_fails_up_front_with_the_os_reason(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """As root, `os.access` says yes even to /proc: only creating a file there tells (the
    read-only folder is simulated; a file where a folder should be is real)."""
    app = make_app(tmp_path / "app")
    readonly = tmp_path / "ro"
    real_mkstemp = tempfile.mkstemp

    def mkstemp(*args: Any, **kwargs: Any) -> tuple[int, str]:
        if Path(kwargs["dir"]) == readonly:
            raise OSError(errno.EROFS, os.strerror(errno.EROFS))
        return real_mkstemp(*args, **kwargs)

    monkeypatch.setattr(tempfile, "mkstemp", mkstemp)
    (tmp_path / "file").write_text("")
    argv = ["check", str(app.spec), "--offline", "--json", str(readonly / "r.json")]
    assert main([*argv, "--junit", str(tmp_path / "file" / "ci" / "j.xml")]) == 1
    assert capsys.readouterr().err == (
        f"flyrun: error: cannot write --json {readonly / 'r.json'}: the folder {readonly} "
        "takes no new file: Read-only file system; --junit "
        f"{tmp_path / 'file' / 'ci' / 'j.xml'}: cannot create the folder "
        f"{tmp_path / 'file' / 'ci'}: Not a directory\n"
    )
    assert readonly.is_dir() and list(readonly.iterdir()) == []  # missing folders are made


@pytest.mark.parametrize("option", ["--json", "--junit", "--sarif", "--out"])
def test_an_empty_report_path_or_a_dash_is_a_usage_error(
    option: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`''` was the current folder ("is a folder"); `-` was a file named `-`, where a user
    expects stdout, which belongs to --format (docs/ci.md "Commands and options")."""
    check = ["check", str(tmp_path / "fly-sqlite.yml"), "--offline"]
    assert main([*check, option, ""]) == 1
    err = capsys.readouterr().err
    assert err.endswith(f"flyrun check: error: {option}: expected a file path, got an empty one\n")
    assert main([*check, option, "-"]) == 1
    err = capsys.readouterr().err
    assert f"flyrun check: error: {option}: expected a file path, got '-': " in err
    assert "stdout is --format's (--format json prints the JSON report there)" in err


def test_one_file_for_two_report_options_is_refused_up_front(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    app = make_app(tmp_path / "app")
    monkeypatch.chdir(tmp_path)
    (tmp_path / "link.xml").symlink_to(tmp_path / "r.sarif")
    check = ["check", str(app.spec), "--flyctl", str(app.shim), "--json", "same.json"]
    check += ["--sarif", "r.sarif", "--junit", "./same.json"]
    assert main([*check, "--out", str(tmp_path / "link.xml")]) == 1
    assert capsys.readouterr().err == (
        "flyrun: error: cannot write --junit same.json: --json writes that file too; "
        f"--out {tmp_path / 'link.xml'}: --sarif writes that file too\n"
    )
    report = json.loads((tmp_path / "same.json").read_text())  # the first option's, whole
    assert report["summary"]["exit_code"] == 1
    assert report["error"]["message"].startswith("cannot write --junit same.json")
    assert main(["check", str(app.spec), "--offline", "--json", "./-"]) == 2  # a file named -
    assert json.loads((tmp_path / "-").read_text())["summary"]["exit_code"] == 2


def test_a_report_file_that_is_one_of_the_runs_inputs_is_refused_and_left_whole(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    app = make_app(tmp_path / "app")
    monkeypatch.chdir(app.app_dir)
    before = {p: p.read_bytes() for p in (app.spec, app.app_dir / "fly.toml")}
    check = ["check", "fly-sqlite.yml", "--offline", "--sarif", "r.sarif"]
    assert main([*check, "--json", "fly-sqlite.yml", "--junit", "./fly.toml"]) == 1
    assert capsys.readouterr().err == (
        "flyrun: error: cannot write --json fly-sqlite.yml: it is the spec or playbook "
        "fly-sqlite.yml, which this run reads; --junit fly.toml: it is the app's fly.toml, "
        "which this run reads\n"
    )
    assert {p: p.read_bytes() for p in before} == before  # neither replaced at the end
    sarif = json.loads((app.app_dir / "r.sarif").read_text())  # the other report: written
    assert sarif["runs"][0]["invocations"][0]["exitCode"] == 1
    for _ in range(2):  # a new report in the app folder is fine, and so is writing it again
        assert main([*check, "--json", "report.json"]) == 2
    assert json.loads((app.app_dir / "report.json").read_text())["summary"]["exit_code"] == 2
