from __future__ import annotations

import json
from pathlib import Path

import pytest

from runner.errors import RunnerError
from runner.record import SecretRecord, save_secret_record, secret_record, sha256


def test_round_trip_holds_hash_not_value(tmp_path: Path) -> None:
    state = tmp_path / ".flyrun-state.json"
    value = "sqlite3:///mnt/shop_data/production.sqlite"
    assert secret_record(state, "shop", "DATABASE_URL") is None
    save_secret_record(
        state, "shop", "DATABASE_URL", SecretRecord(sha256(value), "522d6815e668a102")
    )
    save_secret_record(state, "blog", "DATABASE_URL", SecretRecord(sha256("x"), "0000000000000000"))
    assert secret_record(state, "shop", "DATABASE_URL") == SecretRecord(
        sha256(value), "522d6815e668a102"
    )
    assert value not in state.read_text()
    assert set(json.loads(state.read_text())["apps"]) == {"shop", "blog"}


def test_corrupt_state_file_is_a_located_error(tmp_path: Path) -> None:
    state = tmp_path / ".flyrun-state.json"
    state.write_text("{\n  oops\n}")
    with pytest.raises(RunnerError, match=r"\.flyrun-state\.json:2:3: not valid JSON"):
        secret_record(state, "shop", "DATABASE_URL")


def test_parallel_apps_keep_every_record(tmp_path: Path) -> None:
    from concurrent.futures import ThreadPoolExecutor

    state = tmp_path / ".flyrun-state.json"

    def save(number: int) -> None:
        save_secret_record(state, f"app{number}", "DATABASE_URL", SecretRecord("s", f"d{number}"))

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(save, range(32)))
    assert set(json.loads(state.read_text())["apps"]) == {f"app{n}" for n in range(32)}


def test_deploy_pending_until_marked_deployed(tmp_path: Path) -> None:
    from runner.record import mark_deployed

    state = tmp_path / ".flyrun-state.json"
    save_secret_record(state, "shop", "DATABASE_URL", SecretRecord("s", "d", deploy_pending=True))
    assert secret_record(state, "shop", "DATABASE_URL") == SecretRecord("s", "d", True)
    mark_deployed(state, "shop")
    assert secret_record(state, "shop", "DATABASE_URL") == SecretRecord("s", "d", False)


@pytest.mark.parametrize(
    "text", ['{"format_version": 2, "apps": {}}', '{"format_version": 1, "apps": {"shop": []}}']
)
def test_unusable_state_files_are_clear_errors(tmp_path: Path, text: str) -> None:
    state = tmp_path / ".flyrun-state.json"
    state.write_text(text)
    with pytest.raises(RunnerError, match=r"\.flyrun-state\.json"):
        secret_record(state, "shop", "DATABASE_URL")
