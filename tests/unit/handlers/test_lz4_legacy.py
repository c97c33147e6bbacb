"""Legacy LZ4 handler: 8 MiB blocks, stream ends, kernel trailer, truncation, mutations."""

from __future__ import annotations

import os
import shutil
import struct
import subprocess
import tempfile
from pathlib import Path

import lz4.block
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from spyless.errors import FormatError, LimitExceeded, UnpackError
from spyless.unpack.handlers.compression.lz4_legacy import BLOCK_SIZE, Lz4LegacyHandler
from spyless.unpack.interface import Limits
from spyless.unpack.sandbox import Budget, Sink
from tests.conftest import run_handler, tree

MAGIC = b"\x02\x21\x4c\x18"
GARBAGE = MAGIC + b"\xff\xff\xff\xff" + b"\x55" * 30
DATA = os.urandom(3000) + bytes(300000) + b"initramfs " * 30000


def legacy(data: bytes) -> bytes:
    out = [MAGIC]
    for pos in range(0, len(data), BLOCK_SIZE):
        block = lz4.block.compress(data[pos : pos + BLOCK_SIZE], store_size=False)
        out.append(struct.pack("<I", len(block)) + block)
    return b"".join(out)


def test_carved_in_garbage(out_dir: Path) -> None:
    stream = legacy(DATA)
    blob = GARBAGE + stream + GARBAGE
    assert Lz4LegacyHandler().parse(blob, 0) is None
    _, end = run_handler(Lz4LegacyHandler(), blob, out_dir, len(GARBAGE))
    assert end == len(GARBAGE) + len(stream)
    assert tree(out_dir) == {"lz4.out": DATA}


def test_several_blocks_then_kernel_size_trailer(out_dir: Path) -> None:
    data = os.urandom(1 << 16) * 200  # 12.5 MiB: one full block and one short one
    stream = legacy(data)
    blob = stream + struct.pack("<I", len(data)) + b"rest"
    _, end = run_handler(Lz4LegacyHandler(), blob, out_dir)
    assert end == len(stream)
    assert tree(out_dir) == {"lz4.out": data}


def test_full_last_block_then_implausible_size(out_dir: Path) -> None:
    data = bytes(BLOCK_SIZE)
    stream = legacy(data)
    _, end = run_handler(Lz4LegacyHandler(), stream + b"\xff\xff\xff\x7f", out_dir)
    assert end == len(stream)
    assert tree(out_dir) == {"lz4.out": data}


def test_repeated_magic_continues(out_dir: Path) -> None:
    stream = legacy(bytes(BLOCK_SIZE)) + legacy(b"second")
    _, end = run_handler(Lz4LegacyHandler(), stream, out_dir)
    assert end == len(stream)
    assert tree(out_dir) == {"lz4.out": bytes(BLOCK_SIZE) + b"second"}


@pytest.mark.skipif(shutil.which("lz4") is None, reason="lz4 command-line tool not installed")
def test_matches_the_lz4_tool(tmp_path: Path, out_dir: Path) -> None:
    (tmp_path / "in").write_bytes(DATA)
    subprocess.run(["lz4", "-l", "-q", "-f", str(tmp_path / "in"), str(tmp_path / "in.lz4")],
                   check=True)
    blob = (tmp_path / "in.lz4").read_bytes()
    _, end = run_handler(Lz4LegacyHandler(), blob, out_dir)
    assert end == len(blob)
    assert tree(out_dir) == {"lz4.out": DATA}


def test_truncated_first_block(out_dir: Path) -> None:
    stream = legacy(DATA)
    with pytest.raises(FormatError, match="truncated LZ4 legacy"):
        run_handler(Lz4LegacyHandler(), stream[:-10], out_dir)


def test_corrupt_first_block(out_dir: Path) -> None:
    stream = MAGIC + struct.pack("<I", 8) + b"\xf0" * 8
    with pytest.raises(FormatError, match="corrupt LZ4 legacy"):
        run_handler(Lz4LegacyHandler(), stream, out_dir)


def test_bomb_stops_at_budget(out_dir: Path) -> None:
    bomb = legacy(bytes(64 << 20))
    with pytest.raises(LimitExceeded):
        run_handler(Lz4LegacyHandler(), bomb, out_dir, limits=Limits(max_total_bytes=20 << 20))
    assert (out_dir / "lz4.out").stat().st_size <= 20 << 20


SAMPLE = legacy(DATA[:2000] + DATA[-2000:])


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
    handler = Lz4LegacyHandler()
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
