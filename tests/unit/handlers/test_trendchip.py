"""TrendChip handler: images built in code, CRC check, truncation, mutations."""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from spyless.errors import FormatError
from spyless.unpack.handlers.firmware.trendchip import TrendChipHandler
from tests.conftest import run_handler, tree
from tests.handler_helpers import mutated_run

KERNEL = b"\x5d\x00\x00\x80\x00" + b"k" * 500
ROOTFS = b"hsqs" + b"r" * 900


def tclinux(kernel: bytes = KERNEL, rootfs: bytes = ROOTFS, romfile: bytes = b"",
            crc: int | None = None) -> bytes:
    body = kernel + rootfs + romfile
    head = bytearray(0x100)
    struct.pack_into(">4sIII", head, 0, b"2RDH", 0x100, 0x100 + len(body),
                     zlib.crc32(body) if crc is None else crc)
    head[0x10:0x18] = b"1.0.0_TC"
    head[0x30:0x38] = b"CUST-001"
    struct.pack_into(">III", head, 0x50, len(kernel), len(rootfs), len(romfile))
    head[0x5C:0x64] = b"DSL-N14U"
    return bytes(head) + body


def test_split(out_dir: Path) -> None:
    image = tclinux(romfile=b"<ROMFILE/>")
    blob = b"\xff" * 4 + image
    chunk = TrendChipHandler().parse(blob, 4)
    assert chunk is not None
    assert chunk.end == len(blob)
    assert chunk.info == {
        "version": "1.0.0_TC", "customer_version": "CUST-001", "model": "DSL-N14U",
        "header_length": "256", "length": str(len(image)), "crc": "ok",
        "kernel_length": "505", "kernel_compression": "lzma", "rootfs_length": "904",
        "romfile_length": "10",
    }
    run_handler(TrendChipHandler(), blob, out_dir, 4)
    assert tree(out_dir) == {"kernel": KERNEL, "rootfs": ROOTFS, "romfile": b"<ROMFILE/>"}


def test_crc_mismatch() -> None:
    chunk = TrendChipHandler().parse(tclinux(crc=5), 0)
    assert chunk is not None
    assert chunk.info["crc"].startswith("mismatch (stored 0x00000005")


def test_truncated_and_impossible_sizes() -> None:
    blob = tclinux()
    with pytest.raises(FormatError, match="runs past the end"):
        TrendChipHandler().parse(blob[:-1], 0)
    assert TrendChipHandler().parse(blob[:0x40], 0) is None
    bad = bytearray(blob)
    struct.pack_into(">I", bad, 0x54, 1 << 30)
    assert TrendChipHandler().parse(bytes(bad), 0) is None


SAMPLE = tclinux(KERNEL[:40], ROOTFS[:40], b"rom")


@settings(max_examples=150, deadline=None)
@given(
    edits=st.lists(st.tuples(st.integers(0, len(SAMPLE) - 1), st.integers(0, 255)), max_size=6),
    cut=st.integers(0, len(SAMPLE)),
)
def test_random_mutations_raise_only_our_errors(edits: list[tuple[int, int]], cut: int) -> None:
    mutated_run(TrendChipHandler(), SAMPLE, edits, cut)
