"""fly.rake conversion: one fixture folder per case, plus properties, `ruby -c` and real rake.

A case folder under fixtures/rake/ holds `input.rb` and either `expected_error.txt` (each
line must appear in the EditRefused message) or the expected result: `expected.rb` (absent
= unchanged), `moved.txt` (the moved prerequisites, absent = none) and `notes.txt` (each line
must appear in some note; absent = no notes).
"""

from __future__ import annotations

import difflib
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from runner.errors import EditRefused
from runner.facts.rake import release_and_server
from runner.handlers.rake import DB_TASK, convert_fly_rake
from runner.syntax import ruby

FIXTURES = Path(__file__).parent / "fixtures" / "rake"
NAMES = sorted(path.name for path in FIXTURES.iterdir() if path.is_dir())
RUBY = shutil.which("ruby")
RAKE = shutil.which("rake")


@dataclass(frozen=True)
class Case:
    name: str
    input: str
    expected: str
    error: tuple[str, ...]
    moved: tuple[str, ...]
    notes: tuple[str, ...]

    @classmethod
    def load(cls, name: str) -> Case:
        folder = FIXTURES / name

        def read(file: str, default: str = "") -> str:
            path = folder / file
            return path.read_bytes().decode("utf-8") if path.exists() else default

        text = read("input.rb")
        return cls(
            name=name,
            input=text,
            expected=read("expected.rb", text),
            error=tuple(read("expected_error.txt").splitlines()),
            moved=tuple(read("moved.txt").split()),
            notes=tuple(read("notes.txt").splitlines()),
        )

    @property
    def changes(self) -> bool:
        return not self.error and self.expected != self.input


CASES = [Case.load(name) for name in NAMES]
GOOD = [case for case in CASES if not case.error]
CHANGED = [case for case in CASES if case.changes]


def ids(cases: list[Case]) -> list[str]:
    return [case.name for case in cases]


@pytest.mark.parametrize("case", CASES, ids=ids(CASES))
def test_fixture(case: Case) -> None:
    if case.error:
        with pytest.raises(EditRefused) as refused:
            convert_fly_rake(case.input)
        for fragment in case.error:
            assert fragment in str(refused.value)
        return
    result = convert_fly_rake(case.input)
    assert result.text == case.expected, "\n" + "".join(
        difflib.unified_diff(case.expected.splitlines(True), result.text.splitlines(True))
    )
    assert result.moved == case.moved
    assert bool(result.notes) == bool(case.notes), result.notes
    for fragment in case.notes:
        assert any(fragment in note for note in result.notes), (fragment, result.notes)


@pytest.mark.parametrize("case", GOOD, ids=ids(GOOD))
def test_idempotent(case: Case) -> None:
    once = convert_fly_rake(case.input)
    twice = convert_fly_rake(once.text)
    assert twice.text == once.text
    assert twice.moved == ()
    assert ruby.parses(once.text)


@pytest.mark.parametrize("case", CHANGED, ids=ids(CHANGED))
def test_only_task_calls_change(case: Case) -> None:
    """Every changed line lies in the head of a `task` call; no line is added or removed
    except inside a multi-line prerequisite array."""
    source = ruby.parse(case.input)
    rows: set[int] = set()
    for node in ruby.walk(source.root):
        if ruby.is_plain_call(source, node, "task"):
            block = node.child_by_field_name("block")
            last = block.start_point.row if block else node.end_point.row
            rows.update(range(node.start_point.row, last + 1))
    matcher = difflib.SequenceMatcher(
        a=case.input.splitlines(), b=case.expected.splitlines(), autojunk=False
    )
    for tag, first, last, _, _ in matcher.get_opcodes():
        if tag != "equal":
            assert set(range(first, max(last, first + 1))) <= rows, (tag, first, last)


@pytest.mark.parametrize("case", GOOD, ids=ids(GOOD))
def test_crlf_and_missing_newline_are_kept(case: Case) -> None:
    crlf = convert_fly_rake(case.input.replace("\n", "\r\n"))
    assert crlf.text == case.expected.replace("\n", "\r\n")
    bare = convert_fly_rake(case.input.rstrip("\n"))
    assert bare.text == case.expected.rstrip("\n")


@pytest.mark.parametrize("case", CHANGED, ids=ids(CHANGED))
def test_facts_before_and_after(case: Case) -> None:
    before, after = release_and_server(case.input), release_and_server(case.expected)
    assert before.release_db and not before.converted
    assert not after.release_db and after.converted
    assert set(case.moved) <= set(after.server_db)


def test_facts_report_lines() -> None:
    facts = release_and_server(Case.load("split_redeclarations_half_converted").input)
    assert facts.namespaced
    assert [(d.line, d.prerequisites) for d in facts.server] == [
        (4, ("assets:precompile",)),
        (5, ("db:migrate",)),
        (6, ("swapfile",)),
    ]
    assert [(d.line, d.prerequisites, d.has_body) for d in facts.release] == [
        (3, ("db:migrate",), False)
    ]


def test_facts_refuse_unparsable_text() -> None:
    with pytest.raises(EditRefused, match=r"line 3: `-  task :release => 'db:migrate'`"):
        release_and_server(Case.load("pasted_diff_refused").input)


def test_no_release_task_with_db_prerequisites_on_server_only() -> None:
    text = "namespace :fly do\n  task :server => 'db:migrate' do\n  end\nend\n"
    result = convert_fly_rake(text)
    assert result.text == text
    assert result.notes == (
        "fly.rake has no fly:release task: nothing to move; fly:server runs db:migrate",
    )


def test_db_task_pattern() -> None:
    movable = ["db:migrate", "db:prepare", "db:seed", "db:migrate:with_data"]
    assert all(DB_TASK.match(name) for name in movable)
    for name in ["db:reset", "db:drop", "db:migrate:reset", "db:seed:replant", "data:migrate"]:
        assert not DB_TASK.match(name)


# --- properties --------------------------------------------------------------------------

ONE_LINE_TEXT = st.text(st.characters(blacklist_categories=("Cc", "Cs", "Zl", "Zp")), max_size=30)
NOISE_LINE = st.one_of(
    st.just(""),
    st.just("   "),
    ONE_LINE_TEXT.map(lambda s: "# " + s),
    st.sampled_from(
        [
            "# task :release => 'db:migrate'",
            "# マイグレーション",
            "require 'fileutils'",
            "desc 'Deploy helpers'",
            "=begin\ntask :release => 'db:seed'\n=end",
        ]
    ),
)
NOISE = st.lists(NOISE_LINE, max_size=4).map(lambda lines: "".join(f"{line}\n" for line in lines))
NAMESPACED = [c for c in CHANGED if c.input.startswith("namespace :fly do\n")]


@settings(max_examples=150, deadline=None)
@given(
    case=st.sampled_from(NAMESPACED),
    before=NOISE,
    inside=NOISE,
    after=NOISE,
    crlf=st.booleans(),
)
def test_surrounding_noise_does_not_change_the_edit(
    case: Case, before: str, inside: str, after: str, crlf: bool
) -> None:
    def dress(text: str) -> str:
        head, rest = text.split("\n", 1)
        newline = "\n" if after and not rest.endswith("\n") else ""
        dressed = f"{before}{head}\n{inside}{rest}{newline}{after}"
        return dressed.replace("\n", "\r\n") if crlf else dressed

    result = convert_fly_rake(dress(case.input))
    assert result.text == dress(case.expected)
    assert result.moved == case.moved


QUOTES = st.sampled_from(["'", '"'])
RELEASE_DEPS = st.lists(
    st.sampled_from(["db:migrate", "db:seed", "db:prepare", "demo:reset", "environment"]),
    min_size=1,
    max_size=4,
    unique=True,
)
SERVER_DEPS = st.sampled_from(
    ["", ":swapfile", "[:swapfile]", "%w[swapfile]", "[:swapfile, 'assets:precompile']", "[]"]
)


def spell(deps: list[str], quote: str, form: str) -> str:
    if form == "words":
        return "%w[" + " ".join(deps) + "]"
    quoted = [f"{quote}{dep}{quote}" for dep in deps]
    return quoted[0] if form == "single" and len(deps) == 1 else "[" + ", ".join(quoted) + "]"


@settings(max_examples=200, deadline=None)
@given(
    quote=QUOTES,
    keyword=st.booleans(),
    release=RELEASE_DEPS,
    form=st.sampled_from(["single", "array", "words"]),
    server=SERVER_DEPS,
    comment=st.sampled_from(["", "  # deploy", " # rubocop:disable Rails/RakeEnvironment"]),
)
def test_generated_layouts(
    quote: str, keyword: bool, release: list[str], form: str, server: str, comment: str
) -> None:
    rel = spell(release, quote, form)
    rel_line = f"task release: {rel}" if keyword else f"task :release => {rel}"
    srv_line = (
        "task :server do"
        if not server
        else f"task server: {server} do"
        if keyword
        else f"task :server => {server} do"
    )
    text = f"namespace :fly do\n  {rel_line}{comment}\n  {srv_line}\n    sh 'x'\n  end\nend\n"
    server_before = release_and_server(text).server[0].prerequisites
    result = convert_fly_rake(text)
    facts = release_and_server(result.text)
    db = [dep for dep in release if DB_TASK.match(dep)]
    assert result.moved == tuple(db)
    assert facts.release[0].prerequisites == tuple(d for d in release if not DB_TASK.match(d))
    assert facts.server[0].prerequisites == (*server_before, *db)
    assert ruby.parses(result.text)
    assert result.text.splitlines()[1].endswith(comment) or not comment
    assert convert_fly_rake(result.text).text == result.text
    if not db:
        assert result.text == text


# --- Ruby and rake themselves --------------------------------------------------------------

OUTPUTS = [case for case in GOOD if case.expected]


@pytest.mark.skipif(RUBY is None, reason="ruby is not on PATH")
@pytest.mark.parametrize("case", OUTPUTS, ids=ids(OUTPUTS))
def test_ruby_accepts_the_output(case: Case, tmp_path: Path) -> None:
    assert RUBY is not None
    path = tmp_path / "fly.rake"
    path.write_text(convert_fly_rake(case.input).text, encoding="utf-8")
    checked = subprocess.run([RUBY, "-c", str(path)], capture_output=True, text=True, check=False)
    assert checked.returncode == 0, checked.stderr


STUB_RAKEFILE = """\
namespace :db do
  task :migrate
  task :prepare
  task :seed
  namespace(:migrate) { task :with_data }
end
namespace(:assets) { task :precompile }
task :environment
task :swapfile
load File.join(__dir__, 'lib', 'tasks', 'fly.rake')
"""


def rake_prerequisites(folder: Path, fly_rake: str) -> dict[str, list[str]]:
    """`rake -P` for fly.rake loaded next to stub db/assets tasks: task -> prerequisites."""
    assert RAKE is not None
    (folder / "lib" / "tasks").mkdir(parents=True, exist_ok=True)
    (folder / "Rakefile").write_text(STUB_RAKEFILE, encoding="utf-8")
    (folder / "lib" / "tasks" / "fly.rake").write_text(fly_rake, encoding="utf-8")
    shown = subprocess.run(
        [RAKE, "-P"], cwd=folder, capture_output=True, text=True, check=True, timeout=60
    )
    tasks: dict[str, list[str]] = {}
    current = ""
    for line in shown.stdout.splitlines():
        if line.startswith("rake "):
            current = line.removeprefix("rake ").strip()
            tasks[current] = []
        elif line.strip():
            tasks[current].append(line.strip())
    return tasks


RAKE_CASES = [
    case
    for case in CHANGED
    if case.name
    in {
        "template_rocket_single",
        "keyword_double",
        "array_keeps_other_tasks",
        "formation_single_dep",
        "split_redeclarations_half_converted",
        "percent_w_server",
        "no_namespace_top_level",
        "tabs_percent_w_rubocop",
        "with_data_keyword",
        "server_no_swapfile_guide_diff",
    }
]


@pytest.mark.skipif(RAKE is None, reason="rake is not on PATH")
@pytest.mark.parametrize("case", RAKE_CASES, ids=ids(RAKE_CASES))
def test_rake_sees_migrations_on_the_server(case: Case, tmp_path: Path) -> None:
    before = rake_prerequisites(tmp_path / "before", case.input)
    after = rake_prerequisites(tmp_path / "after", convert_fly_rake(case.input).text)
    prefix = "fly:" if "fly:release" in before else ""
    release, server = prefix + "release", prefix + "server"
    assert [p for p in before[release] if DB_TASK.match(p)] == list(case.moved)
    assert after[release] == [p for p in before[release] if not DB_TASK.match(p)]
    assert "db:migrate" in after[server] or set(case.moved) <= set(after[server])
    assert after[server][: len(before[server])] == before[server]
    assert {k: v for k, v in after.items() if k not in (release, server)} == {
        k: v for k, v in before.items() if k not in (release, server)
    }
