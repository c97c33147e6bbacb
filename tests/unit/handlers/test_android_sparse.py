"""Android sparse handler: chunks expanded, img2simg output, budget-bounded huge claims."""

from __future__ import annotations

import os
import shutil
import struct
import subprocess
import tracemalloc
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from spyless.errors import FormatError, LimitExceeded
from spyless.unpack.handlers.firmware.android_sparse import AndroidSparseHandler
from spyless.unpack.interface import Limits
from spyless.unpack.sandbox import Budget, Sink
from tests.conftest import run_handler, tree
from tests.handler_helpers import mutated_run

BLK = 4096


def sparse(chunks: list[tuple[int, int, bytes]], total_blocks: int | None = None) -> bytes:
    body = b""
    blocks = 0
    for kind, count, payload in chunks:
        body += struct.pack("<HHII", kind, 0, count, 12 + len(payload)) + payload
        blocks += count if kind != 0xCAC4 else 0
    total = blocks if total_blocks is None else total_blocks
    return struct.pack("<IHHHHIIII", 0xED26FF3A, 1, 0, 28, 12, BLK, total, len(chunks), 0) + body


RAW = os.urandom(2 * BLK)
SAMPLE = sparse([(0xCAC1, 2, RAW), (0xCAC2, 1, b"\xab\xcd\xef\x01"), (0xCAC3, 2, b""),
                 (0xCAC4, 0, b"\x00\x00\x00\x00")])


def test_expands_all_chunk_types(out_dir: Path) -> None:
    blob = SAMPLE + b"trailing"
    chunk = AndroidSparseHandler().parse(blob, 0)
    assert chunk is not None
    assert chunk.end == len(SAMPLE)
    assert chunk.info == {"block_size": "4096", "total_blocks": "5", "chunks": "4",
                          "expanded_size": str(5 * BLK)}
    run_handler(AndroidSparseHandler(), blob, out_dir)
    assert tree(out_dir) == {"image.raw": RAW + b"\xab\xcd\xef\x01" * 1024 + bytes(2 * BLK)}


def test_four_gib_claim_stops_at_budget_without_allocating(tmp_path: Path) -> None:
    blocks = (4 << 30) // BLK
    blob = sparse([(0xCAC3, blocks - 1, b""), (0xCAC2, 1, b"\x01\x02\x03\x04")])
    handler = AndroidSparseHandler()
    chunk = handler.parse(blob, 0)
    assert chunk is not None
    assert chunk.info["expanded_size"] == str(4 << 30)
    sink = Sink(tmp_path, "t", Budget(Limits(max_total_bytes=8 << 20), len(blob)))
    tracemalloc.start()
    try:
        with pytest.raises(LimitExceeded):
            handler.extract(blob, chunk, sink)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 16 << 20
    assert (tmp_path / "image.raw").stat().st_size <= 8 << 20


def test_inconsistent_chunks_are_format_errors() -> None:
    with pytest.raises(FormatError, match="cover 2 blocks"):
        AndroidSparseHandler().parse(sparse([(0xCAC3, 2, b"")], total_blocks=3), 0)
    with pytest.raises(FormatError, match="unknown type"):
        AndroidSparseHandler().parse(sparse([(0xCAC9, 1, b"")]), 0)
    with pytest.raises(FormatError, match="claims"):
        AndroidSparseHandler().parse(sparse([(0xCAC1, 2, b"short")]), 0)
    with pytest.raises(FormatError, match="past the end"):
        AndroidSparseHandler().parse(SAMPLE[:-100], 0)
    assert AndroidSparseHandler().parse(SAMPLE[:20], 0) is None


@pytest.mark.skipif(shutil.which("img2simg") is None, reason="img2simg not installed")
def test_img2simg_roundtrip(tmp_path: Path) -> None:
    raw = os.urandom(3 * BLK) + bytes(20 * BLK) + b"\x77" * (4 * BLK) + os.urandom(BLK)
    (tmp_path / "in.img").write_bytes(raw)
    subprocess.run(["img2simg", str(tmp_path / "in.img"), str(tmp_path / "out.simg")],
                   check=True, capture_output=True)
    blob = (tmp_path / "out.simg").read_bytes()
    run_handler(AndroidSparseHandler(), blob, tmp_path / "out")
    assert (tmp_path / "out" / "image.raw").read_bytes() == raw


@settings(max_examples=150, deadline=None)
@given(
    edits=st.lists(st.tuples(st.integers(0, 80), st.integers(0, 255)), max_size=6),
    cut=st.integers(0, len(SAMPLE)),
)
def test_random_mutations_raise_only_our_errors(edits: list[tuple[int, int]], cut: int) -> None:
    mutated_run(AndroidSparseHandler(), SAMPLE, edits, cut)
