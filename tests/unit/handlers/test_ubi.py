"""Tests of the UBI handler: shared corpus fixture, images built by real tools, hostile input."""

from __future__ import annotations

import hashlib
import os
import shutil
import struct
import subprocess
import zlib
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from spyless.errors import FormatError
from spyless.unpack.handlers.filesystem.ubi import UbiHandler
from spyless.unpack.handlers.filesystem.ubifs import UbifsHandler
from spyless.unpack.interface import Limits
from spyless.unpack.sandbox import Budget, Sink
from tests.conftest import corpus_file, run_handler, tree
from tests.handler_helpers import EXPECTED, check_devices, make_source, mutated_run


def _ubinize(tmp_path: Path, peb: int = 128 * 1024) -> tuple[bytes, bytes, bytes]:
    """A UBI image with a dynamic UBIFS volume and a static raw volume."""
    if shutil.which("ubinize") is None or shutil.which("mkfs.ubifs") is None:
        pytest.skip("mtd-utils (ubinize, mkfs.ubifs) not installed")
    src = make_source(tmp_path)
    fs = tmp_path / "root.ubifs"
    subprocess.run(["mkfs.ubifs", "-r", str(src), "-m", "2048", "-e", str(peb - 4096), "-c", "64",
                    "-o", str(fs)], check=True, capture_output=True)
    raw = hashlib.shake_256(b"3").digest(5000)
    (tmp_path / "raw.bin").write_bytes(raw)
    cfg = tmp_path / "ubi.cfg"
    cfg.write_text(
        f"[rootfs]\nmode=ubi\nimage={fs}\nvol_id=0\nvol_type=dynamic\nvol_name=rootfs\n"
        f"[data]\nmode=ubi\nimage={tmp_path / 'raw.bin'}\nvol_id=1\nvol_type=static\n"
        "vol_name=data\n")
    img = tmp_path / "u.ubi"
    subprocess.run(["ubinize", "-o", str(img), "-m", "2048", "-p", str(peb), str(cfg)],
                   check=True, capture_output=True)
    return img.read_bytes(), fs.read_bytes(), raw


def _fix_vid_crc(img: bytearray, at: int) -> None:
    struct.pack_into(">I", img, at + 60, zlib.crc32(bytes(img[at : at + 60])) ^ 0xFFFFFFFF)


def test_corpus_fixture_volume_and_its_tree(out_dir: Path) -> None:
    blob = corpus_file("formats/factx_ubi__ubi.img").read_bytes()
    _, end = run_handler(UbiHandler(), blob, out_dir)
    expected = corpus_file("formats/factx_ubi__test.ubifs").read_bytes()
    assert tree(out_dir) == {"rootfs.ubifs": expected}
    assert end == len(blob)
    volume = (out_dir / "rootfs.ubifs").read_bytes()
    run_handler(UbifsHandler(), volume, out_dir.parent / "fs")
    assert tree(out_dir.parent / "fs") == EXPECTED


def test_carved_at_an_offset(out_dir: Path) -> None:
    blob = corpus_file("formats/factx_ubi__ubi.img").read_bytes()
    _, end = run_handler(UbiHandler(), b"\x00" * 333 + blob, out_dir, start=333)
    assert sorted(tree(out_dir)) == ["rootfs.ubifs"]
    assert end == 333 + len(blob)


def test_ubinize_volumes(tmp_path: Path) -> None:
    blob, fs, raw = _ubinize(tmp_path)
    out = tmp_path / "out"
    _, end = run_handler(UbiHandler(), blob, out)
    got = tree(out)
    assert sorted(got) == ["data.bin", "rootfs.ubifs"]
    assert got["data.bin"] == raw
    assert isinstance(got["rootfs.ubifs"], bytes)
    assert got["rootfs.ubifs"][: len(fs)] == fs
    assert end == len(blob)
    sink, _ = run_handler(UbifsHandler(), got["rootfs.ubifs"], tmp_path / "fs")
    check_devices(sink, tmp_path / "src")
    assert tree(tmp_path / "fs") == tree(tmp_path / "src")


def test_impossible_leb_number_is_dropped(tmp_path: Path) -> None:
    blob, _, raw = _ubinize(tmp_path)
    img = bytearray(blob)
    peb = 128 * 1024
    vid = next(i * peb + 2048 for i in range(len(blob) // peb)
               if struct.unpack_from(">I", img, i * peb + 2048 + 8)[0] == 0)
    struct.pack_into(">I", img, vid + 12, 0x7FFFFFF)
    _fix_vid_crc(img, vid)
    handler = UbiHandler()
    chunk = handler.parse(bytes(img), 0)
    assert chunk is not None
    out = tmp_path / "out"
    sink = Sink(out, "t", Budget(Limits(), len(img)))
    with pytest.raises(FormatError, match="impossible"):
        handler.extract(bytes(img), chunk, sink)
    assert (out / "data.bin").read_bytes() == raw


def test_truncated_extracts_then_raises(tmp_path: Path) -> None:
    blob, _, raw = _ubinize(tmp_path)
    cut = blob[: len(blob) - 1000]
    handler = UbiHandler()
    chunk = handler.parse(cut, 0)
    assert chunk is not None
    out = tmp_path / "out"
    sink = Sink(out, "t", Budget(Limits(), len(cut)))
    with pytest.raises(FormatError, match="truncated"):
        handler.extract(cut, chunk, sink)
    assert (out / "data.bin").read_bytes() == raw


def test_garbage_is_not_ubi() -> None:
    assert UbiHandler().parse(b"UBI#" + bytes(200), 0) is None
    assert UbiHandler().parse(b"UBI#", 0) is None


def _fuzz_base() -> bytes:
    path = Path(os.environ.get("SPYLESS_SHARED", Path(__file__).resolve().parents[3].parent / "shared"))
    fixture = path / "corpus/formats/factx_ubi__ubi.img"
    return fixture.read_bytes()[: 1024 * 24] if fixture.is_file() else b""


_FUZZ_BASE = _fuzz_base()


@pytest.mark.skipif(not _FUZZ_BASE, reason="shared corpus not present")
@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.integers(0, max(len(_FUZZ_BASE), 1)), st.integers(0, 255)),
                max_size=8), st.integers(0, max(len(_FUZZ_BASE), 1)))
def test_mutations_raise_only_our_errors(edits: list[tuple[int, int]], cut: int) -> None:
    mutated_run(UbiHandler(), _FUZZ_BASE, edits, cut)
