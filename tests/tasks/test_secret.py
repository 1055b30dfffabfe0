"""Task `secret`, effect level: intent, staged import on stdin, record; verification."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from runner.flyctl.commands import FlyctlCommand
from runner.model import RecordState, SecretIntent, SecretSet, Status
from runner.state_file import sha256
from runner.tasks.base import Options
from runner.tasks.secret import SecretTask
from tests.tasks.canned import URL, Canned, context, secret

ARGS = {"mount_path": "/mnt/shop_data", "database": "production.sqlite"}


def _state(root: Path, entry: dict[str, object]) -> None:
    data = {"format_version": 2, "apps": {"shop": {"secrets": {"DATABASE_URL": entry}}}}
    (root / ".flyrun-state.json").write_text(json.dumps(data))


def test_absent_is_staged_on_stdin_between_intent_and_record(tmp_path: Path) -> None:
    outcome = SecretTask().check(context(tmp_path, Canned(), args=ARGS))
    intent, run, record = outcome.effects
    assert isinstance(intent, RecordState) and intent.change == SecretIntent(
        "DATABASE_URL", sha256(URL), None
    )
    assert isinstance(run, FlyctlCommand)
    assert run.argv == ("secrets", "import", "--app", "shop", "--stage")
    assert run.stdin == f"DATABASE_URL={URL}\n" and run.secret_names == ("DATABASE_URL",)
    assert all(URL not in part for part in run.argv) and URL not in repr(run)
    assert URL not in run.describe()
    assert isinstance(record, RecordState) and record.change == SecretSet(
        "DATABASE_URL", sha256(URL)
    )
    assert outcome.provided("secrets") == ("DATABASE_URL",)


def test_legacy_md5_digest_is_compared(tmp_path: Path) -> None:
    md5 = hashlib.md5(URL.encode()).hexdigest()
    outcome = SecretTask().check(context(tmp_path, Canned(secrets_=(secret(md5),)), args=ARGS))
    assert outcome.status is Status.OK and "legacy MD5" in outcome.message


def test_unverifiable_is_unknown_unless_replace(tmp_path: Path) -> None:
    canned = Canned(secrets_=(secret("522d6815e668a102"),))
    assert SecretTask().check(context(tmp_path, canned, args=ARGS)).status is Status.UNKNOWN
    allowed = context(tmp_path, canned, args=ARGS, options=Options(replace_database_url=True))
    replacing = SecretTask().check(allowed)
    assert replacing.status is Status.CHANGED
    intent = replacing.effects[0]
    assert isinstance(intent, RecordState) and intent.change == SecretIntent(
        "DATABASE_URL", sha256(URL), "522d6815e668a102"
    )


def test_recorded_digest_verifies(tmp_path: Path) -> None:
    _state(tmp_path, {"sha256": sha256(URL), "digest": "522d6815e668a102"})
    outcome = SecretTask().check(
        context(tmp_path, Canned(secrets_=(secret("522d6815e668a102"),)), args=ARGS)
    )
    assert outcome.status is Status.OK and "digest matches" in outcome.message


def test_a_lost_response_is_recognised_by_the_intent(tmp_path: Path) -> None:
    """The import landed but its response was lost: no record, only the intent. The digest
    changed after it, so the value is flyrun's own: record it, no override needed."""
    _state(tmp_path, {"intent": {"sha256": sha256(URL), "replaces": None}})
    outcome = SecretTask().check(context(tmp_path, Canned(secrets_=(secret("abcd"),)), args=ARGS))
    assert outcome.status is Status.CHANGED
    (record,) = outcome.effects
    assert isinstance(record, RecordState) and record.change == SecretSet(
        "DATABASE_URL", sha256(URL)
    )
    assert "response was lost" in outcome.notes[0]


def test_an_intent_that_did_not_land_changes_nothing(tmp_path: Path) -> None:
    """The digest is still the one the intent replaced: the import never landed."""
    _state(tmp_path, {"intent": {"sha256": sha256(URL), "replaces": "old1"}})
    canned = Canned(secrets_=(secret("old1"),))
    assert SecretTask().check(context(tmp_path, canned, args=ARGS)).status is Status.UNKNOWN


def test_someone_elses_value_after_an_intent_for_another_value_is_not_equal(tmp_path: Path) -> None:
    _state(tmp_path, {"intent": {"sha256": sha256("sqlite3:///elsewhere"), "replaces": None}})
    canned = Canned(secrets_=(secret("abcd"),))
    allowed = context(tmp_path, canned, args=ARGS, options=Options(replace_database_url=True))
    outcome = SecretTask().check(allowed)
    assert outcome.status is Status.CHANGED
    assert any("was setting another value" in note for note in outcome.notes)


def test_multi_db_urls_follow_the_reused_env_database(tmp_path: Path) -> None:
    files = {
        "fly.toml": 'app = "shop"\n\n[env]\n  DATABASE_URL = "sqlite3:///mnt/shop_data/production.sqlite3"\n',
        "config/database.yml": "production:\n  primary:\n    database: storage/production.sqlite3\n"
        "  cache:\n    database: storage/production_cache.sqlite3\n",
    }
    outcome = SecretTask().check(context(tmp_path, Canned(), files=files, args=ARGS))
    run = next(e for e in outcome.effects if isinstance(e, FlyctlCommand))
    assert run.stdin == "CACHE_DATABASE_URL=sqlite3:///mnt/shop_data/production_cache.sqlite3\n"
    assert any("comes from fly.toml [env]" in note for note in outcome.notes)
    assert outcome.provided("env") == ("DATABASE_URL",)


def test_a_reused_env_url_naming_another_file_says_the_spec_is_not_used(tmp_path: Path) -> None:
    """Safe (the app keeps its live file) but the spec's `database` is not honoured: said."""
    files = {
        "fly.toml": 'app = "shop"\n\n[env]\n  DATABASE_URL = "sqlite3:///mnt/shop_data/live.db"\n'
    }
    outcome = SecretTask().check(context(tmp_path, Canned(), files=files, args=ARGS))
    said = " ".join((outcome.message, *outcome.notes))
    assert "at live.db, not the spec's database production.sqlite" in said
    assert "write `database: live.db` in the spec" in said
    same = {"fly.toml": files["fly.toml"].replace("live.db", "production.sqlite")}
    outcome = SecretTask().check(context(tmp_path, Canned(), files=same, args=ARGS))
    assert "not the spec's" not in " ".join((outcome.message, *outcome.notes))
