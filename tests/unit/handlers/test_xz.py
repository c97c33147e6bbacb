"""xz handler: carving, footer checks, concatenated streams, truncation, bomb, mutations."""

from __future__ import annotations

import lzma
import os
import struct
import tempfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from spyless.errors import FormatError, LimitExceeded, UnpackError
from spyless.unpack.handlers.compression.xz import XzHandler
from spyless.unpack.interface import Limits
from spyless.unpack.sandbox import Budget, Sink
from tests.conftest import run_handler, tree

GARBAGE = b"\x13\x37garbage" * 9
DATA = os.urandom(3000) + bytes(80000) + b"busybox " * 4000


@pytest.mark.parametrize("check", [lzma.CHECK_NONE, lzma.CHECK_CRC32, lzma.CHECK_CRC64,
                                   lzma.CHECK_SHA256])
def test_carved_in_garbage(out_dir: Path, check: int) -> None:
    stream = lzma.compress(DATA, check=check)
    blob = GARBAGE + stream + GARBAGE
    _, end = run_handler(XzHandler(), blob, out_dir, len(GARBAGE))
    assert end == len(GARBAGE) + len(stream)
    assert tree(out_dir) == {"xz.out": DATA}


def test_concatenated_streams_with_padding(out_dir: Path) -> None:
    streams = lzma.compress(b"one\n") + bytes(8) + lzma.compress(b"two\n")
    blob = GARBAGE + streams + bytes(3) + b"\xfd7zXZ\x00 not a header"
    _, end = run_handler(XzHandler(), blob, out_dir, len(GARBAGE))
    assert end == len(GARBAGE) + len(streams)
    assert tree(out_dir) == {"xz.out": b"one\ntwo\n"}


def test_trailing_padding_not_followed_by_a_stream_is_not_taken(out_dir: Path) -> None:
    stream = lzma.compress(DATA)
    _, end = run_handler(XzHandler(), stream + bytes(64), out_dir)
    assert end == len(stream)


def test_truncated(out_dir: Path) -> None:
    stream = lzma.compress(os.urandom(200000))
    with pytest.raises(FormatError, match="truncated xz"):
        run_handler(XzHandler(), stream[: len(stream) // 2], out_dir)
    assert (out_dir / "xz.out").stat().st_size > 0


def test_block_check_mismatch(out_dir: Path) -> None:
    stream = bytearray(lzma.compress(DATA, check=lzma.CHECK_CRC64))
    index_size = (struct.unpack_from("<I", stream, len(stream) - 8)[0] + 1) * 4
    stream[len(stream) - 12 - index_size - 3] ^= 0x55  # inside the block's CRC-64
    with pytest.raises(FormatError, match="corrupt xz"):
        run_handler(XzHandler(), bytes(stream), out_dir)


@pytest.mark.parametrize("offset", [-12, -3, -1])  # footer CRC, flags, magic
def test_corrupt_footer(out_dir: Path, offset: int) -> None:
    stream = bytearray(lzma.compress(DATA))
    stream[offset] ^= 0x04
    with pytest.raises(FormatError, match="xz"):
        run_handler(XzHandler(), bytes(stream), out_dir)


def test_bad_header_crc_is_not_parsed() -> None:
    stream = bytearray(lzma.compress(DATA))
    stream[8] ^= 1
    assert XzHandler().parse(bytes(stream), 0) is None


def test_bomb_stops_at_budget(out_dir: Path) -> None:
    comp = lzma.LZMACompressor(preset=0)
    mib = bytes(1 << 20)
    bomb = b"".join(comp.compress(mib) for _ in range(128)) + comp.flush()
    with pytest.raises(LimitExceeded):
        run_handler(XzHandler(), bomb, out_dir, limits=Limits(max_total_bytes=3 << 20))
    assert (out_dir / "xz.out").stat().st_size <= 3 << 20


SAMPLE = lzma.compress(DATA[:2000] + DATA[-2000:])


@settings(max_examples=150, deadline=None)
@given(
    edits=st.lists(st.tuples(st.integers(0, len(SAMPLE) - 1), st.integers(0, 255)), max_size=6),
    cut=st.integers(0, len(SAMPLE)),
)
def test_random_mutations_raise_only_our_errors(edits: list[tuple[int, int]], cut: int) -> None:
    blob = bytearray(SAMPLE)
    for pos, value in edits:
        blob[pos] = value
    data = GARBAGE + bytes(blob[:cut])
    handler = XzHandler()
    chunk = handler.parse(data, len(GARBAGE))
    if chunk is None:
        return
    with tempfile.TemporaryDirectory() as tmp:
        sink = Sink(Path(tmp), "fuzz", Budget(Limits(max_total_bytes=16 << 20), len(data)))
        try:
            end = handler.extract(data, chunk, sink)
        except UnpackError:
            return
        assert end is not None
        assert len(GARBAGE) < end <= len(data)
