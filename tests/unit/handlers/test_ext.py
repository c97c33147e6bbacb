"""Tests of the ext2/3/4 handler: shared corpus fixture, images built by real tools, hostile input."""

from __future__ import annotations

import lzma
import shutil
import struct
import subprocess
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from spyless.errors import FormatError
from spyless.unpack.handlers.filesystem.ext import ExtHandler
from spyless.unpack.interface import Limits
from spyless.unpack.sandbox import Budget, Sink
from tests.conftest import corpus_file, run_handler, tree
from tests.handler_helpers import EXPECTED, check_devices, make_source, mutated_run


def _fixture() -> bytes:
    return lzma.decompress(corpus_file("formats/factx_sevenz__ext2.img.xz").read_bytes())


def _mkfs(tmp_path: Path, tool: str) -> tuple[Path, bytes]:
    src = make_source(tmp_path)
    img = tmp_path / "e.img"
    if tool == "genext2fs":
        cmd = ["genext2fs", "-b", "1024", "-d", str(src), str(img)]
    else:
        cmd = [f"mkfs.{tool}", "-q", "-b", "1024", "-d", str(src), str(img), "2M"]
    if shutil.which(cmd[0]) is None:
        pytest.skip(f"{cmd[0]} not installed")
    subprocess.run(cmd, check=True, capture_output=True)
    return src, img.read_bytes()


def _inode_offset(img: bytes, ino: int) -> int:
    bs = 1024 << struct.unpack_from("<I", img, 1024 + 24)[0]
    ipg = struct.unpack_from("<I", img, 1024 + 40)[0]
    isize = struct.unpack_from("<H", img, 1024 + 88)[0]
    first = struct.unpack_from("<I", img, 1024 + 20)[0]
    group, index = divmod(ino - 1, ipg)
    table = struct.unpack_from("<I", img, (first + 1) * bs + group * 32 + 8)[0]
    return int(table * bs + index * isize)


def _entry_inode(img: bytes, name: bytes, ftype: int = 2) -> tuple[int, int]:
    """(offset of the directory entry named ``name``, its inode number)."""
    at = img.find(bytes([len(name), ftype]) + name)
    assert at > 0
    return at - 6, struct.unpack_from("<I", img, at - 6)[0]


def test_corpus_fixture_exact_tree(out_dir: Path) -> None:
    blob = _fixture()
    _, end = run_handler(ExtHandler(), blob, out_dir)
    assert tree(out_dir) == {f"get_files_test/{k}": v for k, v in EXPECTED.items()}
    assert (out_dir / "lost+found").is_dir()
    assert end == len(blob)


def test_carved_at_an_offset(out_dir: Path) -> None:
    blob = _fixture()
    _, end = run_handler(ExtHandler(), b"\x00" * 4096 + blob, out_dir, start=4096)
    assert tree(out_dir) == {f"get_files_test/{k}": v for k, v in EXPECTED.items()}
    assert end == 4096 + len(blob)


@pytest.mark.parametrize("tool", ["ext2", "ext3", "ext4", "genext2fs"])
def test_real_images_tree(tmp_path: Path, tool: str) -> None:
    src, blob = _mkfs(tmp_path, tool)
    out = tmp_path / "out"
    sink, end = run_handler(ExtHandler(), blob, out)
    assert tree(out) == tree(src)
    check_devices(sink, src)
    assert (out / "a").stat().st_ino == (out / "hard").stat().st_ino
    assert end == len(blob)


def test_directory_loops_terminate(tmp_path: Path) -> None:
    _, blob = _mkfs(tmp_path, "ext2")
    img = bytearray(blob)
    d2_at, _ = _entry_inode(blob, b"d2")
    block = d2_at - d2_at % 1024
    d1_ino = struct.unpack_from("<I", img, block)[0]  # the "." entry of d1
    assert img[block + 20 : block + 22] == b".."
    img[block + 20 : block + 22] = b"zz"  # "zz" now names the root
    struct.pack_into("<I", img, d2_at, d1_ino)  # "d2" now names d1 itself
    out = tmp_path / "out"
    sink, _ = run_handler(ExtHandler(), bytes(img), out)
    loops = {e.chain.rsplit("/", 2)[-2:][-1] for e in sink.events if "loop" in e.message}
    assert loops == {"zz", "d2"}
    assert tree(out)["a"] == b"hello"


def test_huge_file_claim_is_bounded(tmp_path: Path) -> None:
    _, blob = _mkfs(tmp_path, "ext2")
    img = bytearray(blob)
    _, ino = _entry_inode(blob, b"big", 1)
    struct.pack_into("<I", img, _inode_offset(blob, ino) + 108, 1)  # i_size_high: +4 GiB
    handler = ExtHandler()
    chunk = handler.parse(bytes(img), 0)
    assert chunk is not None
    out = tmp_path / "out"
    sink = Sink(out, "t", Budget(Limits(), len(img)))
    with pytest.raises(FormatError, match="claims"):
        handler.extract(bytes(img), chunk, sink)
    assert (out / "a").read_bytes() == b"hello"
    assert (out / "big").stat().st_size == 0


def test_truncated_extracts_then_raises(tmp_path: Path) -> None:
    _, blob = _mkfs(tmp_path, "ext2")
    cut = blob[: blob.index(b"hello") + 1024]
    handler = ExtHandler()
    chunk = handler.parse(cut, 0)
    assert chunk is not None
    out = tmp_path / "out"
    sink = Sink(out, "t", Budget(Limits(), len(cut)))
    with pytest.raises(FormatError, match="truncated"):
        handler.extract(cut, chunk, sink)
    assert (out / "a").read_bytes() == b"hello"


def test_garbage_is_not_ext() -> None:
    blob = bytearray(4096)
    blob[1080:1082] = b"\x53\xef"
    assert ExtHandler().parse(bytes(blob), 0) is None
    assert ExtHandler().parse(b"\x00" * 1100, 0) is None


def _fuzz_base() -> bytes:
    with tempfile.TemporaryDirectory() as tmp:
        if shutil.which("genext2fs") is None:
            return b""
        src = Path(tmp) / "s"
        (src / "d").mkdir(parents=True)
        (src / "d" / "f").write_bytes(b"x" * 3000)
        (src / "l").symlink_to("d/f")
        img = Path(tmp) / "i"
        subprocess.run(["genext2fs", "-b", "64", "-N", "16", "-d", str(src), str(img)],
                       check=True, capture_output=True)
        return img.read_bytes()


_FUZZ_BASE = _fuzz_base()


@pytest.mark.skipif(not _FUZZ_BASE, reason="genext2fs not installed")
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.integers(0, 12288), st.integers(0, 255)), max_size=8),
       st.integers(0, max(len(_FUZZ_BASE), 1)))
def test_mutations_raise_only_our_errors(edits: list[tuple[int, int]], cut: int) -> None:
    mutated_run(ExtHandler(), _FUZZ_BASE, edits, cut)
