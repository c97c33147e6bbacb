"""Tests of the YAFFS2 handler: shared corpus fixtures, images built in code, hostile input."""

from __future__ import annotations

import hashlib
import struct
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from spyless.errors import FormatError
from spyless.unpack.handlers.filesystem.yaffs2 import Yaffs2Handler
from spyless.unpack.interface import Limits
from spyless.unpack.sandbox import Budget, Sink
from tests.conftest import corpus_file, run_handler, tree
from tests.handler_helpers import EXPECTED, mutated_run


class _Builder:
    """Pages of data plus a spare area holding packed tags after a 2-byte bad-block marker."""

    def __init__(self, e: str, page: int, spare: int) -> None:
        self.e, self.page, self.spare = e, page, spare
        self.out = bytearray()
        self.seq = 0x1000

    def _write(self, data: bytes, obj: int, chunk: int, nbytes: int) -> None:
        tags = struct.pack(self.e + "4I", self.seq, obj, chunk, nbytes)
        marker = b"\xff\xff" if self.spare >= 18 else b""
        spare = (marker + tags).ljust(self.spare, b"\xff")
        self.out += data.ljust(self.page, b"\xff") + spare

    def header(self, obj: int, otype: int, parent: int, name: bytes, mode: int, size: int = 0,
               equiv: int = 0, alias: bytes = b"", rdev: int = 0) -> _Builder:
        hdr = bytearray(b"\xff" * 512)
        struct.pack_into(self.e + "IIH", hdr, 0, otype, parent, 0xFFFF)
        hdr[10:266] = name.ljust(256, b"\x00")
        struct.pack_into(self.e + "IIIIIIIi", hdr, 268, mode, 0, 0, 0, 0, 0, size, equiv)
        hdr[300:460] = alias.ljust(160, b"\x00")
        struct.pack_into(self.e + "I", hdr, 460, rdev)
        struct.pack_into(self.e + "I", hdr, 496, 0xFFFFFFFF)
        self._write(bytes(hdr), obj, 0x80000000 | parent, 0xFFFF)
        return self

    def data(self, obj: int, content: bytes) -> _Builder:
        for n, at in enumerate(range(0, len(content), self.page), start=1):
            piece = content[at : at + self.page]
            self._write(piece, obj, n, len(piece))
        return self

    def image(self) -> bytes:
        return bytes(self.out)


def _sample(e: str, page: int, spare: int) -> bytes:
    big = hashlib.shake_256(b"1").digest(page * 2 + 100)
    b = _Builder(e, page, spare)
    b.header(257, 3, 1, b"etc", 0o40755)
    b.header(258, 1, 257, b"passwd", 0o100644, len(big)).data(258, big)
    b.header(259, 2, 1, b"link", 0o120777, alias=b"etc/passwd")
    b.header(260, 4, 1, b"hard", 0o100644, equiv=258)
    b.header(261, 5, 257, b"null", 0o20666, rdev=(1 << 8) | 3)
    b.header(262, 1, 1, b"old", 0o100644, 3).data(262, b"old")
    b.seq += 1
    b.header(262, 1, 1, b"new", 0o100644, 3).data(262, b"new")
    b.header(263, 1, 3, b"unlinked", 0o100644, 1).data(263, b"u")
    b.header(264, 3, 264, b"selfparent", 0o40755)
    return b.image()


@pytest.mark.parametrize("endian", ["le", "be"])
def test_corpus_fixture_exact_tree(out_dir: Path, endian: str) -> None:
    blob = corpus_file(f"formats/factx_yaffs__yaffs2_{endian}.img").read_bytes()
    _, end = run_handler(Yaffs2Handler(), blob, out_dir)
    assert tree(out_dir) == EXPECTED
    assert end == len(blob)


def test_carved_at_an_offset(out_dir: Path) -> None:
    blob = corpus_file("formats/factx_yaffs__yaffs2_le.img").read_bytes()
    _, end = run_handler(Yaffs2Handler(), b"\x00" * 77 + blob + b"garbage!" * 300, out_dir, 77)
    assert tree(out_dir) == EXPECTED
    assert end == 77 + len(blob)


@pytest.mark.parametrize("e", ["<", ">"])
@pytest.mark.parametrize(("page", "spare"), [(512, 16), (2048, 64), (4096, 128)])
def test_geometries_and_object_kinds(out_dir: Path, e: str, page: int, spare: int) -> None:
    blob = _sample(e, page, spare)
    handler = Yaffs2Handler()
    chunk = handler.parse(blob, 0)
    assert chunk is not None
    assert (chunk.info["page"], chunk.info["spare"]) == (str(page), str(spare))
    sink, end = run_handler(handler, blob, out_dir)
    big = hashlib.shake_256(b"1").digest(page * 2 + 100)
    assert tree(out_dir) == {"etc/passwd": big, "hard": big, "link": "-> etc/passwd", "new": b"new"}
    assert (out_dir / "hard").stat().st_ino == (out_dir / "etc/passwd").stat().st_ino
    assert [(x.path, x.target) for x in sink.entries if x.kind == "special"] == [
        ("etc/null", "chardev 1:3")]
    assert end == len(blob)


def test_huge_file_claim_is_bounded(out_dir: Path) -> None:
    blob = _Builder("<", 2048, 64).header(257, 1, 1, b"big", 0o100644, 0xFFFFFFFF).data(
        257, b"tiny").image()
    handler = Yaffs2Handler()
    chunk = handler.parse(blob, 0)
    assert chunk is not None
    sink = Sink(out_dir, "t", Budget(Limits(), len(blob)))
    with pytest.raises(FormatError, match="claims"):
        handler.extract(blob, chunk, sink)


def test_truncated_extracts_then_raises(out_dir: Path) -> None:
    blob = _Builder("<", 2048, 64).header(257, 1, 1, b"a", 0o100644, 5).data(257, b"first") \
        .header(258, 1, 1, b"b", 0o100644, 5000).data(258, b"B" * 5000).image()
    cut = blob[: 4 * (2048 + 64) + 100]
    handler = Yaffs2Handler()
    chunk = handler.parse(cut, 0)
    assert chunk is not None
    sink = Sink(out_dir, "t", Budget(Limits(), len(cut)))
    with pytest.raises(FormatError, match="missing"):
        handler.extract(cut, chunk, sink)
    got = tree(out_dir)
    assert got["a"] == b"first"
    assert got["b"] == b"B" * 2048 + bytes(5000 - 2048)


def test_garbage_is_not_yaffs2() -> None:
    assert Yaffs2Handler().parse(b"\x03\x00\x00\x00\x01\x00\x00\x00\xff\xff" + bytes(3000), 0) is None


_FUZZ_BASE = _sample("<", 512, 16)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.integers(0, len(_FUZZ_BASE)), st.integers(0, 255)), max_size=8),
       st.integers(0, len(_FUZZ_BASE)))
def test_mutations_raise_only_our_errors(edits: list[tuple[int, int]], cut: int) -> None:
    mutated_run(Yaffs2Handler(), _FUZZ_BASE, edits, cut)
