"""Tests of the UBIFS handler: shared corpus fixture, images built by real tools, hostile input."""

from __future__ import annotations

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
from spyless.unpack.handlers.filesystem.ubifs import UbifsHandler
from spyless.unpack.interface import Limits
from spyless.unpack.sandbox import Budget, Sink
from tests.conftest import corpus_file, run_handler, tree
from tests.handler_helpers import EXPECTED, check_devices, make_source, mutated_run

_MAGIC = b"\x31\x18\x10\x06"


def _mkfs(tmp_path: Path, compr: str = "zlib") -> tuple[Path, bytes]:
    if shutil.which("mkfs.ubifs") is None:
        pytest.skip("mkfs.ubifs (mtd-utils) not installed")
    src = make_source(tmp_path)
    img = tmp_path / "fs.ubifs"
    subprocess.run(["mkfs.ubifs", "-r", str(src), "-m", "2048", "-e", "126976", "-c", "64",
                    "-x", compr, "-o", str(img)], check=True, capture_output=True)
    return src, img.read_bytes()


def _nodes(img: bytes, ntype: int) -> list[int]:
    found, pos = [], img.find(_MAGIC)
    while pos >= 0:
        if pos % 8 == 0 and img[pos + 20] == ntype:
            found.append(pos)
        pos = img.find(_MAGIC, pos + 1)
    return found


def _fix_crc(img: bytearray, pos: int) -> None:
    (length,) = struct.unpack_from("<I", img, pos + 16)
    struct.pack_into("<I", img, pos + 4, zlib.crc32(bytes(img[pos + 8 : pos + length])) ^ 0xFFFFFFFF)


def test_corpus_fixture_exact_tree(out_dir: Path) -> None:
    blob = corpus_file("formats/factx_ubi__test.ubifs").read_bytes()
    _, end = run_handler(UbifsHandler(), blob, out_dir)
    assert tree(out_dir) == EXPECTED
    assert end == len(blob)


def test_carved_at_an_offset(out_dir: Path) -> None:
    blob = corpus_file("formats/factx_ubi__test.ubifs").read_bytes()
    _, end = run_handler(UbifsHandler(), b"\xff" * 64 + blob, out_dir, start=64)
    assert tree(out_dir) == EXPECTED
    assert end == 64 + len(blob)


@pytest.mark.parametrize("compr", ["lzo", "zlib", "zstd", "none"])
def test_mkfs_ubifs_tree(tmp_path: Path, compr: str) -> None:
    src, blob = _mkfs(tmp_path, compr)
    out = tmp_path / "out"
    sink, _ = run_handler(UbifsHandler(), blob, out)
    check_devices(sink, src)
    assert tree(out) == tree(src)
    assert (out / "a").stat().st_ino == (out / "hard").stat().st_ino


def test_index_loop_terminates(tmp_path: Path) -> None:
    _, blob = _mkfs(tmp_path)
    img = bytearray(blob)
    leb = 126976
    for pos in _nodes(blob, 9):  # every index node's first branch points back at itself
        struct.pack_into("<II", img, pos + 28, pos // leb, pos % leb)
        _fix_crc(img, pos)
    handler = UbifsHandler()
    chunk = handler.parse(bytes(img), 0)
    assert chunk is not None
    sink = Sink(tmp_path / "out", "t", Budget(Limits(), len(img)))
    with pytest.raises(FormatError):
        handler.extract(bytes(img), chunk, sink)


def test_huge_file_claim_is_bounded(tmp_path: Path) -> None:
    _, blob = _mkfs(tmp_path)
    img = bytearray(blob)
    (pos,) = [p for p in _nodes(blob, 0) if struct.unpack_from("<Q", blob, p + 48)[0] == 10000]
    struct.pack_into("<Q", img, pos + 48, 1 << 32)
    _fix_crc(img, pos)
    handler = UbifsHandler()
    chunk = handler.parse(bytes(img), 0)
    assert chunk is not None
    out = tmp_path / "out"
    sink = Sink(out, "t", Budget(Limits(), len(img)))
    with pytest.raises(FormatError, match="claims"):
        handler.extract(bytes(img), chunk, sink)
    assert (out / "a").read_bytes() == b"hello"
    assert (out / "big").stat().st_size == 0


def test_truncated_extracts_then_raises(out_dir: Path) -> None:
    blob = corpus_file("formats/factx_ubi__test.ubifs").read_bytes()
    data_nodes = _nodes(blob, 1)
    cut = blob[: max(data_nodes) + 30]
    handler = UbifsHandler()
    chunk = handler.parse(cut, 0)
    assert chunk is not None
    sink = Sink(out_dir, "t", Budget(Limits(), len(cut)))
    with pytest.raises(FormatError):
        handler.extract(cut, chunk, sink)
    assert 1 <= sum(1 for v in tree(out_dir).values() if v in EXPECTED.values()) < 3


def test_garbage_is_not_ubifs() -> None:
    assert UbifsHandler().parse(_MAGIC + bytes(4096), 0) is None
    assert UbifsHandler().parse(_MAGIC, 0) is None


def _fuzz_base() -> bytes:
    path = Path(os.environ.get("SPYLESS_SHARED", Path(__file__).resolve().parents[3].parent / "shared"))
    fixture = path / "corpus/formats/factx_ubi__test.ubifs"
    return fixture.read_bytes() if fixture.is_file() else b""


_FUZZ_BASE = _fuzz_base()
_USED = [p for p in range(0, len(_FUZZ_BASE), 8) if _FUZZ_BASE[p : p + 4] == _MAGIC]


@pytest.mark.skipif(not _FUZZ_BASE, reason="shared corpus not present")
@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.sampled_from(_USED or [0]), st.integers(0, 200), st.integers(0, 255)),
                max_size=8))
def test_mutations_raise_only_our_errors(edits: list[tuple[int, int, int]]) -> None:
    mutated_run(UbifsHandler(), _FUZZ_BASE, [(a + b, v) for a, b, v in edits], len(_FUZZ_BASE))
