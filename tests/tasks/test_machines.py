"""Task `machines_use_volume`, effect level."""

from __future__ import annotations

import hashlib
from pathlib import Path

from runner.model import Outcome, Status
from runner.tasks.machines import MachinesUseVolumeTask
from tests.tasks.canned import URL, Canned, context, machine, secret

ARGS = {"volume": "shop_data", "mount_path": "/mnt/shop_data", "process_group": "app"}
SECRETS = Outcome(Status.OK, "", provides=(("secrets", ("DATABASE_URL",)),))
MD5 = hashlib.md5(URL.encode()).hexdigest()


def _check(tmp_path: Path, canned: Canned, required: Outcome = SECRETS) -> Outcome:
    ctx = context(tmp_path, canned, args=ARGS, required={"secret": required})
    return MachinesUseVolumeTask().check(ctx)


def test_pending_until_mounted_and_deployed(tmp_path: Path) -> None:
    bare = _check(tmp_path, Canned(machines_=(machine(),), secrets_=(secret(MD5),)))
    assert bare.status is Status.CHANGED and "does not mount" in bare.message
    staged = _check(
        tmp_path, Canned(machines_=(machine(mounted=True),), secrets_=(secret(MD5, "Staged"),))
    )
    assert staged.status is Status.CHANGED and "Staged, not Deployed" in staged.message
    done = _check(tmp_path, Canned(machines_=(machine(mounted=True),), secrets_=(secret(MD5),)))
    assert done.status is Status.OK and done.effects == ()


def test_it_checks_only_the_secrets_the_secret_task_manages(tmp_path: Path) -> None:
    canned = Canned(machines_=(machine(mounted=True),))
    from_env = Outcome(Status.OK, "", provides=(("env", ("DATABASE_URL",)),))
    assert _check(tmp_path, canned, from_env).status is Status.OK
    assert _check(tmp_path, canned).message.endswith("DATABASE_URL is not set")


def test_no_machine_yet_is_pending(tmp_path: Path) -> None:
    outcome = _check(tmp_path, Canned(secrets_=(secret(MD5),)))
    assert outcome.status is Status.CHANGED and "no machine in group 'app' yet" in outcome.message


def test_old_flyctl_without_status_is_judged_by_the_record(tmp_path: Path) -> None:
    canned = Canned(machines_=(machine(mounted=True),), secrets_=(secret(MD5, None),))
    outcome = _check(tmp_path, canned)
    assert outcome.status is Status.OK and "needs flyctl v0.4.6+" in outcome.notes[0]


def test_the_secret_task_is_a_declared_requirement() -> None:
    assert "secret" in MachinesUseVolumeTask.requires
