"""linux_kernel handler: synthetic ARM zImage and x86 bzImage, payloads, mutations."""

from __future__ import annotations

import gzip
import lzma
import struct
import tempfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from spyless.errors import EncryptedError, FormatError, UnpackError
from spyless.unpack.handlers.firmware.linux_kernel import LinuxKernelHandler
from spyless.unpack.interface import Limits
from spyless.unpack.sandbox import Budget, Sink
from tests.conftest import run_handler, tree

PIGGY = gzip.compress(b"decompressed kernel " * 100, mtime=0)


def zimage(piggy: bytes = PIGGY) -> bytes:
    code = b"\x00\x00\xa0\xe1" * 9  # mov r0, r0 (the zImage nop sled)
    head = code + struct.pack("<III", 0x016F2818, 0, 0) + b"\x01\x02\x03\x04"
    body = head + b"\x11\x22\x33\x44" * 40 + piggy + b"\x00" * 12
    return body[:0x2C] + struct.pack("<I", len(body)) + body[0x30:]


def bzimage(payload: bytes) -> bytes:
    setup_sects = 2
    setup = bytearray((setup_sects + 1) * 512)
    setup[0x1F1] = setup_sects
    prot = b"\x90" * 64 + payload + b"\x00" * (-(64 + len(payload)) % 16)
    struct.pack_into("<I", setup, 0x1F4, len(prot) // 16)
    setup[0x1FE:0x200] = b"\x55\xaa"
    setup[0x202:0x206] = b"HdrS"
    struct.pack_into("<H", setup, 0x206, 0x20F)
    struct.pack_into("<H", setup, 0x20E, 0x300)
    version = b"6.1.0-test (builder@host) #1 SMP\x00"
    setup[0x500 : 0x500 + len(version)] = version
    struct.pack_into("<II", setup, 0x248, 64, len(payload))
    return bytes(setup) + prot


def test_zimage(out_dir: Path) -> None:
    image = zimage()
    blob = b"\xee" * 64 + image + b"\xee" * 64
    chunk = LinuxKernelHandler().parse(blob, 64)
    assert chunk is not None
    assert (chunk.start, chunk.end) == (64, 64 + len(image))
    assert chunk.info == {"kind": "arm-zimage", "size": str(len(image)),
                          "endianness": "little", "load_start": "0x00000000",
                          "compression": "gzip", "payload_offset": f"0x{64 + 0xD4:x}"}
    run_handler(LinuxKernelHandler(), blob, out_dir, 64)
    assert tree(out_dir) == {"kernel.payload": PIGGY + b"\x00" * 12}


def test_bzimage(out_dir: Path) -> None:
    payload = lzma.compress(b"vmlinux" * 500, format=lzma.FORMAT_XZ)
    blob = bzimage(payload)
    chunk = LinuxKernelHandler().parse(blob, 0)
    assert chunk is not None
    assert chunk.end == len(blob)
    assert chunk.info == {"kind": "x86-bzimage", "boot_protocol": "2.15",
                          "size": str(len(blob)),
                          "version": "6.1.0-test (builder@host) #1 SMP",
                          "payload_offset": f"0x{3 * 512 + 64:x}", "compression": "xz"}
    run_handler(LinuxKernelHandler(), blob, out_dir)
    assert tree(out_dir) == {"kernel.payload": payload}


def test_truncated() -> None:
    with pytest.raises(FormatError, match="zImage"):
        LinuxKernelHandler().parse(zimage()[:-20], 0)
    with pytest.raises(FormatError, match="bzImage"):
        LinuxKernelHandler().parse(bzimage(b"\x1f\x8b\x08" + b"x" * 100)[:-40], 0)
    assert LinuxKernelHandler().parse(zimage()[:0x28], 0) is None
    assert LinuxKernelHandler().parse(b"\x00" * 0x202 + b"HdrS", 0) is None


SAMPLE = bzimage(b"\x1f\x8b\x08" + b"x" * 60)


@settings(max_examples=150, deadline=None)
@given(
    edits=st.lists(st.tuples(st.integers(0x1E0, 0x260), st.integers(0, 255)), max_size=6),
    cut=st.integers(0, len(SAMPLE)),
    arm=st.booleans(),
)
def test_random_mutations_raise_only_our_errors(
    edits: list[tuple[int, int]], cut: int, arm: bool
) -> None:
    source = zimage() if arm else SAMPLE
    blob = bytearray(source)
    for pos, value in edits:
        blob[(pos - 0x1E0) % 0x40 if arm else pos] = value
    data = bytes(blob[:cut])
    handler = LinuxKernelHandler()
    try:
        chunk = handler.parse(data, 0)
    except (FormatError, EncryptedError):
        return
    if chunk is None:
        return
    with tempfile.TemporaryDirectory() as tmp:
        sink = Sink(Path(tmp), "fuzz", Budget(Limits(max_total_bytes=1 << 20), len(data)))
        try:
            handler.extract(data, chunk, sink)
        except UnpackError:
            return
