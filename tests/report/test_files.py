"""Report files (runner/report/files.py): what the up-front check refuses (a target that is
not a regular file, a folder that takes no new file), what it creates (missing folders, and
nothing else), and the write at the end, which follows a symlink and never replaces a FIFO.
Devices are simulated (a monkeypatched stat, a FIFO): no test writes near /dev."""

from __future__ import annotations

import os
import socket
import stat
from pathlib import Path
from typing import Any

import pytest

from runner.report.files import not_a_file, refusals, write_report

REFUSED = "; a report file must be a regular file, or a new one"


def test_missing_folders_are_created_and_the_probe_leaves_nothing(tmp_path: Path) -> None:
    target = tmp_path / "reports" / "ci" / "r.json"
    assert refusals([("--json", target)]) == {}
    assert list((tmp_path / "reports" / "ci").iterdir()) == []  # the probe file is gone


def test_a_fifo_a_socket_and_a_device_are_refused_by_their_kind(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fifo, sock, device = tmp_path / "fifo", tmp_path / "s", tmp_path / "full"
    os.mkfifo(fifo)
    with socket.socket(socket.AF_UNIX) as server:
        server.bind(str(sock))
    device.write_text("")  # a regular file that stat will call a character device
    real_stat = Path.stat

    def device_stat(self: Path, **kwargs: Any) -> os.stat_result:
        if self == device:
            return os.stat_result((stat.S_IFCHR | 0o666, 0, 0, 1, 0, 0, 0, 0, 0, 0))
        return real_stat(self, **kwargs)

    monkeypatch.setattr(Path, "stat", device_stat)
    assert not_a_file(fifo) == "is a FIFO" + REFUSED
    assert not_a_file(sock) == "is a socket" + REFUSED
    assert not_a_file(device) == "is a character device" + REFUSED
    assert not_a_file(tmp_path) == "is a folder"
    assert not_a_file(tmp_path / "new.json") is None
    refused = refusals([("--sarif", device)])
    assert refused == {"--sarif": f"--sarif {device}: is a character device{REFUSED}"}


def test_a_symlink_is_checked_and_written_through_wherever_it_points(tmp_path: Path) -> None:
    """The link stays a link: its target, in another folder, is the report."""
    (tmp_path / "ci").mkdir()
    link, real = tmp_path / "ci" / "r.json", tmp_path / "reports" / "r.json"
    link.symlink_to(real)
    assert refusals([("--json", link)]) == {}
    assert (tmp_path / "reports").is_dir()  # checked (and made) where the link points
    assert write_report(link, "{}\n", "JSON report")
    assert link.is_symlink() and real.read_text() == "{}\n"
    fifo_link = tmp_path / "ci" / "fifo.json"
    os.mkfifo(tmp_path / "fifo")
    fifo_link.symlink_to(tmp_path / "fifo")
    refused = refusals([("--junit", fifo_link)])
    assert refused == {"--junit": f"--junit {fifo_link}: is a FIFO{REFUSED}"}


def test_a_fifo_made_after_the_check_is_not_replaced_at_the_end(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fifo = tmp_path / "r.json"
    os.mkfifo(fifo)
    assert not write_report(fifo, "{}\n", "JSON report")
    assert stat.S_ISFIFO(fifo.stat().st_mode)
    err = capsys.readouterr().err
    assert err == f"flyrun: could not write the JSON report to {fifo}: is a FIFO{REFUSED}\n"
