"""The five hazards of issue 7, end to end through the facts: each corpus case 83–87 is read
the way preflight reads it (spec, fly.toml, Dockerfile ENV, database.yml, Gemfile.lock, the
simulated account's secrets and volume files), and the refusal the facts produce must be the
one tests/facts/HAZARDS.md shows and contain what the case's case.yml expects. The cases
themselves run through the CLI in tests/corpus/test_corpus.py, refused by preflight."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from runner.facts.database import locate_databases
from runner.facts.flytoml import parse_fly_toml
from runner.facts.live_data import Spec, VolumeFile, decide
from runner.facts.url_chars import url_unsafe_message

CASES = Path(__file__).resolve().parents[1] / "corpus" / "cases"
HAZARDS = Path(__file__).resolve().parent / "HAZARDS.md"
NAMES = [
    "83-live-data-refused-database-yml-in-mount",
    "84-live-data-refused-litestack-path-folder",
    "85-live-data-refused-litestack-litedb-volume",
    "86-spec-refused-mount-path-hash",
    "87-groups-refused-worker-without-volume",
]
_ENV = re.compile(r"^ENV\s+(.*)$")
_PAIR = re.compile(r'(\w+)=("(?:[^"\\]|\\.)*"|\S+)')


def dockerfile_env(text: str) -> list[tuple[str, str, str]]:
    """`(Dockerfile:LINE ENV, name, value)` for `ENV A="x" B=y` instructions (continuation
    lines joined; LINE is the instruction's first line), as preflight reports them."""
    found = []
    lines = text.splitlines()
    number = 0
    while number < len(lines):
        start, line = number + 1, lines[number]
        while line.endswith("\\") and number + 1 < len(lines):
            number += 1
            line = line[:-1] + " " + lines[number]
        number += 1
        match = _ENV.match(line.strip())
        if match:
            for name, value in _PAIR.findall(match[1]):
                found.append((f"Dockerfile:{start} ENV", name, value.strip('"')))
    return found


def spec_of(app: Path) -> tuple[Spec, dict[str, Any]]:
    raw: dict[str, Any] = yaml.safe_load((app / "fly-sqlite.yml").read_text(encoding="utf-8"))
    volume = raw["volume"]["name"]
    spec = Spec(
        mount_path=raw.get("mount_path", f"/mnt/{volume}"),
        database=raw.get("database", "production.sqlite"),
        volume=volume,
        process_group=raw.get("process_group", "app"),
    )
    return spec, raw


def listing(case: dict[str, Any], spec: Spec) -> list[VolumeFile] | None:
    """The spec volume's SQLite files as a machine of the group sees them; None when no
    machine of the group mounts it (flyrun cannot look)."""
    fly = case.get("fly") or {}
    for machine in fly.get("machines", []):
        if machine.get("group", "app") != spec.process_group:
            continue
        for mount in machine.get("mounts", []):
            if mount["volume"] == spec.volume:
                volume = next(v for v in fly["volumes"] if v["name"] == spec.volume)
                return [
                    VolumeFile(f"{mount['path']}/{f['path']}", f["size"])
                    for f in volume.get("files", [])
                ]
    return None


def refusal_text(name: str) -> str:
    folder = CASES / name
    app = folder / "app"
    case = yaml.safe_load((folder / "case.yml").read_text(encoding="utf-8"))
    spec, raw = spec_of(app)
    problem = url_unsafe_message("mount_path", spec.mount_path)
    if problem is not None:
        node = yaml.compose((app / "fly-sqlite.yml").read_text(encoding="utf-8"))
        assert isinstance(node, yaml.MappingNode)
        mark = next(v for k, v in node.value if k.value == "mount_path").start_mark
        return f"fly-sqlite.yml:{mark.line + 1}:{mark.column + 1}: mount_path: {problem}"
    fly = parse_fly_toml((app / "fly.toml").read_text(encoding="utf-8"))
    env = dockerfile_env((app / "Dockerfile").read_text(encoding="utf-8"))
    env += [("fly.toml [env]", k, v) for k, v in fly.env.items()]
    secrets = [s["name"] for s in (case.get("fly") or {}).get("secrets", [])]
    facts = locate_databases(
        (app / "config/database.yml").read_text(encoding="utf-8"),
        env,
        secrets,
        gemfile_lock=(app / "Gemfile.lock").read_text(encoding="utf-8"),
    )
    decision = decide(
        facts, spec, fly.mounts, process_groups=fly.process_groups, volume_files=listing(case, spec)
    )
    assert not decision.ok and raw["app"]
    return "\n".join(r.message for r in decision.refusals)


def documented() -> list[str]:
    """The ```text blocks of HAZARDS.md, in order."""
    return re.findall(r"```text\n(.*?)\n```", HAZARDS.read_text(encoding="utf-8"), re.DOTALL)


@pytest.mark.parametrize("index", range(len(NAMES)), ids=NAMES)
def test_each_hazard_is_refused_as_documented(index: int) -> None:
    name = NAMES[index]
    text = refusal_text(name)
    case = yaml.safe_load((CASES / name / "case.yml").read_text(encoding="utf-8"))
    said = case["expect"]["message"]
    for part in [said] if isinstance(said, str) else said:
        assert part in text, f"{name}: case.yml expects {part!r}\n{text}"
    assert documented()[index] == text, f"HAZARDS.md block {index + 1} differs:\n{text}"


def test_dockerfile_env_reads_instructions_and_continuations() -> None:
    text = 'FROM x\nENV A="1" \\\n    B=two\nRUN true\nENV C="a b"\n'
    assert dockerfile_env(text) == [
        ("Dockerfile:2 ENV", "A", "1"),
        ("Dockerfile:2 ENV", "B", "two"),
        ("Dockerfile:5 ENV", "C", "a b"),
    ]
