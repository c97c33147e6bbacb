"""TarHandler: stdlib-built archives carved at an offset, hostile members, mutations."""

from __future__ import annotations

import io
import os
import tarfile
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from spyless.errors import Error, FormatError
from spyless.unpack.handlers.archive.tar import TarHandler
from spyless.unpack.interface import EventKind, Limits
from spyless.unpack.sandbox import Budget, Sink
from tests.conftest import run_handler, tree

PAD = b"\xff" * 77


def _add(tf: tarfile.TarFile, name: str, data: bytes | None = None, **attrs: object) -> None:
    info = tarfile.TarInfo(name)
    for key, value in attrs.items():
        setattr(info, key, value)
    if data is not None:
        info.size = len(data)
    tf.addfile(info, io.BytesIO(data) if data is not None else None)


def _tar(fmt: int, build: object) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=fmt) as tf:
        build(tf)  # type: ignore[operator]
    return buf.getvalue()


def _sample(tf: tarfile.TarFile) -> None:
    _add(tf, "etc", type=tarfile.DIRTYPE, mode=0o755)
    _add(tf, "etc/passwd", b"root:x:0:0::/root:/bin/sh\n", mode=0o644)
    _add(tf, "bin/busybox", b"\x7fELF" + bytes(3000), mode=0o755)
    _add(tf, "bin/sh", type=tarfile.SYMTYPE, linkname="busybox")
    _add(tf, "bin/ash", type=tarfile.LNKTYPE, linkname="bin/busybox")
    _add(tf, "dev/console", type=tarfile.CHRTYPE, devmajor=5, devminor=1)
    _add(tf, "dev/fifo", type=tarfile.FIFOTYPE)
    _add(tf, "deep/" + "d" * 120 + "/file", b"long name")


EXPECTED = {
    "bin/ash": b"\x7fELF" + bytes(3000),
    "bin/busybox": b"\x7fELF" + bytes(3000),
    "bin/sh": "-> busybox",
    "deep/" + "d" * 120 + "/file": b"long name",
    "etc/passwd": b"root:x:0:0::/root:/bin/sh\n",
}


def _archive_end(raw: bytes) -> int:
    """Offset just after the two zero blocks tarfile writes."""
    with tarfile.open(fileobj=io.BytesIO(raw)) as tf:
        last = tf.getmembers()[-1]
    data_end = last.offset_data + (-(-last.size // 512) * 512 if last.isreg() else 0)
    return data_end + 1024


@pytest.mark.parametrize("fmt", [tarfile.GNU_FORMAT, tarfile.PAX_FORMAT, tarfile.USTAR_FORMAT])
def test_extracts_exact_tree_at_offset(fmt: int, out_dir: Path) -> None:
    raw = _tar(fmt, _sample)
    blob = PAD + raw + b"trailing garbage"
    sink, end = run_handler(TarHandler(), blob, out_dir, start=len(PAD))
    assert tree(out_dir) == EXPECTED
    assert end == len(PAD) + _archive_end(raw)
    specials = {e.path: e.target for e in sink.entries if e.kind == "special"}
    assert specials == {"dev/console": "chardev 5:1", "dev/fifo": "fifo"}
    assert (out_dir / "bin/ash").stat().st_ino == (out_dir / "bin/busybox").stat().st_ino
    assert not sink.events


def test_pax_unicode_name_and_global_header(out_dir: Path) -> None:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT,
                      pax_headers={"comment": "global"}) as tf:
        _add(tf, "ünïcode/ñame.txt", b"pax")
    run_handler(TarHandler(), buf.getvalue(), out_dir)
    assert tree(out_dir) == {"ünïcode/ñame.txt": b"pax"}


def test_v7_header_without_magic(out_dir: Path) -> None:
    info = tarfile.TarInfo("old.txt")
    info.size = 3
    hdr = bytearray(info.tobuf(format=tarfile.USTAR_FORMAT))
    hdr[257:265] = bytes(8)
    hdr[148:156] = b"        "
    hdr[148:156] = b"%06o\x00 " % sum(hdr)
    blob = bytes(hdr) + b"abc".ljust(512, b"\x00") + bytes(1024)
    _sink, end = run_handler(TarHandler(), blob, out_dir)
    assert tree(out_dir) == {"old.txt": b"abc"}
    assert end == len(blob)


def test_garbage_is_not_tar() -> None:
    handler = TarHandler()
    assert handler.parse(bytes(2048), 0) is None
    assert handler.parse(b"\x01" * 2048, 0) is None
    assert handler.parse(b"short", 0) is None


def test_traversal_and_absolute_members_are_refused(out_dir: Path) -> None:
    def build(tf: tarfile.TarFile) -> None:
        _add(tf, "../../etc/passwd", b"evil")
        _add(tf, "/etc/shadow", b"evil")
        _add(tf, "ok.txt", b"fine")

    sink, _ = run_handler(TarHandler(), _tar(tarfile.GNU_FORMAT, build), out_dir)
    assert tree(out_dir) == {"ok.txt": b"fine"}
    refused = [e for e in sink.events if e.kind is EventKind.REFUSED]
    assert len(refused) == 2
    assert not (out_dir.parent / "etc").exists()


def test_symlink_escape_is_refused(out_dir: Path) -> None:
    def build(tf: tarfile.TarFile) -> None:
        _add(tf, "evil", type=tarfile.SYMTYPE, linkname="/../../etc")
        _add(tf, "inside", type=tarfile.SYMTYPE, linkname="sub")
        _add(tf, "inside/passwd", b"through a link")
        _add(tf, "evil/passwd", b"owned")

    sink, _ = run_handler(TarHandler(), _tar(tarfile.GNU_FORMAT, build), out_dir)
    assert not os.path.lexists(out_dir / "evil") or (out_dir / "evil").is_dir()
    assert not (out_dir / "sub").exists()
    assert tree(out_dir) == {"evil/passwd": b"owned", "inside": "-> sub"}
    reasons = " ".join(e.message for e in sink.events)
    assert "points out of the extraction root" in reasons
    assert "through a symbolic link" in reasons


def test_link_through_link_is_removed(out_dir: Path) -> None:
    def build(tf: tarfile.TarFile) -> None:
        _add(tf, "sub", type=tarfile.DIRTYPE)
        _add(tf, "sub/up", type=tarfile.SYMTYPE, linkname="..")
        _add(tf, "escape", type=tarfile.SYMTYPE, linkname="sub/up/..")

    sink, _ = run_handler(TarHandler(), _tar(tarfile.GNU_FORMAT, build), out_dir)
    root = os.path.realpath(out_dir)
    for path in out_dir.rglob("*"):
        assert os.path.realpath(path).startswith(root)
    # The sink resolves link targets lexically, so "sub/up/.." becomes plain "sub".
    assert os.readlink(out_dir / "escape") == "sub"
    assert os.path.realpath(out_dir / "sub/up") == root
    assert not sink.events


def test_huge_size_claim_with_short_body(out_dir: Path) -> None:
    info = tarfile.TarInfo("big.bin")
    info.size = 4 * 1024**3
    blob = info.tobuf(format=tarfile.GNU_FORMAT) + b"A" * 1000
    handler = TarHandler()
    chunk = handler.parse(blob, 0)
    assert chunk is not None
    assert chunk.end == len(blob)
    sink = Sink(out_dir, "t", Budget(Limits(), len(blob)))
    with pytest.raises(FormatError, match="truncated"):
        handler.extract(blob, chunk, sink)
    assert (out_dir / "big.bin").read_bytes() == b"A" * 1000


def _mutated_run(blob: bytes, start: int, edits: list[tuple[int, int]], cut: int) -> None:
    data = bytearray(blob)
    for pos, value in edits:
        data[pos % len(data)] = value
    data = data[: max(cut, 1)]
    handler = TarHandler()
    with tempfile.TemporaryDirectory() as tmp:
        try:
            chunk = handler.parse(bytes(data), start)
            if chunk is not None:
                sink = Sink(Path(tmp) / "o", "fuzz", Budget(Limits(max_total_bytes=1 << 24), 1))
                handler.extract(bytes(data), chunk, sink)
                sink.finish()
        except Error:
            pass


_FUZZ_BASE = PAD + _tar(tarfile.PAX_FORMAT, _sample)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.integers(0, len(_FUZZ_BASE)), st.integers(0, 255)), max_size=8),
       st.integers(0, len(_FUZZ_BASE)))
def test_mutations_raise_only_our_errors(edits: list[tuple[int, int]], cut: int) -> None:
    _mutated_run(_FUZZ_BASE, len(PAD), edits, cut)
