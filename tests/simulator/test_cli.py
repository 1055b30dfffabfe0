"""Dispatch, cobra-style flag/argument errors, auth, app resolution and error printing."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

from tests.simulator.conftest import Call, Sim, clean_env, fresh, write_toml

MISSING_APP = (
    "the config for your app is missing an app name, add an app field to the fly.toml file "
    "or specify with the -a flag"
)


def test_version_text_and_json(sim: Sim) -> None:
    text = sim.run("version")
    assert text.returncode == 0
    assert re.fullmatch(
        r"flyctl v0\.4\.87 linux/amd64 Commit: [0-9a-f]{40} BuildDate: \S+\n", text.stdout
    )
    for flag in ("--json", "-j"):
        data = json.loads(sim.run("version", flag).stdout)
        assert data["Version"] == "0.4.87"


def test_whoami(sim: Sim) -> None:
    assert sim.run("auth", "whoami").stdout == "user@example.com\n"
    out = sim.run("auth", "whoami", "--json").stdout
    assert out == '{\n    "email": "user@example.com"\n}\n'


def test_missing_state_env_is_a_clear_error(tmp_path: Path) -> None:
    env = {**clean_env(), "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    env["FLYRUN_SIM_LOG"] = str(tmp_path / "calls.log")
    proc = subprocess.run(
        [sys.executable, "-m", "runner.simulator", "version"],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert proc.returncode == 1
    assert "FLYRUN_SIM_STATE is not set" in proc.stderr
    assert json.loads((tmp_path / "calls.log").read_text()) == {"argv": ["version"], "exit": 1}


def test_missing_state_file(sim: Sim) -> None:
    sim.state_path.unlink()
    proc = sim.run("version")
    assert proc.returncode == 1
    assert "does not exist" in proc.stderr


def test_not_logged_in_by_version(call: Call) -> None:
    out = call(fresh(logged_in=False), "volumes", "list", "-a", "shop")
    assert (out.exit_code, out.stderr.splitlines()[0]) == (
        1,
        "Error: no access token available. Please login with 'flyctl auth login'",
    )
    old = call(fresh("0.4.21", logged_in=False), "auth", "whoami")
    assert old.stderr.startswith("Error: No access token available.")
    assert call(fresh(logged_in=False), "version").exit_code == 0


def test_tokens_count_as_logged_in(call: Call) -> None:
    for env in ({"FLY_API_TOKEN": "x"}, {"FLY_ACCESS_TOKEN": "x"}):
        assert call(fresh(logged_in=False), "auth", "whoami", env=env).exit_code == 0
    assert call(fresh(logged_in=False), "auth", "whoami", "-t", "tok").exit_code == 0


def test_unknown_app_and_error_prefix_by_version(call: Call) -> None:
    out = call(fresh(), "volumes", "list", "-a", "nope")
    assert out.exit_code == 1
    assert out.stderr.startswith('Error: Could not find App "nope"\n')
    assert out.stderr == 'Error: Could not find App "nope"\n'  # v0.1.80+: no blank line
    old = call(fresh("0.1.78"), "volumes", "list", "-a", "nope")
    assert old.stderr == 'Error: Could not find App "nope"\n\n'
    older = call(fresh("0.0.520"), "volumes", "list", "-a", "nope")
    assert older.stderr == 'Error Could not find App "nope"\n\n'  # no colon before v0.0.521


def test_missing_app_name_texts(call: Call) -> None:
    assert call(fresh(), "volumes", "list").stderr == f"Error: {MISSING_APP}\n"
    old = call(fresh("0.0.540"), "volumes", "list").stderr
    assert "we couldn't find a fly.toml nor an app specified by the -a flag" in old


def test_app_precedence_flag_env_config(call: Call, tmp_path: Path) -> None:
    state = fresh()
    state["apps"]["other"] = state["apps"].pop("shop") | {"name": "other"}
    write_toml(tmp_path, "", app="nope")
    assert "nope" in call(state, "volumes", "list").stderr
    assert call(state, "volumes", "list", env={"FLY_APP": "other"}).exit_code == 0
    assert "zzz" in call(state, "volumes", "list", "-a", "zzz", env={"FLY_APP": "other"}).stderr


def test_config_flag_file_dir_and_missing(call: Call, tmp_path: Path) -> None:
    sub = tmp_path / "sub"
    sub.mkdir()
    write_toml(sub, "")
    assert call(fresh(), "volumes", "list", "-c", "sub").exit_code == 0
    assert call(fresh(), "volumes", "list", "--config", "sub/fly.toml").exit_code == 0
    missing = call(fresh(), "volumes", "list", "-c", "none.toml")
    assert missing.stderr.startswith(
        "Error: config file not found at specified path: none.toml (also tried: none.toml/fly.toml)"
    )
    assert MISSING_APP in call(fresh("0.4.79"), "volumes", "list", "-c", "none.toml").stderr


def test_broken_config(call: Call, tmp_path: Path) -> None:
    (tmp_path / "fly.toml").write_text("app = \n")
    out = call(fresh(), "volumes", "list", "-a", "shop")
    assert out.stderr.startswith(f"Error: failed loading app config from {tmp_path / 'fly.toml'}: ")


def test_unknown_flag_prints_usage_on_stdout(sim: Sim) -> None:
    proc = sim.run("volumes", "list", "-a", "shop", "--bogus")
    assert proc.returncode == 1
    assert proc.stderr == "Error: unknown flag: --bogus\n"
    assert proc.stdout.startswith("Usage:\n  flyctl volumes list [flags]\n")
    assert "Global Flags:" in proc.stdout


def test_flag_errors(call: Call) -> None:
    cases = {
        ("volumes", "create", "data", "-x"): "unknown shorthand flag: 'x' in -x",
        ("volumes", "create", "data", "--region"): "flag needs an argument: --region",
        ("volumes", "create", "data", "-r"): "flag needs an argument: 'r' in -r",
        ("volumes", "create", "data", "-s", "abc"): (
            'invalid argument "abc" for "-s, --size" flag: strconv.ParseInt: parsing "abc": '
            "invalid syntax"
        ),
        ("volumes", "create", "data", "--yes=maybe"): (
            'invalid argument "maybe" for "-y, --yes" flag: strconv.ParseBool: parsing "maybe": '
            "invalid syntax"
        ),
        ("volumes", "create"): "accepts 1 arg(s), received 0",
        ("volumes", "create", "a", "b"): "accepts 1 arg(s), received 2",
        ("volumes", "show", "a", "b"): "accepts at most 1 arg(s), received 2",
        ("secrets", "set"): "requires at least 1 arg(s), only received 0",
        ("machines", "list", "extra"): 'unknown command "extra" for "flyctl machine list"',
    }
    for argv, message in cases.items():
        out = call(fresh(), "-a", "shop", *argv)
        assert (out.exit_code, out.stderr) == (1, f"Error: {message}\n"), argv
        assert out.stdout.startswith("Usage:\n"), argv


def test_unknown_command(call: Call) -> None:
    out = call(fresh(), "bogus")
    assert out.exit_code == 1
    assert out.stderr == 'Error: unknown command "bogus" for "flyctl"\n'
    assert out.stdout == "Run 'flyctl --help' for usage.\n\n"


def test_help_and_groups_exit_zero(call: Call) -> None:
    for argv in (("volumes", "create", "--help"), ("volumes",), ("secrets", "-h"), ()):
        out = call(fresh(), *argv)
        assert out.exit_code == 0, argv
        assert "Usage:" in out.stdout


def test_flags_anywhere_aliases_and_forms(call: Call) -> None:
    state = fresh()
    argvs = (
        ("-a", "shop", "volumes", "list", "--json"),
        ("vol", "ls", "--app=shop", "-j"),
        ("volume", "list", "-ashop", "--json"),
        ("volumes", "list", "--json", "--", "-a"),  # after `--` nothing is a flag
    )
    for argv in argvs[:3]:
        out = call(state, *argv)
        assert (out.exit_code, out.stdout) == (0, "[]\n"), argv
    assert MISSING_APP in call(state, *argvs[3]).stderr
    # cobra: a flag the group does not know is taken to have a value, so `list` is eaten.
    assert "unknown flag: --json" in call(state, "volumes", "--json", "list", "-a", "x").stderr
    assert call(state, "v", "ls", "-a", "shop").exit_code == 0
    assert call(fresh("0.4.82"), "v", "ls", "-a", "shop").exit_code == 1


def test_global_json_before_per_command_json(call: Call) -> None:
    state = fresh("0.0.510")
    assert call(state, "-j", "auth", "whoami").stdout.startswith("{")
    assert call(state, "volumes", "list", "-a", "shop", "--json").stdout == "[]\n"


def test_fly_json_env(call: Call) -> None:
    assert call(fresh(), "auth", "whoami", env={"FLY_JSON": "1"}).stdout.startswith("{")


def test_shim_script(sim: Sim) -> None:
    script = (sim.bin_dir / "flyctl").read_text()
    assert "exec " in script and " -S -m runner.simulator" in script
    assert f"FLYRUN_SIM_STATE={sim.state_path.resolve()}" in script
    assert os.access(sim.bin_dir / "flyctl", os.X_OK)


def test_shim_caches_byte_code_outside_the_checkout(sim: Sim, tmp_path: Path) -> None:
    cache = tmp_path / "pyc"
    env = {"PYTHONDONTWRITEBYTECODE": "1", "PYTHONPYCACHEPREFIX": str(cache)}
    assert sim.run("version", env=env).returncode == 0
    cached = {p.name for p in cache.rglob("*.pyc")}
    # even where the environment forbids byte code next to the sources
    assert f"cli.{sys.implementation.cache_tag}.pyc" in cached


def test_shim_without_site_still_reads_fly_yaml(sim: Sim) -> None:
    (sim.root / "fly.yaml").write_text("app: shop\nprimary_region: iad\n")
    proc = sim.run("volumes", "list", "--json")
    assert (proc.returncode, proc.stdout) == (0, "[]\n")
    (sim.root / "fly.yaml").write_text("app: [shop\n")
    proc = sim.run("volumes", "list", "--json")
    assert proc.returncode == 1 and "failed loading app config from" in proc.stderr
