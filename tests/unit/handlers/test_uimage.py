"""uImage handler: single, multi and script images, CRC checks, mkimage output, mutations."""

from __future__ import annotations

import gzip
import shutil
import struct
import subprocess
import zlib
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from spyless.errors import FormatError
from spyless.unpack.handlers.firmware.uimage import UImageHandler
from spyless.unpack.interface import Limits
from spyless.unpack.sandbox import Budget, Sink
from tests.conftest import run_handler, tree
from tests.handler_helpers import mutated_run

KERNEL = gzip.compress(b"vmlinux " * 2000, mtime=0)


def uimage(data: bytes, itype: int = 2, comp: int = 1, name: bytes = b"Linux-2.6.31",
           os_id: int = 5, arch: int = 5, hcrc: int | None = None,
           dcrc: int | None = None) -> bytes:
    fields = [0x27051956, 0, 1426000000, len(data), 0x80002000, 0x801943B0,
              zlib.crc32(data) if dcrc is None else dcrc, os_id, arch, itype, comp, name]
    header = struct.pack(">IIIIIIIBBBB32s", *fields)
    fields[1] = zlib.crc32(header) if hcrc is None else hcrc
    return struct.pack(">IIIIIIIBBBB32s", *fields) + data


def multi(parts: list[bytes], itype: int = 4) -> bytes:
    body = struct.pack(f">{len(parts) + 1}I", *(len(p) for p in parts), 0)
    for part in parts:
        body += part + b"\x00" * (-len(part) % 4)
    return uimage(body, itype=itype, comp=0)


def test_single_kernel_in_garbage(out_dir: Path) -> None:
    image = uimage(KERNEL)
    blob = b"\xffjunk" * 7 + image + b"\xff" * 100
    handler = UImageHandler()
    chunk = handler.parse(blob, 35)
    assert chunk is not None
    assert (chunk.start, chunk.end) == (35, 35 + len(image))
    assert chunk.info == {
        "name": "Linux-2.6.31", "type": "kernel", "os": "linux", "arch": "mips",
        "compression": "gzip", "load_address": "0x80002000", "entry_point": "0x801943b0",
        "timestamp": "1426000000", "data_size": str(len(KERNEL)), "header_crc": "ok",
        "data_crc": "ok",
    }
    _, end = run_handler(handler, blob, out_dir, 35)
    assert end == 35 + len(image)
    assert tree(out_dir) == {"kernel.gz": KERNEL}


def test_multi_image_split_by_size_table(out_dir: Path) -> None:
    parts = [b"kernel!", b"ramdisk-data-123", b"x"]
    run_handler(UImageHandler(), multi(parts), out_dir)
    assert tree(out_dir) == {"partition-1": parts[0], "partition-2": parts[1],
                             "partition-3": parts[2]}


def test_script_image(out_dir: Path) -> None:
    script = b"setenv bootargs console=ttyS0\nbootm\n"
    run_handler(UImageHandler(), multi([script], itype=6), out_dir)
    assert tree(out_dir) == {"script": script}


def test_crc_mismatches_are_recorded_and_extracted(out_dir: Path) -> None:
    data = b"payload" * 10
    bad_header = uimage(data, comp=0, itype=7, hcrc=0x12345678)
    chunk = UImageHandler().parse(bad_header, 0)
    assert chunk is not None
    assert chunk.info["header_crc"].startswith("mismatch (stored 0x12345678")
    assert chunk.info["data_crc"] == "ok"
    bad_data = uimage(data, comp=0, itype=7, dcrc=0xDEADBEEF)
    chunk = UImageHandler().parse(bad_data, 0)
    assert chunk is not None
    assert chunk.info["header_crc"] == "ok"
    assert chunk.info["data_crc"] == (
        f"mismatch (stored 0xdeadbeef, computed 0x{zlib.crc32(data):08x})"
    )
    run_handler(UImageHandler(), bad_data, out_dir)
    assert tree(out_dir) == {"filesystem": data}


def test_both_crcs_wrong_is_not_an_image() -> None:
    blob = uimage(b"payload" * 10, comp=0, itype=7, hcrc=0x12345678, dcrc=0xDEADBEEF)
    assert UImageHandler().parse(blob, 0) is None


def test_truncated_data_is_a_format_error() -> None:
    blob = uimage(KERNEL)[:-10]
    with pytest.raises(FormatError, match="runs past the end"):
        UImageHandler().parse(blob, 0)


def test_truncated_header_and_stray_magic_are_none() -> None:
    handler = UImageHandler()
    assert handler.parse(uimage(KERNEL)[:40], 0) is None
    stray = b"\x27\x05\x19\x56" + b"\xff" * 100
    assert handler.parse(stray, 0) is None


def test_multi_table_past_data_is_format_error(tmp_path: Path) -> None:
    blob = uimage(struct.pack(">II", 100, 200), itype=4, comp=0)
    handler = UImageHandler()
    chunk = handler.parse(blob, 0)
    assert chunk is not None
    sink = Sink(tmp_path, "t", Budget(Limits(), len(blob)))
    with pytest.raises(FormatError):
        handler.extract(blob, chunk, sink)


@pytest.mark.skipif(shutil.which("mkimage") is None, reason="mkimage (u-boot-tools) not installed")
def test_mkimage_output(tmp_path: Path) -> None:
    src = tmp_path / "Image.gz"
    src.write_bytes(KERNEL)
    dst = tmp_path / "uImage"
    subprocess.run(
        ["mkimage", "-A", "arm", "-O", "linux", "-T", "kernel", "-C", "gzip", "-a", "0x8000",
         "-e", "0x8000", "-n", "test kernel", "-d", str(src), str(dst)],
        check=True, capture_output=True,
    )
    blob = dst.read_bytes()
    chunk = UImageHandler().parse(blob, 0)
    assert chunk is not None
    assert chunk.info["header_crc"] == "ok"
    assert chunk.info["data_crc"] == "ok"
    assert (chunk.info["name"], chunk.info["arch"]) == ("test kernel", "arm")
    run_handler(UImageHandler(), blob, tmp_path / "out")
    assert tree(tmp_path / "out") == {"kernel.gz": KERNEL}


SAMPLE = multi([b"abc" * 20, b"defg" * 9])


@settings(max_examples=150, deadline=None)
@given(
    edits=st.lists(st.tuples(st.integers(0, len(SAMPLE) - 1), st.integers(0, 255)), max_size=6),
    cut=st.integers(0, len(SAMPLE)),
)
def test_random_mutations_raise_only_our_errors(edits: list[tuple[int, int]], cut: int) -> None:
    mutated_run(UImageHandler(), SAMPLE, edits, cut)
