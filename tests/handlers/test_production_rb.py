"""production.rb: the guarded sqlite3_production_warning line.

A case folder under fixtures/production_rb/ holds `input.rb`, `setting.txt` (what
`warning_setting` says about the input) and either `expected_error.txt` (each line must
appear in the EditRefused message of `add_guarded_warning`) or `expected.rb` (absent =
unchanged). `rails61_generated` is the file Debian's Rails 6.1 `rails new` writes.
"""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from runner.errors import EditRefused
from runner.handlers.production_rb import (
    GUARDED_LINE,
    WarningSetting,
    add_guarded_warning,
    guard_bare_warning,
    warning_setting,
)
from runner.syntax import ruby

FIXTURES = Path(__file__).parent / "fixtures" / "production_rb"
RUBY = shutil.which("ruby")


@dataclass(frozen=True)
class Case:
    name: str
    input: str
    expected: str
    setting: WarningSetting
    error: tuple[str, ...]

    @classmethod
    def load(cls, folder: Path) -> Case:
        def read(file: str, default: str = "") -> str:
            path = folder / file
            return path.read_bytes().decode("utf-8") if path.exists() else default

        text = read("input.rb")
        return cls(
            name=folder.name,
            input=text,
            expected=read("expected.rb", text),
            setting=WarningSetting(read("setting.txt").strip()),
            error=tuple(read("expected_error.txt").splitlines()),
        )


CASES = [Case.load(path) for path in sorted(FIXTURES.iterdir()) if path.is_dir()]
GOOD = [case for case in CASES if not case.error]
IDS = [case.name for case in CASES]
GOOD_IDS = [case.name for case in GOOD]


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_warning_setting(case: Case) -> None:
    assert warning_setting(case.input) is case.setting


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_add_guarded_warning(case: Case) -> None:
    if case.error:
        with pytest.raises(EditRefused) as refused:
            add_guarded_warning(case.input)
        for fragment in case.error:
            assert fragment in str(refused.value)
        return
    result = add_guarded_warning(case.input)
    assert result == case.expected
    assert warning_setting(result) is WarningSetting.GUARDED
    assert ruby.parses(result)


@pytest.mark.parametrize("case", GOOD, ids=GOOD_IDS)
def test_idempotent_and_only_one_line_changes(case: Case) -> None:
    once = add_guarded_warning(case.input)
    assert add_guarded_warning(once) == once
    assert guard_bare_warning(once) == once
    before, after = case.input.splitlines(), once.splitlines()
    if case.setting is WarningSetting.BARE:
        assert len(after) == len(before)
        assert sum(a != b for a, b in zip(before, after, strict=True)) == 1
    elif case.input != once:
        assert len(after) == len(before) + 1
        added = [line for line in after if line.strip() == GUARDED_LINE]
        assert len(added) == 1
        after.remove(added[0])
        assert after == before


@pytest.mark.parametrize("case", GOOD, ids=GOOD_IDS)
def test_crlf_is_kept(case: Case) -> None:
    assert add_guarded_warning(case.input.replace("\n", "\r\n")) == case.expected.replace(
        "\n", "\r\n"
    )


def test_guard_bare_warning_rewrites_every_bare_line_in_place() -> None:
    text = (
        "Rails.application.configure do\n"
        "  config.active_record.sqlite3_production_warning=false\n"
        "  if ENV['X']\n"
        "    config.active_record.sqlite3_production_warning = false   # again\n"
        "  end\n"
        "  # config.active_record.sqlite3_production_warning = false\n"
        "end\n"
    )
    assert guard_bare_warning(text) == (
        "Rails.application.configure do\n"
        f"  {GUARDED_LINE}\n"
        "  if ENV['X']\n"
        f"    {GUARDED_LINE}   # again\n"
        "  end\n"
        "  # config.active_record.sqlite3_production_warning = false\n"
        "end\n"
    )


def test_guard_bare_warning_leaves_other_files_alone() -> None:
    for case in CASES:
        if case.setting is not WarningSetting.BARE:
            assert guard_bare_warning(case.input) == case.input


def test_guard_bare_warning_refuses_other_values() -> None:
    text = "App::Application.configure do\n  config.active_record.sqlite3_production_warning = 1\n"
    text += "end\n"
    with pytest.raises(EditRefused, match=r"line 2: `config\.active_record\.sqlite3_production"):
        guard_bare_warning(text)


def test_guard_bare_warning_refuses_a_file_that_does_not_parse() -> None:
    text = "A::Application.configure do\n  config.active_record.sqlite3_production_warning=false\n"
    with pytest.raises(EditRefused, match="does not parse as Ruby"):
        guard_bare_warning(text)


def test_commented_and_bare_counts_as_bare() -> None:
    text = (
        "Rails.application.configure do\n"
        "  # config.active_record.sqlite3_production_warning = false\n"
        "  config.active_record.sqlite3_production_warning = false\n"
        "end\n"
    )
    assert warning_setting(text) is WarningSetting.BARE
    assert warning_setting(add_guarded_warning(text)) is WarningSetting.GUARDED


# --- properties --------------------------------------------------------------------------

LINE_TEXT = st.text(st.characters(blacklist_categories=("Cc", "Cs", "Zl", "Zp")), max_size=30)
NOISE = st.lists(
    st.one_of(
        st.just(""),
        LINE_TEXT.map(lambda s: "# " + s),
        st.just("# config.active_record.sqlite3_production_warning = false"),
        st.just("require 'logger'"),
    ),
    max_size=4,
).map(lambda lines: "".join(f"{line}\n" for line in lines))


@settings(max_examples=150, deadline=None)
@given(
    case=st.sampled_from([c for c in GOOD if c.setting is WarningSetting.ABSENT]),
    before=NOISE,
    after=NOISE,
    crlf=st.booleans(),
)
def test_surrounding_noise_does_not_change_the_edit(
    case: Case, before: str, after: str, crlf: bool
) -> None:
    def dress(text: str) -> str:
        newline = "\n" if after and not text.endswith("\n") else ""
        dressed = before + text + newline + after
        return dressed.replace("\n", "\r\n") if crlf else dressed

    assert add_guarded_warning(dress(case.input)) == dress(case.expected)


@settings(max_examples=100, deadline=None)
@given(
    indent=st.sampled_from(["", "  ", "    ", "\t"]),
    unit=st.sampled_from(["  ", "    ", "\t"]),
    receiver=st.sampled_from(["Rails.application", "Shop::Application", "A::B::Application"]),
    body=st.lists(st.sampled_from(["config.x = 1", "# note", ""]), max_size=3),
)
def test_indentation_follows_the_block(
    indent: str, unit: str, receiver: str, body: list[str]
) -> None:
    lines = [f"{indent}{receiver}.configure do", *(f"{indent}{unit}{b}" for b in body)]
    text = "\n".join([*lines, f"{indent}end", ""])
    result = add_guarded_warning(text).splitlines()
    first_code = next((b for b in body if b), None)
    expected_indent = indent + (unit if first_code is not None else "  ")
    assert result[1] == expected_indent + GUARDED_LINE
    assert result[:1] + result[2:] == text.splitlines()


@pytest.mark.skipif(RUBY is None, reason="ruby is not on PATH")
@pytest.mark.parametrize("case", GOOD, ids=GOOD_IDS)
def test_ruby_accepts_the_output(case: Case, tmp_path: Path) -> None:
    assert RUBY is not None
    path = tmp_path / "production.rb"
    path.write_text(add_guarded_warning(case.input), encoding="utf-8")
    checked = subprocess.run([RUBY, "-c", str(path)], capture_output=True, text=True, check=False)
    assert checked.returncode == 0, checked.stderr
