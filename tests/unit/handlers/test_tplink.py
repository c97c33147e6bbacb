"""TP-Link handler: the real WR841N image split, v1/v2 images built in code, mutations."""

from __future__ import annotations

import hashlib
import os
import struct
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from spyless.errors import EncryptedError, FormatError
from spyless.unpack.handlers.firmware.tplink import (
    MD5_SALT_NORMAL,
    TpLinkHandler,
)
from spyless.unpack.interface import Limits
from spyless.unpack.sandbox import Budget, Sink
from tests.conftest import corpus_file, run_handler, tree
from tests.handler_helpers import mutated_run

TPLINK = "firmware/tplink_tl-wr841n_v10_en_3.16.9_build150310.bin"
KERNEL = b"\x5d\x00\x00\x80\x00" + b"K" * 3000
ROOTFS = b"hsqs" + b"R" * 5000


def v1(kernel: bytes = KERNEL, rootfs: bytes = ROOTFS, md5: bool = True) -> bytes:
    rootfs_ofs = 0x200 + len(kernel) + 0x100
    total = rootfs_ofs + len(rootfs)
    head = bytearray(0x200)
    head[0:4] = b"\x01\x00\x00\x00"
    head[4:24] = b"TP-LINK Technologies"
    head[0x1C:0x24] = b"ver. 1.0"
    struct.pack_into(">II", head, 0x40, 0x07400001, 1)
    struct.pack_into(">9I", head, 0x74, 0x80002000, 0x80002000, total, 0x200, len(kernel),
                     rootfs_ofs, len(rootfs), 0, 0)
    struct.pack_into(">3H", head, 0x98, 3, 12, 4)
    blob = bytearray(head + kernel + b"\xff" * 0x100 + rootfs)
    if md5:
        blob[0x4C:0x5C] = MD5_SALT_NORMAL
        blob[0x4C:0x5C] = hashlib.md5(blob, usedforsecurity=False).digest()
    return bytes(blob)


def v2(kernel: bytes = KERNEL, rootfs: bytes = ROOTFS) -> bytes:
    rootfs_ofs = 0x200 + len(kernel)
    head = bytearray(0x200)
    head[0:4] = b"\x02\x00\x00\x00"
    head[4:12] = b"ver. 2.0"
    struct.pack_into(">II", head, 0x34, 0x0C200001, 1)
    struct.pack_into(">9I", head, 0x68, 0x80060000, 0x80060000,
                     rootfs_ofs + len(rootfs), 0x200, len(kernel), rootfs_ofs, len(rootfs), 0, 0)
    head[0x91:0x94] = bytes([1, 2, 3])
    return bytes(head) + kernel + rootfs


def test_real_image_split(out_dir: Path) -> None:
    blob = corpus_file(TPLINK).read_bytes()
    chunk = TpLinkHandler().parse(blob, 0)
    assert chunk is not None
    assert (chunk.start, chunk.end) == (0, len(blob))
    assert chunk.info == {
        "vendor": "TP-LINK Technologies", "header_version": "1", "version_string": "ver. 1.0",
        "firmware_version": "3.16.9", "hardware_id": "0x08410010", "hardware_revision": "1",
        "kernel_load_address": "0x80002000", "kernel_entry_point": "0x801943b0",
        "kernel_offset": "0x20400", "kernel_length": "761358", "rootfs_offset": "0x120200",
        "rootfs_length": "2883584", "bootloader_length": "50063", "md5": "ok (boot salt)",
        "inner_header": "0x20200",
    }
    run_handler(TpLinkHandler(), blob, out_dir)
    files = tree(out_dir)
    assert sorted(files) == ["kernel.lzma", "rootfs", "u-boot.bin"]
    assert files["u-boot.bin"] == blob[0x200 : 0x200 + 50063]
    assert files["kernel.lzma"] == blob[0x20400 : 0x20400 + 761358]
    assert files["rootfs"] == blob[0x120200 : 0x120200 + 2883584]
    assert files["kernel.lzma"][:5] == b"\x5d\x00\x00\x00\x02"
    assert files["rootfs"][:4] == b"hsqs"


def test_v1_built(out_dir: Path) -> None:
    image = v1()
    blob = b"\x00" * 16 + image + b"\x00" * 16
    chunk = TpLinkHandler().parse(blob, 16)
    assert chunk is not None
    assert chunk.end == 16 + len(image)
    assert (chunk.info["md5"], chunk.info["firmware_version"], chunk.info["hardware_id"]) == (
        "ok (normal salt)", "3.12.4", "0x07400001")
    run_handler(TpLinkHandler(), blob, out_dir, 16)
    assert tree(out_dir) == {"kernel.lzma": KERNEL, "rootfs": ROOTFS}


def test_v1_md5_mismatch_reported() -> None:
    chunk = TpLinkHandler().parse(v1(md5=False), 0)
    assert chunk is not None
    assert chunk.info["md5"] == "mismatch"


def test_v2_built(out_dir: Path) -> None:
    chunk = TpLinkHandler().parse(v2(), 0)
    assert chunk is not None
    assert (chunk.info["header_version"], chunk.info["firmware_version"]) == ("2", "1.2.3")
    run_handler(TpLinkHandler(), v2(), out_dir)
    assert tree(out_dir) == {"kernel.lzma": KERNEL, "rootfs": ROOTFS}


def test_encrypted_payload_is_reported() -> None:
    blob = v1(kernel=os.urandom(70000), rootfs=os.urandom(70000))
    with pytest.raises(EncryptedError, match="TP-Link"):
        TpLinkHandler().parse(blob, 0)


def test_truncated() -> None:
    blob = v1()
    with pytest.raises(FormatError, match="runs past the end"):
        TpLinkHandler().parse(blob[:-1], 0)
    assert TpLinkHandler().parse(blob[:0x100], 0) is None


def test_kernel_offset_outside_image(tmp_path: Path) -> None:
    blob = bytearray(v1(md5=False))
    struct.pack_into(">I", blob, 0x80, 0x7FFFFFFF)
    handler = TpLinkHandler()
    chunk = handler.parse(bytes(blob), 0)
    assert chunk is not None
    sink = Sink(tmp_path, "t", Budget(Limits(), len(blob)))
    with pytest.raises(FormatError, match="outside the image"):
        handler.extract(bytes(blob), chunk, sink)


SAMPLE = v1(kernel=KERNEL[:300], rootfs=ROOTFS[:300])


@settings(max_examples=150, deadline=None)
@given(
    edits=st.lists(st.tuples(st.integers(0, 0x200), st.integers(0, 255)), max_size=6),
    cut=st.integers(0, len(SAMPLE)),
)
def test_random_mutations_raise_only_our_errors(edits: list[tuple[int, int]], cut: int) -> None:
    mutated_run(TpLinkHandler(), SAMPLE, edits, cut)
