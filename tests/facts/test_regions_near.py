"""The nearest current Fly.io region to a retired one (runner.facts.regions_near)."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from runner.facts.regions_near import (
    Region,
    bundled_table,
    distance_km,
    nearest_current,
    parse_regions,
    retired_region_message,
)
from runner.resources import data_path
from runner.spec.regions import regions

TABLE = bundled_table()


def test_every_listed_code_has_plausible_coordinates() -> None:
    raw = json.loads(data_path("regions.json").read_text(encoding="utf-8"))
    assert set(raw["coordinates"]) == set(raw["current"]) | set(raw["deprecated"])
    for code, (latitude, longitude) in raw["coordinates"].items():
        assert -90 <= latitude <= 90 and -180 <= longitude <= 180, code
    assert "coordinates_source" in raw


def test_the_existing_reader_still_sees_the_same_lists() -> None:
    known = regions()
    assert set(known.current) == {c for c, r in TABLE.regions.items() if r.current}
    assert set(known.retired) == {c for c, r in TABLE.regions.items() if not r.current}


@pytest.mark.parametrize(
    ("retired", "nearest", "km"),
    [
        ("mad", "cdg", 1062),
        ("gig", "gru", 337),
        ("mia", "iad", 1487),
        ("atl", "iad", 859),
        ("bos", "ewr", 323),
        ("sea", "sjc", 1122),
        ("yul", "yyz", 507),
        ("hkg", "sin", 2564),
    ],
)
def test_nearest_current_region(retired: str, nearest: str, km: int) -> None:
    assert nearest_current(retired) == (nearest, km)


def test_a_current_region_is_its_own_nearest_and_an_unknown_one_is_an_error() -> None:
    assert nearest_current("cdg") == ("cdg", 0)
    with pytest.raises(ValueError, match=r"unknown Fly\.io region 'xyz'"):
        nearest_current("xyz")


def test_every_retired_region_has_a_current_one_within_4000_km() -> None:
    for code, region in TABLE.regions.items():
        if not region.current:
            nearest, km = nearest_current(code)
            assert TABLE.regions[nearest].current and 0 < km < 4000, code


def test_message_names_the_line_the_cities_and_the_distance() -> None:
    assert retired_region_message("mad", 7) == (
        "fly.toml:7: primary_region 'mad' (Madrid) is a retired Fly.io region; change it to "
        "'cdg' (Paris, 1062 km away), the nearest current region"
    )
    assert retired_region_message("gig", 2, file="apps/shop/fly.toml").startswith(
        "apps/shop/fly.toml:2: primary_region 'gig' (Rio de Janeiro) is a retired"
    )


def test_a_table_can_be_given_instead_of_the_bundled_snapshot() -> None:
    table = parse_regions(
        json.dumps(
            {
                "current": {"aaa": "Here, Somewhere", "bbb": "There"},
                "deprecated": {"zzz": "Gone, Away"},
                "coordinates": {"aaa": [0, 0], "bbb": [0, 10], "zzz": [0, 9]},
            }
        )
    )
    assert nearest_current("zzz", table) == ("bbb", 111)
    assert retired_region_message("zzz", 3, table) == (
        "fly.toml:3: primary_region 'zzz' (Gone) is a retired Fly.io region; change it to "
        "'bbb' (There, 111 km away), the nearest current region"
    )


def test_great_circle_distance() -> None:
    paris, madrid = TABLE.regions["cdg"], TABLE.regions["mad"]
    assert distance_km(paris, madrid) == pytest.approx(distance_km(madrid, paris))
    assert distance_km(paris, paris) == 0
    pole = Region("n", "North", 90, 0, True)
    assert distance_km(pole, Region("s", "South", -90, 0, True)) == pytest.approx(20015, abs=1)


@given(st.floats(-90, 90), st.floats(-180, 180), st.floats(-90, 90), st.floats(-180, 180))
def test_distance_is_symmetric_and_bounded(a: float, b: float, c: float, d: float) -> None:
    one, two = Region("a", "A", a, b, True), Region("b", "B", c, d, True)
    assert distance_km(one, two) == pytest.approx(distance_km(two, one), abs=1e-6)
    assert 0 <= distance_km(one, two) <= 20016
