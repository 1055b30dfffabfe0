from __future__ import annotations

from pathlib import Path

from runner.files import FileView, read_text, write_atomic


def test_write_atomic_keeps_mode_and_bytes(tmp_path: Path) -> None:
    path = tmp_path / "fly.toml"
    path.write_bytes(b"a = 1\r\n")
    path.chmod(0o600)
    write_atomic(path, "a = 2\r\nb = 3")
    assert path.read_bytes() == b"a = 2\r\nb = 3"
    assert path.stat().st_mode & 0o777 == 0o600
    assert [p.name for p in tmp_path.iterdir()] == ["fly.toml"]  # no temp file left


def test_read_text_keeps_crlf_and_missing_is_none(tmp_path: Path) -> None:
    path = tmp_path / "x"
    path.write_bytes(b"x\r\n")
    assert read_text(path) == "x\r\n"
    assert read_text(tmp_path / "missing") is None


def test_overlay_shadows_disk_until_forgotten(tmp_path: Path) -> None:
    path = tmp_path / "f"
    path.write_text("disk")
    view = FileView()
    assert view.read(path) == "disk"
    view.plan(path, "planned")
    assert view.read(path) == "planned"
    assert path.read_text() == "disk"
    path.write_text("new disk")
    view.forget(path)
    assert view.read(path) == "new disk"
