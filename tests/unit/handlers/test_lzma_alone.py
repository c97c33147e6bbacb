"""LZMA-alone handler: header validation, sizes, the TP-Link kernel, bombs, mutations."""

from __future__ import annotations

import hashlib
import lzma
import os
import struct
import tempfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from spyless.errors import FormatError, LimitExceeded, UnpackError
from spyless.unpack.handlers.compression.lzma_alone import LzmaAloneHandler
from spyless.unpack.interface import Limits
from spyless.unpack.sandbox import Budget, Sink
from tests.conftest import corpus_file, run_handler, tree

GARBAGE = b"\x5d\x00\x00\x80\x00" + b"\xee" * 40  # a false magic, then junk
DATA = os.urandom(3000) + bytes(60000) + b"Linux version 2.6.31 " * 1000
TPLINK = "firmware/tplink_tl-wr841n_v10_en_3.16.9_build150310.bin"


def alone(data: bytes, known_size: bool = True, dict_size: int = 1 << 23) -> bytes:
    filters = [{"id": lzma.FILTER_LZMA1, "dict_size": dict_size}]
    stream = bytearray(lzma.compress(data, format=lzma.FORMAT_ALONE, filters=filters))
    if known_size:
        stream[5:13] = struct.pack("<Q", len(data))
    return bytes(stream)


@pytest.mark.parametrize("known_size", [True, False])
def test_carved_in_garbage(out_dir: Path, known_size: bool) -> None:
    stream = alone(DATA, known_size)
    blob = GARBAGE + stream + GARBAGE
    handler = LzmaAloneHandler()
    assert handler.parse(blob, 0) is None
    chunk = handler.parse(blob, len(GARBAGE))
    assert chunk is not None
    assert chunk.info["size"] == (str(len(DATA)) if known_size else "unknown")
    _, end = run_handler(handler, blob, out_dir, len(GARBAGE))
    assert end == len(GARBAGE) + len(stream)
    assert tree(out_dir) == {"lzma.out": DATA}


def test_magics_cover_the_default_header() -> None:
    head = alone(DATA)[:5]
    assert any(m.pattern == head for m in LzmaAloneHandler.magics)


@pytest.mark.parametrize(
    ("offset", "value"),
    [
        (0, b"\xe1"),  # properties >= 225
        (1, struct.pack("<I", 12345)),  # dictionary size not 2^n or 3 * 2^(n-1)
        (1, struct.pack("<I", 1 << 30)),  # dictionary size too large
        (5, struct.pack("<Q", 1 << 40)),  # implausible uncompressed size
        (5, struct.pack("<Q", 0)),  # empty
        (13, b"\x01"),  # the range coder's first byte is always zero
    ],
)
def test_parse_rejects_implausible_headers(offset: int, value: bytes) -> None:
    stream = bytearray(alone(DATA))
    stream[offset : offset + len(value)] = value
    assert LzmaAloneHandler().parse(bytes(stream), 0) is None


def test_parse_rejects_a_header_on_garbage() -> None:
    blob = alone(DATA)[:13] + b"\x00" + os.urandom(4000)
    assert LzmaAloneHandler().parse(blob, 0) is None


def test_size_mismatch(out_dir: Path) -> None:
    stream = bytearray(alone(DATA))
    stream[5:13] = struct.pack("<Q", len(DATA) + 1000)
    with pytest.raises(FormatError):
        run_handler(LzmaAloneHandler(), bytes(stream), out_dir)


def test_truncated(out_dir: Path) -> None:
    stream = alone(os.urandom(100000))
    with pytest.raises(FormatError, match="truncated LZMA"):
        run_handler(LzmaAloneHandler(), stream[: len(stream) // 2], out_dir)
    assert (out_dir / "lzma.out").stat().st_size > 0


def test_bomb_stops_at_budget(out_dir: Path) -> None:
    comp = lzma.LZMACompressor(format=lzma.FORMAT_ALONE, preset=0)
    mib = bytes(1 << 20)
    bomb = b"".join(comp.compress(mib) for _ in range(128)) + comp.flush()
    with pytest.raises(LimitExceeded):
        run_handler(LzmaAloneHandler(), bomb, out_dir, limits=Limits(max_total_bytes=3 << 20))
    assert (out_dir / "lzma.out").stat().st_size <= 3 << 20


@pytest.mark.corpus
def test_tplink_kernel(out_dir: Path) -> None:
    blob = corpus_file(TPLINK).read_bytes()
    handler = LzmaAloneHandler()
    chunk = handler.parse(blob, 0x20400)
    assert chunk is not None
    assert chunk.info == {"dictionary": str(1 << 25), "size": "2219160"}
    _, end = run_handler(handler, blob, out_dir, 0x20400)
    assert end == 0xDA20E
    kernel = (out_dir / "lzma.out").read_bytes()
    assert hashlib.sha256(kernel).hexdigest() == (
        "ad931bfda23bdec78e84f51969fc2a46d1a5b744c37b57f55b2274e7e383c8e5"
    )
    assert b"Linux version 2.6.31" in kernel


SAMPLE = alone(DATA[:2000] + DATA[-2000:])


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
    handler = LzmaAloneHandler()
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
