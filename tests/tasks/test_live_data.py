"""Preflight `live_data` (runner/tasks/live_data.py), with canned facts: when the volume
exists but no started machine of the group mounts it, flyrun says it could not look inside
and decides on the files alone (no ssh); with one, it looks and the listing decides."""

from __future__ import annotations

from pathlib import Path

import pytest

from runner.errors import PreflightRefused
from runner.flyctl.parse import Machine, MachineMount
from runner.tasks.live_data import LiveDataCheck
from tests.tasks.canned import Canned, context, volume

FLY_TOML = (
    'app = "shop"\nprimary_region = "iad"\n\n'
    '[mounts]\n  source = "shop_data"\n  destination = "/mnt/shop_data"\n'
)
# database.yml keeps the database in the mount under another name than the spec's default
DATABASE_YML = "production:\n  adapter: sqlite3\n  database: /mnt/shop_data/production.sqlite3\n"
FILES = {"fly.toml": FLY_TOML, "config/database.yml": DATABASE_YML}
MOUNT = (MachineMount("/mnt/shop_data", "shop_data", "vol_1"),)
STOPPED = Machine("m1", "iad", "stopped", "app", MOUNT)
UNMOUNTED = Machine("m1", "iad", "started", "app", ())
STARTED = Machine("m1", "iad", "started", "app", MOUNT)
FILES_ALONE = "decided on the files alone"


def _canned(machine: Machine, listing: str = "flyrun-listing-done\n") -> Canned:
    return Canned(volumes_=(volume(3),), machines_=(machine,), listing=listing)


def test_a_stopped_machine_takes_the_configured_file_as_live_without_looking(
    tmp_path: Path,
) -> None:
    canned = _canned(STOPPED)
    with pytest.raises(PreflightRefused) as info:
        LiveDataCheck().run(context(tmp_path, canned, files=FILES))
    said = str(info.value)
    assert "the app's database is /mnt/shop_data/production.sqlite3 on volume 'shop_data'" in said
    assert "flyrun could not look inside the volume" in said
    assert "so it takes that file as live data" in said
    assert "To adopt it, set `database: production.sqlite3` in fly-sqlite.yml" in said
    assert not any(call.startswith("ssh") for call in canned.asked)


@pytest.mark.parametrize(
    ("machine", "why"),
    [
        (STOPPED, "no started machine of the group mounts it"),
        (UNMOUNTED, "no machine mounts it"),
    ],
    ids=["stopped", "not-mounted"],
)
def test_adopting_it_passes_on_the_files_alone_and_says_so(
    tmp_path: Path, machine: Machine, why: str
) -> None:
    canned = _canned(machine)
    said = LiveDataCheck().run(
        context(tmp_path, canned, files=FILES, database="production.sqlite3")
    )
    assert f"could not look inside volume shop_data: {why}; {FILES_ALONE}" in said
    assert "database primary: /mnt/shop_data/production.sqlite3 (sqlite_file, sqlite3)" in said
    assert not any(call.startswith("ssh") for call in canned.asked)


def test_a_started_machine_that_mounts_it_is_looked_into(tmp_path: Path) -> None:
    """The contrast: the listing decides, so an empty volume holds no live data to keep."""
    canned = _canned(STARTED, "flyrun-listing-done\n")
    said = LiveDataCheck().run(context(tmp_path, canned, files=FILES))
    assert "volume shop_data at /mnt/shop_data on machine m1 holds no SQLite file" in said
    assert not any(FILES_ALONE in line for line in said)
    assert "ssh m1" in canned.asked
    held = _canned(STARTED, "1572864\t/mnt/shop_data/production.sqlite3\nflyrun-listing-done\n")
    with pytest.raises(PreflightRefused, match=r"the volume holds it \(1.5 MB\)"):
        LiveDataCheck().run(context(tmp_path, held, files=FILES))


def test_the_volume_holding_the_database_is_looked_into_when_it_is_not_the_specs(
    tmp_path: Path,
) -> None:
    """The spec names a new volume; the started machine mounts `data` at /data, where
    database.yml keeps the database (fly.toml declares no mount): flyrun looks there."""
    files = {
        "fly.toml": 'app = "shop"\nprimary_region = "iad"\n',
        "config/database.yml": DATABASE_YML.replace("/mnt/shop_data/", "/data/"),
    }
    data = Machine("m1", "iad", "started", "app", (MachineMount("/data", "data", "vol_9"),))
    listing = "1572864\t/data/production.sqlite3\nflyrun-listing-done\n"
    canned = Canned(
        volumes_=(volume(3, vid="vol_9", name="data"),), machines_=(data,), listing=listing
    )
    with pytest.raises(PreflightRefused) as info:
        LiveDataCheck().run(context(tmp_path, canned, files=files))
    said = str(info.value)
    assert "the app's database is /data/production.sqlite3 on volume 'data'" in said
    assert "the volume holds it (1.5 MB)" in said
    assert "set `volume.name: data`, `mount_path: /data` and `database: production.sqlite3`" in said
    assert "ssh m1" in canned.asked
