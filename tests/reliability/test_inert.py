"""CI output is inert end to end: workflow commands hidden in flyctl's output (an error, a
garbage answer) and in app files (diff context, quoted lines) never form a GitHub Actions
command on stdout or stderr, in any format; only flyrun's own annotations do."""

from __future__ import annotations

import re

import pytest

from runner.simulator.state import add_fault
from tests.cli.harness import FlyApp
from tests.report.test_inert import commands

HOSTILE = "::error file=/etc/passwd::owned\n  ::stop-commands::tok\n##[set-env name=A]1"
OWN = re.compile(r"^::(error|warning|notice) [^:]*title=flyrun[^:]*::")


def _plant(app: FlyApp) -> None:
    toml = app.app_dir / "fly.toml"
    toml.write_text(toml.read_text() + f'\n[x_ci]\n  banner = """\n{HOSTILE}\n"""\n')
    rake = app.app_dir / "lib" / "tasks" / "fly.rake"
    rake.write_text(
        rake.read_text().replace(
            "task :release => 'db:migrate'", "task :release => 'db:migrate' # ##[group]x"
        )
    )
    state = app.state
    add_fault(state, "volumes list", "garbage", stdout=HOSTILE + "\n", times=1)
    add_fault(state, "secrets import", "fail", stderr=HOSTILE)
    app.edit_state(state)


def test_flyctl_output_and_file_contents_are_inert_on_every_stream(
    quick_app: FlyApp, capsys: pytest.CaptureFixture[str]
) -> None:
    _plant(quick_app)
    runs = [
        ("check", "--format", "github"),  # garbage from volumes list
        ("check", "--format", "text"),
        ("check", "--format", "json"),
        ("apply", "--format", "github"),  # secrets import fails, echoing commands
        ("apply", "--format", "json"),
    ]
    seen, texts = [], []
    for args in runs:
        code, out, err = quick_app.run(capsys, *args)
        seen.append(code)
        texts.append(out + err)
        assert commands(err) == [], (args, commands(err))
        own = [line for line in commands(out) if OWN.match(line) and "##[" not in line]
        assert commands(out) == own, (args, commands(out))
    assert seen == [1, 2, 2, 1, 0]
    # the hostile text did reach the outputs, broken (a garbage answer is not echoed)
    assert "is not JSON for volumes list" in texts[0]
    assert "## [set-env name=A]1" in texts[1]  # a diff context line of fly.toml
    assert "## [group]x" in texts[1]  # a diff context line of fly.rake
    assert "\n  : :stop-commands::tok" in texts[3]  # flyctl's error, broken
