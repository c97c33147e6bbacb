"""TRX handler: the shared fixture, v1/v2 images built in code, CRC check, mutations."""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from spyless.errors import FormatError
from spyless.unpack.handlers.firmware.trx import TrxHandler
from tests.conftest import corpus_file, run_handler, tree
from tests.handler_helpers import mutated_run


def trx(parts: list[bytes], version: int = 1, crc: int | None = None) -> bytes:
    count = 3 if version == 1 else 4
    header_size = 16 + 4 * count
    offsets, pos = [], header_size
    for part in parts:
        offsets.append(pos)
        pos += len(part)
    offsets += [0] * (count - len(offsets))
    body = struct.pack(f"<I{count}I", version << 16, *offsets) + b"".join(parts)
    length = 12 + len(body)
    value = zlib.crc32(body) ^ 0xFFFFFFFF if crc is None else crc
    return struct.pack("<4sII", b"HDR0", length, value) + body


def test_shared_fixture(out_dir: Path) -> None:
    blob = corpus_file("formats/factx_trx__trx.img").read_bytes()
    chunk = TrxHandler().parse(blob, 0)
    assert chunk is not None
    assert (chunk.start, chunk.end) == (0, 4096)
    assert chunk.info == {"version": "1", "flags": "0x0000", "length": "4096", "crc": "ok",
                          "partitions": "0x1c-0x1000"}
    run_handler(TrxHandler(), blob, out_dir)
    files = tree(out_dir)
    assert list(files) == ["partition-1"]
    assert files["partition-1"] == blob[28:4096]
    assert blob[28:32] == b"PK\x03\x04"


@pytest.mark.parametrize("version", [1, 2])
def test_built_images_split_in_offset_order(out_dir: Path, version: int) -> None:
    parts = [b"loader" * 3, b"\x5d\x00\x00kernel" * 10, b"hsqs-rootfs" * 20]
    if version == 2:
        parts.append(b"bin-header")
    image = trx(parts, version)
    blob = b"\x00" * 8 + image + b"\xff" * 32
    chunk = TrxHandler().parse(blob, 8)
    assert chunk is not None
    assert (chunk.end, chunk.info["crc"], chunk.info["version"]) == (
        8 + len(image), "ok", str(version))
    run_handler(TrxHandler(), blob, out_dir, 8)
    assert tree(out_dir) == {f"partition-{i}": p for i, p in enumerate(parts, 1)}


def test_crc_mismatch_recorded(out_dir: Path) -> None:
    blob = trx([b"a" * 40], crc=0x11111111)
    chunk = TrxHandler().parse(blob, 0)
    assert chunk is not None
    assert chunk.info["crc"].startswith("mismatch (stored 0x11111111, computed 0x")
    run_handler(TrxHandler(), blob, out_dir)
    assert tree(out_dir) == {"partition-1": b"a" * 40}


def test_truncated_and_bad_offsets() -> None:
    blob = trx([b"a" * 40])
    with pytest.raises(FormatError, match="runs past the end"):
        TrxHandler().parse(blob[:-1], 0)
    assert TrxHandler().parse(blob[:10], 0) is None
    bad = bytearray(blob)
    bad[16:20] = struct.pack("<I", 0x10000)
    with pytest.raises(FormatError, match="outside the image"):
        TrxHandler().parse(bytes(bad), 0)
    assert TrxHandler().parse(b"HDR0" + bytes(40), 0) is None


SAMPLE = trx([b"loader" * 3, b"kernel" * 10, b"rootfs" * 20])


@settings(max_examples=150, deadline=None)
@given(
    edits=st.lists(st.tuples(st.integers(0, len(SAMPLE) - 1), st.integers(0, 255)), max_size=6),
    cut=st.integers(0, len(SAMPLE)),
)
def test_random_mutations_raise_only_our_errors(edits: list[tuple[int, int]], cut: int) -> None:
    mutated_run(TrxHandler(), SAMPLE, edits, cut)
