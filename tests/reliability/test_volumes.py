"""A volume is never deleted or shrunk: flyrun can build no command that destroys one, and
whatever volumes exist, the volume task asks only to create a missing one or grow one."""

from __future__ import annotations

import inspect

from hypothesis import given, settings
from hypothesis import strategies as st

from runner.flyctl import commands
from runner.flyctl.parse import Volume
from runner.tasks.volume import Want, decide

# Every mutation flyrun can build (runner/flyctl/commands.py is the only constructor).
ALLOWED = {
    ("volumes", "create"),
    ("volumes", "extend"),
    ("secrets", "import"),
    ("secrets", "unset"),
    ("deploy",),
    ("machine", "start"),  # restoring Postgres after a failed import (docs/import.md)
}


def test_no_mutation_but_the_allowed_ones_can_be_built() -> None:
    builders = [
        f
        for name, f in inspect.getmembers(commands, inspect.isfunction)
        if f.__module__ == commands.__name__ and not name.startswith("_")
    ]
    source = inspect.getsource(commands)
    assert "destroy" not in source and "fork" not in source
    assert {b.__name__ for b in builders} == {
        "create_volume",
        "extend_volume",
        "import_secrets",
        "unset_secrets",
        "deploy",
        "start_machine",
    }
    built = [
        commands.create_volume("a", "v", "iad", 3),
        commands.extend_volume("a", "vol_1", 3),
        commands.import_secrets("a", {"X": "y"}),
        commands.unset_secrets("a", ("X",)),
        commands.start_machine("a", "m_1"),
    ]
    assert {c.argv[:2] for c in built} | {("deploy",)} == ALLOWED


VOLUMES = st.lists(
    st.builds(
        Volume,
        id=st.sampled_from(["vol_1", "vol_2", "vol_3"]),
        name=st.sampled_from(["shop_data", "other"]),
        region=st.sampled_from(["iad", "ams"]),
        size_gb=st.integers(1, 500),
        state=st.just("created"),
        attached_machine_id=st.none(),
    ),
    max_size=4,
)


@settings(max_examples=200, deadline=None, database=None)
@given(volumes=VOLUMES, size=st.integers(1, 500))
def test_the_volume_task_only_creates_or_grows(volumes: list[Volume], size: int) -> None:
    outcome = decide("shop", Want("shop_data", size, "iad"), tuple(volumes))
    here = [v for v in volumes if v.name == "shop_data" and v.region == "iad"]
    for effect in outcome.effects:
        argv = effect.argv  # type: ignore[union-attr]
        assert argv[:2] in (("volumes", "create"), ("volumes", "extend"))
        if argv[1] == "create":
            assert not here  # never a second volume of the name in the region
        else:
            volume = next(v for v in here if v.id == argv[2])
            assert int(argv[argv.index("--size") + 1]) > volume.size_gb  # grows only
