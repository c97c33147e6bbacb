"""CpioHandler: newc/crc/odc/binary archives from GNU cpio and from code, hostile entries."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from spyless.errors import Error, FormatError
from spyless.unpack.handlers.archive.cpio import CpioHandler
from spyless.unpack.interface import EventKind, Limits
from spyless.unpack.sandbox import Budget, Sink
from tests.conftest import corpus_file, run_handler, tree

PAD = b"\x00junk\x01" * 5


def newc_entry(name: bytes, mode: int, data: bytes = b"", ino: int = 1, nlink: int = 1,
               rdev: tuple[int, int] = (0, 0), magic: bytes = b"070701") -> bytes:
    fields = [ino, mode, 0, 0, nlink, 0, len(data), 0, 0, rdev[0], rdev[1], len(name) + 1, 0]
    head = magic + b"".join(b"%08X" % f for f in fields) + name + b"\x00"
    head += bytes(-len(head) % 4)
    return head + data + bytes(-len(data) % 4)


def newc(*entries: bytes) -> bytes:
    return b"".join(entries) + newc_entry(b"TRAILER!!!", 0)


def test_corpus_old_binary_archive(out_dir: Path) -> None:
    blob = corpus_file("formats/factx_patool__test.cpio").read_bytes()
    _sink, end = run_handler(CpioHandler(), PAD + blob, out_dir, start=len(PAD))
    assert tree(out_dir) == {
        "get_files_test/generic folder/test file 3_.txt": b"The third test file!",
        "get_files_test/testfile1": b"test file:\ncontent: MyTestRule 1.2.3\n"
                                    b"Version: Program 0.0.0.0\n",
        "get_files_test/testfile2": b"This is the second test file",
    }
    assert end is not None
    assert blob[end - len(PAD) - 12 : end - len(PAD) - 1] == b"TRAILER!!!\x00"
    assert blob[end - len(PAD) :].strip(b"\x00") == b""


@pytest.mark.parametrize("fmt", ["newc", "crc", "odc", "bin"])
def test_gnu_cpio_formats_with_links(fmt: str, tmp_path: Path) -> None:
    if shutil.which("cpio") is None:
        pytest.skip("GNU cpio not installed")
    src = tmp_path / "src"
    (src / "dir").mkdir(parents=True)
    (src / "dir/a.txt").write_bytes(b"hello cpio\n")
    os.link(src / "dir/a.txt", src / "dir/b.txt")
    (src / "dir/link").symlink_to("a.txt")
    (src / "odd").write_bytes(b"x" * 1001)
    names = b"dir\ndir/a.txt\ndir/b.txt\ndir/link\nodd\n"
    raw = subprocess.run(["cpio", "-o", "-H", fmt, "--quiet"], input=names, cwd=src,
                         capture_output=True, check=True).stdout
    out = tmp_path / "out"
    sink, end = run_handler(CpioHandler(), PAD + raw + b"\xff" * 9, out, start=len(PAD))
    assert tree(out) == {"dir/a.txt": b"hello cpio\n", "dir/b.txt": b"hello cpio\n",
                         "dir/link": "-> a.txt", "odd": b"x" * 1001}
    assert (out / "dir/a.txt").stat().st_ino == (out / "dir/b.txt").stat().st_ino
    assert end is not None
    assert raw[end - len(PAD) :].strip(b"\x00") == b""
    assert not sink.events


def test_newc_devices_and_deferred_hard_links(out_dir: Path) -> None:
    blob = newc(
        newc_entry(b"dev", stat.S_IFDIR | 0o755),
        newc_entry(b"dev/ttyS0", stat.S_IFCHR | 0o600, rdev=(4, 64)),
        newc_entry(b"dev/sda", stat.S_IFBLK | 0o600, rdev=(8, 0)),
        newc_entry(b"first", stat.S_IFREG | 0o644, ino=7, nlink=2),
        newc_entry(b"second", stat.S_IFREG | 0o644, b"shared", ino=7, nlink=2),
        newc_entry(b"lonely", stat.S_IFREG | 0o644, ino=9, nlink=2),
    )
    sink, end = run_handler(CpioHandler(), blob, out_dir)
    assert end == len(blob)
    assert tree(out_dir) == {"first": b"shared", "second": b"shared", "lonely": b""}
    specials = {e.path: e.target for e in sink.entries if e.kind == "special"}
    assert specials == {"dev/ttyS0": "chardev 4:64", "dev/sda": "blockdev 8:0"}


def test_path_traversal_is_refused(out_dir: Path) -> None:
    blob = newc(
        newc_entry(b"../../etc/passwd", stat.S_IFREG | 0o644, b"evil"),
        newc_entry(b"/etc/shadow", stat.S_IFREG | 0o644, b"evil"),
        newc_entry(b"up", stat.S_IFLNK | 0o777, b"../../.."),
        newc_entry(b"ok", stat.S_IFREG | 0o644, b"fine"),
    )
    sink, _ = run_handler(CpioHandler(), blob, out_dir)
    assert tree(out_dir) == {"ok": b"fine"}
    assert len([e for e in sink.events if e.kind is EventKind.REFUSED]) == 3


def test_missing_trailer_is_partial(out_dir: Path) -> None:
    blob = newc_entry(b"a", stat.S_IFREG | 0o644, b"one") + newc_entry(
        b"b", stat.S_IFREG | 0o644, b"two" * 100)
    blob = blob[:-50]
    handler = CpioHandler()
    chunk = handler.parse(blob, 0)
    assert chunk is not None
    sink = Sink(out_dir, "t", Budget(Limits(), len(blob)))
    with pytest.raises(FormatError):
        handler.extract(blob, chunk, sink)
    assert (out_dir / "a").read_bytes() == b"one"
    assert (out_dir / "b").read_bytes() == (b"two" * 100)[:250]


def test_garbage_is_not_cpio() -> None:
    handler = CpioHandler()
    assert handler.parse(b"070701" + b"zz" * 60, 0) is None
    assert handler.parse(b"\xc7\x71" + bytes(40), 0) is None
    assert handler.parse(b"0707", 0) is None


_FUZZ_BASE = PAD + newc(
    newc_entry(b"d", stat.S_IFDIR | 0o755),
    newc_entry(b"d/f", stat.S_IFREG | 0o644, b"data" * 50, ino=3, nlink=1),
    newc_entry(b"d/l", stat.S_IFLNK | 0o777, b"f"),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.integers(0, len(_FUZZ_BASE)), st.integers(0, 255)), max_size=8),
       st.integers(0, len(_FUZZ_BASE)))
def test_mutations_raise_only_our_errors(edits: list[tuple[int, int]], cut: int) -> None:
    data = bytearray(_FUZZ_BASE)
    for pos, value in edits:
        data[pos % len(data)] = value
    blob = bytes(data[: max(cut, 1)])
    handler = CpioHandler()
    with tempfile.TemporaryDirectory() as tmp:
        try:
            chunk = handler.parse(blob, len(PAD))
            if chunk is not None:
                sink = Sink(Path(tmp) / "o", "fuzz", Budget(Limits(max_total_bytes=1 << 24), 1))
                handler.extract(blob, chunk, sink)
                sink.finish()
        except Error:
            pass
