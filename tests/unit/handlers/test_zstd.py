"""zstd handler: frame walking, skippable frames, truncation, checksums, bomb, mutations."""

from __future__ import annotations

import os
import struct
import tempfile
from pathlib import Path

import pytest
import zstandard
from hypothesis import given, settings
from hypothesis import strategies as st

from spyless.errors import FormatError, LimitExceeded, UnpackError
from spyless.unpack.handlers.compression.zstd import ZstdHandler
from spyless.unpack.interface import Limits
from spyless.unpack.sandbox import Budget, Sink
from tests.conftest import run_handler, tree

GARBAGE = b"\x28\xb5\x2f\xfd\xff" + b"\x77" * 30
DATA = os.urandom(3000) + bytes(300000) + b"openssl " * 30000


def zstd(data: bytes, **kwargs: object) -> bytes:
    return zstandard.ZstdCompressor(**kwargs).compress(data)  # type: ignore[arg-type]


def skippable(payload: bytes, nibble: int = 0) -> bytes:
    return struct.pack("<II", 0x184D2A50 + nibble, len(payload)) + payload


@pytest.mark.parametrize(
    "options",
    [{}, {"write_checksum": True}, {"write_content_size": False}, {"level": 19}],
)
def test_carved_in_garbage_end_known_at_parse(out_dir: Path, options: dict[str, object]) -> None:
    frame = zstd(DATA, **options)
    blob = GARBAGE + frame + GARBAGE
    handler = ZstdHandler()
    assert handler.parse(blob, 0) is None
    chunk = handler.parse(blob, len(GARBAGE))
    assert chunk is not None
    assert chunk.end == len(GARBAGE) + len(frame)
    run_handler(handler, blob, out_dir, len(GARBAGE))
    assert tree(out_dir) == {"zstd.out": DATA}


def test_frames_and_skippable_frames_form_one_output(out_dir: Path) -> None:
    frames = zstd(b"one\n") + skippable(b"vendor data", 7) + zstd(DATA) + skippable(b"")
    _, end = run_handler(ZstdHandler(), frames + skippable(b"runs off", 1)[:-3], out_dir)
    assert end == len(frames)
    assert tree(out_dir) == {"zstd.out": b"one\n" + DATA}


def test_truncated(out_dir: Path) -> None:
    frame = zstd(os.urandom(1 << 20))
    handler = ZstdHandler()
    chunk = handler.parse(frame[: len(frame) // 2], 0)
    assert chunk is not None
    assert chunk.end is None
    with pytest.raises(FormatError, match="truncated zstd"):
        run_handler(handler, frame[: len(frame) // 2], out_dir)
    assert (out_dir / "zstd.out").stat().st_size > 0


def test_checksum_mismatch(out_dir: Path) -> None:
    frame = bytearray(zstd(DATA, write_checksum=True))
    frame[-1] ^= 1
    with pytest.raises(FormatError, match="corrupt zstd"):
        run_handler(ZstdHandler(), bytes(frame), out_dir)


def test_dictionary_frames_are_reported(out_dir: Path) -> None:
    frame = bytearray(zstd(b"data " * 10))
    assert frame[4] & 0x03 == 0
    dict_at = 5 if frame[4] & 0x20 else 6  # after the window descriptor, if any
    frame[4] |= 0x01  # a one-byte dictionary ID follows
    frame[dict_at:dict_at] = b"\x2a"
    chunk = ZstdHandler().parse(bytes(frame), 0)
    assert chunk is not None
    assert chunk.end == len(frame)
    with pytest.raises(FormatError, match="needs dictionary 42"):
        run_handler(ZstdHandler(), bytes(frame), out_dir)


def test_reserved_bit_and_block_type_are_rejected() -> None:
    frame = bytearray(zstd(DATA))
    frame[4] |= 0x08
    assert ZstdHandler().parse(bytes(frame), 0) is None


def test_bomb_stops_at_budget(out_dir: Path) -> None:
    comp = zstandard.ZstdCompressor().compressobj()
    mib = bytes(1 << 20)
    bomb = b"".join(comp.compress(mib) for _ in range(1024)) + comp.flush()
    assert len(bomb) < 64 << 10
    with pytest.raises(LimitExceeded):
        run_handler(ZstdHandler(), bomb, out_dir, limits=Limits(max_total_bytes=4 << 20))
    assert (out_dir / "zstd.out").stat().st_size <= 4 << 20


SAMPLE = zstd(DATA[:2000] + DATA[-2000:], write_checksum=True)


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
    handler = ZstdHandler()
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
