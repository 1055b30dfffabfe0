"""The live-data decision for Litestack, several databases, process groups and fly.toml
mounts, and its robustness (runner.facts.live_data; the basics are in test_live_data.py)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from runner.facts.database import locate_databases
from runner.facts.flytoml import Mount as FlyTomlMount
from runner.facts.live_data import (
    Mount,
    Spec,
    VolumeFile,
    decide,
    other_groups_refusal,
    planned_urls,
)
from tests.facts.test_live_data import DATA, SPEC, yml


def test_litedb_without_data_on_a_volume_is_refused_for_the_adapter_switch() -> None:
    facts = locate_databases(
        yml('<%= Litesupport.root("production").join("data.sqlite3") %>', "litedb")
    )
    (refusal,) = decide(facts, SPEC, DATA).refusals
    assert refusal.fix == (
        "A sqlite3:// DATABASE_URL (sqlite3:///data/production.sqlite) would switch the app to "
        "Rails' sqlite3 adapter. Set production adapter: sqlite3 in config/database.yml first, "
        "or keep Litestack and point LITESTACK_DATA_PATH at a folder on the volume instead"
    )


def test_litestack_paths_with_the_sqlite3_adapter_and_no_volume_are_not_live() -> None:
    facts = locate_databases(yml('<%= Litesupport.root("production").join("d.sqlite3") %>'))
    decision = decide(facts, SPEC, DATA)
    assert decision.ok and "/rails/db/production/d.sqlite3" in decision.notes[0]


MULTI = (
    "production:\n  primary:\n    adapter: sqlite3\n    database: /data/production.sqlite3\n"
    "  cache:\n    adapter: sqlite3\n    database: /data/cache.sqlite3\n"
    "  queue:\n    adapter: sqlite3\n    database: storage/q.sqlite3\n    url: sqlite3:/data/q\n"
)


def test_planned_urls_for_other_databases_follow_the_primary_file_name() -> None:
    spec = Spec("/data", "production.sqlite3", "data")
    assert planned_urls(locate_databases(MULTI), spec) == {
        "DATABASE_URL": "sqlite3:///data/production.sqlite3",
        "CACHE_DATABASE_URL": "sqlite3:///data/production_cache.sqlite3",
    }


def test_another_database_live_elsewhere_is_refused_without_a_spec_change() -> None:
    spec = Spec("/data", "production.sqlite3", "data")
    decision = decide(locate_databases(MULTI), spec, DATA)
    (refusal,) = decision.refusals
    assert refusal.database == "cache" and refusal.spec_change == ()
    assert refusal.fix == (
        "flyrun would set CACHE_DATABASE_URL=sqlite3:///data/production_cache.sqlite3 and the "
        "cache database would start empty there. No spec change can adopt it: flyrun names its "
        "file after `database` (production_cache.sqlite3); rename it to that with the app "
        "stopped, or give production.cache a `url:` of its own"
    )
    assert decision.adopted == ("/data/production.sqlite3", "/data/q")


def test_other_groups_are_refused_unless_declared_without_database() -> None:
    refusal = other_groups_refusal(["app", "worker", "worker", "clock"], SPEC)
    assert refusal is not None and refusal.check == "process groups"
    assert refusal.found.startswith("fly.toml [processes] runs 'worker', 'clock' besides 'app'")
    assert refusal.spec_change == ("groups_without_database: [worker, clock]",)
    declared = Spec(
        "/data", "production.sqlite", "data", groups_without_database=("worker", "clock")
    )
    assert other_groups_refusal(["app", "worker", "clock"], declared) is None
    assert other_groups_refusal(["app"], SPEC) is None


def test_machines_of_a_group_fly_toml_does_not_declare_are_refused_too() -> None:
    """`fly machines list` shows machines in process group 'worker' while fly.toml declares
    only 'app': the secret reaches them, the volume does not, and `fly deploy` destroys
    them (runner/facts/live_data.py UNDECLARED)."""
    machines = [("m1", "app"), ("w1", "worker"), ("w2", "worker"), ("c1", "clock")]
    refusal = other_groups_refusal(["app"], SPEC, machines)
    assert refusal is not None and refusal.check == "process groups"
    assert refusal.found.startswith(
        "fly.toml does not declare process groups 'worker', 'clock' in [processes], but "
        "machines run in them ('worker': w1, w2; 'clock': c1): `fly deploy` destroys the "
        'machines of a group its fly.toml does not declare (flyctl: `* destroy 2 "worker" '
        "machines`)"
    )
    assert "without volume 'data'" in refusal.found
    assert "`fly machine destroy w1`" in refusal.fix
    assert refusal.spec_change == ()  # the spec cannot list a group fly.toml lacks
    one = other_groups_refusal(["app"], SPEC, [("w1", "worker")])
    assert one is not None and "but machine w1 runs in it:" in one.found
    # the mounted group's machines, and flyctl's own short-lived ones, are no other group
    own = [("m1", "app"), ("r1", "fly_app_release_command"), ("x1", "fly_app_console")]
    assert other_groups_refusal(["app"], SPEC, own) is None
    # a declared group is said as such, and both kinds together in one refusal
    both = other_groups_refusal(["app", "jobs"], SPEC, [("j1", "jobs"), ("w1", "worker")])
    assert both is not None and both.found.startswith("fly.toml [processes] runs 'jobs'")
    assert "; fly.toml does not declare process group 'worker'" in both.found
    assert both.spec_change == ("groups_without_database: [jobs]",)


def test_fly_toml_mounts_fit_the_decision() -> None:
    mounts = [FlyTomlMount("data", "/data", None)]
    assert decide(locate_databases(yml("/data/production.sqlite")), SPEC, mounts).ok


DATABASE_YML = st.sampled_from(
    [
        yml("/data/production.sqlite3"),
        yml("db/p.sqlite3"),
        yml("/data/sub/x.sqlite3"),
        yml('<%= Litesupport.root("production").join("data.sqlite3") %>', "litedb"),
        yml("shop", "postgresql"),
        MULTI,
        "production: [",
        None,
        yml("<%= ENV['X'] %>"),
    ]
)
PATHS = st.sampled_from(
    [
        "/data/production.sqlite3",
        "/data/production.sqlite",
        "/data/a",
        "/data/production/data.sqlite3",
        "/storage/x.sqlite3",
        "/data/x-wal",
    ]
)


@given(
    DATABASE_YML,
    st.lists(st.tuples(PATHS, st.integers(-5, 10**9))) | st.none(),
    st.lists(st.sampled_from(["DATABASE_URL", "X", "LITESTACK_DATA_PATH"]), max_size=2),
    st.text(max_size=30),
    st.lists(st.sampled_from(["app", "worker", "web"]), max_size=3),
)
def test_never_raises(
    database_yml: str | None,
    files: list[tuple[str, int]] | None,
    names: list[str],
    value: str,
    groups: list[str],
) -> None:
    facts = locate_databases(database_yml, [("fly.toml [env]", n, value) for n in names], names[1:])
    listing = None if files is None else [VolumeFile(p, s) for p, s in files]
    mounts = [*DATA, Mount("storage", "/storage", ("web",))]
    decision = decide(facts, SPEC, mounts, process_groups=groups, volume_files=listing)
    for refusal in decision.refusals:
        assert refusal.message.startswith(refusal.check + ": ")
