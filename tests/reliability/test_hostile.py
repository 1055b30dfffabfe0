"""Hostile values: spec strings with shell metacharacters, spaces, newlines, unicode or `../`
are rejected by validation or passed through safely. flyctl runs through a shell (invoke), so
every value that reaches its argv (app folder, flyctl path, and what flyctl itself answered:
volume ID, machine ID, mount path) carries an injected command that must never run."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from runner.cli import main
from runner.simulator.shim import install_shim
from runner.simulator.state import add_machine, add_volume
from tests.cli.harness import FlyApp, make_app
from tests.reliability.helpers import calls

# Each runs `touch` if any shell ever reads it unquoted; the second also has quotes and a
# newline (unbalanced, so that a naive quoting breaks differently).
INJECTIONS = (
    "a b;touch PWNED1;$(touch PWNED2);`touch PWNED3`|touch PWNED4 ✓",
    "a b;touch PWNED1;$(touch PWNED2)`touch PWNED3`'\"\n|touch PWNED4&&touch PWNED5 ✓",
)


def _pwned(*roots: Path) -> list[Path]:
    return [p for root in roots for p in root.rglob("PWNED*")]


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        ("app: 'shop;touch PWNED1'", "app"),
        ('app: "shop\\ntouch PWNED1"', "app"),
        ("volume: {name: 'x;touch PWNED1'}", "volume.name"),
        ("volume: {name: shop_data, region: 'iad;touch PWNED1'}", "volume.region"),
        ("mount_path: '/mnt/a b'", "mount_path"),
        ("mount_path: /mnt/../etc", "mount_path"),
        ("database: '../x.sqlite3'", "database"),
        ("database: 'x.sqlite3;touch PWNED1'", "database"),
        ("process_group: 'app web'", "process_group"),
    ],
)
def test_hostile_spec_values_are_rejected_at_their_line(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    line: str,
    problem: str,
) -> None:
    app = make_app(tmp_path)
    monkeypatch.chdir(tmp_path)
    lines = {"version": "version: 1", "app": "app: shop"}
    lines["volume"] = "volume: {name: shop_data, region: iad}"
    lines[line.split(":")[0]] = line
    app.spec.write_text("\n".join(lines.values()) + "\n")
    number = list(lines).index(line.split(":")[0]) + 1
    assert main(["apply", str(app.spec), "--flyctl", str(app.shim)]) == 1
    err = capsys.readouterr().err
    assert f"fly-sqlite.yml:{number}:" in err and f" {problem}:" in err, err
    assert app.calls() == [] and _pwned(tmp_path) == []


@pytest.mark.parametrize("inject", INJECTIONS, ids=("plain", "quotes"))
def test_hostile_folder_flyctl_path_and_flyctl_answers_never_reach_a_shell(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, inject: str
) -> None:
    base = make_app(tmp_path)
    folder = tmp_path / inject.replace("/", "")
    shutil.move(base.app_dir, folder)
    shim = install_shim(tmp_path / f"bin {inject}", base.state_path)
    app = FlyApp(tmp_path, folder, folder / "fly-sqlite.yml", base.state_path, shim)
    state = app.state
    volume = add_volume(state, "shop", "shop_data", "iad", 1)
    volume["id"] = f"vol_{inject}"  # flyctl's answers are input too: this one is extended
    mounted = add_volume(state, "shop", "shop_data", "iad", 1)
    mount = {"volume": mounted["id"], "path": "/mnt/shop_data';touch PWNED6;'"}
    machine = add_machine(state, "shop", "iad", mounts=[mount])
    machine["id"] = f"m{inject}"  # …and this one is looked inside (`ssh console -C`)
    state["apps"]["shop"]["machines"] = [machine]
    app.edit_state(state)
    monkeypatch.chdir(tmp_path)
    code, out, err = app.run(capsys, "apply")
    assert "Traceback" not in err, err
    assert _pwned(tmp_path, Path.cwd()) == []
    assert calls(app, "volumes", "extend")[0][2] == volume["id"]  # one argv element, intact
    (ssh,) = [json.loads(c) for c in app.log_text().splitlines() if '"ssh", "console"' in c]
    assert ssh["argv"][5] == machine["id"] and ssh["exit"] == 0  # the listing script ran
    deploy = calls(app, "deploy")
    assert deploy and deploy[0][1] == str(folder), (code, out)
