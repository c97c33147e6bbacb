"""Tests of the JFFS2 handler: shared corpus fixture, images built by real tools, hostile input."""

from __future__ import annotations

import lzma
import shutil
import struct
import subprocess
import zlib
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lzallright import LZOCompressor

from spyless.errors import FormatError
from spyless.unpack.handlers.filesystem.jffs2 import Jffs2Handler
from spyless.unpack.interface import Limits
from spyless.unpack.sandbox import Budget, Sink
from tests.conftest import corpus_file, run_handler, tree
from tests.handler_helpers import EXPECTED, check_devices, make_source, mutated_run


def _crc(data: bytes) -> int:
    return zlib.crc32(data, 0xFFFFFFFF) ^ 0xFFFFFFFF


def dirent(e: str, pino: int, version: int, ino: int, name: bytes, dtype: int = 8) -> bytes:
    fixed = struct.pack(e + "HHI", 0x1985, 0xE001, 40 + len(name))
    fixed += struct.pack(e + "I", _crc(fixed))
    fixed += struct.pack(e + "IIIIBB2x", pino, version, ino, 0, len(name), dtype)
    fixed += struct.pack(e + "I", _crc(fixed)) + struct.pack(e + "I", _crc(name))
    node = fixed + name
    return node + b"\xff" * (-len(node) % 4)


def inode(e: str, ino: int, version: int, mode: int, isize: int, offset: int = 0,
          plain: bytes = b"", compr: int = 0, data: bytes | None = None) -> bytes:
    stored = plain if data is None else data
    fixed = struct.pack(e + "HHI", 0x1985, 0xE002, 68 + len(stored))
    fixed += struct.pack(e + "I", _crc(fixed))
    fixed += struct.pack(e + "IIIHHIIIIIIIBBHI", ino, version, mode, 0, 0, isize, 0, 0, 0,
                         offset, len(stored), len(plain), compr, 0, 0, _crc(stored))
    node = fixed + struct.pack(e + "I", _crc(fixed[:60])) + stored
    return node + b"\xff" * (-len(node) % 4)


def _image(e: str, *nodes: bytes) -> bytes:
    return b"".join(nodes) + b"\xff" * 64


def _lzma_raw(plain: bytes) -> bytes:
    filters = [{"id": lzma.FILTER_LZMA1, "dict_size": 0x2000, "lc": 0, "lp": 0, "pb": 0}]
    return lzma.compress(plain, format=lzma.FORMAT_RAW, filters=filters)


@pytest.mark.parametrize("endian", ["le", "be"])
def test_corpus_fixture_exact_tree(out_dir: Path, endian: str) -> None:
    blob = corpus_file(f"formats/factx_jffs2__jffs2_{endian}.img").read_bytes()
    _, end = run_handler(Jffs2Handler(), blob, out_dir)
    assert tree(out_dir) == EXPECTED
    assert end == len(blob)


def test_carved_at_an_offset(out_dir: Path) -> None:
    blob = corpus_file("formats/factx_jffs2__jffs2_be.img").read_bytes()
    _, end = run_handler(Jffs2Handler(), b"HDR!" * 8 + blob + b"trailer", out_dir, start=32)
    assert tree(out_dir) == EXPECTED
    assert end == 32 + len(blob)


@pytest.mark.skipif(shutil.which("mkfs.jffs2") is None, reason="mkfs.jffs2 not installed")
@pytest.mark.parametrize("args", [["-l"], ["-b"], ["-l", "-x", "zlib"], ["-b", "-x", "zlib", "-x", "rtime"]])
def test_mkfs_jffs2_tree(tmp_path: Path, args: list[str]) -> None:
    src = make_source(tmp_path)
    img = tmp_path / "j.img"
    subprocess.run(["mkfs.jffs2", *args, "-e", "0x10000", "-r", str(src), "-o", str(img)],
                   check=True, capture_output=True)
    out = tmp_path / "out"
    sink, end = run_handler(Jffs2Handler(), img.read_bytes(), out)
    check_devices(sink, src)
    assert tree(out) == tree(src)
    assert (out / "a").stat().st_ino == (out / "hard").stat().st_ino
    assert end == img.stat().st_size


@pytest.mark.parametrize("e", ["<", ">"])
def test_compressions_versions_and_unlinks(out_dir: Path, e: str) -> None:
    text = b"OpenWrt " * 300
    blob = _image(
        e,
        dirent(e, 1, 1, 2, b"lzma"), inode(e, 2, 1, 0o100644, len(text), 0, text, 8, _lzma_raw(text)),
        dirent(e, 1, 2, 3, b"lzo"),
        inode(e, 3, 1, 0o100755, len(text), 0, text, 7, LZOCompressor().compress(text)),
        dirent(e, 1, 3, 4, b"zero"), inode(e, 4, 1, 0o100644, 100, 0, bytes(100), 1, b""),
        dirent(e, 1, 4, 5, b"ver"), inode(e, 5, 1, 0o100644, 6, 0, b"old!!!"),
        inode(e, 5, 2, 0o100644, 6, 2, b"NE"),
        dirent(e, 1, 5, 6, b"gone"), inode(e, 6, 1, 0o100644, 1, 0, b"x"),
        dirent(e, 1, 9, 0, b"gone"),
        dirent(e, 1, 6, 7, b"dev", 2), inode(e, 7, 1, 0o20644, 0, 0, struct.pack(e + "H", 0x0401)),
    )
    sink, _ = run_handler(Jffs2Handler(), blob, out_dir)
    assert tree(out_dir) == {"lzma": text, "lzo": text, "zero": bytes(100), "ver": b"olNE!!"}
    assert [(x.path, x.target) for x in sink.entries if x.kind == "special"] == [("dev", "chardev 4:1")]


def test_directory_loops_terminate(out_dir: Path) -> None:
    e = "<"
    blob = _image(
        e, dirent(e, 1, 1, 2, b"d", 4), inode(e, 2, 1, 0o40755, 0),
        dirent(e, 2, 2, 1, b"root", 4), dirent(e, 2, 3, 2, b"self", 4),
        dirent(e, 2, 4, 3, b"f"), inode(e, 3, 1, 0o100644, 2, 0, b"ok"),
    )
    sink, _ = run_handler(Jffs2Handler(), blob, out_dir)
    assert tree(out_dir) == {"d/f": b"ok"}
    assert sum("loop" in x.message for x in sink.events) == 2


def test_huge_file_claim_is_bounded(out_dir: Path) -> None:
    e = ">"
    blob = _image(e, dirent(e, 1, 1, 2, b"big"), inode(e, 2, 1, 0o100644, 0xFFFFFFFF, 0, b"tiny"))
    handler = Jffs2Handler()
    chunk = handler.parse(blob, 0)
    assert chunk is not None
    sink = Sink(out_dir, "t", Budget(Limits(), len(blob)))
    with pytest.raises(FormatError, match="claims"):
        handler.extract(blob, chunk, sink)
    size = (out_dir / "big").stat().st_size
    assert 4 <= size <= 2 << 20


def test_truncated_extracts_then_raises(out_dir: Path) -> None:
    e = "<"
    blob = _image(e, dirent(e, 1, 1, 2, b"a"), inode(e, 2, 1, 0o100644, 5, 0, b"first"),
                  dirent(e, 1, 2, 3, b"b"), inode(e, 3, 1, 0o100644, 600, 0, b"B" * 600))
    cut = blob[: blob.index(b"B" * 600) + 100]
    handler = Jffs2Handler()
    chunk = handler.parse(cut, 0)
    assert chunk is not None
    sink = Sink(out_dir, "t", Budget(Limits(), len(cut)))
    with pytest.raises(FormatError, match="no inode"):
        handler.extract(cut, chunk, sink)
    assert tree(out_dir) == {"a": b"first"}


def test_garbage_is_not_jffs2() -> None:
    assert Jffs2Handler().parse(b"\x85\x19\x01\xe0" + bytes(60), 0) is None
    assert Jffs2Handler().parse(b"\x85\x19", 0) is None


_FUZZ_BASE = _image(
    "<", dirent("<", 1, 1, 2, b"d", 4), inode("<", 2, 1, 0o40755, 0),
    dirent("<", 2, 2, 3, b"f"), inode("<", 3, 1, 0o100644, 11, 0, b"hello", 6, zlib.compress(b"hello")),
    inode("<", 3, 2, 0o100644, 11, 5, b"world!", 2, b"w\x00o\x00r\x00l\x00d\x00!\x00"),
    dirent("<", 1, 3, 4, b"l", 10), inode("<", 4, 1, 0o120777, 3, 0, b"d/f"),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.integers(0, len(_FUZZ_BASE)), st.integers(0, 255)), max_size=8),
       st.integers(0, len(_FUZZ_BASE)))
def test_mutations_raise_only_our_errors(edits: list[tuple[int, int]], cut: int) -> None:
    mutated_run(Jffs2Handler(), _FUZZ_BASE, edits, cut)


def test_fuzz_base_is_valid(out_dir: Path) -> None:
    run_handler(Jffs2Handler(), _FUZZ_BASE, out_dir)
    assert tree(out_dir) == {"d/f": b"helloworld!", "l": "-> d/f"}
