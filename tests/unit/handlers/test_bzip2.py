"""bzip2 handler: carving, multi-stream, truncation, corruption, bomb and mutations."""

from __future__ import annotations

import bz2
import os
import tempfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from spyless.errors import FormatError, LimitExceeded, UnpackError
from spyless.unpack.handlers.compression.bzip2 import Bzip2Handler
from spyless.unpack.interface import Limits
from spyless.unpack.sandbox import Budget, Sink
from tests.conftest import run_handler, tree

GARBAGE = b"BZh9 not really" + b"\x42" * 30
DATA = os.urandom(3000) + bytes(50000) + b"dropbear " * 3000


@pytest.mark.parametrize("level", [1, 9])
def test_carved_in_garbage(out_dir: Path, level: int) -> None:
    stream = bz2.compress(DATA, level)
    blob = GARBAGE + stream + GARBAGE
    handler = Bzip2Handler()
    assert handler.parse(blob, 0) is None
    assert any(blob.startswith(m.pattern, len(GARBAGE)) for m in handler.magics)
    _, end = run_handler(handler, blob, out_dir, len(GARBAGE))
    assert end == len(GARBAGE) + len(stream)
    assert tree(out_dir) == {"bzip2.out": DATA}


def test_multistream(out_dir: Path) -> None:
    streams = bz2.compress(b"one\n") + bz2.compress(b"") + bz2.compress(DATA)
    _, end = run_handler(Bzip2Handler(), streams + b"BZh0", out_dir)
    assert end == len(streams)
    assert tree(out_dir) == {"bzip2.out": b"one\n" + DATA}


def test_truncated(out_dir: Path) -> None:
    data = os.urandom(300000)
    stream = bz2.compress(data, 1)  # 100 kB blocks
    with pytest.raises(FormatError, match="truncated bzip2"):
        run_handler(Bzip2Handler(), stream[: len(stream) * 3 // 4], out_dir)
    written = (out_dir / "bzip2.out").read_bytes()
    assert len(written) >= 100000
    assert data.startswith(written)


def test_corrupt_block(out_dir: Path) -> None:
    stream = bytearray(bz2.compress(DATA))
    stream[len(stream) // 2] ^= 0x10
    with pytest.raises(FormatError, match="corrupt bzip2"):
        run_handler(Bzip2Handler(), bytes(stream), out_dir)


def test_bomb_stops_at_budget(out_dir: Path) -> None:
    comp = bz2.BZ2Compressor(9)
    mib = bytes(1 << 20)
    bomb = b"".join(comp.compress(mib) for _ in range(64)) + comp.flush()
    assert len(bomb) < 4096
    with pytest.raises(LimitExceeded):
        run_handler(Bzip2Handler(), bomb, out_dir, limits=Limits(max_total_bytes=3 << 20))
    assert (out_dir / "bzip2.out").stat().st_size <= 3 << 20


SAMPLE = bz2.compress(DATA[:2000] + DATA[-2000:])


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
    handler = Bzip2Handler()
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
