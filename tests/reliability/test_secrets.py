"""Secrets: `DATABASE_URL`'s value, the password of any database URL in fly.toml or the
Dockerfile, and the access token in the environment appear in no argv, output format, diff,
exception, state file or call log: every byte of a check → apply → check, and of failures."""

from __future__ import annotations

from pathlib import Path

import pytest

from runner.simulator.state import add_fault
from tests.cli.harness import FlyApp
from tests.reliability.helpers import URL

TOKEN = "FlyV1 fm2_lJPECAAAAAAAAMmTxBDBHuTtz3SECRETTOKENvLmZseS5pbw=="
PASSWORDS = ("TomlPass1", "TomlPass2", "DockerPass3", "DockerPass4", "RakePass5")
SECRETS = (URL, TOKEN, "SECRETTOKEN", *PASSWORDS)


def _plant(app: Path) -> None:
    """Database URLs with passwords where reports quote or diff the files."""
    toml = app / "fly.toml"
    toml.write_text(
        toml.read_text().replace("[env]\n", '[env]\n  CACHE_URL = "postgres://u:TomlPass1@db/c"\n')
        + '\n[metrics]\n  port = 9091\n  path = "/metrics" # from postgres://m:TomlPass2@db/m\n'
    )
    docker = app / "Dockerfile"
    docker.write_text(
        docker.read_text()
        .replace("ENV PORT 8080", "ENV PORT 8080\nENV REPLICA_URL=postgres://r:DockerPass3@db/r")
        .replace(
            "CMD ${SERVER_COMMAND}", "CMD REDIS_URL=redis://:DockerPass4@r/0 ${SERVER_COMMAND}"
        )
    )
    rake = app / "lib" / "tasks" / "fly.rake"
    rake.write_text(
        rake.read_text().replace(
            "task :release => 'db:migrate'",
            "task :release => 'db:migrate' # was postgres://x:RakePass5@old/db",
        )
    )


def _run(app: FlyApp, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    code, out, err = app.run(capsys, *args)
    return code, out + err


def test_no_secret_in_any_byte_of_a_full_run_and_its_failures(
    quick_app: FlyApp, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FLY_API_TOKEN", TOKEN)
    app = quick_app
    _plant(app.app_dir)
    state = app.state
    state["logged_in"] = False  # flyctl is logged in by the token alone
    echo = f"Error: rejected {URL} (token {TOKEN})"  # a flyctl that echoes what it got
    add_fault(state, "secrets import", "fail", stderr=echo)
    add_fault(state, "volumes list", "garbage", stdout=f"<html>{TOKEN}</html>", times=1)
    app.edit_state(state)
    seen: list[tuple[str, int, str]] = []
    runs = [
        ("check",),  # garbage from flyctl: a failure
        ("check", "-v"),
        ("check", "--format", "json"),
        ("check", "--format", "github"),
        ("apply", "-v", "--format", "json"),  # the import fails, echoing value and token
        ("apply", "-v"),
        ("check", "-v", "--format", "json"),
        ("check", "--format", "github"),
    ]
    for args in runs:
        code, text = _run(app, capsys, *args)
        seen.append((" ".join(args), code, text))
    assert [code for _, code, _ in seen] == [1, 2, 2, 2, 1, 0, 0, 0], [s[:2] for s in seen]
    assert "<redacted>" in seen[4][2]  # the failure was reported, without what it echoed
    files = {
        "stdout/stderr": "\n".join(text for *_, text in seen),
        ".flyrun-state.json": (app.app_dir / ".flyrun-state.json").read_text(),
        "call log": app.log_text(),
    }
    for where, text in files.items():
        for secret in SECRETS:
            assert secret not in text, f"{secret!r} in {where}"


def test_a_database_url_in_the_environment_is_refused_without_its_password(
    quick_app: FlyApp, capsys: pytest.CaptureFixture[str]
) -> None:
    toml = quick_app.app_dir / "fly.toml"
    toml.write_text(
        toml.read_text().replace(
            "[env]\n", '[env]\n  DATABASE_URL = "postgres://u:EnvPass6@db/x"\n'
        )
    )
    for args in (("check",), ("check", "--format", "json"), ("apply", "--format", "github")):
        code, text = _run(quick_app, capsys, *args)
        assert code == 1 and "another database" in text
        assert "EnvPass6" not in text


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("postgres://u:p4ss@db/x", "postgres://u:…@db/x"),
        (
            'url = "redis://:p4ss@r:6379/0" # and mysql2://a:b@h',
            'url = "redis://:…@r:6379/0" # and mysql2://a:…@h',
        ),
        ("postgres://u:p@ss@db/x", "postgres://u:…@db/x"),  # an unescaped @ in the password
        ("sqlite3:///mnt/data/production.sqlite", "sqlite3:///mnt/data/production.sqlite"),
        (
            "http://host:8080/path and postgres://user@db/x",
            "http://host:8080/path and postgres://user@db/x",
        ),
    ],
)
def test_credentials_in_text_are_redacted(text: str, shown: str) -> None:
    from runner.model import redact_credentials

    assert redact_credentials(text) == shown
