from __future__ import annotations

import os
from pathlib import Path

import pytest

from runner.disk import read_text, unwritable, user_path, write_atomic
from runner.errors import FileError


def test_write_atomic_keeps_mode_and_bytes(tmp_path: Path) -> None:
    path = tmp_path / "fly.toml"
    path.write_bytes(b"a = 1\r\n")
    path.chmod(0o600)
    write_atomic(path, "a = 2\r\nb = 3", root=tmp_path)
    assert path.read_bytes() == b"a = 2\r\nb = 3"
    assert path.stat().st_mode & 0o777 == 0o600
    assert [p.name for p in tmp_path.iterdir()] == ["fly.toml"]  # no temp file left


def test_write_atomic_keeps_the_owner(tmp_path: Path) -> None:
    if os.getuid() != 0:
        pytest.skip("only root can give a file to another user")
    path = tmp_path / "fly.toml"
    path.write_text("a = 1\n")
    os.chown(path, 1234, 5678)
    write_atomic(path, "a = 2\n", root=tmp_path)
    info = path.stat()
    assert (info.st_uid, info.st_gid) == (1234, 5678)


def test_a_symlink_inside_the_folder_is_followed(tmp_path: Path) -> None:
    (tmp_path / "real.toml").write_text("a = 1\n")
    (tmp_path / "fly.toml").symlink_to("real.toml")
    write_atomic(tmp_path / "fly.toml", "a = 2\n", root=tmp_path)
    assert (tmp_path / "fly.toml").is_symlink()
    assert (tmp_path / "real.toml").read_text() == "a = 2\n"


def test_a_symlink_out_of_the_folder_is_never_written(tmp_path: Path) -> None:
    app, outside = tmp_path / "app", tmp_path / "outside.toml"
    app.mkdir()
    outside.write_text("a = 1\n")
    (app / "fly.toml").symlink_to(outside)
    with pytest.raises(FileError, match="outside"):
        write_atomic(app / "fly.toml", "a = 2\n", root=app)
    assert outside.read_text() == "a = 1\n"
    assert unwritable([(app / "fly.toml", app)])[0].startswith("fly.toml: is a symlink")


def test_read_text_keeps_crlf_and_missing_is_none(tmp_path: Path) -> None:
    path = tmp_path / "x"
    path.write_bytes(b"x\r\n")
    assert read_text(path) == "x\r\n"
    assert read_text(tmp_path / "missing") is None
    assert read_text(tmp_path / "x" / "below-a-file") is None


def test_bad_bytes_are_located(tmp_path: Path) -> None:
    path = tmp_path / "Dockerfile"
    path.write_bytes(b"FROM ruby\nENV A=caf\xe9\n")
    with pytest.raises(FileError) as info:
        read_text(path, shown="Dockerfile")
    assert str(info.value) == ("Dockerfile:2:10: not UTF-8 text (byte 0xe9 cannot be decoded)")


def test_fifos_devices_folders_and_huge_files_are_refused(tmp_path: Path) -> None:
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    (tmp_path / "zero").symlink_to("/dev/zero")
    (tmp_path / "dir").mkdir()
    big = tmp_path / "big"
    big.write_bytes(b"a" * 2000)
    with pytest.raises(FileError, match="not a regular file"):
        read_text(fifo)  # would hang forever if opened for a blocking read
    with pytest.raises(FileError, match="not a regular file"):
        read_text(tmp_path / "zero")  # would exhaust memory
    with pytest.raises(FileError, match="is a folder"):
        read_text(tmp_path / "dir")
    with pytest.raises(FileError, match="2000 bytes; flyrun reads files up to 1000"):
        read_text(big, limit=1000)


def test_a_new_file_in_new_folders_is_written_and_probed(tmp_path: Path) -> None:
    """The import task goes to lib/tasks/, which an app may not have yet."""
    target = tmp_path / "lib" / "tasks" / "flyrun_import.rake"
    assert unwritable([(target, tmp_path)]) == [] and not (tmp_path / "lib").exists()
    write_atomic(target, "task\n", root=tmp_path)
    assert target.read_text() == "task\n" and oct(target.stat().st_mode & 0o777) == "0o644"
    (tmp_path / "ro").mkdir(mode=0o500)
    if os.geteuid() != 0:  # root writes anywhere
        assert unwritable([(tmp_path / "ro" / "new" / "x", tmp_path)]) != []


def test_user_path_is_relative_below_the_current_folder_else_absolute(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "here").mkdir()
    monkeypatch.chdir(tmp_path / "here")
    assert user_path(tmp_path / "here" / "app" / "x" / ".." / "fly.toml") == "app/fly.toml"
    assert user_path("app/fly.toml") == "app/fly.toml"
    assert user_path(tmp_path / "there" / "fly.toml") == str(tmp_path / "there" / "fly.toml")
