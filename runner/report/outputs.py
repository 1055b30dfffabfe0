"""The machine outputs a run was asked for, as event subscribers (README "Reports"): one
stdout format (`--format json|github`), and any of the report files (`--json`, `--junit`,
`--sarif`, `--out PLAN`) and the GitHub job summary (`$GITHUB_STEP_SUMMARY`), together.
The text report for people is added by the CLI (stderr when a format takes stdout)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, TextIO

from runner.events import Event
from runner.report.files import check_writable, inputs_refused, refusals

Subscriber = Callable[[Event], None]


@dataclass(frozen=True)
class Outputs:
    format: str = "text"
    json: Path | None = None
    junit: Path | None = None
    sarif: Path | None = None
    plan: Path | None = None  # check --out PLAN
    summary: Path | None = None  # $GITHUB_STEP_SUMMARY
    playbook: Path | None = None  # the run's options the plan records
    replace_database_url: bool = False
    limit: tuple[str, ...] = ()  # `--limit`, recorded in the plan
    shard: tuple[int, int] | None = None  # `--shard I/N`, recorded in the JSON report and plan
    account: tuple[str, ...] = ()  # `--flyctl PATH` words: a saved plan's apply asks it too
    carry: tuple[str, ...] = ()  # options the closing line's next command keeps (closing.py)

    def with_env(self, env: Mapping[str, str]) -> Outputs:
        """These outputs and, on GitHub Actions, the job summary."""
        summary = env.get("GITHUB_STEP_SUMMARY")
        return replace(self, summary=Path(summary)) if summary else self

    def files(self) -> list[tuple[str, Path]]:
        """The report files asked for, by option."""
        named = (
            ("--json", self.json),
            ("--junit", self.junit),
            ("--sarif", self.sarif),
            ("--out", self.plan),
        )
        return [(option, path) for option, path in named if path is not None]

    def check(self) -> None:
        """RunnerError now, before any app, when a report file could not be written."""
        check_writable(self.files())

    def inputs(self, specs: Iterable[Any]) -> dict[str, str]:
        """option → why, for each report file that is one of the run's inputs
        (`--json fly-sqlite.yml` would replace the spec at the end): the loaded apps' spec
        files, playbooks and app files (runner/report/files.py app_files)."""
        inputs = [p for s in specs for p in (s.spec_file, getattr(s, "playbook", None)) if p]
        folders = [s.path for s in specs if isinstance(getattr(s, "path", None), Path)]
        return inputs_refused(self.files(), inputs, folders)

    def writable(self) -> Outputs:
        """These outputs without the report files that cannot be written: a run stopped
        by `check` still writes the others, and says the refusal once."""
        refused = refusals(self.files())

        def usable(option: str, path: Path | None) -> Path | None:
            return None if option in refused else path

        return replace(
            self,
            json=usable("--json", self.json),
            junit=usable("--junit", self.junit),
            sarif=usable("--sarif", self.sarif),
            plan=usable("--out", self.plan),
        )


def subscribers(outputs: Outputs, stdout: TextIO, notes: TextIO) -> list[Subscriber]:
    """`stdout` is the real one (a format writes there); `notes` is where a report file's
    one-line notice goes (the text report's stream). Each writer is imported only when asked
    for: a saved plan alone pulls in most of flyrun (`flyrun validate` start-up, bench/)."""
    found: list[Subscriber] = []
    if outputs.format == "json":
        from runner.report.json import JsonReporter

        found.append(JsonReporter(stdout, outputs.shard))
    elif outputs.format == "github":
        from runner.report.github import GithubReporter

        found.append(GithubReporter(stdout))
    if outputs.json is not None:
        from runner.report.json import JsonWriter

        found.append(JsonWriter(outputs.json, outputs.shard))
    if outputs.junit is not None:
        from runner.report.junit import JunitWriter

        found.append(JunitWriter(outputs.junit))
    if outputs.sarif is not None:
        from runner.report.sarif import SarifWriter

        found.append(SarifWriter(outputs.sarif))
    if outputs.summary is not None:
        from runner.report.summary import StepSummary

        found.append(StepSummary(outputs.summary, outputs.carry))
    if outputs.plan is not None:
        from runner.report.plan import PlanWriter

        found.append(
            PlanWriter(
                outputs.plan,
                notes,
                playbook=outputs.playbook,
                replace_database_url=outputs.replace_database_url,
                limit=outputs.limit,
                shard=outputs.shard,
                account=outputs.account,
            )
        )
    return found
