"""Tests of the CramFS handler: shared corpus fixture, images built by real tools, hostile input."""

from __future__ import annotations

import os
import shutil
import struct
import subprocess
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from spyless.errors import FormatError
from spyless.unpack.handlers.filesystem.cramfs import CramfsHandler
from spyless.unpack.interface import Limits
from spyless.unpack.sandbox import Budget, Sink
from tests.conftest import corpus_file, run_handler, tree
from tests.handler_helpers import EXPECTED, check_devices, make_source, mutated_run


def _inode(mode: int, size: int, namelen: int, offset: int, uid: int = 0, gid: int = 0) -> bytes:
    return struct.pack("<3I", mode | uid << 16, size | gid << 24, namelen // 4 | (offset // 4) << 6)


def _looping_image() -> bytes:
    """A root directory whose only entry is a directory listing itself."""
    entry = _inode(0o040755, 16, 4, 76) + b"d\x00\x00\x00"
    root = _inode(0o040755, len(entry), 0, 76)
    sb = struct.pack("<4I", 0x28CD3D45, 76 + len(entry), 0, 0) + b"Compressed ROMFS"
    sb += bytes(16) + b"loop".ljust(16, b"\x00")
    return sb + root + entry


def test_corpus_fixture_exact_tree(out_dir: Path) -> None:
    blob = corpus_file("formats/factx_sevenz__cramfs.img").read_bytes()
    _, end = run_handler(CramfsHandler(), blob, out_dir)
    assert tree(out_dir) == EXPECTED
    assert end == 4096


def test_carved_at_an_offset(out_dir: Path) -> None:
    blob = corpus_file("formats/factx_sevenz__cramfs.img").read_bytes()
    _, end = run_handler(CramfsHandler(), b"\x00" * 100 + blob + b"\xff" * 10, out_dir, start=100)
    assert tree(out_dir) == EXPECTED
    assert end == 4196


@pytest.mark.skipif(shutil.which("mkfs.cramfs") is None, reason="mkfs.cramfs not installed")
@pytest.mark.parametrize(("args", "start"), [(["-N", "little"], 0), (["-N", "big"], 0),
                                             (["-p"], 512), (["-z"], 0)])
def test_mkfs_cramfs_tree(tmp_path: Path, args: list[str], start: int) -> None:
    src = make_source(tmp_path)
    img = tmp_path / "c.img"
    subprocess.run(["mkfs.cramfs", *args, str(src), str(img)], check=True, capture_output=True)
    out = tmp_path / "out"
    sink, end = run_handler(CramfsHandler(), img.read_bytes(), out, start=start)
    check_devices(sink, src)
    assert tree(out) == tree(src)
    assert end == img.stat().st_size


def test_directory_loop_terminates(out_dir: Path) -> None:
    sink, _ = run_handler(CramfsHandler(), _looping_image(), out_dir)
    assert (out_dir / "d").is_dir()
    assert any("loop" in e.message for e in sink.events)


def test_truncated_extracts_then_raises(out_dir: Path) -> None:
    blob = corpus_file("formats/factx_sevenz__cramfs.img").read_bytes()
    cut = blob[: len(blob.rstrip(b"\x00")) - 8]
    handler = CramfsHandler()
    chunk = handler.parse(cut, 0)
    assert chunk is not None
    assert chunk.info["truncated"] == "yes"
    sink = Sink(out_dir, "t", Budget(Limits(), len(cut)))
    with pytest.raises(FormatError):
        handler.extract(cut, chunk, sink)
    got = tree(out_dir)
    assert got["testfile1"] == EXPECTED["testfile1"]
    assert got["testfile2"] != EXPECTED["testfile2"]


def test_garbage_is_not_cramfs() -> None:
    assert CramfsHandler().parse(b"E=\xcd(" + bytes(100), 0) is None
    assert CramfsHandler().parse(b"E=\xcd(", 0) is None


def _fuzz_base() -> bytes:
    path = Path(os.environ.get("SPYLESS_SHARED", Path(__file__).resolve().parents[3].parent / "shared"))
    fixture = path / "corpus/formats/factx_sevenz__cramfs.img"
    return fixture.read_bytes() if fixture.is_file() else _looping_image()


_FUZZ_BASE = _fuzz_base()


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.integers(0, 600), st.integers(0, 255)), max_size=8),
       st.integers(0, len(_FUZZ_BASE)))
def test_mutations_raise_only_our_errors(edits: list[tuple[int, int]], cut: int) -> None:
    mutated_run(CramfsHandler(), _FUZZ_BASE, edits, cut)
