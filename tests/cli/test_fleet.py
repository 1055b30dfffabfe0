"""Many apps per run (README "Many apps"): a fleet converges after failures, the flyctl bound
is reached and never exceeded, --limit / --shard select, --max-fail-percent stops starting
apps. Not timed: speed is measured by bench/batch.py."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path
from typing import Any

import pytest

from runner.cli import main
from runner.select import select
from runner.simulator.state import add_fault, load, save
from tests.cli.harness import make_fleet
from tests.inproc import InProcessFlyctl, use_in_process


def _report(capsys: pytest.CaptureFixture[str]) -> dict[str, object]:
    out = capsys.readouterr().out
    data: dict[str, object] = json.loads(out)
    return data


def _statuses(report: dict[str, object]) -> dict[str, str]:
    apps = report["apps"]
    assert isinstance(apps, list)
    return {a["app"]: a["status"] for a in apps}


def _fault(states: Path, app: str, command: str, kind: str) -> None:
    state = load(states / f"{app}.json")
    add_fault(state, command, kind, app=app, stderr="Error: injected by the test\n")
    save(states / f"{app}.json", state)


def test_a_hundred_apps_with_failures_converge_on_a_second_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    inventory, shim = make_fleet(tmp_path, 100, per_app=True)
    use_in_process(monkeypatch, InProcessFlyctl(tmp_path / "states", per_app=True))
    monkeypatch.setenv("FLYRUN_PROCESSES", "2")  # worker processes, sharing the bound
    failing = {f"shop{i}" for i in range(0, 50, 5)}
    for number, app in enumerate(sorted(failing)):
        command = ("secrets import", "deploy")[number % 2]
        _fault(tmp_path / "states", app, command, "fail")
    for app in ("shop1", "shop2"):  # the volume is created, the answer lost: not failed
        _fault(tmp_path / "states", app, "volumes create", "lost_response")
    argv = [str(inventory), "--flyctl", str(shim), "--jobs", "8", "--format", "json"]
    assert main(["apply", *argv]) == 1
    first = _statuses(_report(capsys))
    assert {a for a, s in first.items() if s == "failed"} == failing
    assert len(first) == 100 and all(s == "changed" for a, s in first.items() if a not in failing)
    assert main(["apply", *argv]) == 0
    second = _statuses(_report(capsys))
    assert {a for a, s in second.items() if s == "changed"} == failing
    assert main(["check", *argv]) == 0
    assert set(_statuses(_report(capsys)).values()) == {"ok"}
    for app in ("shop1", "shop2"):
        volumes = load(tmp_path / "states" / f"{app}.json")["apps"][app]["volumes"]
        assert len([v for v in volumes if v["name"] == f"{app}_data"]) == 1


def _counting(shim: Path, log: Path) -> Path:
    """A flyctl wrapper that logs the start and the end of every call (one O_APPEND write
    each: the order of the lines is the order of the events)."""
    wrapper = shim.parent / "counted-flyctl"
    wrapper.write_text(
        "#!/bin/sh\n"
        f'echo "S $$" >> {log}\n'
        f'"{shim}" "$@"\n'
        "code=$?\n"
        f'echo "E $$" >> {log}\n'
        'exit "$code"\n'
    )
    wrapper.chmod(wrapper.stat().st_mode | stat.S_IXUSR)
    return wrapper


def _most_at_once(log: Path) -> int:
    running = most = 0
    for line in log.read_text().splitlines():
        running += 1 if line.startswith("S ") else -1
        most = max(most, running)
    return most


def test_the_flyctl_bound_is_reached_and_never_exceeded(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    inventory, shim = make_fleet(tmp_path, 12)
    state = load(tmp_path / "state.json")
    add_fault(state, "volumes list", "latency", times=None, seconds=0.3)
    save(tmp_path / "state.json", state)
    monkeypatch.setenv("FLYRUN_PROCESSES", "2")
    log = tmp_path / "calls.log"
    wrapper = _counting(shim, log)
    argv = ["check", str(inventory), "--flyctl", str(wrapper), "--jobs", "3", "--format", "json"]
    assert main(argv) == 2
    capsys.readouterr()
    assert _most_at_once(log) == 3


def test_shards_are_disjoint_and_cover_every_app(tmp_path: Path) -> None:
    from runner.spec import load_for_run

    inventory, _ = make_fleet(tmp_path, 23)
    items = load_for_run([inventory])
    for count in (1, 2, 3, 7, 30):
        slices = [[i.app for i in select(items, [], (k, count))] for k in range(1, count + 1)]
        names = [name for part in slices for name in part]
        assert sorted(names) == sorted(i.app for i in items) and len(set(names)) == len(names)
        assert max(map(len, slices)) - min(map(len, slices)) <= 1
    again = [i.app for i in select(load_for_run([inventory]), [], (2, 3))]
    assert again == [i.app for i in select(items, [], (2, 3))]  # deterministic


def test_limit_picks_apps_by_glob_and_says_when_nothing_matches(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    inventory, _ = make_fleet(tmp_path, 12)
    argv = ["check", str(inventory), "--offline", "--format", "json"]
    assert main([*argv, "--limit", "shop1*", "--limit", "shop2"]) == 2
    assert sorted(_statuses(_report(capsys))) == ["shop1", "shop10", "shop11", "shop2"]
    assert main([*argv, "--limit", "blog*"]) == 1
    assert "--limit 'blog*' matches none of the 12 apps" in capsys.readouterr().err


def test_max_fail_percent_stops_starting_new_apps(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    inventory, _ = make_fleet(tmp_path, 10)
    for number in range(3):
        (tmp_path / f"shop{number}" / "Gemfile").write_text('source "https://rubygems.org"\n')
    argv = ["check", str(inventory), "--offline", "--jobs", "1", "--format", "json"]
    assert main([*argv, "--max-fail-percent", "20"]) == 1
    report = _report(capsys)
    statuses = _statuses(report)
    assert [statuses[f"shop{n}"] for n in range(3)] == ["failed"] * 3
    apps = report["apps"]
    assert isinstance(apps, list)
    skipped = [a for a in apps if a["tasks"][0]["id"] == "not_started"]
    assert [a["app"] for a in skipped] == [f"shop{n}" for n in range(3, 10)]
    assert {a["status"] for a in skipped} == {"skipped"}
    assert "more than 20 % of the apps failed" in skipped[0]["tasks"][0]["message"]
    assert main([*argv, "--max-fail-percent", "50"]) == 1
    assert _statuses(_report(capsys))["shop9"] == "changed"


def test_globs_on_the_command_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("a", "b"):
        folder = tmp_path / name
        folder.mkdir()
        (folder / "fly.toml").write_text(f'app = "{name}"\nprimary_region = "iad"\n')
        (folder / "fly-sqlite.yml").write_text(f"version: 1\napp: {name}\nvolume: {{name: d}}\n")
    monkeypatch.chdir(tmp_path)
    assert main(["validate", "*/fly-sqlite.yml", "--format", "json"]) == 1  # no Gemfile: refused
    assert sorted(_statuses(_report(capsys))) == ["a", "b"]
    assert main(["validate", "nope/*.yml"]) == 1
    assert "nope/*.yml: no spec file matches this pattern" in capsys.readouterr().err


def test_shard_reports_merge_into_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from jsonschema import Draft202012Validator

    from runner.resources import load_json

    inventory, _ = make_fleet(tmp_path, 7)
    (tmp_path / "shop3" / "Gemfile").write_text('source "https://rubygems.org"\n')
    paths = []
    for index in (1, 2, 3):
        paths.append(tmp_path / f"shard{index}.json")
        argv = ["check", str(inventory), "--offline", "--shard", f"{index}/3"]
        main([*argv, "--format", "github", "--json", str(paths[-1])])
    capsys.readouterr()
    assert json.loads(paths[1].read_text())["shard"] == {"index": 2, "count": 3}
    assert main(["report", "merge", *map(str, paths)]) == 1  # shop3 failed in its shard
    merged = json.loads(capsys.readouterr().out)
    assert sorted(a["app"] for a in merged["apps"]) == [f"shop{n}" for n in range(7)]
    shards = [a["app"] for path in paths for a in json.loads(path.read_text())["apps"]]
    assert [a["app"] for a in merged["apps"]] == shards  # shard by shard (README "Many apps")
    assert merged["summary"]["apps_failed"] == 1 and merged["summary"]["exit_code"] == 1
    assert "error" not in merged and "shard" not in merged  # the whole fleet, every shard
    validator = Draft202012Validator(load_json("schemas", "report.schema.json"))
    assert list(validator.iter_errors(merged)) == []
    assert main(["report", "merge", str(paths[0]), str(paths[0])]) == 1
    assert capsys.readouterr().err == "flyrun: error: shard 1/3 is given twice\n"


def test_a_merge_without_one_shard_fails_and_says_which(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A shard whose job died before uploading its report must not let the rest of the fleet
    pass for all of it."""
    inventory, _ = make_fleet(tmp_path, 4)
    paths = []
    for index in (1, 2, 3, 4):
        paths.append(tmp_path / f"shard{index}.json")
        argv = ["check", str(inventory), "--offline", "--shard", f"{index}/4"]
        assert main([*argv, "--json", str(paths[-1])]) == 2
    assert main(["report", "merge", *map(str, paths)]) == 2
    capsys.readouterr()
    assert main(["report", "merge", str(paths[0]), str(paths[3])]) == 1
    out, err = capsys.readouterr()  # the reason on stderr too: stdout is often a file
    merged = json.loads(out)
    assert merged["summary"]["exit_code"] == 1 and merged["summary"]["apps_changed"] == 2
    why = "no report from shard 2/4, 3/4: their apps were not checked (merge every shard's)"
    assert merged["error"]["message"] == why and err == f"flyrun: error: {why}\n"
    assert main(["report", "merge", *map(str, paths[:3])]) == 1
    err = capsys.readouterr().err
    assert err == "flyrun: error: no report from shard 4/4: its apps were not checked " + (
        "(merge every shard's)\n"
    )
    whole = tmp_path / "whole.json"
    main(["check", str(inventory), "--offline", "--json", str(whole)])
    assert main(["report", "merge", str(paths[0]), str(whole)]) == 1
    err = capsys.readouterr().err
    assert "whole.json: not a shard's report (no --shard), unlike the others" in err
    assert main(["report", "merge", str(whole), str(whole)]) == 1  # reports of whole runs
    assert "whole.json: app 'shop0' is also in " in capsys.readouterr().err


def test_apps_never_started_are_skipped_not_converged_in_every_output(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from jsonschema import Draft202012Validator

    from runner.resources import load_json

    inventory, _ = make_fleet(tmp_path, 2)
    (tmp_path / "shop0" / "Gemfile").write_text('source "https://rubygems.org"\n')  # refused
    junit, sarif, summary = tmp_path / "j.xml", tmp_path / "s.json", tmp_path / "summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    argv = ["check", str(inventory), "--offline", "-j", "1", "--max-fail-percent", "0"]
    argv += ["--format", "json", "--junit", str(junit), "--sarif", str(sarif)]
    assert main(argv) == 1
    out, err = capsys.readouterr()
    report = json.loads(out)
    assert _statuses(report) == {"shop0": "failed", "shop1": "skipped"}
    counts = {k: v for k, v in report["summary"].items() if k.startswith("apps")}
    assert counts == {
        "apps": 2, "apps_ok": 0, "apps_changed": 0, "apps_unknown": 0, "apps_failed": 1,
        "apps_skipped": 1,
    }  # fmt: skip
    validator = Draft202012Validator(load_json("schemas", "report.schema.json"))
    assert list(validator.iter_errors(report)) == []
    assert "totals: 2 apps (1 failed, 1 skipped);" in err
    closing = err.rstrip().splitlines()[-1]
    assert closing.startswith("2 apps: 1 failed, 1 not started — fix what failed above")
    assert "converged" not in err
    assert '<property name="status" value="skipped" />' in junit.read_text()
    assert json.loads(sarif.read_text())["runs"][0]["invocations"][0]["exitCode"] == 1
    assert "| shop1 | skipped |" in summary.read_text()


def test_after_ctrl_c_the_apps_never_started_are_reported_not_started(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import runner.run
    from runner.events import AppStarted

    real = runner.run._one

    def ctrl_c_in_shop1(executor: Any, mode: str, item: Any, gate: Any) -> Any:
        if item.app != "shop1":
            return real(executor, mode, item, gate)
        executor.bus.emit(AppStarted(item.app, item.spec_file))
        raise KeyboardInterrupt

    monkeypatch.setattr(runner.run, "_one", ctrl_c_in_shop1)
    inventory, _ = make_fleet(tmp_path, 3)
    argv = ["check", str(inventory), "--offline", "-j", "1", "--format", "json"]
    assert main(argv) == 130
    report = _report(capsys)
    # a check cut short changed nothing: its verdict is unknown, not a failure
    assert _statuses(report) == {"shop0": "changed", "shop1": "unknown", "shop2": "skipped"}
    apps = report["apps"]
    assert isinstance(apps, list)
    assert [t["id"] for t in apps[1]["tasks"]] == ["interrupted"]
    (task,) = apps[2]["tasks"]
    assert task["id"] == "not_started" and task["status"] == "skipped"
    assert task["message"] == "not started: the run was interrupted (Ctrl-C)"
    summary = report["summary"]
    assert isinstance(summary, dict)
    assert summary["apps_skipped"] == 1 and summary["interrupted"] is True
    assert summary["apps_failed"] == 0 and summary["exit_code"] == 130


def test_a_merge_says_each_shards_own_error_naming_its_report(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A shard whose run stopped before any app (here an invalid spec): its error and
    problems in the merged JSON, and on stderr under the report's name."""
    inventory, _ = make_fleet(tmp_path, 2)
    bad = tmp_path / "shop1" / "bad.yml"
    bad.write_text("version: 1\napp: shop1\nvolume: {name: shop1_data, sise: 3}\n")
    first, second = tmp_path / "shard1.json", tmp_path / "shard2.json"
    assert main(["check", str(inventory), "--offline", "--shard", "1/2", "--json", str(first)]) == 2
    assert main(["check", str(bad), "--offline", "--shard", "2/2", "--json", str(second)]) == 1
    capsys.readouterr()
    assert main(["report", "merge", str(first), str(second)]) == 1
    out, err = capsys.readouterr()
    region, sise = json.loads(out)["error"]["problems"]
    assert (region["line"], region["column"], sise["line"], sise["column"]) == (3, 9, 3, 28)
    assert err == (
        f"flyrun: error: {second}: invalid spec\n"
        f"  {bad}:3:9: {region['message']}\n"
        f"  {bad}:3:28: volume.sise: unknown key (did you mean 'size'?)\n"
    )


def test_a_report_that_is_missing_or_not_a_file_is_named_with_the_reason(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A FIFO would have hung the merge: it is refused, as every file flyrun reads."""
    fifo = tmp_path / "fifo.json"
    os.mkfifo(fifo)
    assert main(["report", "merge", str(tmp_path / "shard-3.json")]) == 1
    assert capsys.readouterr().err == f"flyrun: error: {tmp_path / 'shard-3.json'}: no such file\n"
    assert main(["report", "merge", str(fifo)]) == 1
    assert capsys.readouterr().err == (
        f"flyrun: error: {fifo}: is not a regular file (a FIFO, socket or device); refused\n"
    )
    assert main(["report", "merge", str(tmp_path)]) == 1
    assert capsys.readouterr().err == f"flyrun: error: {tmp_path}: is a folder, not a file\n"
