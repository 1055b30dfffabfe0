"""`secrets list|set|unset|import|deploy`: digests, staging, shapes by version, errors."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import Any

from runner.simulator import state as st
from runner.simulator.cli import execute
from runner.simulator.context import Stdin
from tests.simulator.conftest import Call, Sim, fresh

STAGED = (
    "Secrets have been staged, but not set on VMs. Deploy or update machines in this app for "
    "the secrets to take effect.\n"
)
DB_URL = "sqlite3:///data/production.sqlite3"


def deployed_state() -> dict[str, Any]:
    state = fresh()
    volume = st.add_volume(state, "shop", "data", "iad", 1)
    st.add_machine(state, "shop", "iad", mounts=[volume["id"]])
    return state


def test_import_staged_and_digest(call: Call) -> None:
    state = fresh()
    out = call(
        state,
        "secrets",
        "import",
        "-a",
        "shop",
        "--stage",
        stdin=f"DATABASE_URL={DB_URL}\n".encode(),
    )
    assert (out.exit_code, out.stdout) == (0, STAGED)
    assert out.stdin_log == "DATABASE_URL=***\n"
    listed = json.loads(call(state, "secrets", "list", "-a", "shop", "--json").stdout)
    assert listed == [{"name": "DATABASE_URL", "digest": listed[0]["digest"], "status": "Staged"}]
    digest = listed[0]["digest"]
    assert re.fullmatch(r"[0-9a-f]{16}", digest)
    assert digest == st.secret_digest(state, "shop", DB_URL)
    for plain in (hashlib.md5, hashlib.sha1, hashlib.sha256):
        assert not plain(DB_URL.encode()).hexdigest().startswith(digest)


def test_digest_is_per_app(call: Call) -> None:
    state = st.new_state(["a", "b"])
    for app in ("a", "b"):
        call(state, "secrets", "set", "X=same", "-a", app, "--stage")
    assert (
        state["apps"]["a"]["secrets"]["X"]["digest"] != state["apps"]["b"]["secrets"]["X"]["digest"]
    )


def test_legacy_md5_digest(call: Call) -> None:
    state = fresh()
    st.add_secret(state, "shop", "MY_KEY", "asdf", legacy_md5=True)
    listed = json.loads(call(state, "secrets", "list", "-a", "shop", "--json").stdout)
    assert listed[0]["digest"] == "912ec803b2ce49e4a541068d495ab570"
    state["apps"]["shop"]["digest_style"] = "md5"
    call(state, "secrets", "set", "OTHER=romance", "-a", "shop")
    assert state["apps"]["shop"]["secrets"]["OTHER"]["digest"] == "b9e37b7b239ee4aefc75352fe3fa6dc6"


def test_first_deployment_message_and_set_forms(call: Call) -> None:
    state = fresh()
    out = call(state, "secrets", "set", "A=1", "B=x=y", "-a", "shop")
    assert out.stdout == "Secrets are staged for the first deployment\n"
    assert set(state["apps"]["shop"]["secrets"]) == {"A", "B"}
    bad = call(state, "secrets", "set", "NOEQUALS", "-a", "shop")
    assert bad.stderr == (
        "Error: could not parse secrets: 'NOEQUALS': must be in the format NAME=VALUE\n"
    )


def test_set_from_stdin(call: Call) -> None:
    state = fresh()
    out = call(state, "secrets", "set", "K=-", "-a", "shop", "--stage", stdin=b"  value\n")
    assert out.exit_code == 0 and out.stdin_log == "***"
    assert state["apps"]["shop"]["secrets"]["K"]["digest"] == st.secret_digest(
        state, "shop", "value"
    )
    none = execute(
        ["secrets", "set", "K=-", "-a", "shop"],
        state,
        env={},
        cwd=Path(),
        stdin=Stdin(lambda: b"", piped=False),
    )
    assert none.stderr == "Error: secret `K` expects standard input but none provided\n"
    big = call(state, "secrets", "set", "K=-", "-a", "shop", stdin=b"x" * 65537)
    assert "Input exceeded max length of 65536 bytes" in big.stderr


def test_import_errors(call: Call) -> None:
    state = fresh()
    bad = call(state, "secrets", "import", "-a", "shop", stdin=b"GOOD=1\nnot a pair\n")
    assert bad.stderr == (
        "Error: Failed to parse secrets from stdin: Secrets must be provided as NAME=VALUE pairs "
        "(not a pair is invalid)\n"
    )
    empty = call(state, "secrets", "import", "-a", "shop", stdin=b"# only a comment\n")
    assert empty.stderr == "Error: requires at least one SECRET=VALUE pair\n"
    crash = call(state, "secrets", "import", "-a", "shop", stdin=b'Q="\n')
    assert crash.exit_code == 3
    assert state["apps"]["shop"]["secrets"] == {}


def test_import_parser_rules(call: Call) -> None:
    state = fresh()
    text = (
        '# comment\n\nA = plain\nB="quoted # not a comment"\nC=x # comment\n'
        'D=\'single\'\nE="""line1\nline2"""\nF="""one"""\n'
    )
    call(state, "secrets", "import", "-a", "shop", "--stage", stdin=text.encode())
    expected = {
        "A": "plain",
        "B": "quoted # not a comment",
        "C": "x",
        "D": "single",
        "E": "line1\nline2",
        "F": "one",
    }
    secrets = state["apps"]["shop"]["secrets"]
    assert {k: v["digest"] for k, v in secrets.items()} == {
        k: st.secret_digest(state, "shop", v) for k, v in expected.items()
    }


def test_set_on_running_app_restarts_and_deploys(call: Call) -> None:
    state = deployed_state()
    out = call(state, "secrets", "set", "K=v", "-a", "shop")
    assert out.stdout.startswith("Updating existing machines in 'shop' with rolling strategy\n")
    assert state["apps"]["shop"]["release_version"] == 2
    listed = json.loads(call(state, "secrets", "list", "-a", "shop", "--json").stdout)
    assert listed[0]["status"] == "Deployed"
    call(state, "secrets", "set", "L=v", "-a", "shop", "--stage")
    table = call(state, "secrets", "list", "-a", "shop").stdout
    assert "* L" in table and "There is 1 secret not deployed." in table


def test_unset(call: Call) -> None:
    state = fresh()
    st.add_secret(state, "shop", "GONE", "x")
    assert call(state, "secrets", "unset", "GONE", "MISSING", "-a", "shop").exit_code == 0
    assert state["apps"]["shop"]["secrets"] == {}


def test_secrets_deploy(call: Call) -> None:
    out = call(fresh(), "secrets", "deploy", "-a", "shop")
    assert (out.exit_code, out.stderr) == (
        1,
        "Error: no machines available to deploy\n'fly secrets deploy' will only work if "
        "the app has been deployed and there are machines available\n\nTry 'fly deploy' first\n\n",
    )
    state = deployed_state()
    call(state, "secrets", "set", "K=v", "-a", "shop", "--stage")
    assert call(state, "secrets", "deploy", "-a", "shop").exit_code == 0
    assert state["apps"]["shop"]["secrets"]["K"]["deployed"] is True


def test_list_shapes_by_version(call: Call) -> None:
    def listed(version: str) -> tuple[int, str, str]:
        state = fresh(version)
        st.add_secret(state, "shop", "K", "v")
        out = call(state, "secrets", "list", "-a", "shop", "-j")
        return out.exit_code, out.stdout, out.stderr

    assert listed("0.0.356") == (1, "", "Error JSON output not available\n\n")
    assert listed("0.0.360")[1].startswith("NAME")
    capital = json.loads(listed("0.3.177")[1])
    assert list(capital[0]) == ["Name", "Digest", "CreatedAt"]
    assert list(json.loads(listed("0.3.178")[1])[0]) == ["name", "digest"]
    assert list(json.loads(listed("0.4.6")[1])[0]) == ["name", "digest", "status"]
    assert json.loads(listed("0.4.6")[1])[0]["status"] == "Staged"  # zero machines


def test_unknown_app_for_secrets(call: Call) -> None:
    assert call(fresh(), "secrets", "list", "-a", "x").stderr == (
        'Error: failed to list app secrets: Could not find App "x"\n'
    )
    assert call(fresh("0.3.0"), "secrets", "list", "-a", "x").stderr.startswith(
        'Error: Could not find App "x"'
    )
    assert call(fresh(), "secrets", "set", "A=1", "-a", "x").stderr.startswith("Error: Could not")


def test_values_never_printed_or_logged(sim: Sim) -> None:
    secret = "s3cr3t-Value-that-must-not-leak"
    state = sim.load()
    st.add_machine(state, "shop", "iad")
    sim.save(state)
    assert (
        sim.run("secrets", "import", "-a", "shop", stdin=f"DATABASE_URL={secret}\n").returncode == 0
    )
    assert sim.run("secrets", "set", "OTHER=-", "-a", "shop", stdin=secret + "2").returncode == 0
    assert sim.run("secrets", "import", "-a", "shop", stdin=f"{secret}\n").returncode == 1
    for argv in (("secrets", "list"), ("machines", "list"), ("status",)):
        for extra in ((), ("--json",)):
            proc = sim.run(*argv, *extra, "-a", "shop")
            assert proc.returncode == 0 and secret not in proc.stdout + proc.stderr
    assert secret not in Path(f"{sim.state_path}.log").read_text()
    stdins = [entry.get("stdin") for entry in sim.log()]
    assert stdins[:3] == ["DATABASE_URL=***\n", "***", "***"]
    assert set(stdins[3:]) == {None}
    # the state keeps values only for machines' environments: in the vault, and as deployed
    app = sim.load()["apps"]["shop"]
    assert app["secrets"]["DATABASE_URL"]["value"] == secret
    [machine] = app["machines"]
    assert app["deployed_secrets"][machine["id"]]["OTHER"] == secret + "2"
    assert secret not in json.dumps(
        {k: v for k, v in app.items() if k not in ("secrets", "deployed_secrets")}
    )
