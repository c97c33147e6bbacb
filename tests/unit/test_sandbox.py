"""The sink confines every write to its root, whatever a hostile container asks for."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from spyless.errors import LimitExceeded
from spyless.unpack.interface import EventKind, Limits
from spyless.unpack.sandbox import Budget, Sink, normalise


def make_sink(root: Path, **limits: float) -> Sink:
    return Sink(root, "img!test@0x0", Budget(Limits(**limits), 1 << 20))  # type: ignore[arg-type]


def refused(sink: Sink) -> list[str]:
    return [e.message for e in sink.events if e.kind is EventKind.REFUSED]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("a/b", "a/b"), ("./a//b/", "a/b"), ("a/../b", "b"), ("..", None), ("a/../../b", None),
     ("a\x00b", None), ("", "")],
)
def test_normalise(raw: str, expected: str | None) -> None:
    assert normalise(raw) == expected


def test_traversal_and_absolute_paths_are_refused_and_the_rest_written(tmp_path: Path) -> None:
    sink = make_sink(tmp_path / "root")
    sink.file("../../evil", b"x")
    sink.file("/etc/shadow", b"x")
    sink.file("ok/fine.txt", b"hello")
    assert (tmp_path / "root/ok/fine.txt").read_bytes() == b"hello"
    assert not (tmp_path / "evil").exists()
    assert len(refused(sink)) == 2
    assert [e.path for e in sink.entries if e.written] == ["ok/fine.txt"]


def test_symlink_out_of_root_is_refused(tmp_path: Path) -> None:
    sink = make_sink(tmp_path / "root")
    sink.symlink("up", "../../..")
    sink.symlink("bin/sh", "busybox")
    sink.symlink("abs", "/bin/busybox")
    assert not (tmp_path / "root/up").exists()
    assert os.readlink(tmp_path / "root/bin/sh") == "busybox"
    # absolute targets are rewritten relative to the container's root (chroot semantics)
    assert os.readlink(tmp_path / "root/abs") == "bin/busybox"
    assert len(refused(sink)) == 1


def test_no_write_through_a_link(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    sink = make_sink(tmp_path / "root")
    sink.symlink("etc", "var")  # inside the root, legal
    sink.file("etc/passwd", b"root::0:0")  # but writing through it is not
    assert not (tmp_path / "root/var/passwd").exists()
    assert any("through a symbolic link" in m for m in refused(sink))


def test_link_through_link_cannot_escape(tmp_path: Path) -> None:
    root = tmp_path / "root"
    sink = make_sink(root)
    sink.symlink("x", "r/..")  # with r -> "." the kernel would resolve this above the root
    sink.symlink("r", ".")
    sink.symlink("d/deep", "/a/b/c")
    sink.symlink("y", "d/deep/../../..")
    sink.finish()
    # targets are normalised inside the root before the link is made, so no chain escapes
    for name in ("x", "r", "y"):
        real = os.path.realpath(root / name)
        assert real == os.path.realpath(root) or real.startswith(os.path.realpath(root) + "/")
    assert os.readlink(root / "x") == "."


def test_devices_are_recorded_not_created_and_modes_sanitised(tmp_path: Path) -> None:
    sink = make_sink(tmp_path / "root")
    sink.special("dev/console", "chardev 5:1", 0o20600)
    sink.file("bin/su", b"\x7fELF", mode=0o104755)
    assert not os.path.lexists(tmp_path / "root/dev/console")
    assert (tmp_path / "root/bin/su").stat().st_mode & 0o7777 == 0o755
    entry = next(e for e in sink.entries if e.path == "bin/su")
    assert entry.mode == 0o104755  # the original mode is kept for the analyzers


def test_hardlink_inside_and_outside(tmp_path: Path) -> None:
    sink = make_sink(tmp_path / "root")
    sink.file("a", b"data")
    sink.hardlink("b", "a")
    sink.hardlink("c", "../../etc/passwd")
    assert (tmp_path / "root/b").read_bytes() == b"data"
    assert not (tmp_path / "root/c").exists()
    assert len(refused(sink)) == 1


def test_byte_budget_stops_a_bomb(tmp_path: Path) -> None:
    sink = make_sink(tmp_path / "root", max_total_bytes=1 << 20)
    with pytest.raises(LimitExceeded, match="bytes"):
        sink.file("bomb", (b"\0" * 65536 for _ in range(1 << 16)))
    assert (tmp_path / "root/bomb").stat().st_size <= 1 << 20


def test_file_count_budget(tmp_path: Path) -> None:
    sink = make_sink(tmp_path / "root", max_files=3)
    for i in range(3):
        sink.file(f"f{i}", b"")
    with pytest.raises(LimitExceeded, match="files"):
        sink.file("one-too-many", b"")


def test_a_later_entry_replaces_a_file_not_a_link_target(tmp_path: Path) -> None:
    target = tmp_path / "outside.txt"
    target.write_bytes(b"keep")
    sink = make_sink(tmp_path / "root")
    sink.symlink("f", "g")
    sink.file("f", b"new")  # replaces the link itself, never writes where it points
    assert target.read_bytes() == b"keep"
    assert (tmp_path / "root/f").read_bytes() == b"new"
    assert not (tmp_path / "root/f").is_symlink()
