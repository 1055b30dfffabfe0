"""The fly.toml handler: facts, byte-exact mount edits, flyctl's mount rules, release_command."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import pytest
import tomlkit
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from runner.errors import EditRefused, FileError
from runner.facts.flytoml import Mount, parse_fly_toml
from runner.facts.mount_rules import mount_problems, size_in_gb
from runner.handlers import flytoml
from runner.handlers.flytoml import add_mount, comment_out_release_command

FIXTURES = Path(__file__).parent / "fixtures" / "flytoml"


def fixture(name: str) -> str:
    return (FIXTURES / f"{name}.toml").read_text(encoding="utf-8")


def variants(text: str) -> dict[str, str]:
    """The same file with LF, CRLF, and without its final line end."""
    crlf = text.replace("\n", "\r\n")
    return {
        "lf": text,
        "crlf": crlf,
        "no_eol": text.rstrip("\n"),
        "crlf_no_eol": crlf.rstrip("\r\n"),
    }


def inserted(old: str, new: str) -> str:
    """The one block `new` adds to `old`, asserting every other byte is unchanged."""
    size = len(new) - len(old)
    assert size > 0
    start = 0
    while start < len(old) and old[start] == new[start]:
        start += 1
    for offset in range(start, -1, -1):  # the block may also begin inside a common prefix
        if new[:offset] + new[offset + size :] == old:
            return new[offset : offset + size]
    raise AssertionError("the output is not the input plus one inserted block")


def has_mount(text: str, source: str, destination: str, processes: tuple[str, ...] | None) -> bool:
    return any(
        (m.source, m.destination, m.processes) == (source, destination, processes)
        for m in parse_fly_toml(text).mounts
    )


# --- parse_fly_toml -----------------------------------------------------------------------


def test_parse_rake_layout() -> None:
    config = parse_fly_toml(fixture("rake_v038x"))
    assert config.app == "shop"
    assert config.primary_region is None
    assert config.mounts == ()
    assert config.mount_style is None
    assert config.process_groups == ("app",)  # `processes = []` at the top is no [processes]
    assert config.processes == {}
    assert config.release_command == "bin/rails fly:release"
    assert config.build_args["SERVER_COMMAND"] == "bin/rails fly:server"
    assert config.env == {"PORT": "8080"}


def test_parse_dockerfile_rails_mount() -> None:
    config = parse_fly_toml(fixture("dockerfile_rails"))
    assert config.primary_region == "iad"
    assert config.mount_style == "table"
    assert config.mounts == (
        Mount(
            "data",
            "/data",
            None,
            auto_extend_size_threshold=80,
            auto_extend_size_increment="1GB",
            auto_extend_size_limit="10GB",
        ),
    )
    assert config.release_command is None


def test_parse_values_flyctl_stringifies() -> None:
    config = parse_fly_toml(fixture("inline_dotted"))
    assert config.env == {"RAILS_ENV": "production", "PORT": "8080", "RAILS_LOG_TO_STDOUT": "true"}
    assert config.build_args == {"SERVER_COMMAND": "bin/rails fly:server"}
    assert config.release_command == "bin/rails fly:release"


def test_parse_process_groups_and_array_mounts() -> None:
    config = parse_fly_toml(fixture("mounts_per_group"))
    assert config.process_groups == ("web", "worker")
    assert config.processes == {"web": "bin/rails server", "worker": "bin/jobs"}
    assert config.mount_style == "array"
    assert config.mounts == (Mount("web_data", "/data", ("web",)),)


def test_parse_single_quoted_and_key_order() -> None:
    assert parse_fly_toml(fixture("single_quoted")).release_command == "./bin/rails db:prepare"
    dest_first = parse_fly_toml(fixture("mounts_dest_first")).mounts
    assert dest_first == (Mount("arkive_data", "/mnt/arkive_data", None),)


def test_commented_headers_are_not_mounts() -> None:
    config = parse_fly_toml(fixture("commented_mounts"))
    assert config.mounts == ()
    assert config.mount_style is None
    assert config.release_command is None  # `# release_command = …` is a comment


def test_parse_mount_key_alias_and_initial_size_number() -> None:
    text = '[mount]\nsource = "a"\ndestination = "/a"\ninitial_size = 3\n'
    config = parse_fly_toml(text)
    assert config.mounts == (Mount("a", "/a", None, initial_size="3"),)
    assert config.mount_style == "table"
    both = text + '[[mounts]]\nsource = "b"\ndestination = "/b"\n'
    assert [m.source for m in parse_fly_toml(both).mounts] == ["a", "b"]  # flyctl's order
    assert parse_fly_toml(both).mount_style == "array"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("app = 1\n", "fly.toml: `app` is an integer; expected a string"),
        ('[mounts]\nsource = "a"\n', "fly.toml: a [mounts] entry has no `destination` string"),
        ('mounts = "a"\n', "fly.toml: `mounts` is a string; flyctl expects a table"),
        ('[processes]\nweb = ["a"]\n', "fly.toml: [processes] web is an array; expected a string"),
        ("[env]\nA = [1]\n", "fly.toml: [env] A is an array; expected a string"),
        ('[[mounts]]\nsource = "a"\ndestination = "/a"\nprocesses = "web"\n', "processes must be"),
        ('[mounts]\nsource = "a"\ndestination = "/a"\nsnapshot_retention = "5"\n', "an integer"),
    ],
)
def test_parse_refuses_values_flyctl_would_not_take(text: str, message: str) -> None:
    with pytest.raises(FileError) as caught:
        parse_fly_toml(text)
    assert message in str(caught.value)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("app = \n", "fly.toml:1:7: invalid TOML: Unexpected character: '\\n'"),
        ('app = "x"\nb = ?\n', "fly.toml:2:5: invalid TOML: Unexpected character: '?'"),
        ('app = "x"\r\n# c\r\nb = ?\r\n', "fly.toml:3:5: invalid TOML: Unexpected character: '?'"),
        ('app = "x"\napp = "y"\n', 'fly.toml:2:1: invalid TOML: Key "app" already exists.'),
        ("[env]\n[env]\n", 'fly.toml:2:1: invalid TOML: Key "env" already exists.'),
        ('a = "x\n', "fly.toml:1:7: invalid TOML: Illegal character '\\n'"),
    ],
)
def test_parse_error_names_line_and_column(text: str, message: str) -> None:
    with pytest.raises(FileError) as caught:
        parse_fly_toml(text)
    assert str(caught.value).startswith(message)


@given(st.text(alphabet="ab =[]\"'\n\r\t#.{},1x-:", max_size=40))
def test_parse_never_raises_anything_but_file_error(text: str) -> None:
    try:
        parse_fly_toml(text)
    except FileError as err:
        assert str(err).startswith("fly.toml")


# --- add_mount: a new [mounts] table --------------------------------------------------------

RAKE_BLOCK = '\n[mounts]\n  source = "shop_data"\n  destination = "/mnt/shop_data"\n'

NEW_TABLE = {  # fixture → the block appended to its LF form
    "rake_v038x": RAKE_BLOCK,
    "single_quoted": "\n[mounts]\n  source = 'shop_data'\n  destination = '/mnt/shop_data'\n",
    "inline_dotted": '\n[mounts]\nsource = "shop_data"\ndestination = "/mnt/shop_data"\n',
    "tabs": '\n[mounts]\n\tsource = "shop_data"\n\tdestination = "/mnt/shop_data"\n',
    "commented_mounts": RAKE_BLOCK,
}


def test_add_mount_golden_rake_layout() -> None:
    old = fixture("rake_v038x")
    new = add_mount(old, "shop_data", "/mnt/shop_data", None)
    assert new.endswith('  url_prefix = "/"\n' + RAKE_BLOCK)
    assert new == old + RAKE_BLOCK


@pytest.mark.parametrize("variant", ["lf", "crlf", "no_eol", "crlf_no_eol"])
@pytest.mark.parametrize("name", sorted(NEW_TABLE))
def test_add_mount_appends_a_table_byte_exact(name: str, variant: str) -> None:
    old = variants(fixture(name))[variant]
    new = add_mount(old, "shop_data", "/mnt/shop_data", None)
    expected = NEW_TABLE[name]
    if variant.endswith("no_eol"):
        expected = "\n" + expected  # ends the last line, changes nothing else
    if variant.startswith("crlf"):
        expected = expected.replace("\n", "\r\n")
    assert new == old + expected
    assert inserted(old, new) == expected
    assert has_mount(new, "shop_data", "/mnt/shop_data", None)
    assert add_mount(new, "shop_data", "/mnt/shop_data", None) == new
    assert tomllib.loads(new) == {
        **tomllib.loads(old),
        "mounts": {"source": "shop_data", "destination": "/mnt/shop_data"},
    }


def test_add_mount_with_processes_for_two_groups() -> None:
    old = fixture("processes_two_groups")
    new = add_mount(old, "shop_data", "/mnt/shop_data", ("web",))
    assert inserted(old, new) == (
        '\n[mounts]\n  source = "shop_data"\n  destination = "/mnt/shop_data"\n'
        '  processes = ["web"]\n'
    )
    assert has_mount(new, "shop_data", "/mnt/shop_data", ("web",))
    assert mount_problems(new) == []


def test_add_mount_lands_at_top_level_after_array_sub_tables() -> None:
    old = fixture("inline_dotted")  # ends inside [[services.ports]], keys not indented
    new = add_mount(old, "data", "/data", None)
    data = tomllib.loads(new)
    assert data["mounts"] == {"source": "data", "destination": "/data"}
    assert data["services"] == tomllib.loads(old)["services"]
    assert tomlkit.parse(new).unwrap() == data


@pytest.mark.parametrize(
    ("old", "block"),
    [
        ("", '[mounts]\n  source = "d"\n  destination = "/d"\n'),
        ('app = "x"\n\n', '[mounts]\n  source = "d"\n  destination = "/d"\n'),
        ('app = "x"\n# end', '\n\n[mounts]\n  source = "d"\n  destination = "/d"\n'),
        ('app = "x"\n  ', '\n[mounts]\n  source = "d"\n  destination = "/d"\n'),
        (
            "app = 'x'\n[env]\n    A = 'b'\n",
            "\n[mounts]\n    source = 'd'\n    destination = '/d'\n",
        ),
    ],
)
def test_add_mount_blank_line_indent_and_quotes(old: str, block: str) -> None:
    new = add_mount(old, "d", "/d", None)
    assert new == old + block


def test_add_mount_escapes_values_its_quote_style_cannot_hold() -> None:
    old = fixture("single_quoted")
    new = add_mount(old, "data", "/it's\there", None)
    assert inserted(old, new).endswith("  source = 'data'\n  destination = \"/it's\\there\"\n")
    assert has_mount(new, "data", "/it's\there", None)


# --- add_mount: existing mounts ----------------------------------------------------------


@pytest.mark.parametrize("variant", ["lf", "crlf", "no_eol"])
@pytest.mark.parametrize(
    ("name", "source", "destination", "processes"),
    [
        ("dockerfile_rails", "data", "/data", None),
        ("dockerfile_rails", "data", "/data", ("app",)),  # no processes = every group
        ("mounts_dest_first", "arkive_data", "/mnt/arkive_data", None),
        ("mounts_aligned", "sqlite", "/mnt/sqlite", None),
        ("mounts_per_group", "web_data", "/data", ("web",)),
        ("mounts_per_group", "web_data", "/data", None),  # none given: any groups match
    ],
)
def test_existing_same_mount_leaves_the_text_unchanged(
    name: str, source: str, destination: str, processes: tuple[str, ...] | None, variant: str
) -> None:
    old = variants(fixture(name))[variant]
    assert add_mount(old, source, destination, processes) is old


@pytest.mark.parametrize(
    ("name", "source", "destination", "processes", "existing", "groups"),
    [
        ("dockerfile_rails", "shop_data", "/mnt/shop_data", None, "'data' at '/data'", "every"),
        ("dockerfile_rails", "data", "/mnt/data", None, "'data' at '/data'", "every"),
        ("mounts_dest_first", "x", "/mnt/arkive_data", None, "'arkive_data' at", "every"),
        ("mounts_aligned", "db", "/db", ("app",), "'sqlite' at '/mnt/sqlite'", "group 'app'"),
        ("mounts_per_group", "db", "/db", ("web",), "'web_data' at '/data'", "group 'web'"),
        ("mounts_per_group", "db", "/db", None, "'web_data' at '/data'", "group 'web'"),
    ],
)
def test_conflicting_mount_is_refused_naming_both(
    name: str,
    source: str,
    destination: str,
    processes: tuple[str, ...] | None,
    existing: str,
    groups: str,
) -> None:
    with pytest.raises(EditRefused) as caught:
        add_mount(fixture(name), source, destination, processes)
    message = str(caught.value)
    assert f"volume {existing}" in message
    assert f"volume '{source}' at '{destination}'" in message
    assert groups in message
    assert "one mount per process group" in message


def test_same_volume_for_more_groups_is_refused() -> None:
    with pytest.raises(EditRefused, match=r"for process group 'web' only.*'web', 'worker'"):
        add_mount(fixture("mounts_per_group"), "web_data", "/data", ("web", "worker"))


@pytest.mark.parametrize("variant", ["lf", "crlf", "no_eol"])
def test_array_gets_an_entry_for_another_group_next_to_the_last(variant: str) -> None:
    old = variants(fixture("mounts_per_group"))[variant]
    new = add_mount(old, "jobs", "/jobs", ("worker",))
    block = '\n[[mounts]]\n  source = "jobs"\n  destination = "/jobs"\n  processes = ["worker"]\n'
    if variant == "crlf":
        block = block.replace("\n", "\r\n")
    anchor = '  processes = ["web"]\n'.replace("\n", "\r\n" if variant == "crlf" else "\n")
    assert new == old.replace(anchor, anchor + block, 1)  # after its keys, before the comment
    inserted(old, new)
    assert has_mount(new, "jobs", "/jobs", ("worker",))
    assert add_mount(new, "jobs", "/jobs", ("worker",)) == new
    assert mount_problems(new) == []


def test_array_entry_mirrors_alignment_and_header_indent() -> None:
    old = (
        "[processes]\nweb = 'a'\nworker = 'b'\n\n"
        "  [[mounts]]\n    source      = 'sqlite'\n    destination = '/mnt/sqlite'\n"
        "    processes   = ['web']\n"
    )
    new = add_mount(old, "jobs", "/jobs", ("worker",))
    assert new == old + (
        "\n  [[mounts]]\n    source      = 'jobs'\n    destination = '/jobs'\n"
        "    processes   = ['worker']\n"
    )


def test_array_under_the_mount_alias_key() -> None:
    old = (
        '[processes]\nweb = "a"\nworker = "b"\n'
        '[[mount]]\nsource = "a"\ndestination = "/a"\nprocesses = ["web"]'
    )
    new = add_mount(old, "b", "/b", ("worker",))
    assert new == old + '\n\n[[mount]]\nsource = "b"\ndestination = "/b"\nprocesses = ["worker"]\n'


@pytest.mark.parametrize(
    ("old", "message"),
    [
        (
            '[processes]\nweb = "a"\nworker = "b"\n[mounts]\nsource = "a"\ndestination = "/a"\n'
            'processes = ["web"]\n',
            r"as a single \[mounts\] table; a second mount, for process group 'worker', "
            r"needs the \[\[mounts\]\] form",
        ),
        (
            'mounts = [{ source = "a", destination = "/a", processes = ["web"] }]\n',
            "as an inline array",
        ),
        ("mounts = []\n", "empty `mounts` value"),
        (
            '[[mounts]]\nsource = "a"\ndestination = "/a"\nprocesses = ["web"]\n'
            "[mounts.extra]\nx = 1\n",
            r"the last \[\[mounts\]\] has sub-tables",
        ),
    ],
)
def test_layouts_flyrun_does_not_extend_are_refused(old: str, message: str) -> None:
    with pytest.raises(EditRefused, match=message):
        add_mount(old, "b", "/b", ("worker",))


def test_a_failed_proof_refuses_instead_of_returning_text(monkeypatch: pytest.MonkeyPatch) -> None:
    def wrong_entry(wanted: Mount) -> dict[str, Any]:
        return {"source": wanted.source, "destination": "/elsewhere"}

    monkeypatch.setattr(flytoml, "_entry", wrong_entry)
    with pytest.raises(EditRefused, match=r"^internal: tomlkit"):
        add_mount(fixture("rake_v038x"), "data", "/data", None)


def test_add_mount_rejects_meaningless_arguments() -> None:
    with pytest.raises(ValueError, match="processes"):
        add_mount("", "data", "/data", ())


# --- mount_problems ----------------------------------------------------------------------


def mount(extra: str, source: str = "data", processes: str = "") -> str:
    return f'[[mounts]]\nsource = "{source}"\ndestination = "/{source}"\n{processes}{extra}\n'


RETENTION = (
    "mount 'data' has a snapshot_retention value which is not between 1 and 60 days inclusive"
)


@pytest.mark.parametrize(
    ("text", "problems"),
    [
        (fixture("dockerfile_rails"), []),
        (mount('initial_size = "1GB"'), []),
        (mount("initial_size = 10"), []),
        (
            mount('initial_size = "15Mb"'),
            ["mount 'data' has an initial_size '15Mb' value which is smaller than 1GB"],
        ),
        (
            mount('initial_size = "512mb"'),
            ["mount 'data' has an initial_size '512mb' value which is smaller than 1GB"],
        ),
        (
            mount("initial_size = 0"),
            ["mount 'data' has an initial_size '0' value which is smaller than 1GB"],
        ),
        (
            mount('initial_size = "lots"'),
            [
                "mount 'data' with initial_size 'lots' will fail because of: "
                "invalid size: invalid size: 'lots'"
            ],
        ),
        (mount("snapshot_retention = 60"), []),
        (
            mount("snapshot_retention = 0"),
            [RETENTION],
        ),
        (
            mount("snapshot_retention = 61"),
            [RETENTION],
        ),
        (
            '[mounts]\nsource = "root"\ndestination = "/"\n',
            ["mount 'root' has destination '/', which is not allowed"],
        ),
    ],
)
def test_mount_problems_sizes_retention_destination(text: str, problems: list[str]) -> None:
    assert mount_problems(text) == problems


TRIO = (
    "auto_extend_size_threshold = {}\nauto_extend_size_increment = {}\nauto_extend_size_limit = {}"
)


@pytest.mark.parametrize(
    ("extra", "problems"),
    [
        (TRIO.format(80, '"1GB"', '"10GB"'), []),
        (TRIO.format(99, "100", '"500gb"'), []),
        (
            "auto_extend_size_threshold = 80",
            [
                "mount 'data' auto_extend_size_threshold, auto_extend_size_increment and "
                "auto_extend_size_limit must be all defined or none",
                "mount 'data' auto_extend_size_increment must be between 1GB and 100GB",
            ],
        ),
        (
            'auto_extend_size_increment = "1GB"',
            ["mount 'data' auto_extend_size_threshold must be between 50 and 99"],
        ),
        (
            TRIO.format(40, '"1GB"', '"10GB"'),
            ["mount 'data' auto_extend_size_threshold must be between 50 and 99"],
        ),
        (
            TRIO.format(80, '"200GB"', '"300GB"'),
            ["mount 'data' auto_extend_size_increment must be between 1GB and 100GB"],
        ),
        (
            TRIO.format(80, '"1GB"', '"600GB"'),
            ["mount 'data' auto_extend_size_limit must be between 1GB and 500GB"],
        ),
        (
            TRIO.format(80, '"500MB"', '"10GB"'),
            [
                "mount 'data' has an auto_extend_size_increment '500MB' value "
                "which is smaller than 1GB",
                "mount 'data' auto_extend_size_increment must be between 1GB and 100GB",
            ],
        ),
    ],
)
def test_mount_problems_auto_extend(extra: str, problems: list[str]) -> None:
    assert mount_problems(mount(extra)) == problems


def test_mount_problems_one_mount_per_group() -> None:
    groups = '[processes]\nweb = "a"\nworker = "b"\n'
    web = 'processes = ["web"]\n'
    assert (
        mount_problems(groups + mount("", "a", web) + mount("", "b", 'processes = ["worker"]\n'))
        == []
    )
    assert mount_problems(mount("", "a") + mount("", "b")) == [
        "group 'app' has more than one [[mounts]] section defined"
    ]
    assert mount_problems(groups + mount("", "a") + mount("", "b", web)) == [
        "group 'web' has more than one [[mounts]] section defined"
    ]


@pytest.mark.parametrize(
    ("value", "gb"),
    [
        ("1", 1),
        ("10", 10),
        ("-1", -1),
        ("1GB", 1),
        ("10gb", 10),
        ("1G", 1),
        ("1GiB", 1),
        ("1.5GB", 1),
        ("512mb", 0),
        ("999999999", 999999999),
        ("2000MB", 2),
        ("1TB", 1000),
        ("10 GB", 10),
        ("5000000000", 5000000000),
    ],
)
def test_size_in_gb_like_flyctl(value: str, gb: int) -> None:
    assert size_in_gb(value) == gb


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("lots", "invalid size: 'lots'"),
        ("1XB", "invalid suffix: 'xb'"),
        ("1GBB", "invalid suffix: 'gbb'"),
        ("1GBBB", "invalid suffix: 'GBBB'"),
        ("1.2.3GB", 'strconv.ParseFloat: parsing "1.2.3": invalid syntax'),
        ("-1GB", "invalid size: '-1GB'"),
    ],
)
def test_size_in_gb_errors_like_go_units(value: str, message: str) -> None:
    with pytest.raises(ValueError) as caught:
        size_in_gb(value)
    assert str(caught.value) == message


# --- comment_out_release_command ----------------------------------------------------------

NOTE = "flyrun: migrations run on the app machine (the release machine has no volume)"


def test_comment_out_release_command_golden() -> None:
    old = fixture("rake_v038x")
    new = comment_out_release_command(old, NOTE)
    assert new == old.replace(
        '  release_command = "bin/rails fly:release"\n',
        f'  # {NOTE}\n  # release_command = "bin/rails fly:release"\n',
    )
    assert parse_fly_toml(new).release_command is None
    assert comment_out_release_command(new, NOTE) is new


@pytest.mark.parametrize("variant", ["lf", "crlf", "no_eol", "crlf_no_eol"])
@pytest.mark.parametrize(
    ("name", "line"),
    [
        ("single_quoted", "  release_command = './bin/rails db:prepare'"),
        ("inline_dotted", 'release_command = "bin/rails fly:release" # trailing comment'),
        ("tabs", '\trelease_command = "bin/rails fly:release"'),
        ("processes_two_groups", '  release_command = "bin/rails fly:release"'),
    ],
)
def test_comment_out_release_command_keeps_every_other_byte(
    name: str, line: str, variant: str
) -> None:
    old = variants(fixture(name))[variant]
    nl = "\r\n" if variant.startswith("crlf") else "\n"
    indent = line[: len(line) - len(line.lstrip())]
    new = comment_out_release_command(old, NOTE)
    assert new == old.replace(line + nl, f"{indent}# {NOTE}{nl}{indent}# {line.lstrip()}{nl}", 1)
    expected = tomllib.loads(old)
    del expected["deploy"]["release_command"]
    assert tomllib.loads(new) == expected


def test_release_command_last_line_without_line_end() -> None:
    old = '[deploy]\r\n  release_command = "x"'
    assert comment_out_release_command(old, "n") == '[deploy]\r\n  # n\r\n  # release_command = "x"'


@pytest.mark.parametrize("name", ["dockerfile_rails", "commented_mounts", "mounts_aligned"])
def test_no_release_command_is_no_change(name: str) -> None:
    old = fixture(name)
    assert comment_out_release_command(old, NOTE) is old


@pytest.mark.parametrize(
    "old",
    [
        '[deploy]\nrelease_command = """\nbin/rails fly:release"""\n',
        'deploy.release_command = "bin/rails fly:release"\n',
        'deploy = { release_command = "bin/rails fly:release" }\n',
        '[deploy]\n"release_command" = "bin/rails fly:release"\n',
    ],
)
def test_odd_release_commands_are_refused(old: str) -> None:
    with pytest.raises(EditRefused, match="comment it out by hand"):
        comment_out_release_command(old, NOTE)


def test_release_command_timeout_is_not_the_release_command() -> None:
    old = (
        '[deploy]\n  release_command_timeout = "5m"\n  release_command = "x"\n'
        '[deploy.release_command_vm]\n  size = "a"\n'
    )
    new = comment_out_release_command(old, "n")
    assert new == old.replace('  release_command = "x"\n', '  # n\n  # release_command = "x"\n')


def test_note_must_be_one_line() -> None:
    with pytest.raises(ValueError, match="one non-empty line"):
        comment_out_release_command(fixture("rake_v038x"), "two\nlines")


# --- properties --------------------------------------------------------------------------

SCALARS = st.one_of(
    st.text(st.characters(exclude_categories=["Cs"]), max_size=8),
    st.integers(-(2**63), 2**63 - 1),
    st.booleans(),
)
KEYS = st.from_regex(r"k_[a-z0-9_]{0,6}", fullmatch=True)


@st.composite
def documents(draw: st.DrawFn) -> tuple[str, bool]:
    """A fly.toml-like document in one random style; (text, has a [[mounts]] for web)."""
    literal = draw(st.booleans())
    indent = draw(st.sampled_from(["", "  ", "    ", "\t"]))
    blank = draw(st.sampled_from(["", "\n"]))

    def pairs(prefix: str) -> str:
        items = draw(st.dictionaries(KEYS, SCALARS, max_size=3))
        return "".join(f"{prefix}{k} = {value(v, literal)}\n" for k, v in items.items())

    parts = [pairs("")]
    if draw(st.booleans()):
        parts.append("http_service.internal_port = 8080\n")
    sections = [f"{blank}[{name}]\n{pairs(indent)}" for name in draw(_table_names)]
    sections += [f"{blank}[[{name}]]\n{pairs(indent)}" for name in draw(_aot_names)]
    if draw(st.booleans()):
        sections.append(
            f"{blank}[[services]]\n{pairs(indent)}{indent}[[services.ports]]\n{pairs(indent * 2)}"
        )
    web = draw(st.booleans())
    if web:
        sections.append(
            f'{blank}[[mounts]]\n{indent}source = "web_data"\n{indent}destination = "/w"\n'
            f'{indent}processes = ["web"]\n{draw(_after_mounts)}\n'
        )
        sections.append('[processes]\nweb = "a"\nworker = "b"\n')
    text = "".join(parts + draw(st.permutations(sections)))
    if draw(st.booleans()):
        text = text.replace("\n", "\r\n")
    return (text.rstrip("\r\n") if draw(st.booleans()) else text), web


_after_mounts = st.sampled_from(["", "# after", "\n"])
_table_names = st.lists(
    st.sampled_from(["env", "build", "deploy", "experimental", "checks"]), unique=True
)
_aot_names = st.lists(st.sampled_from(["statics", "vm", "files"]), unique=True)


def value(v: object, literal: bool) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    assert isinstance(v, str)
    if literal and not any(c == "'" or ord(c) < 32 or ord(c) == 127 for c in v):
        return f"'{v}'"
    return tomlkit.string(v).as_string()


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(
    documents(),
    st.from_regex(r"[a-z0-9_]{1,30}", fullmatch=True),
    st.from_regex(r"/[a-z0-9_]{1,12}(/[a-z0-9._-]{1,12})?", fullmatch=True),
)
def test_add_mount_property(doc: tuple[str, bool], source: str, destination: str) -> None:
    text, web = doc
    processes = ("worker",) if web else None
    new = add_mount(text, source, destination, processes)
    block = inserted(text, new)
    header = "\n[[mounts]]" if web else "\n[mounts]"
    assert header in "\n" + block * 2  # the block may show rotated when its ends match
    if not web:
        assert new.startswith(text)
    assert has_mount(new, source, destination, processes)
    assert add_mount(new, source, destination, processes) == new
    old = tomllib.loads(text)
    entry: dict[str, Any] = {"source": source, "destination": destination}
    if web:
        entry["processes"] = ["worker"]
        assert tomllib.loads(new) == {**old, "mounts": [*old["mounts"], entry]}
    else:
        assert tomllib.loads(new) == {**old, "mounts": entry}
    assert mount_problems(new) == []
