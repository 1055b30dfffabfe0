from __future__ import annotations

from pathlib import Path

from runner.facts.files import FileView


def test_overlay_shadows_disk_until_forgotten(tmp_path: Path) -> None:
    path = tmp_path / "f"
    path.write_text("disk")
    view = FileView(tmp_path)
    assert view.read("f") == "disk"
    view.plan(path, "planned")
    assert view.read("f") == "planned"
    assert path.read_text() == "disk"
    path.write_text("new disk")
    assert view.read("f") == "planned"
    view.forget(path)
    assert view.read("f") == "new disk"


def test_each_file_is_read_once_per_pass(tmp_path: Path) -> None:
    path = tmp_path / "f"
    path.write_text("one")
    view = FileView(tmp_path)
    assert view.read("f") == "one"
    path.write_text("two")
    assert view.read("f") == "one"  # the pass decides on one reading
