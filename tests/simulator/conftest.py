"""Fixtures: a simulator state in tmp_path, a `flyctl` shim for it, and in-process calls."""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from runner.simulator import state as st
from runner.simulator.cli import execute
from runner.simulator.context import Stdin
from runner.simulator.outcome import Outcome
from runner.simulator.shim import install_shim

CLOCK = "2026-08-21T14:03:00Z"
JSON = dict[str, Any]


def clean_env() -> dict[str, str]:
    """The test process's environment without anything flyctl reads."""
    return {k: v for k, v in os.environ.items() if not k.startswith(("FLY_", "FLYRUN_SIM"))}


@dataclass
class Sim:
    """A state file plus a shim; `run` calls the fake flyctl as a subprocess."""

    root: Path
    state_path: Path
    bin_dir: Path

    def load(self) -> JSON:
        return st.load(self.state_path)

    def save(self, state: JSON) -> None:
        st.save(self.state_path, state)

    def run(
        self,
        *args: str,
        stdin: str | None = None,
        env: dict[str, str] | None = None,
        cwd: Path | None = None,
    ) -> subprocess.CompletedProcess[str]:
        full_env = clean_env()
        full_env["PATH"] = f"{self.bin_dir}{os.pathsep}{full_env.get('PATH', '')}"
        full_env.update(env or {})
        return subprocess.run(
            ["flyctl", *args],
            input=stdin if stdin is not None else "",
            capture_output=True,
            text=True,
            env=full_env,
            cwd=cwd or self.root,
            check=False,
        )

    def env(self) -> dict[str, str]:
        """A clean environment with the shim first on PATH."""
        full_env = clean_env()
        full_env["PATH"] = f"{self.bin_dir}{os.pathsep}{full_env.get('PATH', '')}"
        return full_env

    def popen(self, *args: str) -> subprocess.Popen[str]:
        """Start the fake flyctl in its own process group (stdin: /dev/null)."""
        return subprocess.Popen(
            ["flyctl", *args],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=self.env(),
            cwd=self.root,
            start_new_session=True,
        )

    def log(self) -> list[JSON]:
        log_path = Path(f"{self.state_path}.log")
        return [json.loads(line) for line in log_path.read_text().splitlines()]


@pytest.fixture
def sim(tmp_path: Path) -> Sim:
    state_path = tmp_path / "state.json"
    st.save(state_path, st.new_state(["shop"], clock=CLOCK))
    bin_dir = tmp_path / "bin"
    install_shim(bin_dir, state_path)
    return Sim(tmp_path, state_path, bin_dir)


Call = Callable[..., Outcome]


@pytest.fixture
def call(tmp_path: Path) -> Call:
    """Run a command in-process: call(state, *argv, stdin=b"", piped=True, env={}, cwd=…)."""

    def run(
        state: JSON,
        *argv: str,
        stdin: bytes | None = None,
        env: dict[str, str] | None = None,
        cwd: Path | None = None,
    ) -> Outcome:
        source = Stdin(lambda: stdin or b"", piped=stdin is not None)
        return execute(list(argv), state, env=env or {}, cwd=cwd or tmp_path, stdin=source)

    return run


def fresh(version: str = "0.4.87", **kwargs: Any) -> JSON:
    """A state with app `shop` at a fixed clock."""
    return st.new_state(["shop"], version=version, clock=CLOCK, **kwargs)


def write_toml(folder: Path, body: str, app: str = "shop") -> Path:
    """fly.toml with `app` and `primary_region = "iad"`, then `body`."""
    path = folder / "fly.toml"
    path.write_text(f'app = "{app}"\nprimary_region = "iad"\n{body}')
    return path
