from __future__ import annotations

import json
import multiprocessing
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from runner.errors import RunnerError
from runner.model import Deployed, SecretIntent, SecretSet
from runner.state_file import (
    Intent,
    SecretRecord,
    check_usable,
    record,
    secret_record,
    sha256,
)

URL = "sqlite3:///mnt/shop_data/production.sqlite"


def test_round_trip_holds_hash_not_value(tmp_path: Path) -> None:
    state = tmp_path / ".flyrun-state.json"
    assert secret_record(state, "shop", "DATABASE_URL") is None
    record(state, "shop", SecretSet("DATABASE_URL", sha256(URL)), "522d6815e668a102")
    record(state, "blog", SecretSet("DATABASE_URL", sha256("x")), "0000000000000000")
    assert secret_record(state, "shop", "DATABASE_URL") == SecretRecord(
        sha256(URL), "522d6815e668a102", deploy_pending=True
    )
    assert URL not in state.read_text()
    assert set(json.loads(state.read_text())["apps"]) == {"shop", "blog"}


def test_intent_before_the_change_and_cleared_by_the_record(tmp_path: Path) -> None:
    state = tmp_path / ".flyrun-state.json"
    record(state, "shop", SecretIntent("DATABASE_URL", sha256(URL), "aaaa"))
    assert secret_record(state, "shop", "DATABASE_URL") == SecretRecord(
        None, None, intent=Intent(sha256(URL), "aaaa")
    )
    record(state, "shop", SecretSet("DATABASE_URL", sha256(URL)), "bbbb")
    assert secret_record(state, "shop", "DATABASE_URL") == SecretRecord(
        sha256(URL), "bbbb", deploy_pending=True
    )


def test_deploy_pending_until_deployed(tmp_path: Path) -> None:
    state = tmp_path / ".flyrun-state.json"
    record(state, "shop", SecretSet("DATABASE_URL", "s"), "d")
    record(state, "shop", Deployed())
    assert secret_record(state, "shop", "DATABASE_URL") == SecretRecord("s", "d", False)
    before = state.read_bytes()
    record(state, "shop", Deployed())  # nothing pending: the file is not rewritten
    assert state.read_bytes() == before


def test_a_set_without_a_digest_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(RunnerError, match="not listed right after it was set"):
        record(tmp_path / ".flyrun-state.json", "shop", SecretSet("DATABASE_URL", "s"), None)


def test_version_1_files_still_read(tmp_path: Path) -> None:
    state = tmp_path / ".flyrun-state.json"
    v1 = {
        "format_version": 1,
        "apps": {"shop": {"secrets": {"DATABASE_URL": {"sha256": "s", "digest": "d"}}}},
    }
    state.write_text(json.dumps(v1))
    assert secret_record(state, "shop", "DATABASE_URL") == SecretRecord("s", "d")
    record(state, "shop", SecretSet("DATABASE_URL", "t"), "e")
    assert json.loads(state.read_text())["format_version"] == 2


def test_corrupt_state_file_is_a_located_error(tmp_path: Path) -> None:
    state = tmp_path / ".flyrun-state.json"
    state.write_text("{\n  oops\n}")
    with pytest.raises(RunnerError, match=r"\.flyrun-state\.json:2:3: not valid JSON"):
        secret_record(state, "shop", "DATABASE_URL")


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ('{"format_version": 9, "apps": {}}', "format_version 9"),
        ('{"format_version": 1, "apps": {"shop": []}}', "apps.shop is not a mapping"),
        ('{"format_version": 2, "apps": {"other": 3}}', "apps.other is not a mapping"),
        (
            '{"format_version": 2, "apps": {"a": {"secrets": {"DATABASE_URL": {"sha256": 1}}}}}',
            "apps.a.secrets.DATABASE_URL: sha256 is not a string",
        ),
    ],
)
def test_the_whole_file_is_validated_before_use(tmp_path: Path, text: str, problem: str) -> None:
    state = tmp_path / ".flyrun-state.json"
    state.write_text(text)
    with pytest.raises(RunnerError, match=problem):
        check_usable(state)  # another app's broken entry counts too: checked before any effect


def test_parallel_threads_keep_every_record(tmp_path: Path) -> None:
    state = tmp_path / ".flyrun-state.json"

    def save(number: int) -> None:
        record(state, f"app{number}", SecretSet("DATABASE_URL", "s"), f"d{number}")

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(save, range(32)))
    assert set(json.loads(state.read_text())["apps"]) == {f"app{n}" for n in range(32)}


def _save_many(state: str, prefix: str) -> None:
    for number in range(40):
        record(Path(state), f"{prefix}{number}", SecretSet("DATABASE_URL", "s"), "d")


def test_parallel_processes_keep_every_record(tmp_path: Path) -> None:
    state = tmp_path / ".flyrun-state.json"
    context = multiprocessing.get_context("fork")
    workers = [context.Process(target=_save_many, args=(str(state), f"p{i}-")) for i in range(4)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(60)
        assert worker.exitcode == 0
    assert len(json.loads(state.read_text())["apps"]) == 160
