"""Tests of the RomFS handler: shared corpus fixture, images built by real tools, hostile input."""

from __future__ import annotations

import shutil
import struct
import subprocess
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from spyless.errors import FormatError
from spyless.unpack.handlers.filesystem.romfs import RomfsHandler
from spyless.unpack.interface import Limits
from spyless.unpack.sandbox import Budget, Sink
from tests.conftest import corpus_file, run_handler, tree
from tests.handler_helpers import EXPECTED, check_devices, make_source, mutated_run


def _romfs(entries: list[tuple[int, int, int, bytes, bytes]]) -> bytes:
    """Build a RomFS from (offset, next|type, spec, name, data) headers laid out by hand."""
    size = max(off + 16 + ((len(name) + 16) & ~15) + len(data) for off, _, _, name, data in entries)
    size = (size + 15) & ~15
    img = bytearray(size)
    img[0:8] = b"-rom1fs-"
    struct.pack_into(">I", img, 8, size)
    img[16:21] = b"test\x00"
    for off, nxt, spec, name, data in entries:
        struct.pack_into(">III", img, off, nxt, spec, len(data))
        img[off + 16 : off + 16 + len(name)] = name
        body = off + 16 + ((len(name) + 16) & ~15)
        img[body : body + len(data)] = data
    words = struct.unpack(f">{min(size, 512) // 4}I", bytes(img[: min(size, 512)]))
    struct.pack_into(">I", img, 12, (-sum(words)) & 0xFFFFFFFF)
    return bytes(img)


def test_corpus_fixture_exact_tree(out_dir: Path) -> None:
    blob = corpus_file("formats/factx_generic_fs__romfs.img").read_bytes()
    _, end = run_handler(RomfsHandler(), blob, out_dir)
    assert tree(out_dir) == EXPECTED
    assert end == 432


def test_carved_at_an_offset(out_dir: Path) -> None:
    blob = corpus_file("formats/factx_generic_fs__romfs.img").read_bytes()
    _, end = run_handler(RomfsHandler(), b"\x11" * 48 + blob, out_dir, start=48)
    assert tree(out_dir) == EXPECTED
    assert end == 48 + 432


@pytest.mark.skipif(shutil.which("genromfs") is None, reason="genromfs not installed")
def test_genromfs_tree(tmp_path: Path) -> None:
    src = make_source(tmp_path)
    img = tmp_path / "r.img"
    subprocess.run(["genromfs", "-f", str(img), "-d", str(src)], check=True)
    out = tmp_path / "out"
    sink, _ = run_handler(RomfsHandler(), img.read_bytes(), out)
    check_devices(sink, src)
    assert tree(out) == tree(src)
    assert (out / "a").stat().st_ino == (out / "hard").stat().st_ino


def test_devices_and_symlink_recorded(out_dir: Path) -> None:
    blob = _romfs([
        (0x20, 0x40 | 5, (4 << 16) | 64, b"tty", b""),
        (0x40, 0x70 | 3, 0, b"ln", b"tty\x00"),
        (0x70, 0 | 2 | 8, 0, b"run", b"#!/bin/sh\n"),
    ])
    sink, _ = run_handler(RomfsHandler(), blob, out_dir)
    specials = [e for e in sink.entries if e.kind == "special"]
    assert [(e.path, e.target) for e in specials] == [("tty", "chardev 4:64")]
    assert tree(out_dir) == {"ln": "-> tty", "run": b"#!/bin/sh\n"}
    assert (out_dir / "run").stat().st_mode & 0o111


def test_directory_loop_terminates(out_dir: Path) -> None:
    blob = _romfs([(0x20, 0x40 | 1, 0x20, b"d", b""), (0x40, 0 | 2, 0, b"f", b"x")])
    sink, _ = run_handler(RomfsHandler(), blob, out_dir)
    assert tree(out_dir) == {"f": b"x", "d/f": b"x"}
    assert any("loop" in e.message for e in sink.events)


def test_truncated_extracts_then_raises(out_dir: Path) -> None:
    blob = _romfs([(0x20, 0x50 | 2, 0, b"a", b"first"), (0x50, 0 | 2, 0, b"b", b"B" * 600)])
    handler = RomfsHandler()
    cut = blob[:0x100]
    chunk = handler.parse(cut, 0)
    assert chunk is not None
    sink = Sink(out_dir, "t", Budget(Limits(), len(cut)))
    with pytest.raises(FormatError, match="truncated"):
        handler.extract(cut, chunk, sink)
    assert (out_dir / "a").read_bytes() == b"first"


def test_bad_checksum_is_not_romfs() -> None:
    blob = bytearray(_romfs([(0x20, 2, 0, b"a", b"x")]))
    blob[12] ^= 1
    assert RomfsHandler().parse(bytes(blob), 0) is None
    assert RomfsHandler().parse(b"-rom1fs-", 0) is None


_FUZZ_BASE = _romfs([
    (0x20, 0x40 | 1, 0x70, b"dir", b""),
    (0x40, 0 | 3, 0, b"sl", b"dir/f\x00"),
    (0x70, 0xA0 | 2, 0, b"f", b"hello world"),
    (0xA0, 0 | 0, 0x70, b"hl", b""),
])


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.integers(0, len(_FUZZ_BASE)), st.integers(0, 255)), max_size=8),
       st.integers(0, len(_FUZZ_BASE)))
def test_mutations_raise_only_our_errors(edits: list[tuple[int, int]], cut: int) -> None:
    mutated_run(RomfsHandler(), _FUZZ_BASE, edits, cut)
