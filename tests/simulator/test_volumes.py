"""`volumes create|list|show|extend|destroy`: shapes by version, confirmations, errors."""

from __future__ import annotations

import json

from runner.simulator import state as st
from runner.simulator.versions import parse_version
from tests.simulator.conftest import Call, Sim, fresh

HEAD_KEYS = [
    "id",
    "name",
    "state",
    "size_gb",
    "region",
    "zone",
    "encrypted",
    "attached_machine_id",
    "attached_alloc_id",
    "created_at",
    "host_dedication_id",
    "snapshot_retention",
    "auto_backup_enabled",
    "host_status",
]
WARNING = (
    "Warning! Every volume is pinned to a specific physical host. You should create two or more "
    "volumes per application to avoid downtime. Learn more at https://fly.io/docs/volumes/overview/"
)
CREATE = ("volumes", "create", "data", "-a", "shop", "-r", "iad", "--yes")


def test_create_json_shape(sim: Sim) -> None:
    proc = sim.run(*CREATE, "--size", "3", "--json")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith('{\n    "id": "vol_')
    volume = json.loads(proc.stdout)
    assert list(volume) == HEAD_KEYS
    assert volume["size_gb"] == 3 and volume["region"] == "iad" and volume["encrypted"] is True
    assert volume["attached_machine_id"] is None and volume["created_at"] == "2026-08-21T14:03:00Z"
    assert sim.load()["apps"]["shop"]["volumes"][0]["id"] == volume["id"]


def test_create_text(call: Call) -> None:
    out = call(fresh(), *CREATE, "--no-encryption")
    lines = out.stdout.splitlines()
    assert lines[0].startswith("                  ID: vol_")
    assert "           Encrypted: false" in lines
    assert "          Created at: 21 Aug 26 14:03 UTC" in lines
    assert lines[-2:] == ["  Snapshot retention: 5", " Scheduled snapshots: true"]
    old = call(fresh("0.1.112"), *CREATE).stdout.splitlines()
    assert old[1] == "      Name: data" and len(old) == 8


def test_create_needs_yes_off_a_terminal(call: Call) -> None:
    state = fresh()
    out = call(state, "volumes", "create", "data", "-a", "shop", "-r", "iad")
    assert (out.exit_code, out.stderr) == (
        1,
        f"{WARNING}\nError: yes flag must be specified when not running interactively\n",
    )
    assert state["apps"]["shop"]["volumes"] == []
    st.add_volume(state, "shop", "data", "ams", 1)
    assert call(state, "volumes", "create", "data", "-a", "shop", "-r", "iad").exit_code == 0


def test_yes_flag_and_warning_history(call: Call) -> None:
    out = call(fresh("0.0.499"), *CREATE)
    assert (out.exit_code, out.stderr) == (1, "Error unknown flag: --yes\n\n")
    assert call(fresh("0.0.499"), *CREATE[:-1]).exit_code == 0  # no warning back then
    mid = call(fresh("0.1.100"), *CREATE[:-1]).stderr
    assert mid.startswith("Warning! Individual volumes are pinned to individual hosts.")
    assert "https://fly.io/docs/reference/volumes/" in call(fresh("0.2.50"), *CREATE[:-1]).stderr
    assert call(fresh(), *CREATE[:-1], "--auto-confirm").exit_code == 0


def test_region_rules(call: Call) -> None:
    base = ("volumes", "create", "data", "-a", "shop", "--yes")
    assert call(fresh(), *base).stderr == (
        "Error: region code must be specified when not running interactively\n"
    )
    assert call(fresh(), *base, env={"FLY_REGION": "ams"}).exit_code == 0
    assert call(fresh(), *base, "-r", "xyz").stderr == "Error: region xyz not found\n"
    assert call(fresh(), *base, "-r", "sea").stderr == "Error: region sea not found\n"
    assert call(fresh("0.3.195"), *base, "-r", "sea").exit_code == 0


def test_default_size_by_version(call: Call) -> None:
    for version, size in (("0.0.324", 10), ("0.0.325", 3), ("0.2.39", 3), ("0.2.40", 1)):
        state = fresh(version)
        argv = CREATE if parse_version(version).at_least("0.0.500") else CREATE[:-1]
        assert call(state, *argv).exit_code == 0
        assert state["apps"]["shop"]["volumes"][0]["size_gb"] == size, version


def test_legacy_json_shapes(call: Call) -> None:
    graphql = json.loads(call(fresh("0.1.71"), *CREATE, "--json").stdout)
    assert list(graphql) == [
        "id",
        "App",
        "Name",
        "SizeGb",
        "Snapshots",
        "State",
        "Region",
        "Encrypted",
        "CreatedAt",
        "AttachedAllocation",
        "AttachedMachine",
        "Host",
    ]
    assert graphql["App"] == {"Name": "shop", "PlatformVersion": "machines"}
    assert list(json.loads(call(fresh("0.1.72"), *CREATE, "--json").stdout)) == HEAD_KEYS[:10]
    worker = json.loads(call(fresh("0.2.42"), *CREATE, "--json").stdout)
    assert list(worker)[-1] == "worker_status"


def test_count_gives_concatenated_documents(call: Call) -> None:
    out = call(fresh(), *CREATE, "--json", "-n", "2")
    assert out.stdout.count('\n}\n{\n    "id"') == 1
    assert call(fresh(), *CREATE[:-1], "--count", "2").exit_code == 0  # no confirmation


def test_server_side_refusals(call: Call) -> None:
    bad = call(fresh(), "volumes", "create", "Bad-Name", "-a", "shop", "-r", "iad", "-y")
    assert bad.stderr.startswith("Error: failed to create volume: ")
    big = call(fresh("0.1.80"), *CREATE, "-s", "501").stderr
    assert big.startswith("Error: failed creating volume: failed to create volume: ")
    assert call(fresh(), *CREATE, "--fs-type", "xfs").stderr == (
        'Error: filesystem "xfs" must be either "ext4" or "raw"\n'
    )


def test_list_and_destroyed_states(call: Call) -> None:
    state = fresh()
    keep = st.add_volume(state, "shop", "data", "iad", 1)
    gone = st.add_volume(state, "shop", "data", "iad", 1)
    gone["state"] = "pending_destroy"
    listed = json.loads(call(state, "volumes", "list", "-a", "shop", "--json").stdout)
    assert [v["id"] for v in listed] == [keep["id"]]
    every = json.loads(call(state, "volumes", "list", "-a", "shop", "--json", "--all").stdout)
    assert len(every) == 2
    table = call(state, "volumes", "ls", "-a", "shop").stdout.splitlines()
    assert table[0].split() == [
        "ID",
        "STATE",
        "NAME",
        "SIZE",
        "REGION",
        "ZONE",
        "ENCRYPTED",
        "ATTACHED",
        "VM",
        "CREATED",
        "AT",
    ]


def test_show(call: Call) -> None:
    state = fresh()
    volume = st.add_volume(state, "shop", "data", "iad", 2)
    shown = json.loads(call(state, "volumes", "show", volume["id"], "--json").stdout)
    assert shown["id"] == volume["id"] and shown["size_gb"] == 2
    assert call(state, "volumes", "show", "-a", "shop").stderr == (
        "Error: volume ID must be specified when not running interactively\n"
    )
    assert call(state, "volumes", "show", "vol_nope").stderr.startswith(
        "Error: failed retrieving volume: "
    )


def test_extend_sizes(call: Call) -> None:
    state = fresh()
    volume = st.add_volume(state, "shop", "data", "iad", 1)
    for size, expected in (("4", 4), ("+1", 5), ("+1gb", 6), ("7gb", 7), ("7", 7)):
        out = call(state, "volumes", "extend", volume["id"], "-a", "shop", "-s", size, "--json")
        assert out.exit_code == 0, out.stderr
        assert json.loads(out.stdout)["size_gb"] == expected
    text = call(state, "volumes", "extend", volume["id"], "-a", "shop", "--size", "8").stdout
    assert text.endswith("Your Machine got its volume size extended without needing a restart\n")


def test_extend_errors(call: Call) -> None:
    state = fresh()
    volume = st.add_volume(state, "shop", "data", "iad", 3)
    base = ("volumes", "extend", volume["id"], "-a", "shop")
    assert call(state, *base, "-s", "2").stderr.startswith("Error: failed to extend volume: ")
    assert call(state, *base, "-s", "0").stderr == "Error: Volume size must be specified\n"
    assert call(state, *base, "-s", "abc").stderr == ("Error: invalid size: invalid size: 'abc'\n")
    assert call(state, *base).stderr == "Error: invalid size: invalid size: ''\n"
    assert state["apps"]["shop"]["volumes"][0]["size_gb"] == 3


def test_destroy(call: Call) -> None:
    state = fresh()
    volume = st.add_volume(state, "shop", "data", "iad", 1)
    refused = call(state, "volumes", "destroy", volume["id"])
    assert refused.stderr.endswith(
        "Error: yes flag must be specified when not running interactively\n"
    )
    done = call(state, "volumes", "rm", volume["id"], "-y")
    assert done.stdout == f"Destroyed volume ID: {volume['id']} name: data\n"
    assert volume["state"] == "pending_destroy"
    attached = st.add_volume(state, "shop", "data", "iad", 1)
    st.add_machine(state, "shop", "iad", mounts=[attached["id"]])
    assert call(state, "volumes", "destroy", attached["id"], "--yes").exit_code == 1
