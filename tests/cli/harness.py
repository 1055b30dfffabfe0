"""A Fly app on disk (the bundled example, or any tree) plus a simulated Fly account."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from runner.cli import main
from runner.demo import copy_tree
from runner.resources import bundled
from runner.simulator.shim import install_shim
from runner.simulator.state import JSON, load, new_state, save

REPO = Path(__file__).resolve().parents[2]


def tree_digest(root: Path) -> dict[str, str]:
    """Every file under `root` → SHA-256 of its bytes (mode included)."""
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest() + oct(p.stat().st_mode)
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


@dataclass
class FlyApp:
    root: Path
    app_dir: Path
    spec: Path
    state_path: Path
    shim: Path

    @property
    def state(self) -> JSON:
        return load(self.state_path)

    def edit_state(self, state: JSON) -> None:
        save(self.state_path, state)

    def calls(self) -> list[list[str]]:
        log = Path(str(self.state_path) + ".log")
        if not log.exists():
            return []
        return [json.loads(line)["argv"] for line in log.read_text().splitlines()]

    def log_text(self) -> str:
        log = Path(str(self.state_path) + ".log")
        return log.read_text() if log.exists() else ""

    def run(self, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
        """The CLI in-process (`runner.cli.main`)."""
        code = main([*args, str(self.spec), "--flyctl", str(self.shim)])
        out, err = capsys.readouterr()
        return code, out, err

    def run_json(self, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, Any]:
        code, out, _ = self.run(capsys, *args, "--format", "json")
        return code, json.loads(out)

    def subprocess(self, *args: str) -> subprocess.CompletedProcess[str]:
        """The CLI as a user runs it: `python -m runner`, from another folder."""
        argv = [sys.executable, "-m", "runner", *args, str(self.spec), "--flyctl", str(self.shim)]
        env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(REPO), "NO_COLOR": "1"}
        return subprocess.run(
            argv,
            capture_output=True,
            text=True,
            cwd=self.root,
            env=env,
            stdin=subprocess.DEVNULL,
            check=False,
        )


def make_app(
    tmp_path: Path, *, example: str = "shop", version: str = "0.4.87", machines: int = 1
) -> FlyApp:
    from runner.simulator.state import add_machine

    app_dir = tmp_path / example
    copy_tree(bundled("playbooks") / "examples" / example, app_dir)
    state_path = tmp_path / "fly-state.json"
    state = new_state([example], version=version)
    for _ in range(machines):
        add_machine(state, example, "iad")
    save(state_path, state)
    shim = install_shim(tmp_path / "bin", state_path)
    return FlyApp(tmp_path, app_dir, app_dir / "fly-sqlite.yml", state_path, shim)


def make_fleet(
    root: Path, count: int, *, version: str = "0.4.87", per_app: bool = False
) -> tuple[Path, Path]:
    """`count` copies of the example app (shop0, shop1, …), one inventory, and the simulated
    account where each app runs one machine in iad: one state file, or (`per_app`, for
    tests/inproc.py) one per app in `root/states/`. Returns (inventory, flyctl shim)."""
    from runner.simulator.state import add_machine

    names = [f"shop{i}" for i in range(count)]
    lines = ["version: 1", "defaults:", "  volume: {size: 3, region: iad}", "apps:"]
    states = {name: new_state([name], version=version) for name in names} if per_app else {}
    shared = new_state(names, version=version)
    for name in names:
        app = root / name
        copy_tree(bundled("playbooks") / "examples" / "shop", app)
        toml = app / "fly.toml"
        toml.write_text(toml.read_text().replace('app = "shop"', f'app = "{name}"'))
        (app / "fly-sqlite.yml").unlink()
        add_machine(states.get(name, shared), name, "iad")
        lines.append(f"  - {{app: {name}, path: {name}, volume: {{name: {name}_data}}}}")
    (root / "inventory.yml").write_text("\n".join(lines) + "\n")
    if per_app:
        (root / "states").mkdir()
        for name, state in {**states, "_session": new_state([], version=version)}.items():
            save(root / "states" / f"{name}.json", state)
        return root / "inventory.yml", install_shim(root / "bin", root / "states" / "_session.json")
    save(root / "state.json", shared)
    return root / "inventory.yml", install_shim(root / "bin", root / "state.json")
