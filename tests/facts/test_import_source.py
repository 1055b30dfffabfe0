"""Facts of a Postgres import: the source URL as printed by a machine (markers, banners,
pseudo-terminals), url_env, the redaction of the URL and its password, and files read from
the volume."""

from __future__ import annotations

import pytest

from runner.errors import RunnerError
from runner.facts.import_source import (
    ENV_SCRIPT,
    SourceUrl,
    from_environment,
    is_postgres,
    parse_env,
)
from runner.facts.redact import Redactor, display, mask_urls
from runner.facts.remote import parse_file

URL = "postgresql://app%40x:p%40ss-w0rd!@db.internal:5433/app_prod?sslmode=require"


def test_env_script_prints_both_variables_between_markers() -> None:
    assert '"$DATABASE_URL"' in ENV_SCRIPT and '"$FLYRUN_IMPORT_DATABASE_URL"' in ENV_SCRIPT
    out = "Connecting to fdaa:0:1::3...\r\nflyrun-env-begin\r\nDATABASE_URL=" + URL + "\r\n"
    out += "FLYRUN_IMPORT_DATABASE_URL=\r\nflyrun-env-end\r\n"
    assert parse_env(out) == {"DATABASE_URL": URL, "FLYRUN_IMPORT_DATABASE_URL": ""}


@pytest.mark.parametrize(
    "out",
    [
        "DATABASE_URL=x\n",  # no markers: the script did not run to the end
        "flyrun-env-begin\nDATABASE_URL=a\nb\nFLYRUN_IMPORT_DATABASE_URL=\nflyrun-env-end\n",
        "flyrun-env-begin\nDATABASE_URL=a\nflyrun-env-end\n",
    ],
)
def test_env_output_that_is_not_certain_is_none(out: str) -> None:
    assert parse_env(out) is None


def test_url_env_and_what_counts_as_postgres() -> None:
    assert is_postgres(URL) and is_postgres("postgres://h/db") and not is_postgres("postgres:x")
    assert not is_postgres("mysql2://h/db") and not is_postgres("")
    found = from_environment("PG", {"PG": f" {URL} "})
    assert found.url is not None and found.url.value == URL and found.url.variable is None
    missing = from_environment("PG", {})
    assert missing.url is None and missing.problem is not None and "is not set" in missing.problem


def test_the_url_is_never_in_repr_or_str() -> None:
    url = SourceUrl(URL, "DATABASE_URL on machine m1", "DATABASE_URL")
    assert URL not in repr(url) and URL not in str(url) and "p%40ss" not in str(url)
    assert str(url) == "postgresql://…@db.internal:5433/app_prod (DATABASE_URL on machine m1)"


def test_redactor_masks_url_decoded_url_and_password() -> None:
    redact = Redactor()
    assert not redact.active and redact("x") == "x"
    redact.add_url(URL)
    text = f"a {URL} b postgresql://app@x:p@ss-w0rd!@db.internal c p@ss-w0rd! d p%40ss-w0rd!"
    masked = redact(text)
    assert "p@ss-w0rd!" not in masked and "p%40ss-w0rd!" not in masked
    assert masked.startswith("a postgresql://…@db.internal:5433/app_prod b ")
    query = Redactor()
    query.add_url("postgres://db/app?password=qu3ry-secret")
    assert query("qu3ry-secret") == "[redacted]"
    short = Redactor()
    short.add_url("postgres://u:pw@db/app")  # too short to mask alone; the URL still is
    assert short("pw postgres://u:pw@db/app") == "pw postgres://…@db/app"


def test_display_and_mask_urls() -> None:
    assert display("postgres://db.internal/app") == "postgres://db.internal/app"
    assert display("postgres://u:p@[::1]:5432/app") == "postgres://…@::1:5432/app"
    assert mask_urls("error: postgres://u:p@h/db failed") == "error: postgres://… failed"


def test_files_from_the_volume() -> None:
    assert parse_file("banner\nflyrun-file-begin\n{}\n\nflyrun-file-end\n", "m", "/x") == "{}"
    assert parse_file("flyrun-file-begin\r\na\r\nb\r\n\r\nflyrun-file-end\r\n", "m", "/x") == "a\nb"
    assert parse_file("flyrun-file-absent\n", "m", "/x") is None
    with pytest.raises(RunnerError, match="did not complete"):
        parse_file("flyrun-file-begin\n{", "m", "/x")
