"""The live-data decision (runner.facts.live_data): adopt, or refuse naming the live file,
the evidence and the spec change. The five issue hazards run end to end in test_hazards.py."""

from __future__ import annotations

import pytest

from runner.facts.database import locate_databases
from runner.facts.live_data import (
    Mount,
    Spec,
    VolumeFile,
    decide,
)
from runner.facts.mounts import machine_mounts
from runner.flyctl.parse import Machine, MachineMount, Volume

DATA = [Mount("data", "/data")]
SPEC = Spec("/data", "production.sqlite", "data")


def yml(database: str, adapter: str = "sqlite3") -> str:
    return f"production:\n  adapter: {adapter}\n  database: {database}\n"


def test_hazard_1_without_a_listing_takes_the_configured_file_as_live() -> None:
    decision = decide(locate_databases(yml("/data/production.sqlite3")), SPEC, DATA)
    (refusal,) = decision.refusals
    assert refusal.message == (
        "live data: the app's database is /data/production.sqlite3 on volume 'data' "
        "(config/database.yml:3 production.database: /data/production.sqlite3); flyrun could "
        "not look inside the volume (the report says why), so it takes that file as live "
        "data. flyrun would set DATABASE_URL=sqlite3:///data/production.sqlite and the app "
        "would come up on a new, empty database there. To adopt it, set "
        "`database: production.sqlite3` in fly-sqlite.yml"
    )
    assert (refusal.check, refusal.database, refusal.live) == (
        "live data",
        "primary",
        "/data/production.sqlite3",
    )
    assert refusal.spec_change == ("database: production.sqlite3",)
    assert refusal.evidence == (
        "config/database.yml:2 production.adapter: sqlite3",
        "config/database.yml:3 production.database: /data/production.sqlite3",
    )


def test_wal_and_journal_bytes_count_for_their_database() -> None:
    files = [
        VolumeFile("/data/production.sqlite3", 0),
        VolumeFile("/data/production.sqlite3-wal", 2 << 20),
    ]
    decision = decide(
        locate_databases(yml("/data/production.sqlite3")), SPEC, DATA, volume_files=files
    )
    assert "the volume holds it (2.0 MB)" in decision.refusals[0].found


def test_a_configured_file_the_volume_does_not_hold_is_no_live_data() -> None:
    empty = [VolumeFile("/data/production.sqlite3", 0)]
    for listing in ([], empty):
        decision = decide(
            locate_databases(yml("/data/production.sqlite3")), SPEC, DATA, volume_files=listing
        )
        assert decision.ok and decision.adopted == ()
        assert decision.notes == (
            "the app's database is named /data/production.sqlite3, which holds no data on the "
            "volume yet",
        )


def test_the_spec_naming_the_live_file_adopts_it() -> None:
    spec = Spec("/data", "production.sqlite3", "data")
    decision = decide(locate_databases(yml("/data/production.sqlite3")), spec, DATA)
    assert decision.ok and decision.adopted == ("/data/production.sqlite3",)
    assert decision.planned == {"DATABASE_URL": "sqlite3:///data/production.sqlite3"}


def test_a_database_on_the_root_filesystem_is_not_live_data() -> None:
    facts = locate_databases(yml("db/production.sqlite3"), rails_root="/app")
    decision = decide(facts, SPEC, [])
    assert decision.ok
    assert decision.notes == (
        "the app's database is now /app/db/production.sqlite3, on the machine's root "
        "filesystem, which Fly resets from the image on every deploy and restart: no data "
        "there outlives a restart, so there is none to keep",
    )


def test_a_live_file_under_another_volume_names_every_spec_line() -> None:
    mounts = [Mount("storage", "/storage"), *DATA]
    decision = decide(
        locate_databases(yml("/storage/production.sqlite3")), SPEC, mounts, volume_files=[]
    )  # the listing covers volume data only
    (refusal,) = decision.refusals
    assert refusal.spec_change == (
        "volume.name: storage",
        "mount_path: /storage",
        "database: production.sqlite3",
    )
    assert refusal.fix.endswith(
        "To adopt it, set `volume.name: storage`, `mount_path: /storage` and "
        "`database: production.sqlite3` in fly-sqlite.yml"
    )


def test_a_live_file_in_a_mount_of_another_group_names_that_group() -> None:
    mounts = [Mount("data", "/data", ("web",))]
    decision = decide(locate_databases(yml("/data/production.sqlite3")), SPEC, mounts)
    assert decision.refusals[0].spec_change == (
        "database: production.sqlite3",
        "process_group: web",
    )


def test_a_live_file_in_a_subfolder_cannot_be_adopted_by_the_spec() -> None:
    decision = decide(locate_databases(yml("/data/db/production.sqlite3")), SPEC, DATA)
    (refusal,) = decision.refusals
    assert refusal.spec_change == ()
    assert refusal.fix.endswith(
        "No spec change can adopt it: it is in a subfolder of the mount (/data/db), and "
        "`database` is a file name directly in mount_path; move it to /data first"
    )


@pytest.mark.parametrize("path", ["/data/my db.sqlite3", "/data/-x.sqlite3", "/data/a%20b"])
def test_a_live_file_name_the_spec_cannot_hold_cannot_be_adopted(path: str) -> None:
    decision = decide(locate_databases(yml(f"'{path}'")), SPEC, DATA)
    assert decision.refusals[0].fix.endswith(
        f"No spec change can adopt it: its path {path!r} cannot be written as flyrun's DATABASE_URL"
    )


def test_a_sqlite_url_in_env_that_points_into_the_mount_is_reused() -> None:
    env = [("Dockerfile:60 ENV", "DATABASE_URL", "sqlite3:///data/production.sqlite3")]
    decision = decide(locate_databases(None, env), SPEC, DATA)
    assert decision.ok and decision.adopted == ("/data/production.sqlite3",)
    assert decision.planned == {"DATABASE_URL": "sqlite3:///data/production.sqlite3"}


def test_a_sqlite_url_in_env_outside_the_mount_is_live_elsewhere() -> None:
    env = [("Dockerfile:60 ENV", "DATABASE_URL", "sqlite3:///data/production.sqlite3")]
    decision = decide(
        locate_databases(None, env), Spec("/mnt/data", "production.sqlite", "data"), DATA
    )
    assert decision.refusals[0].spec_change == ("mount_path: /data", "database: production.sqlite3")


def test_another_database_server_is_refused_unless_importing() -> None:
    facts = locate_databases(None, [("fly.toml [env]", "DATABASE_URL", "postgres://u:pw@db/x")])
    (refusal,) = decide(facts, SPEC, DATA).refusals
    assert refusal.message == (
        "live data: the app's database is a postgresql database server, not a SQLite file "
        "(fly.toml [env] DATABASE_URL=postgres://…@db/x; Rails' DATABASE_URL replaces "
        "database.yml's settings for the primary database). flyrun would point the app at a "
        "new, empty SQLite database and leave that data behind. Move the data to SQLite first "
        "(or, for the primary database on PostgreSQL, opt in with `import_data: {from: "
        "postgres}` in the spec), then run flyrun again"
    )
    importing = decide(facts, Spec("/data", "production.sqlite", "data", import_data=True), DATA)
    assert importing.ok
    assert importing.notes == (
        "the app's database is a postgresql database; import_data brings it",
    )


def test_import_data_brings_only_a_postgres_primary() -> None:
    """The import copies the primary database from PostgreSQL: another server (MySQL) or
    another production database on Postgres is still refused."""
    importing = Spec("/data", "production.sqlite", "data", import_data=True)
    mysql = locate_databases(None, [("fly.toml [env]", "DATABASE_URL", "mysql2://u:pw@db/x")])
    assert not decide(mysql, importing, DATA).ok
    yml = (
        "production:\n  primary:\n    database: db/p.sqlite3\n    adapter: sqlite3\n"
        "  cache:\n    url: postgres://u:pw@db/cache\n"
    )
    (refusal,) = decide(locate_databases(yml), importing, DATA).refusals
    assert refusal.database == "cache"


def test_an_unreadable_secret_is_refused_unless_replacing_is_allowed() -> None:
    facts = locate_databases(yml("db/p.sqlite3"), secrets=["DATABASE_URL"])
    (refusal,) = decide(facts, SPEC, DATA).refusals
    assert refusal.fix == (
        "flyrun will not replace what the secret DATABASE_URL points at without knowing it: "
        "if it holds no data you need, set `replace_database_url: true` in fly-sqlite.yml (or "
        "pass --replace-database-url)"
    )
    allowed = Spec("/data", "production.sqlite", "data", replace_database_url=True)
    assert decide(facts, allowed, DATA).ok


def test_a_verified_secret_is_known() -> None:
    facts = locate_databases(
        yml("db/p.sqlite3"),
        secrets=["DATABASE_URL"],
        verified={"DATABASE_URL": "sqlite3:///data/production.sqlite"},
    )
    decision = decide(facts, SPEC, DATA, volume_files=[VolumeFile("/data/production.sqlite", 9)])
    assert decision.ok and decision.adopted == ("/data/production.sqlite",)


def test_erb_flyrun_does_not_understand_is_refused_with_the_forms_it_reads() -> None:
    facts = locate_databases(yml("<%= Rails.application.credentials.sqlite_path %>"))
    (refusal,) = decide(facts, SPEC, DATA).refusals
    assert refusal.found == (
        "flyrun cannot tell where the app's database is: flyrun does not understand the Ruby "
        "`Rails.application.credentials.sqlite_path` (config/database.yml:3 "
        "production.database: <%= Rails.application.credentials.sqlite_path %>)"
    )
    assert refusal.fix.startswith('Write it in a form flyrun reads (a literal path, ENV["X"]')


def test_a_pinned_url_that_keeps_the_primary_off_the_volume_is_refused() -> None:
    facts = locate_databases(yml("x") + "  url: sqlite3:db/production.sqlite3\n")
    (refusal,) = decide(facts, SPEC, DATA).refusals
    assert refusal.found == (
        "with flyrun's DATABASE_URL (sqlite3:///data/production.sqlite) the app's database "
        "would still be /rails/db/production.sqlite3, not on the volume "
        "(config/database.yml:4 production.url: sqlite3:db/production.sqlite3)"
    )
    assert refusal.fix == (
        'Remove its `url:` from config/database.yml or make it <%= ENV["DATABASE_URL"] %>'
    )


def test_a_first_database_not_named_primary_never_gets_database_url() -> None:
    facts = locate_databases("production:\n  main:\n    adapter: sqlite3\n    database: db/p.s\n")
    (refusal,) = decide(facts, SPEC, DATA).refusals
    assert refusal.fix == (
        "Rails gives DATABASE_URL only to a database named primary: rename production.main to "
        "production.primary in config/database.yml"
    )


def test_no_configured_database_has_nothing_to_keep() -> None:
    decision = decide(locate_databases(None), SPEC, DATA)
    assert decision.ok
    assert decision.notes == (
        "the app's database: config/database.yml names no production database and no "
        "DATABASE_URL is set, so there is no data to keep",
    )


def test_a_database_on_the_volume_that_nothing_names_is_adopted_or_refused() -> None:
    facts = locate_databases(yml("db/p.sqlite3"))
    one = decide(facts, SPEC, DATA, volume_files=[VolumeFile("/data/production.sqlite3", 10000)])
    (refusal,) = one.refusals
    assert refusal.message == (
        "live data: volume 'data' already holds /data/production.sqlite3 (9.8 KB), which the "
        "app's configuration does not name. flyrun would point the app at "
        "/data/production.sqlite instead. If it is the app's data, adopt it: set "
        "`database: production.sqlite3` in fly-sqlite.yml; if it is not, move it off the "
        "volume first"
    )
    two = decide(
        facts,
        SPEC,
        DATA,
        volume_files=[VolumeFile("/data/a.sqlite3", 5), VolumeFile("/data/b.sqlite3", 7)],
    )
    assert two.refusals[0].found.startswith(
        "volume 'data' already holds /data/a.sqlite3 (5 bytes) and /data/b.sqlite3 (7 bytes)"
    )
    assert two.refusals[0].spec_change == ()


def test_a_stray_database_beside_the_adopted_one_is_only_noted() -> None:
    files = [VolumeFile("/data/production.sqlite", 5000), VolumeFile("/data/old.sqlite3", 7000)]
    decision = decide(locate_databases(yml("db/p.sqlite3")), SPEC, DATA, volume_files=files)
    assert decision.ok and decision.adopted == ("/data/production.sqlite",)
    assert decision.notes[-1] == (
        "volume 'data' already holds /data/old.sqlite3 (6.8 KB), which the app's configuration "
        "does not name; flyrun leaves it alone"
    )


def test_litestack_files_are_litestacks_not_strays() -> None:
    lock = "GEM\n  specs:\n    litestack (0.4.4)\n      sqlite3\n    sqlite3 (1.7.2)\n"
    facts = locate_databases(
        yml("db/p.sqlite3"),
        [("Dockerfile:5 ENV", "LITESTACK_DATA_PATH", "/data")],
        gemfile_lock=lock,
    )
    files = [VolumeFile("/data/production/cache.sqlite3", 4096)]
    assert decide(facts, SPEC, DATA, volume_files=files).ok


# --- the machines' own mounts (fly machines list), whatever fly.toml declares --------------

MACHINE_DATA = [Mount("data", "/data", ("app",))]
DEFAULT = Spec("/mnt/data", "production.sqlite", "data")


def test_a_path_under_a_mount_only_the_machines_have_is_live_data() -> None:
    """fly.toml declares no mount; the machine mounts `data` at /data, whose listing holds
    the configured file: refused, never called the root filesystem."""
    facts = locate_databases(yml("/data/production.sqlite3"))
    listing = [VolumeFile("/data/production.sqlite3", 3 << 20)]
    decision = decide(facts, DEFAULT, [], volume_files=listing, machine_mounts=MACHINE_DATA)
    (refusal,) = decision.refusals
    assert "is /data/production.sqlite3 on volume 'data'" in refusal.found
    assert "the volume holds it (3.0 MB)" in refusal.found
    assert refusal.spec_change == ("mount_path: /data", "database: production.sqlite3")
    assert refusal.fix.endswith(
        "fly.toml has no [mounts], yet the machines mount volume 'data' at /data (fly "
        "machines list): with that spec flyrun adds it to fly.toml's [mounts], so deploys keep it"
    )
    assert not any("root filesystem" in note for note in decision.notes)
    # Without the machines' mounts the same facts once read as the root filesystem.
    blind = decide(facts, DEFAULT, [], volume_files=listing)
    assert blind.ok and "root filesystem" in blind.notes[-1]


def test_a_fly_toml_mount_elsewhere_is_named_in_the_fix() -> None:
    """fly.toml says `data` at /storage (not deployed yet); the machine mounts it at /data."""
    facts = locate_databases(yml("/data/production.sqlite3"))
    declared = [Mount("data", "/storage")]
    decision = decide(facts, DEFAULT, declared, machine_mounts=MACHINE_DATA, unseen="offline")
    (refusal,) = decision.refusals
    assert "flyrun could not look inside the volume (offline), so it takes" in refusal.found
    assert refusal.fix.endswith(
        "fly.toml's [mounts] says 'data' at /storage while the machines mount volume 'data' at "
        "/data (fly machines list): set its source = 'data' and destination = '/data' too"
    )


def test_a_stray_file_names_the_volume_looked_into() -> None:
    facts = locate_databases(yml("db/p.sqlite3"))
    listing = [VolumeFile("/data/old.sqlite3", 7000)]
    decision = decide(
        facts,
        Spec("/mnt/new", "production.sqlite", "new"),
        [],
        volume_files=listing,
        machine_mounts=MACHINE_DATA,
        listed_volume="data",
    )
    (refusal,) = decision.refusals
    assert refusal.found.startswith("volume 'data' already holds /data/old.sqlite3 (6.8 KB)")
    assert refusal.spec_change == (
        "volume.name: data",
        "mount_path: /data",
        "database: old.sqlite3",
    )


def test_machine_mounts_name_each_volume_and_group() -> None:
    machines = [
        Machine("m1", "iad", "stopped", "app", (MachineMount("/data", "", "vol_1"),)),
        Machine("m2", "iad", "started", "worker", (MachineMount("/q", "queue", "vol_2"),)),
        Machine("m3", "iad", "started", "app", (MachineMount("/data", "", "vol_1"),)),
    ]
    volumes = [Volume("vol_1", "data", "iad", 1, "created", "m1")]
    assert machine_mounts(machines, volumes) == (
        Mount("data", "/data", ("app",)),
        Mount("queue", "/q", ("worker",)),
    )
