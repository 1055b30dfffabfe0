"""What a check read (runner/facts/inputs.py): recorded as hashes, compared item by item."""

from __future__ import annotations

from pathlib import Path

from runner.facts import AppFacts
from runner.facts.inputs import Fact, Inputs, differences, from_json, read_again, read_by, to_json
from runner.flyctl.parse import Machine, Secret, Volume


class Canned:
    """flyctl queries answered from lists (what `runner.facts.remote.Queries` asks)."""

    def __init__(self) -> None:
        self.volume_list: tuple[Volume, ...] = (
            Volume("vol_1", "shop_data", "iad", 3, "created", None),
        )
        self.secret_list: tuple[Secret, ...] = (Secret("DATABASE_URL", "d1", "Deployed"),)
        self.asked: list[str] = []
        self.listing: tuple[tuple[str, int], ...] = (("/data/production.sqlite3", 4096),)
        self.printed = "DATABASE_URL=postgres://u:p@db/shop\n"  # what a script prints

    def volumes(self, app: str) -> tuple[Volume, ...]:
        self.asked.append("volumes")
        return self.volume_list

    def secrets(self, app: str) -> tuple[Secret, ...]:
        self.asked.append("secrets")
        return self.secret_list

    def machines(self, app: str) -> tuple[Machine, ...]:
        self.asked.append("machines")
        return ()

    def ssh(self, app: str, machine: str, script: str) -> str:
        self.asked.append(f"ssh {machine}")
        if "flyrun-listing-done" in script:
            return "".join(f"{size}\t{path}\n" for path, size in self.listing) + (
                "flyrun-listing-done\n"
            )
        return self.printed


def _facts(root: Path, flyctl: Canned) -> AppFacts:
    return AppFacts(root, "shop", flyctl, root / ".flyrun-state.json")


def test_what_was_read_is_recorded_and_only_that(tmp_path: Path) -> None:
    (tmp_path / "fly.toml").write_text('app = "shop"\n')
    flyctl = Canned()
    facts = _facts(tmp_path, flyctl)
    facts.remote.prefetch()
    facts.read("fly.toml")
    facts.read("Procfile")
    facts.remote.secrets()
    inputs = read_by(facts)
    assert set(inputs.files) == {"fly.toml", "Procfile"} and inputs.files["Procfile"] is None
    assert list(inputs.remote) == ["secrets"]  # prefetched, but only secrets was used
    assert inputs.state is None  # never read
    assert from_json(to_json(inputs)) == inputs
    assert "d1" not in repr(to_json(inputs))  # a digest is hashed like the rest


def test_read_again_and_differences_name_each_change(tmp_path: Path) -> None:
    (tmp_path / "fly.toml").write_text('app = "shop"\n')
    (tmp_path / "Gemfile").write_text("gem 'rails'\n")
    flyctl = Canned()
    facts = _facts(tmp_path, flyctl)
    for name in ("fly.toml", "Gemfile", "Procfile"):
        facts.read(name)
    facts.remote.volumes()
    facts.remote.secrets()
    facts.state()
    recorded = read_by(facts)
    assert differences(recorded, read_again(_facts(tmp_path, flyctl), recorded), "s") == []

    (tmp_path / "fly.toml").write_text('app = "shop"\nprimary_region = "iad"\n')
    (tmp_path / "Gemfile").unlink()
    (tmp_path / "Procfile").write_text("web: bin/rails server\n")
    flyctl.volume_list = (
        Volume("vol_1", "shop_data", "iad", 5, "created", None),
        Volume("vol_2", "shop_data", "ams", 3, "created", None),
    )
    flyctl.secret_list = ()
    (tmp_path / ".flyrun-state.json").write_text(
        '{"format_version": 2, "apps": {"shop": {"secrets": {"X": {"sha256": "a"}}}}}'
    )
    now = read_again(_facts(tmp_path, flyctl), recorded)
    assert differences(recorded, now, ".flyrun-state.json") == [
        "Gemfile deleted since the plan was made",
        "Procfile created since the plan was made",
        "fly.toml changed since the plan was made",
        ".flyrun-state.json: this app's records changed",
        "flyctl secrets: DATABASE_URL removed",
        "flyctl volumes: vol_2 added, vol_1 changed",
    ]


def test_a_fact_not_read_again_is_a_difference() -> None:
    recorded = Inputs(remote={"machines": Fact("a" * 64)})
    assert differences(recorded, Inputs(), "s") == ["flyctl machines: not read"]


def test_what_ssh_showed_is_read_again_as_it_was_read(tmp_path: Path) -> None:
    """A volume's listing and a script's output on a machine (the import's source URL, its
    record) are each read again the way the check read them: unchanged, no difference; a
    change is named without the script."""
    flyctl = Canned()
    facts = _facts(tmp_path, flyctl)
    facts.remote.volume_files("m1", "/data")
    facts.remote.ssh_output("machines", "m1", "printf '%s\\n' \"$DATABASE_URL\"")
    recorded = read_by(facts)
    keys = list(recorded.remote)
    assert keys[1] == "volume_files:m1:/data" and keys[0].startswith("machines:m1:ssh:printf")
    assert differences(recorded, read_again(_facts(tmp_path, flyctl), recorded), "s") == []
    flyctl.printed = "DATABASE_URL=postgres://u:p@other-db/shop\n"
    flyctl.listing += (("/data/other.sqlite3", 1),)
    assert differences(recorded, read_again(_facts(tmp_path, flyctl), recorded), "s") == [
        "flyctl ssh console on machine m1 (part of machines): changed",
        "flyctl volume_files m1:/data: /data/other.sqlite3 added",
    ]
