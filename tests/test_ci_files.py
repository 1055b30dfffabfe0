"""The CI files this repository offers (docs/ci.md): the pre-commit hooks, the GitHub Action
and the example workflow run flyrun command lines that flyrun accepts."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from runner.cli_args import parse_args

REPO = Path(__file__).resolve().parents[1]


def _yaml(name: str) -> Any:
    return yaml.safe_load((REPO / name).read_text(encoding="utf-8"))


def _accepted(argv: list[str]) -> None:
    """flyrun's parser takes `argv` (argparse exits on anything it does not)."""
    parse_args(argv)


def test_pre_commit_hooks_run_offline_on_spec_files() -> None:
    hooks = {hook["id"]: hook for hook in _yaml(".pre-commit-hooks.yaml")}
    assert hooks["flyrun-check"]["entry"].startswith("flyrun check --offline")
    for hook in hooks.values():
        assert hook["language"] == "python" and hook["files"] == r"fly-sqlite\.ya?ml$"
        _accepted([*hook["entry"].split()[1:], "apps/shop/fly-sqlite.yml"])
        files = re.compile(hook["files"])
        assert files.search("fly-sqlite.yml") and files.search("apps/shop/fly-sqlite.yaml")
        assert not files.search("fly-sqlite.yml.orig") and not files.search("fly.toml")


def _run_action(tmp_path: Path, **inputs: str) -> tuple[int, list[str], dict[str, str]]:
    """The action's flyrun step in bash as GitHub runs it, with a `flyrun` that records its
    arguments and exits 2; returns the step's exit code, flyrun's argv, the step's outputs."""
    (step,) = [s for s in _yaml("action.yml")["runs"]["steps"] if s.get("id") == "flyrun"]
    fake = tmp_path / "bin" / "flyrun"
    fake.parent.mkdir(exist_ok=True)
    fake.write_text('#!/bin/sh\nprintf "%s\\n" "$@" > "$ARGV"\nexit 2\n')
    fake.chmod(0o755)
    defaults = {k: str(v.get("default", "")) for k, v in _yaml("action.yml")["inputs"].items()}
    env = {f"FLYRUN_{k.upper().replace('-', '_')}": v for k, v in {**defaults, **inputs}.items()}
    output = tmp_path / "output"
    env |= {"PATH": f"{fake.parent}:{os.environ['PATH']}", "ARGV": str(tmp_path / "argv")}
    env |= {"GITHUB_OUTPUT": str(output)}
    shell = ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", step["run"]]
    code = subprocess.run(shell, env=env, cwd=tmp_path, check=False).returncode
    argv = (tmp_path / "argv").read_text().splitlines()
    outputs = dict(line.split("=", 1) for line in output.read_text().splitlines())
    return code, argv, outputs


def test_the_action_runs_a_command_line_flyrun_accepts(tmp_path: Path) -> None:
    code, argv, outputs = _run_action(
        tmp_path, specs="a/fly-sqlite.yml\nb/fly-sqlite.yml", plan="plan.json", args="-q -j 2"
    )
    _accepted(argv)
    assert argv[:3] == ["check", "a/fly-sqlite.yml", "b/fly-sqlite.yml"]
    assert argv[argv.index("--out") : argv.index("--out") + 2] == ["--out", "plan.json"]
    assert code == 0 and outputs["exit-code"] == "2" and outputs["pending"] == "true"


def test_the_action_fails_on_pending_only_when_asked_and_applies_a_plan(tmp_path: Path) -> None:
    code, argv, _ = _run_action(tmp_path, **{"fail-on-pending": "true", "offline": "true"})
    assert code == 2 and "--offline" in argv
    code, argv, _ = _run_action(tmp_path, command="apply", specs="plan.json", plan="x.json")
    _accepted(argv)
    assert code == 2 and "--out" not in argv  # apply: an exit code is never "pending"


@pytest.fixture(scope="module")
def workflow() -> Any:
    return _yaml(".github/workflows/flyrun.yml.example")


def test_the_example_workflow_is_not_an_active_one() -> None:
    active = REPO / ".github" / "workflows"
    assert [p.name for p in active.iterdir() if p.suffix in (".yml", ".yaml")] == []


def test_the_example_workflow_checks_prs_and_applies_the_reviewed_plan(workflow: Any) -> None:
    check, apply = workflow["jobs"]["check"], workflow["jobs"]["apply"]
    assert "pull_request" in workflow[True] and workflow[True]["push"]["branches"] == ["main"]
    assert check["env"]["FLY_API_TOKEN"] == apply["env"]["FLY_API_TOKEN"]
    uses = [step.get("uses", "") for step in check["steps"]]
    assert "github/codeql-action/upload-sarif@v3" in uses
    inputs = set(_yaml("action.yml")["inputs"])
    for job in (check, apply):
        for step in job["steps"]:
            if step.get("uses", "").startswith("OWNER/flyrun"):
                assert set(step["with"]) <= inputs
    uploaded = {s["with"]["name"] for s in check["steps"] if "upload-artifact" in s.get("uses", "")}
    download = next(s["run"] for s in apply["steps"] if "gh run download" in s.get("run", ""))
    assert "flyrun-plan" in uploaded and "--name flyrun-plan" in download
    assert "git push" in apply["steps"][-1]["run"]  # the converted files and state go back


def _readme_fleet_workflow() -> Any:
    """The sharded fleet workflow README "Many apps" shows."""
    blocks = re.findall(r"```yaml\n(.*?)```", (REPO / "README.md").read_text(), re.S)
    (block,) = [b for b in blocks if "flyrun report merge" in b]
    return yaml.safe_load(block)


def _matrix(value: str, shard: int) -> str:
    return value.replace("${{ matrix.shard }}", str(shard))


def test_the_readme_fleet_workflow_runs_flyrun_lines_flyrun_accepts(tmp_path: Path) -> None:
    check = _readme_fleet_workflow()["jobs"]["check"]
    assert check["strategy"]["fail-fast"] is False and "runs-on" in check
    assert check["env"]["FLY_API_TOKEN"] == "${{ secrets.FLY_API_TOKEN }}"
    (action,) = [s for s in check["steps"] if s.get("uses", "").startswith("OWNER/flyrun")]
    assert set(action["with"]) <= set(_yaml("action.yml")["inputs"])
    shards = check["strategy"]["matrix"]["shard"]
    inputs = {key: _matrix(value, shards[1]) for key, value in action["with"].items()}
    code, argv, _ = _run_action(tmp_path, **inputs)
    _accepted(argv)
    assert argv[argv.index("--shard") + 1] == f"2/{len(shards)}" and code == 0  # pending
    assert argv[argv.index("--json") + 1] == "shard-2.json"
    (upload,) = [s for s in check["steps"] if "upload-artifact" in s.get("uses", "")]
    assert upload["if"] == "always()" and _matrix(upload["with"]["path"], 2) == "shard-2.json"


@pytest.mark.parametrize(("merge_exit", "fails"), [(0, False), (2, False), (1, True), (3, True)])
def test_the_readme_fleet_report_fails_only_on_failure(
    tmp_path: Path, merge_exit: int, fails: bool
) -> None:
    report = _readme_fleet_workflow()["jobs"]["report"]
    assert report["needs"] == "check" and report["if"] == "always()"
    (merge,) = [s["run"] for s in report["steps"] if "report merge" in s.get("run", "")]
    fake = tmp_path / "bin" / "flyrun"
    fake.parent.mkdir()
    fake.write_text(f'#!/bin/sh\nprintf "%s\\n" "$@" > argv\nexit {merge_exit}\n')
    fake.chmod(0o755)
    for shard in (1, 2):
        (tmp_path / f"shard-{shard}.json").write_text("{}")
    env = {"PATH": f"{fake.parent}:{os.environ['PATH']}"}
    shell = ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", merge]
    code = subprocess.run(shell, env=env, cwd=tmp_path, check=False).returncode
    assert (code != 0) == fails  # exit 2 (changes pending) is a report, not a failure
    argv = (tmp_path / "argv").read_text().split()
    _accepted(argv)
    assert argv == ["report", "merge", "shard-1.json", "shard-2.json"]
