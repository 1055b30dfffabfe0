from __future__ import annotations

from pathlib import Path

import pytest

from runner.errors import RunnerError
from runner.flyctl.parse import parse_machines, parse_secrets, parse_volumes

FIXTURES = Path(__file__).parent / "fixtures" / "flyctl"


def test_volumes_machines_api_shape_drops_destroyed() -> None:
    volumes = parse_volumes((FIXTURES / "volumes_v0.4.87.json").read_text())
    assert [(v.id, v.name, v.region, v.size_gb) for v in volumes] == [
        ("vol_9vw681egy1jj5xm4", "shop_data", "iad", 3)
    ]
    assert volumes[0].attached_machine_id is None


def test_volumes_graphql_era_shape() -> None:
    (volume,) = parse_volumes((FIXTURES / "volumes_v0.0.450.json").read_text())
    assert (volume.name, volume.region, volume.size_gb) == ("shop_data", "ams", 2)
    assert volume.attached_machine_id == "148e272a"


@pytest.mark.parametrize(
    ("text", "status"),
    [
        ('[{"Name": "DATABASE_URL", "Digest": "abc", "CreatedAt": "2023-01-01T00:00:00Z"}]', None),
        ('[{"name": "DATABASE_URL", "digest": "abc"}]', None),
        ('[{"name": "DATABASE_URL", "digest": "abc", "status": "Staged"}]', "Staged"),
    ],
    ids=["v0.0.370-capitalised", "v0.3.178-lowercase", "v0.4.6-status"],
)
def test_secrets_every_shape(text: str, status: str | None) -> None:
    (secret,) = parse_secrets(text)
    assert (secret.name, secret.digest, secret.status) == ("DATABASE_URL", "abc", status)


def test_empty_outputs() -> None:
    assert parse_secrets("[]") == ()
    assert parse_volumes("") == ()
    assert parse_machines("null") == ()


def test_machines_group_and_mounts() -> None:
    text = """[{"id": "e784", "state": "started", "region": "iad", "image_ref": {},
    "config": {"init": {}, "metadata": {"fly_process_group": "web"},
    "mounts": [{"encrypted": true, "path": "/data", "size_gb": 1, "volume": "vol_1",
                "name": "data"}]},
    "cordoned": false}, {"id": "f1", "region": "ams", "image_ref": {}, "cordoned": false}]"""
    web, bare = parse_machines(text)
    assert (web.group, web.mounts[0].path, web.mounts[0].name) == ("web", "/data", "data")
    assert (bare.group, bare.mounts) == ("app", ())


@pytest.mark.parametrize("text", ["Error: not json", '{"a": 1}', "[1, 2]"])
def test_bad_json_is_a_clear_error(text: str) -> None:
    with pytest.raises(RunnerError, match="flyctl"):
        parse_secrets(text)
