"""Regions come from the product's snapshot file; flyctl's version rules stay the simulator's."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from runner.simulator import regions
from runner.simulator.errors import SimError
from runner.simulator.versions import parse_version

NEW, OLD = parse_version("0.4.87"), parse_version("0.3.195")


def test_reads_the_product_snapshot() -> None:
    raw = json.loads((Path(regions.__file__).parents[1] / "data" / "regions.json").read_text())
    assert regions.DATA_FILE.samefile(Path(regions.__file__).parents[1] / "data" / "regions.json")
    assert regions.known().current == frozenset(raw["current"])
    assert regions.known().deprecated == frozenset(raw["deprecated"]) - regions.RETIRED


def test_a_changed_snapshot_changes_the_answers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = tmp_path / "regions.json"
    data.write_text(json.dumps({"snapshot": "t", "current": {"zzz": "Z"}, "deprecated": {}}))
    monkeypatch.setattr(regions, "DATA_FILE", data)
    assert regions.check_region("zzz", NEW) == "zzz"
    with pytest.raises(SimError, match="region iad not found"):
        regions.check_region("iad", NEW)


@pytest.mark.parametrize("code", ["sea", "atl", "yul"])
def test_deprecated_codes_hidden_since_0_3_196(code: str) -> None:
    assert regions.check_region(code, OLD) == code
    with pytest.raises(SimError, match=f"region {code} not found"):
        regions.check_region(code, NEW)


@pytest.mark.parametrize("code", sorted(regions.RETIRED))
def test_retired_codes_are_unknown_to_every_version(code: str) -> None:
    for version in (OLD, NEW):
        with pytest.raises(SimError, match=f"region {code} not found"):
            regions.check_region(code, version)
