"""FDT handler: plain DTBs, FIT images (embedded and external data), dtc/mkimage, mutations."""

from __future__ import annotations

import hashlib
import shutil
import struct
import subprocess
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from spyless.errors import FormatError
from spyless.unpack.handlers.firmware.fdt import FdtHandler
from tests.conftest import run_handler, tree
from tests.handler_helpers import mutated_run

KERNEL = b"\x1f\x8b\x08\x00kernel-bytes" * 50
RAMDISK = b"070701ramdisk" * 30


def fdt(root: dict[str, Any], pad_to: int = 0) -> bytes:
    """Build a DTB from {prop: bytes, child: dict}; version 17."""
    strings = bytearray()
    offsets: dict[str, int] = {}
    struct_block = bytearray()

    def name_off(name: str) -> int:
        if name not in offsets:
            offsets[name] = len(strings)
            strings.extend(name.encode() + b"\x00")
        return offsets[name]

    def node(name: str, body: dict[str, Any]) -> None:
        raw = name.encode() + b"\x00"
        struct_block.extend(struct.pack(">I", 1) + raw + b"\x00" * (-len(raw) % 4))
        for key, value in body.items():
            if isinstance(value, bytes):
                struct_block.extend(struct.pack(">III", 3, len(value), name_off(key)))
                struct_block.extend(value + b"\x00" * (-len(value) % 4))
        for key, value in body.items():
            if isinstance(value, dict):
                node(key, value)
        struct_block.extend(struct.pack(">I", 2))

    node("", root)
    struct_block.extend(struct.pack(">I", 9))
    rsv = 40
    off_struct = rsv + 16
    off_strings = off_struct + len(struct_block)
    total = max(off_strings + len(strings), pad_to)
    header = struct.pack(">10I", 0xD00DFEED, total, off_struct, off_strings, rsv, 17, 16, 0,
                         len(strings), len(struct_block))
    blob = header + bytes(16) + bytes(struct_block) + bytes(strings)
    return blob + bytes(total - len(blob))


def u32(v: int) -> bytes:
    return struct.pack(">I", v)


def text(s: str) -> bytes:
    return s.encode() + b"\x00"


def fit(external: bool = False) -> bytes:
    def image(data: bytes, kind: str, offset: int) -> dict[str, Any]:
        node: dict[str, Any] = {"description": text(kind), "type": text(kind),
                                "arch": text("arm"), "compression": text("none")}
        if external:
            node["data-offset"] = u32(offset)
            node["data-size"] = u32(len(data))
        else:
            node["data"] = data
        node["hash-1"] = {"algo": text("sha256"), "value": hashlib.sha256(data).digest()}
        return node

    root = {
        "description": text("test FIT"), "#address-cells": u32(1),
        "images": {"kernel-1": image(KERNEL, "kernel", 0),
                   "ramdisk-1": image(RAMDISK, "ramdisk", len(KERNEL) + 2)},
        "configurations": {"default": text("conf-1"),
                           "conf-1": {"kernel": text("kernel-1"), "ramdisk": text("ramdisk-1")}},
    }
    blob = fdt(root)
    if external:
        blob += bytes(-len(blob) % 4) + KERNEL + b"\x00\x00" + RAMDISK
    return blob


def test_fit_with_embedded_data(out_dir: Path) -> None:
    blob = b"\xee" * 12 + fit() + b"\xee" * 12
    handler = FdtHandler()
    chunk = handler.parse(blob, 12)
    assert chunk is not None
    assert chunk.end == len(blob) - 12
    assert chunk.info["kind"] == "fit"
    assert chunk.info["images"] == "kernel-1,ramdisk-1"
    assert chunk.info["image.kernel-1.hash"] == "sha256: ok"
    assert chunk.info["image.ramdisk-1.type"] == "ramdisk"
    run_handler(handler, blob, out_dir, 12)
    files = tree(out_dir)
    assert sorted(files) == ["kernel-1", "ramdisk-1", "tree.dts"]
    assert files["kernel-1"] == KERNEL
    assert files["ramdisk-1"] == RAMDISK
    dts = files["tree.dts"]
    assert isinstance(dts, bytes)
    assert b'description = "test FIT";' in dts
    assert f"data = /* {len(KERNEL)} bytes */;".encode() in dts


def test_fit_with_external_data(out_dir: Path) -> None:
    blob = fit(external=True)
    chunk = FdtHandler().parse(blob, 0)
    assert chunk is not None
    assert chunk.end == len(blob)
    run_handler(FdtHandler(), blob, out_dir)
    files = tree(out_dir)
    assert files["kernel-1"] == KERNEL
    assert files["ramdisk-1"] == RAMDISK


def test_hash_mismatch_is_reported() -> None:
    blob = bytearray(fit())
    at = blob.find(KERNEL)
    blob[at + 5] ^= 0xFF
    chunk = FdtHandler().parse(bytes(blob), 0)
    assert chunk is not None
    assert chunk.info["image.kernel-1.hash"] == "sha256: mismatch"


def test_plain_dtb_renders_and_writes_large_props(out_dir: Path) -> None:
    firmware = bytes(range(256)) * 20
    blob = fdt({"model": text("Router X"), "compatible": b"vendor,x\x00vendor,y\x00",
                "soc": {"reg": u32(0x1000) + u32(0x200), "blob": firmware,
                        "mac": b"\x00\x11\x22\x33\x44\x55"}})
    chunk = FdtHandler().parse(blob, 0)
    assert chunk is not None
    assert chunk.info == {"kind": "dtb", "version": "17", "nodes": "2", "model": "Router X"}
    run_handler(FdtHandler(), blob, out_dir)
    files = tree(out_dir)
    assert files["props/soc/blob"] == firmware
    assert files["tree.dts"] == (
        b'/dts-v1/;\n\n/ {\n\tmodel = "Router X";\n\tcompatible = "vendor,x", "vendor,y";\n'
        b"\tsoc {\n\t\treg = <0x1000 0x200>;\n\t\tblob = /* 5120 bytes */;\n"
        b"\t\tmac = [00 11 22 33 44 55];\n\t};\n};\n"
    )


def test_truncated_is_format_error_or_none() -> None:
    blob = fit()
    with pytest.raises(FormatError):
        FdtHandler().parse(blob[: len(blob) // 2], 0)
    assert FdtHandler().parse(blob[:20], 0) is None


def test_unknown_token_is_format_error() -> None:
    blob = bytearray(fdt({"a": {"b": u32(1)}}))
    blob[56:60] = struct.pack(">I", 7)
    with pytest.raises(FormatError, match="unknown device tree token"):
        FdtHandler().parse(bytes(blob), 0)


@pytest.mark.skipif(shutil.which("dtc") is None, reason="dtc not installed")
def test_dtc_output(tmp_path: Path) -> None:
    src = tmp_path / "t.dts"
    src.write_text('/dts-v1/;\n/ { model = "dtc board"; cpus { cpu@0 { reg = <0>; }; }; };\n')
    subprocess.run(["dtc", "-I", "dts", "-O", "dtb", "-o", str(tmp_path / "t.dtb"), str(src)],
                   check=True, capture_output=True)
    blob = (tmp_path / "t.dtb").read_bytes()
    chunk = FdtHandler().parse(blob, 0)
    assert chunk is not None
    assert (chunk.info["model"], chunk.info["nodes"]) == ("dtc board", "3")
    run_handler(FdtHandler(), blob, tmp_path / "out")
    dts = (tmp_path / "out" / "tree.dts").read_text()
    assert "\tcpus {\n\t\tcpu@0 {\n\t\t\treg = <0x0>;" in dts


@pytest.mark.skipif(shutil.which("mkimage") is None or shutil.which("dtc") is None,
                    reason="mkimage or dtc not installed")
def test_mkimage_fit(tmp_path: Path) -> None:
    (tmp_path / "k.bin").write_bytes(KERNEL)
    (tmp_path / "t.its").write_text(
        '/dts-v1/;\n/ { description = "mk"; #address-cells = <1>;\n'
        ' images { kernel { data = /incbin/("k.bin"); type = "kernel"; arch = "arm";'
        ' os = "linux"; compression = "none"; load = <0x8000>; entry = <0x8000>;'
        ' hash-1 { algo = "crc32"; }; }; };\n'
        ' configurations { default = "c"; c { kernel = "kernel"; }; }; };\n'
    )
    result = subprocess.run(["mkimage", "-f", "t.its", "t.itb"], cwd=tmp_path,
                            capture_output=True, check=False)
    if result.returncode != 0:
        pytest.skip(f"mkimage -f failed here: {result.stderr[:200]!r}")
    blob = (tmp_path / "t.itb").read_bytes()
    chunk = FdtHandler().parse(blob, 0)
    assert chunk is not None
    assert chunk.info["kind"] == "fit"
    assert chunk.info["image.kernel.hash"] == "crc32: ok"
    run_handler(FdtHandler(), blob, tmp_path / "out")
    assert (tmp_path / "out" / "kernel").read_bytes() == KERNEL


SAMPLE = fit()


@settings(max_examples=150, deadline=None)
@given(
    edits=st.lists(st.tuples(st.integers(0, len(SAMPLE) - 1), st.integers(0, 255)), max_size=6),
    cut=st.integers(0, len(SAMPLE)),
)
def test_random_mutations_raise_only_our_errors(edits: list[tuple[int, int]], cut: int) -> None:
    mutated_run(FdtHandler(), SAMPLE, edits, cut)
