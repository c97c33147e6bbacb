"""LZ4 frame handler: frame walking, checksums, truncation, bomb and mutations."""

from __future__ import annotations

import os
import struct
import tempfile
from pathlib import Path

import lz4.frame
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from spyless.errors import FormatError, LimitExceeded, UnpackError
from spyless.unpack.handlers.compression.lz4_frame import Lz4FrameHandler
from spyless.unpack.interface import Limits
from spyless.unpack.sandbox import Budget, Sink
from tests.conftest import run_handler, tree

GARBAGE = b"\x04\x22\x4d\x18\x00" + b"\x31" * 30
DATA = os.urandom(3000) + bytes(300000) + b"libuClibc " * 30000


@pytest.mark.parametrize(
    "options",
    [
        {},
        {"block_checksum": True, "content_checksum": True, "store_size": True},
        {"block_size": lz4.frame.BLOCKSIZE_MAX4MB, "block_linked": False},
        {"compression_level": 12},
    ],
)
def test_carved_in_garbage_end_known_at_parse(out_dir: Path, options: dict[str, object]) -> None:
    frame = lz4.frame.compress(DATA, **options)
    blob = GARBAGE + frame + GARBAGE
    handler = Lz4FrameHandler()
    assert handler.parse(blob, 0) is None
    chunk = handler.parse(blob, len(GARBAGE))
    assert chunk is not None
    assert chunk.end == len(GARBAGE) + len(frame)
    run_handler(handler, blob, out_dir, len(GARBAGE))
    assert tree(out_dir) == {"lz4.out": DATA}


def test_following_skippable_frames_belong_to_the_chunk(out_dir: Path) -> None:
    frame = lz4.frame.compress(DATA) + struct.pack("<II", 0x184D2A5F, 3) + b"abc"
    _, end = run_handler(Lz4FrameHandler(), frame + b"tail", out_dir)
    assert end == len(frame)
    assert tree(out_dir) == {"lz4.out": DATA}


def test_truncated(out_dir: Path) -> None:
    frame = lz4.frame.compress(os.urandom(1 << 20))
    handler = Lz4FrameHandler()
    chunk = handler.parse(frame[: len(frame) // 2], 0)
    assert chunk is not None
    assert chunk.end is None
    with pytest.raises(FormatError, match="truncated LZ4"):
        run_handler(handler, frame[: len(frame) // 2], out_dir)
    written = (out_dir / "lz4.out").read_bytes()
    assert written


def test_content_checksum_mismatch(out_dir: Path) -> None:
    frame = bytearray(lz4.frame.compress(DATA, content_checksum=True))
    frame[-1] ^= 1
    with pytest.raises(FormatError, match="corrupt LZ4"):
        run_handler(Lz4FrameHandler(), bytes(frame), out_dir)


@pytest.mark.parametrize(("offset", "xor"), [(4, 0x80), (4, 0x02), (5, 0x01), (5, 0x70)])
def test_bad_descriptor_is_not_parsed(offset: int, xor: int) -> None:
    frame = bytearray(lz4.frame.compress(DATA))
    frame[offset] ^= xor
    assert Lz4FrameHandler().parse(bytes(frame), 0) is None


def test_bomb_stops_at_budget(out_dir: Path) -> None:
    comp = lz4.frame.LZ4FrameCompressor()
    mib = bytes(1 << 20)
    bomb = comp.begin() + b"".join(comp.compress(mib) for _ in range(256)) + comp.flush()
    with pytest.raises(LimitExceeded):
        run_handler(Lz4FrameHandler(), bomb, out_dir, limits=Limits(max_total_bytes=4 << 20))
    assert (out_dir / "lz4.out").stat().st_size <= 4 << 20


SAMPLE = lz4.frame.compress(DATA[:2000] + DATA[-2000:], content_checksum=True)


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
    handler = Lz4FrameHandler()
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
