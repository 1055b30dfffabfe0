"""The state API, the state file's read-only guarantee, the call log and small helpers."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from runner.simulator import state as st
from runner.simulator.appconfig import parse_size
from runner.simulator.errors import UsageError
from runner.simulator.flags import Flag, parse
from runner.simulator.render import go_json
from tests.simulator.conftest import Sim, clean_env, write_toml


def test_new_state_and_round_trip(tmp_path: Path) -> None:
    state = st.new_state(["a", "b"], version="0.3.0", logged_in=False)
    assert (state["version"], state["logged_in"], sorted(state["apps"])) == (
        "0.3.0",
        False,
        ["a", "b"],
    )
    app = state["apps"]["a"]
    assert app["deployed"] is False and app["volumes"] == [] and app["machines"] == []
    path = tmp_path / "s.json"
    st.save(path, state)
    assert st.load(path) == state
    assert [p.name for p in tmp_path.iterdir()] == ["s.json"]  # no temp file left behind
    with pytest.raises(ValueError, match="version"):
        st.new_state([], version="latest")
    (tmp_path / "bad.json").write_text("{}")
    with pytest.raises(ValueError, match="not a flyctl simulator state"):
        st.load(tmp_path / "bad.json")


def test_setup_helpers() -> None:
    state = st.new_state(["shop"])
    volume = st.add_volume(state, "shop", "data", "iad", 3)
    assert volume["id"].startswith("vol_") and len(volume["id"]) == 20
    record = st.add_secret(state, "shop", "K", "v", deployed=False)
    assert record["digest"] == st.secret_digest(state, "shop", "v") and record["deployed"] is False
    machine = st.add_machine(
        state, "shop", "iad", mounts=[{"volume": volume["id"], "path": "/mnt"}]
    )
    assert machine["config"]["mounts"][0]["path"] == "/mnt"
    assert volume["attached_machine_id"] == machine["id"]
    assert state["apps"]["shop"]["deployed"] is True
    assert len(machine["id"]) == 14 and machine["config"]["metadata"]["fly_process_group"] == "app"


def test_ids_are_deterministic() -> None:
    first, second = st.new_state(["shop"]), st.new_state(["shop"])
    ids = [st.add_volume(s, "shop", "data", "iad", 1)["id"] for s in (first, second)]
    assert ids[0] == ids[1]


READ_ONLY = (
    ("version",),
    ("version", "--json"),
    ("auth", "whoami", "--json"),
    ("volumes", "list", "--json"),
    ("volumes", "list"),
    ("secrets", "list", "--json"),
    ("machines", "list", "--json"),
    ("status", "--json"),
    ("volumes", "create", "other", "-r", "iad"),  # refused: needs --yes
    ("volumes", "extend", "vol_x", "-s", "1"),  # fails
    ("deploy", "--bogus"),
)


def test_read_only_commands_leave_state_untouched(sim: Sim) -> None:
    state = sim.load()
    st.add_volume(state, "shop", "data", "iad", 1)
    st.add_secret(state, "shop", "K", "v")
    sim.save(state)
    # hand-formatted JSON must survive too: nothing is re-serialised when nothing changed
    sim.state_path.write_text(json.dumps(state, indent=1))
    before = sim.state_path.read_bytes()
    mtime = sim.state_path.stat().st_mtime_ns
    for argv in READ_ONLY:
        sim.run(*argv, env={"FLY_APP": "shop"})
    assert sim.state_path.read_bytes() == before
    assert sim.state_path.stat().st_mtime_ns == mtime


def test_log_lines(sim: Sim) -> None:
    write_toml(sim.root, "")
    sim.run("version")
    sim.run("volumes", "create", "data", "-r", "iad", "-y", "-a", "shop")
    sim.run("secrets", "import", "-a", "shop", stdin="A=1\nB=2\n")
    sim.run("volumes", "list", "-a", "nope")
    assert sim.log() == [
        {"argv": ["version"], "exit": 0},
        {"argv": ["volumes", "create", "data", "-r", "iad", "-y", "-a", "shop"], "exit": 0},
        {"argv": ["secrets", "import", "-a", "shop"], "stdin": "A=***\nB=***\n", "exit": 0},
        {"argv": ["volumes", "list", "-a", "nope"], "exit": 1},
    ]


def test_parallel_calls_do_not_lose_updates(sim: Sim) -> None:
    env = {**clean_env(), "PATH": f"{sim.bin_dir}{os.pathsep}{os.environ.get('PATH', '')}"}
    procs = [
        subprocess.Popen(
            ["flyctl", "secrets", "set", f"K{i}=v", "--stage", "-a", "shop"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for i in range(6)
    ]
    assert [proc.wait() for proc in procs] == [0] * 6
    assert sorted(sim.load()["apps"]["shop"]["secrets"]) == [f"K{i}" for i in range(6)]
    assert len(sim.log()) == 6


def test_log_path_from_env(sim: Sim, tmp_path: Path) -> None:
    sim.run("version", env={"FLYRUN_SIM_LOG": str(tmp_path / "other.log")})
    assert json.loads((tmp_path / "other.log").read_text())["argv"] == ["version"]


def test_flag_parser_semantics() -> None:
    flags = [
        Flag("yes", "bool", short="y"),
        Flag("json", "bool", short="j"),
        Flag("size", "int", short="s", default=1),
        Flag("env", "strings", short="e"),
    ]
    parsed = parse(["a", "-yj", "-s0x10", "b", "-e", "A=1", "--env=B=2", "--", "-y"], flags)
    assert parsed.values == {"yes": True, "json": True, "size": 16, "env": ["A=1", "B=2"]}
    assert parsed.args == ["a", "b", "-y"] and parsed.specified == {"yes", "json", "size", "env"}
    assert parse(["--yes=false", "-s=010"], flags).values["size"] == 8
    with pytest.raises(UsageError, match=r'^invalid argument "08" for "-s, --size" flag'):
        parse(["-s", "08"], flags)


def test_go_json_escapes_like_go() -> None:
    assert go_json({"a": "<b> & c", "l": [], "n": None}) == (
        '{\n    "a": "\\u003cb\\u003e \\u0026 c",\n    "l": [],\n    "n": null\n}\n'
    )


@pytest.mark.parametrize(
    ("text", "size"),
    [("1", 1), ("7gb", 7), ("+1gb", 1), ("1 GB", 1), ("1GiB", 1), ("512mb", 0), ("10g", 10)],
)
def test_parse_size(text: str, size: int) -> None:
    assert parse_size(text) == size


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("abc", "invalid size: invalid size: 'abc'"),
        ("1x", "invalid size: invalid suffix: 'x'"),
        ("1..2gb", 'invalid size: strconv.ParseFloat: parsing "1..2": invalid syntax'),
    ],
)
def test_parse_size_errors(text: str, message: str) -> None:
    with pytest.raises(ValueError) as info:
        parse_size(text)
    assert str(info.value) == message


def test_volume_files(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    state = st.new_state(["shop"])
    volume = st.add_volume(state, "shop", "data", "iad", 1)
    written = st.seed_volume_file(path, "shop", volume["id"], "a/b.bin", b"\0\1", state=state)
    assert written == st.volume_path(path, volume["id"]) / "a" / "b.bin"
    assert written.parent.parent == tmp_path.resolve() / "state.json.volumes" / volume["id"]
    st.save(path, state)  # from here on, the saved state is the default
    assert st.read_volume_file(path, "shop", volume["id"], "a/b.bin") == b"\0\1"
    with pytest.raises(FileNotFoundError):
        st.read_volume_file(path, "shop", volume["id"], "missing")
    for bad in ("/etc/passwd", "../x", ""):
        with pytest.raises(ValueError, match="not a path inside the volume"):
            st.seed_volume_file(path, "shop", volume["id"], bad, b"")
    with pytest.raises(KeyError):
        st.seed_volume_file(path, "shop", "vol_nope", "x", b"")
    with pytest.raises(ValueError, match="not a volume ID"):
        st.volume_path(path, "../../etc")


def test_secret_values_follow_machines() -> None:
    state = st.new_state(["shop"])
    st.add_secret(state, "shop", "EARLY", "1")
    st.add_secret(state, "shop", "STAGED", "2", deployed=False)
    machine = st.add_machine(state, "shop", "iad")
    st.add_secret(state, "shop", "LATE", "3")
    assert state["apps"]["shop"]["deployed_secrets"][machine["id"]] == {"EARLY": "1", "LATE": "3"}
