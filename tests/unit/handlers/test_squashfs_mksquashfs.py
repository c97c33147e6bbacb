"""SquashFS handler on images built with mksquashfs (Debian squashfs-tools): every
compressor, block sizes, hard links, symlinks, empty directories, sparse files, device
nodes, and images patched into directory loops, impossible sizes and truncation."""

from __future__ import annotations

import os
import shutil
import struct
import subprocess
import tracemalloc
from pathlib import Path

import pytest

from spyless.errors import FormatError, LimitExceeded
from spyless.unpack.handlers.squashfs import SquashfsHandler
from spyless.unpack.handlers.squashfs.image import SquashImage
from spyless.unpack.handlers.squashfs.superblock import read_superblock
from spyless.unpack.interface import Limits
from spyless.unpack.sandbox import Budget, Sink
from tests.conftest import run_handler, tree

MKSQUASHFS = shutil.which("mksquashfs")
pytestmark = [
    pytest.mark.tools,
    pytest.mark.skipif(MKSQUASHFS is None, reason="mksquashfs (squashfs-tools) not installed"),
]
PSEUDO = ["-p", "dev d 755 0 0", "-p", "dev/null c 666 0 0 1 3", "-p",
          "dev/sda1 b 660 0 6 8 1", "-p", "dev/pipe i 600 0 0 f", "-p", "dev/sock i 600 0 0 s"]
SPARSE_SIZE = 8 << 20


def make_source(root: Path) -> dict[str, bytes | str]:
    """Write a source tree; return what tree() must show after extraction."""
    (root / "etc/init.d").mkdir(parents=True)
    (root / "empty").mkdir()
    (root / "bin").mkdir()
    big = os.urandom(300_000)  # three blocks at 128 KiB and a fragment tail
    (root / "bin/busybox").write_bytes(big)
    (root / "etc/passwd").write_bytes(b"root:x:0:0::/root:/bin/sh\n")
    (root / "etc/init.d/rcS").write_bytes(b"#!/bin/sh\necho hi\n" * 50)
    (root / "zero").write_bytes(b"")
    os.link(root / "etc/passwd", root / "etc/passwd.hard")
    (root / "bin/sh").symlink_to("busybox")
    (root / "etc/rc").symlink_to("init.d/rcS")
    with (root / "sparse").open("wb") as handle:
        handle.truncate(SPARSE_SIZE)
        handle.seek(SPARSE_SIZE - 4)
        handle.write(b"tail")
    return {
        "bin/busybox": big, "bin/sh": "-> busybox",
        "etc/init.d/rcS": b"#!/bin/sh\necho hi\n" * 50, "etc/passwd": b"root:x:0:0::/root:/bin/sh\n",
        "etc/passwd.hard": b"root:x:0:0::/root:/bin/sh\n", "etc/rc": "-> init.d/rcS",
        "sparse": bytes(SPARSE_SIZE - 4) + b"tail", "zero": b"",
    }


def build(tmp_path: Path, *options: str) -> tuple[bytes, dict[str, bytes | str]]:
    source = tmp_path / "src"
    expected = make_source(source)
    image = tmp_path / "image.sqfs"
    assert MKSQUASHFS is not None
    subprocess.run([MKSQUASHFS, str(source), str(image), "-noappend", "-quiet", "-no-progress",
                    "-all-root", *PSEUDO, *options], check=True, capture_output=True)
    return image.read_bytes(), expected


@pytest.mark.parametrize("comp", ["gzip", "lzo", "lz4", "xz", "zstd", "lzma"])
def test_every_compressor(comp: str, tmp_path: Path) -> None:
    blob, expected = build(tmp_path, "-comp", comp)
    chunk = SquashfsHandler().parse(blob, 0)
    assert chunk is not None
    assert chunk.info["compression"] == comp
    out = tmp_path / "out"
    sink, _ = run_handler(SquashfsHandler(), blob, out)
    assert tree(out) == expected
    assert (out / "empty").is_dir()
    assert (out / "etc/passwd").stat().st_ino == (out / "etc/passwd.hard").stat().st_ino
    entries = {e.path: e for e in sink.entries}
    assert entries["etc/passwd.hard"].kind == "hardlink"
    assert entries["dev/null"].target == "chardev 1:3"
    assert entries["dev/sda1"].target == "blockdev 8:1"
    assert entries["dev/pipe"].target == "fifo"
    assert entries["dev/sock"].target == "socket"
    assert entries["bin/busybox"].mode == 0o100644
    assert not sink.events


@pytest.mark.parametrize("options", [
    ("-b", "4096"), ("-b", "1M"), ("-noI", "-noD", "-noF"), ("-no-fragments",),
    ("-always-use-fragments",), ("-comp", "xz", "-Xbcj", "x86"),
])
def test_layout_options(options: tuple[str, ...], tmp_path: Path) -> None:
    blob, expected = build(tmp_path, *options)
    out = tmp_path / "out"
    run_handler(SquashfsHandler(), blob, out)
    assert tree(out) == expected


def test_carved_from_the_middle_of_a_blob(tmp_path: Path) -> None:
    blob, expected = build(tmp_path, "-nopad")
    outer = b"\xff" * 1000 + blob + b"\x00" * 3000 + b"trailer"
    chunk = SquashfsHandler().parse(outer, 1000)
    assert chunk is not None
    assert chunk.end == 1000 + len(blob)
    out = tmp_path / "out"
    run_handler(SquashfsHandler(), outer, out, start=1000)
    assert tree(out) == expected


def _uncompressed_tables(tmp_path: Path) -> tuple[bytearray, SquashImage]:
    source = tmp_path / "loop"
    (source / "a/sub").mkdir(parents=True)
    (source / "a/f").write_bytes(b"kept\n")
    (source / "small").write_bytes(b"0123456789")
    image = tmp_path / "loop.sqfs"
    assert MKSQUASHFS is not None
    subprocess.run([MKSQUASHFS, str(source), str(image), "-noappend", "-quiet", "-noI",
                    "-all-root"], check=True, capture_output=True)
    blob = bytearray(image.read_bytes())
    sb = read_superblock(bytes(blob), 0)
    assert sb is not None
    return blob, SquashImage(bytes(blob), 0, sb)


def test_directory_loop_terminates_and_is_reported(tmp_path: Path) -> None:
    blob, image = _uncompressed_tables(tmp_path)
    root = image.inode(image.sb.root_inode)
    a_ref = next(e.ref for e in image.listing(root) if e.name == b"a")
    table = image.sb.directory_table
    name_at = blob.index(b"sub", table)
    struct.pack_into("<H", blob, name_at - 8, a_ref & 0xFFFF)  # "a/sub" now names "a"
    out = tmp_path / "out"
    chunk = SquashfsHandler().parse(bytes(blob), 0)
    assert chunk is not None
    sink = Sink(out, "t", Budget(Limits(), len(blob)))
    with pytest.raises(FormatError, match="loop"):
        SquashfsHandler().extract(bytes(blob), chunk, sink)
    assert tree(out) == {"a/f": b"kept\n", "small": b"0123456789"}
    assert any("loop" in e.message for e in sink.events)


def test_file_claiming_4_gib_is_not_allocated(tmp_path: Path) -> None:
    blob, image = _uncompressed_tables(tmp_path)
    root = image.inode(image.sb.root_inode)
    ref = next(e.ref for e in image.listing(root) if e.name == b"small")
    inode_at = image.sb.inode_table + 2 + image.inodes.locate(ref >> 16, ref & 0xFFFF, "t")
    struct.pack_into("<I", blob, inode_at + 28, 0xFFFFFFFF)
    chunk = SquashfsHandler().parse(bytes(blob), 0)
    assert chunk is not None
    out = tmp_path / "out"
    tracemalloc.start()
    try:
        with pytest.raises(FormatError, match="small"):
            SquashfsHandler().extract(bytes(blob), chunk,
                                      Sink(out, "t", Budget(Limits(), 4096)))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 64 << 20  # the claimed 4 GiB is never allocated
    assert tree(out) == {"a/f": b"kept\n"}


def test_sparse_file_stops_at_the_sink_budget(tmp_path: Path) -> None:
    blob, _ = build(tmp_path, "-comp", "gzip")
    limits = Limits(max_file_size=1 << 20)
    with pytest.raises(LimitExceeded):
        run_handler(SquashfsHandler(), blob, tmp_path / "out", limits=limits)


def test_truncated_image_extracts_what_it_can(tmp_path: Path) -> None:
    blob, _ = build(tmp_path, "-nopad", "-comp", "gzip")
    sb = read_superblock(blob, 0)
    assert sb is not None
    cut = blob[: sb.bytes_used - 2]  # the last table's tail is gone, the tree is intact
    chunk = SquashfsHandler().parse(cut, 0)
    assert chunk is not None
    out = tmp_path / "out"
    with pytest.raises(FormatError, match="truncated"):
        SquashfsHandler().extract(cut, chunk, Sink(out, "t", Budget(Limits(), len(cut))))
    assert (out / "bin/busybox").stat().st_size == 300_000
    half = blob[: len(blob) // 2]
    chunk = SquashfsHandler().parse(half, 0)
    assert chunk is not None
    with pytest.raises(FormatError):
        SquashfsHandler().extract(half, chunk, Sink(tmp_path / "o2", "t",
                                                    Budget(Limits(), len(half))))


def test_extended_directories_with_index_and_xattrs(tmp_path: Path) -> None:
    source = tmp_path / "big"
    (source / "many").mkdir(parents=True)
    expected: dict[str, bytes | str] = {}
    for n in range(700):  # a listing far over 8 KiB: an extended directory with an index
        name = f"many/{'long-name-' * 4}{n:04d}"
        (source / name).write_bytes(name.encode())
        expected[name] = name.encode()
    tagged = source / "tagged"
    tagged.write_bytes(b"x")
    expected["tagged"] = b"x"
    try:
        os.setxattr(tagged, "user.spyless", b"value")
        os.setxattr(source / "many", "user.spyless", b"dir")
    except OSError:
        pytest.skip("this filesystem does not store user extended attributes")
    image = tmp_path / "big.sqfs"
    assert MKSQUASHFS is not None
    subprocess.run([MKSQUASHFS, str(source), str(image), "-noappend", "-quiet", "-xattrs"],
                   check=True, capture_output=True)
    blob = image.read_bytes()
    sb = read_superblock(blob, 0)
    assert sb is not None
    img = SquashImage(blob, 0, sb)
    many = next(e.ref for e in img.listing(img.inode(sb.root_inode)) if e.name == b"many")
    inode_type = struct.unpack_from("<H", img.inodes.data,
                                    img.inodes.locate(many >> 16, many & 0xFFFF, "t"))[0]
    assert inode_type == 8  # extended directory
    out = tmp_path / "out"
    run_handler(SquashfsHandler(), blob, out)
    assert tree(out) == expected
