"""Fly.io region codes: a snapshot kept in runner/data/regions.json (docs/reference/flyctl.md §7).

flyctl has no built-in list (it asks the API), so flyrun keeps the docs' list: the current
codes, and the retired ones with their cities, so an error can say what the code was. Fly's
docs call them "deprecated" (regions.json keeps that key); flyrun says "retired" everywhere,
for a spec's volume.region as for fly.toml's primary_region.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

from runner.resources import data_path
from runner.spec.yamlmarks import describe


@dataclass(frozen=True)
class Regions:
    """Fly's region codes, a snapshot kept in runner/data/regions.json."""

    snapshot: str
    current: Mapping[str, str]
    retired: Mapping[str, str]  # regions.json `deprecated`


@cache
def regions() -> Regions:
    """Load the region list once, on first use."""
    raw = json.loads(data_path("regions.json").read_text(encoding="utf-8"))
    return Regions(raw["snapshot"], raw["current"], raw["deprecated"])


def region_error(code: Any) -> str | None:
    """Why `code` is not a usable region, or None when it is one of the current ones."""
    known = regions()
    if not isinstance(code, str):
        return f"expected a region code such as 'iad', got {describe(code)}"
    if code in known.current:
        return None
    listing = ", ".join(sorted(known.current))
    if code in known.retired:
        city = known.retired[code]
        from runner.facts.regions_near import nearest_current  # lazy: retired regions only

        try:
            nearest, km = nearest_current(code)
        except ValueError:  # no coordinates for it: the list will do
            return f"{code!r} ({city}) is a retired Fly.io region; use a current one: {listing}"
        return (
            f"{code!r} ({city}) is a retired Fly.io region; the nearest current one is "
            f"{nearest!r} ({known.current[nearest]}, {km} km away); all current: {listing}"
        )
    close = difflib.get_close_matches(code.lower(), list(known.current), n=1, cutoff=0.6)
    if close:
        return f"unknown region {code!r} (did you mean {close[0]!r}?)"
    return f"unknown region {code!r}; current regions: {listing}"
