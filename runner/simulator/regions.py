"""Region codes the fake platform knows: the product's snapshot `runner/data/regions.json`.

One list for the product and the simulator (docs/reference/flyctl.md §7). It is read as a data
file next to this package, never through product code (the simulator imports nothing of the
product), and only on the first region check, so commands that never check a region do not
pay for it.

What the simulator adds is flyctl's version-dependent behaviour: the API flags deprecated
regions, and flyctl v0.3.196+ filters them out before looking a code up, so they are
"not found" there; older releases still accept them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from runner.simulator.errors import SimError
from runner.simulator.versions import DEPRECATED_REGIONS_HIDDEN, Version

DATA_FILE = Path(__file__).resolve().parents[1] / "data" / "regions.json"
# Codes the snapshot lists as deprecated that the platform had retired (or never ran
# Machines in) long before flyctl started hiding deprecated regions (docs/reference/flyctl.md §7:
# `maa` left the docs by Sep 2023, `vin`/`mrs` are from very old pages, `dxb`/`ist`/`mel`
# were edge-only). No flyctl version accepts them, so they are "not found" everywhere.
RETIRED = frozenset({"maa", "vin", "mrs", "dxb", "ist", "mel"})


@dataclass(frozen=True)
class RegionSets:
    """Current codes, and deprecated codes that old flyctl releases still accept."""

    current: frozenset[str]
    deprecated: frozenset[str]


@cache
def _load(path: Path) -> RegionSets:
    raw = json.loads(path.read_text(encoding="utf-8"))
    return RegionSets(frozenset(raw["current"]), frozenset(raw["deprecated"]) - RETIRED)


def known(path: Path | None = None) -> RegionSets:
    """The region sets from `path` (default: the product's snapshot), read once."""
    return _load(path or DATA_FILE)


def check_region(code: str, version: Version) -> str:
    """Return `code` when the platform accepts it; else flyctl's `region X not found`."""
    regions = known()
    if code in regions.current:
        return code
    if code in regions.deprecated and version.before(DEPRECATED_REGIONS_HIDDEN):
        return code
    raise SimError(f"region {code} not found")
