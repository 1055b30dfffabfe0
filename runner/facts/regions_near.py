"""The nearest current Fly.io region to a retired one, for a refusal that says what to write.

Fly retired 17 regions from its list on 2025-10-16 (docs/reference/flyctl.md §7); flyctl
v0.3.196+ then answers `region mad not found`, which tells a user nothing about where to go.
runner/data/regions.json keeps each code's city and [latitude, longitude] (its
`coordinates_source` says where they come from); the nearest current region is the one at
the shortest great-circle distance (haversine on a sphere of the mean Earth radius).
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources

EARTH_RADIUS_KM = 6371.0088  # IUGG mean radius


@dataclass(frozen=True)
class Region:
    code: str
    city: str  # as listed: "Madrid, Spain"
    latitude: float
    longitude: float
    current: bool

    @property
    def place(self) -> str:
        """The city alone: "Madrid" (the text before the first comma)."""
        return self.city.split(",")[0].strip()


@dataclass(frozen=True)
class RegionTable:
    regions: Mapping[str, Region]

    def current(self) -> list[Region]:
        return [r for r in self.regions.values() if r.current]


def parse_regions(text: str) -> RegionTable:
    """The table from regions.json's text (`current`, `deprecated`, `coordinates`)."""
    raw = json.loads(text)
    regions: dict[str, Region] = {}
    for key, current in (("current", True), ("deprecated", False)):
        for code, city in raw[key].items():
            latitude, longitude = raw["coordinates"][code]
            regions[code] = Region(code, city, float(latitude), float(longitude), current)
    return RegionTable(regions)


@cache
def bundled_table() -> RegionTable:
    """The snapshot shipped in the package (read once; package data, not a user file)."""
    return parse_regions((resources.files("runner") / "data" / "regions.json").read_text("utf-8"))


def distance_km(a: Region, b: Region) -> float:
    """Great-circle distance between two regions (haversine)."""
    lat1, lat2 = math.radians(a.latitude), math.radians(b.latitude)
    dlat, dlon = lat2 - lat1, math.radians(b.longitude - a.longitude)
    h = math.sin(dlat / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin(dlon / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))


def nearest_current(code: str, table: RegionTable | None = None) -> tuple[str, int]:
    """The current region nearest to `code` and how far it is, in whole km (a current code
    is its own nearest, at 0). ValueError for a code the table does not know."""
    known = table or bundled_table()
    region = known.regions.get(code)
    if region is None:
        raise ValueError(f"unknown Fly.io region {code!r}")
    if region.current:
        return code, 0
    best = min(known.current(), key=lambda other: (distance_km(region, other), other.code))
    return best.code, round(distance_km(region, best))


def retired_region_message(
    code: str, line: int, table: RegionTable | None = None, file: str = "fly.toml"
) -> str:
    """`fly.toml:LINE: primary_region 'mad' (Madrid) is a retired Fly.io region; change it
    to 'cdg' (Paris, 1052 km away), the nearest current region`."""
    known = table or bundled_table()
    nearest, km = nearest_current(code, known)
    was, now = known.regions[code], known.regions[nearest]
    return (
        f"{file}:{line}: primary_region {code!r} ({was.place}) is a retired Fly.io region; "
        f"change it to {nearest!r} ({now.place}, {km} km away), the nearest current region"
    )
