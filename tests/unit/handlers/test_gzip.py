"""gzip handler: carving, members, names, truncation, bombs and random mutations."""

from __future__ import annotations

import gzip
import io
import os
import struct
import tempfile
import tracemalloc
import zlib
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from spyless.errors import FormatError, LimitExceeded, UnpackError
from spyless.unpack.handlers.compression.gz import GzipHandler
from spyless.unpack.interface import Limits
from spyless.unpack.sandbox import Budget, Sink
from tests.conftest import run_handler, tree

GARBAGE = b"\xa5\x00\xffjunk" * 11
DATA = os.urandom(5000) + bytes(70000) + b"firmware " * 3000


def gz(data: bytes, name: str | None = None) -> bytes:
    buf = io.BytesIO()
    with gzip.GzipFile(filename=name or "", fileobj=buf, mode="wb", mtime=0) as f:
        f.write(data)
    return buf.getvalue()


def test_carved_in_garbage_named_from_fname(out_dir: Path) -> None:
    member = gz(DATA, "vmlinux.bin")
    blob = GARBAGE + member + GARBAGE
    handler = GzipHandler()
    chunk = handler.parse(blob, len(GARBAGE))
    assert chunk is not None
    assert chunk.info == {"name": "vmlinux.bin"}
    _, end = run_handler(handler, blob, out_dir, len(GARBAGE))
    assert end == len(GARBAGE) + len(member)
    assert tree(out_dir) == {"vmlinux.bin": DATA}


def test_multi_member_is_one_output(out_dir: Path) -> None:
    members = gz(b"first part\n", "parts.txt") + gz(b"second part\n") + gz(DATA)
    blob = GARBAGE + members + b"\x1f\x8b\x00 not a member"
    _, end = run_handler(GzipHandler(), blob, out_dir, len(GARBAGE))
    assert end == len(GARBAGE) + len(members)
    assert tree(out_dir) == {"parts.txt": b"first part\nsecond part\n" + DATA}


@pytest.mark.parametrize(
    ("fname", "expected"),
    [(None, "gzip.out"), ("../../etc/passwd", "passwd"), ("..", "gzip.out"),
     ("a\\b\\c.txt", "c.txt"), ("x" * 300, "gzip.out")],
)
def test_output_names(out_dir: Path, fname: str | None, expected: str) -> None:
    run_handler(GzipHandler(), gz(b"abc", fname), out_dir)
    assert tree(out_dir) == {expected: b"abc"}


def test_truncated_stream_keeps_what_decompressed(out_dir: Path) -> None:
    member = gz(DATA)
    blob = GARBAGE + member[: len(member) // 2]
    with pytest.raises(FormatError, match="truncated gzip"):
        run_handler(GzipHandler(), blob, out_dir, len(GARBAGE))
    written = (out_dir / "gzip.out").read_bytes()
    assert written
    assert DATA.startswith(written)


def test_crc_mismatch_is_a_format_error(out_dir: Path) -> None:
    member = bytearray(gz(DATA))
    member[-8] ^= 0xFF
    with pytest.raises(FormatError, match="corrupt gzip"):
        run_handler(GzipHandler(), bytes(member), out_dir)


@pytest.mark.parametrize(
    "blob",
    [
        b"\x1f\x8b\x08\xe0" + bytes(30),  # reserved flag bits
        b"\x1f\x8b\x08\x00" + bytes(6) + b"\x07" + bytes(30),  # deflate block type 3
        b"\x1f\x8b\x08\x08" + bytes(6) + b"no terminator",  # FNAME runs off the end
        b"\x1f\x8b\x08\x00",
    ],
)
def test_parse_rejects_garbage(blob: bytes) -> None:
    assert GzipHandler().parse(blob, 0) is None


def _zero_bomb(gib: int) -> bytes:
    """gzip of ``gib`` GiB of zeros, built from one repeated fully-flushed deflate piece."""
    mib = bytes(1 << 20)
    comp = zlib.compressobj(9, zlib.DEFLATED, -15)
    piece = comp.compress(mib) + comp.flush(zlib.Z_FULL_FLUSH)
    assert comp.compress(mib) + comp.flush(zlib.Z_FULL_FLUSH) == piece
    crc = 0
    for _ in range(1024 * gib):
        crc = zlib.crc32(mib, crc)
    body = piece * (1024 * gib) + b"\x03\x00"  # final empty fixed-Huffman block
    size = (gib << 30) & 0xFFFFFFFF
    return b"\x1f\x8b\x08\x00" + bytes(6) + body + struct.pack("<II", crc, size)


def test_single_layer_bomb_stops_at_the_budget(out_dir: Path) -> None:
    bomb = _zero_bomb(1)
    assert len(bomb) < 2 << 20
    limits = Limits(max_total_bytes=4 << 20)
    tracemalloc.start()
    try:
        with pytest.raises(LimitExceeded):
            run_handler(GzipHandler(), bomb, out_dir, limits=limits)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert (out_dir / "gzip.out").stat().st_size <= 4 << 20
    assert peak < 16 << 20


def test_nested_bomb_stops_at_the_budget(tmp_path: Path) -> None:
    layer = bytes(64 << 20)
    for _ in range(4):
        layer = gzip.compress(layer, mtime=0)
    assert len(layer) < 64 << 10
    budget = Budget(Limits(max_total_bytes=8 << 20), len(layer))
    with pytest.raises(LimitExceeded):
        _unpack_layers(layer, tmp_path, budget)
    assert budget.bytes_written <= 8 << 20
    assert (tmp_path / "d3").is_dir()  # the three outer layers came out; the fourth stopped


def _unpack_layers(layer: bytes, root: Path, budget: Budget) -> None:
    """What the engine does with nested gzip: unpack each output again, one budget."""
    handler = GzipHandler()
    for depth in range(5):
        chunk = handler.parse(layer, 0)
        assert chunk is not None
        sink = Sink(root / f"d{depth}", f"bomb@{depth}", budget)
        handler.extract(layer, chunk, sink)
        layer = (root / f"d{depth}" / "gzip.out").read_bytes()


SAMPLE = gz(DATA[:3000] + DATA[-3000:], "s.bin") + gz(b"tail")


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
    handler = GzipHandler()
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
