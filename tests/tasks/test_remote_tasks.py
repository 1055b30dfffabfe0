"""Given these facts, these effects: the remote tasks with canned flyctl facts (no flyctl)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from runner.files import FileView
from runner.flyctl_json import Machine, MachineMount, Secret, Volume
from runner.model import RecordSecret, RunFlyctl, Status
from runner.spec import AppSpec, VolumeSpec
from runner.tasks.base import Options, Remote, TaskContext
from runner.tasks.machines import MachinesUseVolumeTask
from runner.tasks.secret import SecretTask
from runner.tasks.volume import VolumeTask

URL = "sqlite3:///mnt/shop_data/production.sqlite"


class Canned(Remote):
    def __init__(
        self,
        volumes: tuple[Volume, ...] = (),
        secrets: tuple[Secret, ...] = (),
        machines: tuple[Machine, ...] = (),
    ) -> None:
        super().__init__(None, "shop")
        self.__dict__.update(volumes=volumes, secrets=secrets, machines=machines)


def ctx(tmp_path: Path, remote: Remote, **changes: object) -> TaskContext:
    spec = AppSpec(
        spec_file=tmp_path / "fly-sqlite.yml",
        app="shop",
        path=tmp_path,
        volume=VolumeSpec("shop_data", 3, "iad"),
        mount_path="/mnt/shop_data",
        database="production.sqlite",
        process_group="app",
        silence_sqlite_warning="auto",
        replace_database_url=False,
        deploy=True,
    )
    for key, value in changes.items():
        object.__setattr__(spec, key, value)
    return TaskContext(spec, FileView(), remote, Options())


def vol(size: int, region: str = "iad", vid: str = "vol_1") -> Volume:
    return Volume(vid, "shop_data", region, size, "created", None)


def test_volume_absent_gives_create(tmp_path: Path) -> None:
    outcome = VolumeTask("v").check(ctx(tmp_path, Canned(volumes=(vol(3, "ams"),))))
    (effect,) = outcome.effects
    assert isinstance(effect, RunFlyctl)
    assert effect.argv == (
        "volumes",
        "create",
        "shop_data",
        "--app",
        "shop",
        "--region",
        "iad",
        "--size",
        "3",
        "--yes",
        "--json",
    )
    assert "also exists in ams" in outcome.notes[0]


@pytest.mark.parametrize(("size", "status"), [(1, Status.CHANGED), (3, Status.OK), (9, Status.OK)])
def test_volume_grows_only(tmp_path: Path, size: int, status: Status) -> None:
    outcome = VolumeTask("v").check(ctx(tmp_path, Canned(volumes=(vol(size),))))
    assert outcome.status is status
    if status is Status.CHANGED:
        (effect,) = outcome.effects
        assert isinstance(effect, RunFlyctl)
        assert effect.argv[:3] == ("volumes", "extend", "vol_1")


def test_secret_absent_is_staged_on_stdin_and_recorded(tmp_path: Path) -> None:
    outcome = SecretTask("s").check(ctx(tmp_path, Canned()))
    run, record = outcome.effects
    assert isinstance(run, RunFlyctl) and isinstance(record, RecordSecret)
    assert run.argv == ("secrets", "import", "--app", "shop", "--stage")
    assert run.stdin == f"DATABASE_URL={URL}\n" and run.secret
    assert all(URL not in part for part in run.argv)
    assert record.value_sha256 == hashlib.sha256(URL.encode()).hexdigest()


def test_secret_unverifiable_is_unknown_unless_replace(tmp_path: Path) -> None:
    remote = Canned(secrets=(Secret("DATABASE_URL", "522d6815e668a102", "Deployed"),))
    assert SecretTask("s").check(ctx(tmp_path, remote)).status is Status.UNKNOWN
    replacing = SecretTask("s").check(ctx(tmp_path, remote, replace_database_url=True))
    assert replacing.status is Status.CHANGED


def test_machines_pending_until_mounted_and_deployed(tmp_path: Path) -> None:
    mounted = Machine(
        "m1", "iad", "started", "app", (MachineMount("/mnt/shop_data", "shop_data", "vol_1"),)
    )
    bare = Machine("m1", "iad", "started", "app", ())
    md5 = hashlib.md5(URL.encode()).hexdigest()
    staged = Secret("DATABASE_URL", md5, "Staged")
    deployed = Secret("DATABASE_URL", md5, "Deployed")
    task = MachinesUseVolumeTask("m")
    assert (
        task.check(ctx(tmp_path, Canned(machines=(bare,), secrets=(deployed,)))).status
        is Status.CHANGED
    )
    assert (
        task.check(ctx(tmp_path, Canned(machines=(mounted,), secrets=(staged,)))).status
        is Status.CHANGED
    )
    done = task.check(ctx(tmp_path, Canned(machines=(mounted,), secrets=(deployed,))))
    assert done.status is Status.OK and done.effects == ()


def test_multi_db_urls_follow_the_reused_env_database(tmp_path: Path) -> None:
    (tmp_path / "fly.toml").write_text(
        'app = "shop"\n\n[env]\n  DATABASE_URL = "sqlite3:///mnt/shop_data/production.sqlite3"\n')
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "database.yml").write_text(
        "production:\n  primary:\n    database: storage/production.sqlite3\n"
        "  cache:\n    database: storage/production_cache.sqlite3\n")
    outcome = SecretTask("s").check(ctx(tmp_path, Canned()))
    run = outcome.effects[0]
    assert isinstance(run, RunFlyctl)
    assert run.stdin == "CACHE_DATABASE_URL=sqlite3:///mnt/shop_data/production_cache.sqlite3\n"
    assert any("comes from fly.toml [env]" in note for note in outcome.notes)
