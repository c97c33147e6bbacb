"""SquashFS handlers: corpus fixtures of every version and byte order, the TP-Link rootfs,
vendor magics and LZMA framings (on images built here), and hostile mutations."""

from __future__ import annotations

import contextlib
import lzma
import stat
import struct
import tempfile
import zlib
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from spyless.errors import Error, FormatError
from spyless.unpack.handlers.squashfs import HANDLERS, SquashfsHandler, VendorSquashfsHandler
from spyless.unpack.interface import Limits
from spyless.unpack.sandbox import Budget, Sink
from tests.conftest import CORPUS, corpus_file, run_handler, tree

EXPECTED = {
    "generic folder/test file 3_.txt": b"The third test file!",
    "testfile1": b"test file:\ncontent: MyTestRule 1.2.3\nVersion: Program 0.0.0.0\n",
    "testfile2": b"This is the second test file",
}
FIXTURES = {
    "avm_be.sqfs4": ("4.0", "big"), "avm_le.sqfs4": ("4.0", "little"),
    "gzip.sqfs": ("4.0", "little"), "lz4.sqfs": ("4.0", "little"),
    "lzma.sqfs": ("4.0", "little"), "lzo.sqfs": ("4.0", "little"),
    "xz.sqfs": ("4.0", "little"), "zstd.sqfs": ("4.0", "little"),
    "lzma1_be.sqfs3": ("3.76", "big"), "lzma1_le.sqfs3": ("3.76", "little"),
    "zlib_be.sqfs3": ("3.1", "big"), "zlib_le.sqfs3": ("3.1", "little"),
    "lzma_be.sqfs2": ("2.76", "big"), "lzma_le.sqfs2": ("2.76", "little"),
}
TPLINK = "firmware/tplink_tl-wr841n_v10_en_3.16.9_build150310.bin"
TPLINK_ROOTFS = 0x120200


def test_handlers_listed() -> None:
    assert (SquashfsHandler, VendorSquashfsHandler) == HANDLERS
    assert {m.pattern for m in SquashfsHandler.magics} == {b"hsqs", b"sqsh"}
    assert {m.pattern for m in VendorSquashfsHandler.magics} == {
        b"shsq", b"qshs", b"hsqt", b"tqsh", b"sqlz"}


@pytest.mark.corpus
@pytest.mark.parametrize("fixture", sorted(FIXTURES))
def test_corpus_fixture(fixture: str, out_dir: Path) -> None:
    blob = corpus_file(f"formats/factx_squashFS__{fixture}").read_bytes()
    chunk = SquashfsHandler().parse(blob, 0)
    assert chunk is not None
    version, order = FIXTURES[fixture]
    assert (chunk.info["version"], chunk.info["byteorder"]) == (version, order)
    assert chunk.end == int(chunk.info["bytes_used"])
    assert chunk.info.get("padded_end") == "0x1000"
    sink, _ = run_handler(SquashfsHandler(), blob, out_dir)
    assert tree(out_dir) == EXPECTED
    assert sorted(e.path for e in sink.entries) == ["", "generic folder", *sorted(EXPECTED)]
    assert not sink.events


@pytest.mark.corpus
def test_tplink_rootfs(out_dir: Path) -> None:
    blob = corpus_file(TPLINK).read_bytes()
    handler = SquashfsHandler()
    chunk = handler.parse(blob, TPLINK_ROOTFS)
    assert chunk is not None
    assert chunk.info["compression"] == "lzma"
    assert chunk.info["inodes"] == "560"
    assert chunk.end == TPLINK_ROOTFS + 2477651
    sink, _ = run_handler(handler, blob, out_dir, start=TPLINK_ROOTFS)
    kinds = [e.kind for e in sink.entries]
    assert kinds.count("file") == 374
    assert len(sink.entries) == 560
    assert (out_dir / "bin/busybox").read_bytes()[:4] == b"\x7fELF"
    assert (out_dir / "bin/sh").is_symlink()
    assert (out_dir / "bin/sh").resolve() == (out_dir / "bin/busybox").resolve()
    devices = {e.path: e.target for e in sink.entries if e.kind == "special"}
    assert devices["dev/null"] == "chardev 1:3"
    assert (out_dir / "usr/bin/httpd").stat().st_size > 100_000
    assert not sink.events


# -- images built here: vendor magics and LZMA framings -----------------------------------

def _raw_lzma(data: bytes) -> bytes:
    filters = [{"id": lzma.FILTER_LZMA1, "dict_size": 1 << 16, "lc": 3, "lp": 0, "pb": 2}]
    return lzma.compress(data, format=lzma.FORMAT_RAW, filters=filters)


def lzma_header5(data: bytes) -> bytes:
    return b"\x5d" + struct.pack("<I", 1 << 16) + _raw_lzma(data)


def lzma_alone(data: bytes) -> bytes:
    return lzma.compress(data, format=lzma.FORMAT_ALONE)


def build_v4(files: dict[bytes, bytes], compress: Callable[[bytes], bytes],
             magic: bytes = b"hsqs", compression: int = 2) -> bytes:
    """A minimal SquashFS 4 image: a root directory of one-block files, every block and
    metadata block compressed with ``compress``."""
    data = bytearray()
    inodes = bytearray()
    listing = struct.pack("<III", len(files) - 1, 0, 2)
    for number, (name, content) in enumerate(files.items(), start=2):
        packed = compress(content)
        ref = len(inodes)
        inodes += struct.pack("<HHHHII", 2, 0o644, 0, 0, 0, number)
        inodes += struct.pack("<IIIII", 96 + len(data), 0xFFFFFFFF, 0, len(content), len(packed))
        listing += struct.pack("<HhHH", ref, number - 2, 2, len(name) - 1) + name
        data += packed
    root_ref = len(inodes)
    inodes += struct.pack("<HHHHII", 1, 0o755, 0, 0, 0, 1)
    inodes += struct.pack("<IIHHI", 0, 2, len(listing) + 3, 0, len(files) + 2)

    def meta(raw: bytes) -> bytes:
        packed = compress(raw)
        return struct.pack("<H", len(packed)) + packed

    inode_table = 96 + len(data)
    itab = meta(bytes(inodes))
    dir_table = inode_table + len(itab)
    dtab = meta(listing)
    id_block = dir_table + len(dtab)
    ids = struct.pack("<H", 0x8000 | 4) + struct.pack("<I", 1000)
    id_table = id_block + len(ids)
    bytes_used = id_table + 8
    unset = 0xFFFFFFFFFFFFFFFF
    sb = struct.pack("<4sIIIIHHHHHHQQQQQQQQ", magic, len(files) + 1, 0, 1 << 17, 0,
                     compression, 17, 0, 1, 4, 0, root_ref, bytes_used, id_table, unset,
                     inode_table, dir_table, unset, unset)
    return sb + bytes(data) + itab + dtab + ids + struct.pack("<Q", id_block)


SMALL = {b"one": b"first file\n" * 20, b"two": bytes(range(256)) * 3}


@pytest.mark.parametrize("framing", [lzma_header5, _raw_lzma, lzma_alone])
def test_lzma_framings(framing: Callable[[bytes], bytes], out_dir: Path) -> None:
    blob = build_v4(SMALL, framing)
    sink, end = run_handler(SquashfsHandler(), blob, out_dir)
    assert end == len(blob)
    assert tree(out_dir) == {k.decode(): v for k, v in SMALL.items()}
    assert {e.uid for e in sink.entries} == {1000}


@pytest.mark.parametrize("magic", [b"shsq", b"hsqt"])
def test_vendor_magic_little_endian(magic: bytes, out_dir: Path) -> None:
    blob = build_v4(SMALL, lzma_header5, magic=magic)
    assert SquashfsHandler().parse(blob, 0) is None
    chunk = VendorSquashfsHandler().parse(blob, 0)
    assert chunk is not None
    assert chunk.info["magic"] == magic.decode()
    run_handler(VendorSquashfsHandler(), blob, out_dir)
    assert tree(out_dir) == {k.decode(): v for k, v in SMALL.items()}


@pytest.mark.corpus
@pytest.mark.parametrize(("fixture", "magic"), [
    ("lzma1_be.sqfs3", b"qshs"), ("lzma_be.sqfs2", b"sqlz"), ("zlib_be.sqfs3", b"tqsh"),
    ("lzma1_le.sqfs3", b"shsq"),
])
def test_vendor_magic_on_fixture(fixture: str, magic: bytes, out_dir: Path) -> None:
    blob = magic + corpus_file(f"formats/factx_squashFS__{fixture}").read_bytes()[4:]
    sink, _ = run_handler(VendorSquashfsHandler(), blob, out_dir)
    assert tree(out_dir) == EXPECTED
    assert not sink.events


def test_garbage_and_edges_are_not_claimed() -> None:
    handler = SquashfsHandler()
    assert handler.parse(b"hsqs" + bytes(200), 0) is None
    assert handler.parse(b"hsqs", 0) is None
    assert handler.parse(b"xxxx" + bytes(200), 0) is None
    blob = build_v4(SMALL, lzma_alone)
    assert handler.parse(blob, 1) is None
    assert handler.parse(b"pad!" + blob, 4) is not None


def test_truncated_image_reports_format_error(out_dir: Path) -> None:
    blob = build_v4(SMALL, lzma_alone)
    short = blob[:-4]  # the id table index is cut: files still extract, owners do not
    chunk = SquashfsHandler().parse(short, 0)
    assert chunk is not None
    assert chunk.end == len(short)
    assert "truncated" in chunk.info
    sink = Sink(out_dir, "t", Budget(Limits(), len(short)))
    with pytest.raises(FormatError, match="truncated"):
        SquashfsHandler().extract(short, chunk, sink)
    assert tree(out_dir) == {k.decode(): v for k, v in SMALL.items()}
    assert {e.uid for e in sink.entries} == {None}


# -- hostile input -------------------------------------------------------------------------

def _seeds() -> list[bytes]:
    seeds = [build_v4(SMALL, lzma_header5), build_v4(SMALL, zlib.compress, compression=1)]
    for name in ("zlib_be.sqfs3", "lzma_le.sqfs2", "avm_be.sqfs4", "lz4.sqfs"):
        path = CORPUS / "formats" / f"factx_squashFS__{name}"
        if path.is_file():
            seeds.append(path.read_bytes()[:1024])
    return seeds


SEEDS = _seeds()


def _parse_and_extract(blob: bytes) -> None:
    for handler in HANDLERS:
        chunk = handler().parse(blob, 0)
        if chunk is None:
            continue
        with tempfile.TemporaryDirectory() as tmp:
            limits = Limits(max_total_bytes=1 << 22, max_file_size=1 << 21)
            sink = Sink(Path(tmp) / "o", "fuzz", Budget(limits, len(blob)))
            handler().extract(blob, chunk, sink)
            sink.finish()


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.sampled_from(SEEDS),
       edits=st.lists(st.tuples(st.integers(0, 1023), st.integers(0, 255)), max_size=8),
       cut=st.integers(0, 1024))
def test_mutations_raise_only_our_errors(seed: bytes, edits: list[tuple[int, int]],
                                         cut: int) -> None:
    blob = bytearray(seed)
    for pos, value in edits:
        if pos < len(blob):
            blob[pos] = value
    if cut:
        del blob[len(blob) - min(cut, len(blob) - 4):]
    with contextlib.suppress(Error):
        _parse_and_extract(bytes(blob))


def test_modes_are_full(out_dir: Path) -> None:
    sink, _ = run_handler(SquashfsHandler(), build_v4(SMALL, lzma_alone), out_dir)
    modes = {e.path: e.mode for e in sink.entries}
    assert modes["one"] == stat.S_IFREG | 0o644
    assert modes[""] == stat.S_IFDIR | 0o755
