"""YAML loading with positions: data, marks, and the problems PyYAML would hide."""

from __future__ import annotations

from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from runner.errors import Location
from runner.spec import yamlmarks
from runner.spec.yamlmarks import NodeMark, YamlDocument, load_yaml, number_hint


def _load(text: str) -> YamlDocument:
    return load_yaml(text, "f.yaml")


def _problems(text: str) -> list[str]:
    return [str(problem) for problem in _load(text).problems]


def _at(line: int, column: int) -> Location:
    return Location("f.yaml", line, column)


def test_data_and_marks_of_keys_and_values() -> None:
    doc = _load("a: 1\nb:\n  c: [x, {d: e}]\n")
    assert doc.data == {"a": 1, "b": {"c": ["x", {"d": "e"}]}}
    assert doc.problems == ()
    assert doc.marks[()] == NodeMark(_at(1, 1))
    assert doc.marks[("a",)] == NodeMark(_at(1, 4), _at(1, 1))
    assert doc.marks[("b",)] == NodeMark(_at(3, 3), _at(2, 1))
    assert doc.marks[("b", "c", 0)] == NodeMark(_at(3, 7))
    assert doc.marks[("b", "c", 1, "d")] == NodeMark(_at(3, 14), _at(3, 11))


def test_mark_falls_back_to_the_nearest_ancestor() -> None:
    doc = _load("a:\n  b: 1\n")
    assert doc.mark(("a", "b", "missing", 3)) == doc.marks[("a", "b")]
    assert load_yaml("", "f.yaml").mark(("x",)) == NodeMark(_at(1, 1))


def test_columns_count_characters_not_bytes() -> None:
    doc = _load("éé: ü\nb: 1\n")
    assert doc.marks[("éé",)].value == _at(1, 5)


def test_duplicate_keys_are_errors_at_the_second_key_and_the_first_is_kept() -> None:
    doc = _load("a: 1\nb:\n  c: 2\n  c: 3\na: 4\n")
    assert [str(p) for p in doc.problems] == [
        "f.yaml:4:3: duplicate key 'c' (first at line 3)",
        "f.yaml:5:1: duplicate key 'a' (first at line 1)",
    ]
    assert doc.data == {"a": 1, "b": {"c": 2}}


@pytest.mark.parametrize("word", ["true", "True", "TRUE", "false", "False", "FALSE"])
def test_yaml_12_booleans_are_booleans(word: str) -> None:
    assert _load(f"x: {word}").data == {"x": word.lower() == "true"}


@pytest.mark.parametrize("word", ["yes", "No", "ON", "off", "y", "n"])
def test_yaml_11_boolean_words_stay_strings(word: str) -> None:
    assert _load(f"x: {word}").data == {"x": word}


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("1", 1),
        ("-3", -3),
        ("+3", 3),
        ("0", 0),
        ("2.5", 2.5),
        ("1.0e+3", 1000.0),
        ("~", None),
        ("null", None),
        ("", None),
        ("2024-01-02", "2024-01-02"),
        ("'3'", "3"),
        ("!!str 3", "3"),
        ("'yes'", "yes"),
    ],
)
def test_scalars_are_json_like(text: str, value: Any) -> None:
    assert _load(f"x: {text}").data == {"x": value}


@pytest.mark.parametrize("text", ["0x1f", "010", "0b11", "1_000", "1:30", "1_0.5", "1:30.5"])
def test_yaml_11_number_forms_stay_strings(text: str) -> None:
    """Hexadecimal, octal (010 is 8 in YAML 1.1, 10 in YAML 1.2), binary, digit-grouped and
    sexagesimal numbers: refused where a number is expected, as yes/no are for booleans."""
    assert _load(f"x: {text}").data == {"x": text}
    assert number_hint(text).startswith(" (flyrun reads only plain decimal numbers; YAML 1.1")


@pytest.mark.parametrize("text", ["3", "2.5", "1e3", "abc", "a: b: c"])
def test_no_number_hint_for_plain_numbers_or_other_text(text: str) -> None:
    assert number_hint(text) == ""


def test_keys_are_their_text() -> None:
    assert _load("1: a\ntrue: b\nnull: c\n").data == {"1": "a", "true": "b", "null": "c"}


def test_anchors_aliases_and_merge_keys() -> None:
    text = "base: &b {x: 1, y: 2}\nmore: &m {z: 3}\nuse:\n  <<: [*b, *m]\n  y: 20\n"
    doc = _load(text)
    assert doc.problems == ()
    assert doc.data["use"] == {"y": 20, "x": 1, "z": 3}
    assert doc.marks[("use", "y")].value == _at(5, 6)
    assert doc.marks[("use", "x")].value == _at(1, 14)  # where the merged text is


def test_earlier_merge_sources_win() -> None:
    doc = _load("a: &a {x: 1}\nb: &b {x: 2}\nc:\n  <<: [*a, *b]\n")
    assert doc.data["c"] == {"x": 1}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a: b: c\n", "f.yaml:1:5: mapping values are not allowed in this context"),
        (
            'a: "x\n',
            "f.yaml:2:1: found unexpected end of stream "
            "(while scanning a quoted scalar at line 1, column 4)",
        ),
        (
            "a:\n\t- b\n",
            "f.yaml:2:1: found character that cannot start any token (while scanning for the "
            "next token); YAML indents with spaces, not tabs",
        ),
        (
            "a: 1\n---\nb: 2\n",
            "f.yaml:2:1: expected a single document in the stream at line 1, column 1, "
            "but found another document",
        ),
        (
            "a: [1, 2\n",
            "f.yaml:2:1: did not find expected ',' or ']' "
            "(while parsing a flow sequence at line 1, column 4)",
        ),
        (
            "a: b\nc: d\x00\n",
            "f.yaml:2:5: unacceptable character #x0000: control characters are not allowed",
        ),
    ],
)
def test_syntax_errors_have_line_and_column(text: str, expected: str) -> None:
    doc = _load(text)
    assert doc.data is None
    assert [str(p) for p in doc.problems] == [expected]


def test_undefined_alias() -> None:
    (problem,) = _load("a: 1\nb: *nope\n").problems
    assert problem.location == _at(2, 4)
    assert problem.message.startswith("found undefined alias")  # libyaml omits the name


def test_reader_error_after_non_ascii_text_is_located_by_character() -> None:
    assert _problems('é: "ü"\nc: \x01\n') == [
        "f.yaml:2:4: unacceptable character #x0001: control characters are not allowed"
    ]


def test_empty_document_has_no_data_and_no_problem() -> None:
    for text in ("", "# only a comment\n", "---\n"):
        doc = _load(text)
        assert (doc.data, doc.problems) == (None, ())


def test_recursive_alias_is_an_error_not_a_crash() -> None:
    assert _problems("a: &a\n  b: *a\n") == [
        "f.yaml:2:3: recursive alias: this node contains itself"
    ]
    assert _problems("- &s [*s]\n") == ["f.yaml:1:3: recursive alias: this node contains itself"]
    assert _problems("a: &a {<<: *a}\n") == [
        "f.yaml:1:4: recursive alias: this node contains itself"
    ]


def test_alias_bombs_are_refused() -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 7)]
    doc = _load("\n".join(lines) + "\n")
    assert doc.data is None
    assert [p.message for p in doc.problems] == [
        "aliases expand this document to more than 100000 nodes"
    ]


def test_unsupported_tags_and_complex_keys() -> None:
    doc = _load("a: !x 1\nb: !!binary aGk=\nc: !!set {x}\n? [k]\n: v\n")
    assert [str(p) for p in doc.problems] == [
        "f.yaml:1:4: unsupported YAML tag '!x'",
        "f.yaml:2:4: unsupported YAML tag '!!binary'",
        "f.yaml:3:4: unsupported YAML tag '!!set'",
        "f.yaml:4:3: a mapping key must be plain text, not a list or mapping",
    ]
    assert doc.problem_paths == frozenset({("a",), ("b",), ("c",)})


def test_merge_key_needs_mappings() -> None:
    assert _problems("a:\n  <<: 3\n") == [
        "f.yaml:2:7: a `<<` merge key needs a mapping or a list of mappings"
    ]


def test_deep_nesting_is_reported_not_raised() -> None:
    doc = _load("a: " + "[" * 5000 + "]" * 5000 + "\n")
    assert doc.problems or doc.data is not None


# --- libyaml and pure-Python composers agree ----------------------------------------------

_SCALAR = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**6), 10**6),
    st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), max_size=12),
)
_DATA = st.recursive(
    _SCALAR,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(st.text("abcxyz_-", min_size=1, max_size=5), inner, max_size=4),
    ),
    max_leaves=20,
)


@pytest.mark.skipif(not hasattr(yaml, "CSafeLoader"), reason="libyaml is not available")
@settings(max_examples=150)
@given(data=_DATA, flow=st.booleans())
def test_c_and_python_loaders_give_the_same_document(data: Any, flow: bool) -> None:
    text = yaml.safe_dump(data, default_flow_style=flow, allow_unicode=True)
    fast = load_yaml(text, "f.yaml")
    original = yamlmarks._LOADER
    yamlmarks._LOADER = yaml.SafeLoader
    try:
        slow = load_yaml(text, "f.yaml")
    finally:
        yamlmarks._LOADER = original
    assert fast == slow
    assert fast.data == data


def test_a_key_that_is_not_a_plain_name_is_quoted_so_messages_stay_one_line() -> None:
    from runner.spec.yamlmarks import display_path

    assert display_path(("apps", 1, "volume", "size")) == "apps[1].volume.size"
    assert display_path(("x\n::error::y",)) == "['x\\n::error::y']"
    assert display_path(("volume", "a b")) == "volume['a b']"
