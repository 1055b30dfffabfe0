"""The GitHub job summary (runner/report/summary.py): Markdown from the results, input text
inert, appended to $GITHUB_STEP_SUMMARY."""

from __future__ import annotations

from pathlib import Path

from runner.events import AppResult, RunFinished, RunResult, TaskResult
from runner.model import Status
from runner.report import summary
from runner.report.summary import StepSummary, fenced, inline, to_markdown
from tests.report.results import DIFF, run_result, spec_failure


def test_headline_closing_line_table_and_details(tmp_path: Path) -> None:
    text = to_markdown(run_result(tmp_path), 1)
    assert text.startswith("### flyrun check: failed (exit 1)\n")
    assert "1 app: 1 failed — fix what failed above, then run `flyrun check " in text
    assert "| shop | failed | 1 | 2 | 1 | 1 | 2 |" in text
    assert "- **would change** `migrations`" in text and "- **failed** `preflight.machines`" in text
    assert "```diff\n" + "".join("  " + line + "\n" for line in DIFF.splitlines()) in text
    assert "`volume`" not in text  # an ok task is counted, not listed
    assert "`deploy`" not in text  # nor an unknown that only --offline caused


def test_a_valid_validate_run_says_valid_and_what_would_change(tmp_path: Path) -> None:
    app = run_result(tmp_path).apps[0]
    fine = AppResult(
        app.app, app.spec, tuple(t for t in app.tasks if t.status is not Status.FAILED)
    )
    text = to_markdown(RunResult("validate", (fine,)), 0)
    assert text.startswith("### flyrun validate: valid (exit 0)\n")
    assert "- **would change** `migrations`" in text


def test_input_text_is_inert_markdown(tmp_path: Path) -> None:
    assert inline("<script>x</script> | *a* `b` [c](d)\nnext") == (
        "&lt;script&gt;x&lt;/script&gt; \\| \\*a\\* \\`b\\` \\[c\\](d) next"
    )
    assert fenced("a ``` b\n")[0] == "````" and fenced("x", "diff") == ["```diff", "x", "```"]


def test_a_run_stopped_early_lists_its_problems(tmp_path: Path) -> None:
    text = to_markdown(spec_failure(tmp_path), 1)
    assert "volume.name: bad" in text and "fly-sqlite.yml:3:9" in text


def test_past_the_size_limit_the_details_are_left_out(tmp_path: Path) -> None:
    big = TaskResult("mount", "mount", Status.CHANGED, "edit", diffs=("+x\n" * 400_000,))
    result = RunResult("check", (AppResult("shop", tmp_path / "s.yml", (big,)),))
    text = to_markdown(result, 2)
    assert len(text.encode()) < summary.LIMIT and "Details left out" in text
    assert "| shop | changed |" in text


def test_appended_to_the_step_summary_file(tmp_path: Path) -> None:
    target = tmp_path / "step_summary.md"
    target.write_text("earlier step\n")
    writer = StepSummary(target)
    writer(RunFinished(run_result(tmp_path), 1))
    writer(RunFinished(run_result(tmp_path, "apply"), 1))
    text = target.read_text()
    assert text.startswith("earlier step\n") and text.count("### flyrun ") == 2
