"""The quick validator (fastjsonschema) and jsonschema agree on every document, so the fast
path can never let an invalid spec through nor stop a valid one."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from runner.spec.schema import _validator, quick_valid
from tests.spec.test_load import _fixture_documents

SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-5, 600),
    st.floats(allow_nan=False),
    st.sampled_from(["shop", "iad", "ams", "/mnt/x", "auto", "true", "data", "", "A B", "x#y"]),
)
KEYS = st.sampled_from(
    [
        "version",
        "app",
        "path",
        "volume",
        "name",
        "size",
        "region",
        "mount_path",
        "database",
        "process_group",
        "silence_sqlite_warning",
        "replace_database_url",
        "deploy",
        "apps",
        "defaults",
        "groups_without_database",
        "playbook",
        "bogus",
    ]
)
DOCS = st.recursive(
    SCALARS,
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(KEYS, inner, max_size=5)),
    max_leaves=12,
)


def _agree(data: Any) -> None:
    assert quick_valid(data) == (not list(_validator().iter_errors(data))), data


def test_every_fixture_document() -> None:
    documents = _fixture_documents()
    assert len(documents) > 40
    for data in documents:
        _agree(data)


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(KEYS, DOCS, max_size=6))
def test_random_documents(data: dict[str, Any]) -> None:
    _agree(data)


@settings(max_examples=200, deadline=None)
@given(
    app=st.sampled_from(["shop", "Shop", "a-b", "-x"]),
    volume=st.dictionaries(st.sampled_from(["name", "size", "region", "x"]), SCALARS, max_size=3),
    extra=st.dictionaries(KEYS, SCALARS, max_size=3),
)
def test_near_valid_documents(app: str, volume: dict[str, Any], extra: dict[str, Any]) -> None:
    _agree({"version": 1, "app": app, "volume": volume, **extra})


def test_the_quick_validator_is_generated_from_the_current_schema() -> None:
    """After changing schemas/spec.schema.json, run `python -m runner.spec.quick_gen`."""
    from runner.spec import _quick_schema
    from runner.spec.quick_gen import schema_digest

    assert schema_digest() == _quick_schema.SCHEMA_SHA256
