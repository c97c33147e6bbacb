"""lzop handler: header fields, block loop, checksums, names, truncation, bomb, mutations."""

from __future__ import annotations

import os
import shutil
import struct
import subprocess
import tempfile
import zlib
from pathlib import Path

import lzallright
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from spyless.errors import FormatError, LimitExceeded, UnpackError
from spyless.unpack.handlers.compression.lzop import (
    F_ADLER32_C,
    F_ADLER32_D,
    F_CRC32_C,
    F_CRC32_D,
    F_H_CRC32,
    MAX_BLOCK,
    LzopHandler,
)
from spyless.unpack.interface import Limits
from spyless.unpack.sandbox import Budget, Sink
from tests.conftest import run_handler, tree

MAGIC = b"\x89LZO\x00\r\n\x1a\n"
GARBAGE = MAGIC + b"\x10\x40" + b"\x99" * 40
DATA = os.urandom(3000) + bytes(600000) + b"lighttpd " * 20000


def _sums(flags: int, adler_bit: int, crc_bit: int, data: bytes) -> bytes:
    out = struct.pack(">I", zlib.adler32(data)) if flags & adler_bit else b""
    return out + (struct.pack(">I", zlib.crc32(data)) if flags & crc_bit else b"")


def lzop(data: bytes, name: bytes = b"f.bin", flags: int = F_ADLER32_D, method: int = 1,
         block: int = 256 * 1024) -> bytes:
    """An lzop file as lzop 1.04 lays it out (version 0x1040)."""
    head = struct.pack(">HHHBBI", 0x1040, 0x20A0, 0x0940, method, 5, flags)
    head += struct.pack(">III", 0o100644, 0, 0) + bytes([len(name)]) + name
    check = zlib.crc32(head) if flags & F_H_CRC32 else zlib.adler32(head)
    out = [MAGIC, head, struct.pack(">I", check)]
    for pos in range(0, len(data), block):
        piece = data[pos : pos + block]
        packed = lzallright.LZOCompressor().compress(piece)
        sums = _sums(flags, F_ADLER32_D, F_CRC32_D, piece)
        if len(packed) < len(piece):
            sums += _sums(flags, F_ADLER32_C, F_CRC32_C, packed)
        else:
            packed = piece
        out.append(struct.pack(">II", len(piece), len(packed)) + sums + packed)
    out.append(bytes(4))
    return b"".join(out)


@pytest.mark.parametrize(
    "flags",
    [0, F_ADLER32_D, F_CRC32_D | F_H_CRC32,
     F_ADLER32_D | F_ADLER32_C | F_CRC32_D | F_CRC32_C],
)
def test_carved_in_garbage(out_dir: Path, flags: int) -> None:
    data = DATA + os.urandom(300000)  # compressed and stored blocks
    stream = lzop(data, flags=flags)
    blob = GARBAGE + stream + GARBAGE
    assert LzopHandler().parse(blob, 0) is None
    _, end = run_handler(LzopHandler(), blob, out_dir, len(GARBAGE))
    assert end == len(GARBAGE) + len(stream)
    assert tree(out_dir) == {"f.bin": data}


@pytest.mark.parametrize(
    ("name", "expected"), [(b"", "lzop.out"), (b"../../x/y", "y"), (b"..", "lzop.out")]
)
def test_output_names(out_dir: Path, name: bytes, expected: str) -> None:
    run_handler(LzopHandler(), lzop(b"abc" * 100, name), out_dir)
    assert tree(out_dir) == {expected: b"abc" * 100}


@pytest.mark.skipif(shutil.which("lzop") is None, reason="lzop command-line tool not installed")
@pytest.mark.parametrize("options", [[], ["-9"], ["--crc32"], ["-1"]])
def test_matches_the_lzop_tool(tmp_path: Path, out_dir: Path, options: list[str]) -> None:
    (tmp_path / "rootfs.img").write_bytes(DATA)
    subprocess.run(["lzop", *options, "-o", str(tmp_path / "x.lzo"), str(tmp_path / "rootfs.img")],
                   check=True)
    blob = (tmp_path / "x.lzo").read_bytes()
    _, end = run_handler(LzopHandler(), b"junk" + blob, out_dir, 4)
    assert end == 4 + len(blob)
    assert tree(out_dir) == {"rootfs.img": DATA}


def test_bad_header_checksum_is_not_parsed() -> None:
    stream = bytearray(lzop(DATA))
    stream[20] ^= 1
    assert LzopHandler().parse(bytes(stream), 0) is None


def test_data_checksum_mismatch(out_dir: Path) -> None:
    stream = bytearray(lzop(b"A" * 1000 + os.urandom(1000), flags=F_CRC32_D))
    stream[-10] ^= 1  # inside the stored data of the only block
    with pytest.raises(FormatError, match="CRC-32 mismatch"):
        run_handler(LzopHandler(), bytes(stream), out_dir)


def test_unsupported_method(out_dir: Path) -> None:
    with pytest.raises(FormatError, match="not LZO1X"):
        run_handler(LzopHandler(), lzop(DATA, method=0x40), out_dir)


def test_oversized_block_is_refused(out_dir: Path) -> None:
    with pytest.raises(FormatError, match="sizes"):
        run_handler(LzopHandler(), lzop(bytes(MAX_BLOCK + 1), block=MAX_BLOCK + 1), out_dir)


def test_truncated(out_dir: Path) -> None:
    stream = lzop(DATA)
    with pytest.raises(FormatError, match="truncated lzop"):
        run_handler(LzopHandler(), stream[: len(stream) * 2 // 3], out_dir)
    written = (out_dir / "f.bin").read_bytes()
    assert written
    assert DATA.startswith(written)


def test_bomb_stops_at_budget(out_dir: Path) -> None:
    one = lzop(bytes(256 * 1024))
    header_end = one.index(struct.pack(">I", 256 * 1024))
    block = one[header_end:-4]
    bomb = one[:header_end] + block * 1024 + bytes(4)  # 256 MiB of zeros
    assert len(bomb) < 4 << 20
    with pytest.raises(LimitExceeded):
        run_handler(LzopHandler(), bomb, out_dir, limits=Limits(max_total_bytes=3 << 20))
    assert (out_dir / "f.bin").stat().st_size <= 3 << 20


SAMPLE = lzop(DATA[:2000] + DATA[-2000:], flags=F_ADLER32_D | F_ADLER32_C, block=1024)


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
    handler = LzopHandler()
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
