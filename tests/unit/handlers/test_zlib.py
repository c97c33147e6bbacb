"""zlib handler: offset-0 only policy, stream end, truncation, bomb and mutations."""

from __future__ import annotations

import os
import tempfile
import zlib
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from spyless.errors import FormatError, LimitExceeded, UnpackError
from spyless.unpack.handlers.compression.zlibstream import ZlibHandler
from spyless.unpack.interface import Limits
from spyless.unpack.sandbox import Budget, Sink
from tests.conftest import run_handler, tree

DATA = os.urandom(4000) + bytes(50000) + b"config=1\n" * 2000
TRAILER = b"\x00\x11trailing data"


def test_asks_to_be_tried_only_at_file_start() -> None:
    assert ZlibHandler.carve_anywhere is False


@pytest.mark.parametrize("level", [1, 6, 9, 0])
def test_stream_and_end(out_dir: Path, level: int) -> None:
    stream = zlib.compress(DATA, level)
    _, end = run_handler(ZlibHandler(), stream + TRAILER, out_dir)
    assert end == len(stream)
    assert tree(out_dir) == {"zlib.out": DATA}


def test_also_parses_when_asked_at_an_offset(out_dir: Path) -> None:
    stream = zlib.compress(DATA)
    _, end = run_handler(ZlibHandler(), b"garbage!" + stream, out_dir, 8)
    assert end == 8 + len(stream)
    assert tree(out_dir) == {"zlib.out": DATA}


def test_truncated(out_dir: Path) -> None:
    stream = zlib.compress(DATA)
    with pytest.raises(FormatError, match="truncated zlib"):
        run_handler(ZlibHandler(), stream[: len(stream) * 2 // 3], out_dir)
    written = (out_dir / "zlib.out").read_bytes()
    assert written
    assert DATA.startswith(written)


def test_adler_mismatch(out_dir: Path) -> None:
    stream = bytearray(zlib.compress(DATA))
    stream[-1] ^= 1
    with pytest.raises(FormatError, match="corrupt zlib"):
        run_handler(ZlibHandler(), bytes(stream), out_dir)


@pytest.mark.parametrize(
    "blob",
    [b"\x78\x9d" + bytes(20), b"\x78\xbb" + bytes(20), b"\x78\x9c\xff\xff\xff" + bytes(20),
     b"\x78\x9c"],
)
def test_parse_rejects(blob: bytes) -> None:
    assert ZlibHandler().parse(blob, 0) is None


def test_bomb_stops_at_budget(out_dir: Path) -> None:
    comp = zlib.compressobj(9)
    mib = bytes(1 << 20)
    bomb = b"".join(comp.compress(mib) for _ in range(256)) + comp.flush()
    with pytest.raises(LimitExceeded):
        run_handler(ZlibHandler(), bomb, out_dir, limits=Limits(max_total_bytes=2 << 20))
    assert (out_dir / "zlib.out").stat().st_size <= 2 << 20


SAMPLE = zlib.compress(DATA[:2000] + DATA[-2000:])


@settings(max_examples=150, deadline=None)
@given(
    edits=st.lists(st.tuples(st.integers(0, len(SAMPLE) - 1), st.integers(0, 255)), max_size=6),
    cut=st.integers(0, len(SAMPLE)),
)
def test_random_mutations_raise_only_our_errors(edits: list[tuple[int, int]], cut: int) -> None:
    blob = bytearray(SAMPLE)
    for pos, value in edits:
        blob[pos] = value
    data = bytes(blob[:cut])
    handler = ZlibHandler()
    chunk = handler.parse(data, 0)
    if chunk is None:
        return
    with tempfile.TemporaryDirectory() as tmp:
        sink = Sink(Path(tmp), "fuzz", Budget(Limits(max_total_bytes=16 << 20), len(data)))
        try:
            end = handler.extract(data, chunk, sink)
        except UnpackError:
            return
        assert end is not None
        assert 0 < end <= len(data)
