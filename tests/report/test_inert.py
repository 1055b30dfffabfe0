"""No text taken from input can form a GitHub workflow command on any stream."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pytest

from runner.cli import main
from runner.report.inert import InertStream, inert_json, inert_line

# actions/runner: `::cmd` at the start of a line after trimming whitespace (TryParseV2), and
# `##[cmd` anywhere in a line (TryParse).
COMMAND = re.compile(r"^\s*::[A-Za-z-]+|##\[")


def commands(text: str) -> list[str]:
    return [line for line in text.splitlines() if COMMAND.search(line)]


@pytest.mark.parametrize(
    "line",
    [
        "::error file=x::owned",
        "   ::stop-commands::t",
        "\t::warning::x",
        "a ##[set-output name=a]b",
    ],
)
def test_lines_are_broken(line: str) -> None:
    assert commands(inert_line(line)) == []


def test_ordinary_text_is_untouched() -> None:
    text = "volume.size: 600 is greater than 500\nkey: a::b (not a command)\n"
    assert inert_line(text) == text


def test_the_stream_completes_lines_before_writing() -> None:
    raw = io.StringIO()
    stream = InertStream(raw)
    stream.write("hello\n:")
    stream.write(":error::x\n")
    stream.write("::partial")
    stream.flush()
    assert commands(raw.getvalue()) == []
    assert raw.getvalue().startswith("hello\n")


def test_json_keeps_its_value() -> None:
    text = json.dumps({"message": "##[set-output name=a]b"})
    assert commands(inert_json(text)) == [] and json.loads(inert_json(text)) == json.loads(text)


def test_a_hostile_spec_key_is_inert_on_every_stream(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "fly.toml").write_text('app = "shop"\nprimary_region = "iad"\n')
    (tmp_path / "s.yml").write_text(
        "version: 1\napp: shop\nvolume: {name: data}\n"
        '"x\\n::error file=/etc/passwd::owned\\n##[set-env name=A]1": 1\n'
    )
    for fmt in ("text", "json", "github"):
        assert main(["validate", "s.yml", "--format", fmt]) == 1
        out, err = capsys.readouterr()
        assert commands(err) == []
        real = [line for line in commands(out) if line.startswith("::error file=s.yml,line=4")]
        assert commands(out) == real  # only flyrun's own annotation, its data escaped
        # the key is quoted (runner/spec/yamlmarks.py display_path): its newlines are `\n`
        shown = "['x\\n::error file=/etc/passwd::owned\\n## [set-env name=A]1']"
        assert all(shown in line for line in real)
