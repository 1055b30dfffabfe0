"""Remote facts (runner/facts/remote.py) against a fake flyctl client: `prefetch` puts an
app's three queries in flight at once, and after an effect only the facts it invalidates are
fetched again (counted per query)."""

from __future__ import annotations

import threading
from collections import Counter
from pathlib import Path

import pytest

from runner.facts import AppFacts
from runner.facts.remote import Offline, RemoteFacts
from runner.flyctl import commands
from runner.flyctl.parse import Machine, MachineMount, Secret, Volume
from runner.model import Deployed, Effect, RecordState, WriteFile

VOLUME = Volume("vol_1", "shop_data", "iad", 3, "created", "m1")
SECRET = Secret("DATABASE_URL", "d1", "Deployed")
MACHINE = Machine("m1", "iad", "started", "app", (MachineMount("/data", "shop_data", "vol_1"),))
LISTING = "5\t/data/production.sqlite\nflyrun-listing-done\n"
# A safety net only: a correct prefetch never waits on it; a sequential one fails the test
# (broken barrier) instead of hanging the run.
DEADLOCK = 60.0


class Counting:
    """flyctl queries answering canned facts, counting each call by query."""

    def __init__(self) -> None:
        self.calls: Counter[str] = Counter()
        self._lock = threading.Lock()

    def _count(self, name: str) -> None:
        with self._lock:
            self.calls[name] += 1

    def volumes(self, app: str) -> tuple[Volume, ...]:
        self._count("volumes")
        return (VOLUME,)

    def secrets(self, app: str) -> tuple[Secret, ...]:
        self._count("secrets")
        return (SECRET,)

    def machines(self, app: str) -> tuple[Machine, ...]:
        self._count("machines")
        return (MACHINE,)

    def ssh(self, app: str, machine: str, script: str) -> str:
        self._count("volume_files")
        return LISTING


class AllAtOnce(Counting):
    """Each of volumes, secrets and machines blocks until all three are in flight: only
    concurrent callers get past the barrier."""

    def __init__(self) -> None:
        super().__init__()
        self.all_in_flight = threading.Event()
        self.threads: set[int] = set()
        self.barrier = threading.Barrier(3, action=self.all_in_flight.set, timeout=DEADLOCK)

    def _count(self, name: str) -> None:
        super()._count(name)
        self.threads.add(threading.get_ident())
        self.barrier.wait()


def test_prefetch_runs_the_three_queries_concurrently() -> None:
    flyctl = AllAtOnce()
    remote = RemoteFacts(flyctl, "shop")
    remote.prefetch()  # returns at once: the queries run in their own threads
    assert flyctl.all_in_flight.wait(DEADLOCK), "the three queries were never in flight together"
    assert len(flyctl.threads) == 3
    # The readers get the prefetched facts; nothing is asked twice.
    assert (remote.volumes(), remote.secrets(), remote.machines()) == (
        (VOLUME,),
        (SECRET,),
        (MACHINE,),
    )
    assert flyctl.calls == Counter(volumes=1, secrets=1, machines=1)
    assert not flyctl.barrier.broken


def test_prefetch_leaves_what_is_cached_alone() -> None:
    flyctl = Counting()
    remote = RemoteFacts(flyctl, "shop")
    remote.secrets()
    remote.prefetch()
    remote.volumes(), remote.secrets(), remote.machines()
    assert flyctl.calls == Counter(volumes=1, secrets=1, machines=1)


def test_prefetch_offline_asks_nothing() -> None:
    remote = RemoteFacts(None, "shop")
    remote.prefetch()  # no client: nothing to start, nothing raised
    with pytest.raises(Offline):  # a reader still learns why, not a prefetch's error
        remote.volumes()


def _read_all(facts: AppFacts) -> None:
    facts.remote.volumes()
    facts.remote.secrets()
    facts.remote.machines()
    facts.remote.volume_files("m1", "/data")


def _effects(root: Path) -> list[tuple[Effect, set[str]]]:
    """Each kind of effect flyrun performs, and the queries that must run again after it."""
    return [
        (commands.create_volume("shop", "shop_data", "iad", 3), {"volumes"}),
        (commands.extend_volume("shop", "vol_1", 5), {"volumes", "volume_files"}),
        (commands.import_secrets("shop", {"DATABASE_URL": "sqlite3:///data/x"}), {"secrets"}),
        (
            commands.import_secrets("shop", {"DATABASE_URL": "sqlite3:///data/x"}, stage=False),
            {"secrets", "machines"},
        ),
        (commands.unset_secrets("shop", ("FLYRUN_IMPORT_DATABASE_URL",)), {"secrets"}),
        (
            commands.deploy("shop", root, root / "fly.toml"),
            {"volumes", "secrets", "machines", "volume_files"},
        ),
        (commands.start_machine("shop", "m1"), {"machines", "volume_files"}),
        (WriteFile(root / "fly.toml", "", "x", root), set()),
        (RecordState(root / ".flyrun-state.json", "shop", Deployed()), set()),
    ]


IDS = [
    "create-volume",
    "extend-volume",
    "stage-secret",
    "set-secret",
    "unset-secret",
    "deploy",
    "start-machine",
    "write-file",
    "record-state",
]


@pytest.mark.parametrize("index", range(len(IDS)), ids=IDS)
def test_after_an_effect_only_what_it_invalidates_is_fetched_again(
    tmp_path: Path, index: int
) -> None:
    effect, again = _effects(tmp_path)[index]
    flyctl = Counting()
    facts = AppFacts(tmp_path, "shop", flyctl, tmp_path / ".flyrun-state.json")
    _read_all(facts)
    _read_all(facts)  # cached: no second call
    assert flyctl.calls == Counter(volumes=1, secrets=1, machines=1, volume_files=1)
    facts.invalidate(effect.invalidates)  # what the executor does once it performed `effect`
    _read_all(facts)
    expected = {name: 2 if name in again else 1 for name in flyctl.calls}
    assert dict(flyctl.calls) == expected
