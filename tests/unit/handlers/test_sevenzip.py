"""SevenZipHandler: py7zr- and 7z-built archives at an offset, encryption, hostile names."""

from __future__ import annotations

import io
import shutil
import struct
import subprocess
import tempfile
import zlib
from pathlib import Path

import py7zr
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from spyless.errors import EncryptedError, Error, FormatError, LimitExceeded
from spyless.unpack.handlers.archive.sevenzip import SevenZipHandler
from spyless.unpack.interface import EventKind, Limits
from spyless.unpack.sandbox import Budget, Sink
from tests.conftest import run_handler, tree

PAD = b"\x00\x01 header of something else " * 3


def _build(tmp: Path, *, encoded_header: bool = True, password: str | None = None) -> bytes:
    src = tmp / "src"
    (src / "etc").mkdir(parents=True)
    (src / "etc/config").write_bytes(b"option wan dhcp\n" * 100)
    (src / "bin").mkdir()
    (src / "bin/busybox").write_bytes(b"\x7fELF" + bytes(70000))
    (src / "bin/sh").symlink_to("busybox")
    (src / "empty").write_bytes(b"")
    buf = io.BytesIO()
    with py7zr.SevenZipFile(buf, "w", password=password) as archive:
        archive.set_encoded_header_mode(encoded_header)
        archive.writeall(src, "root")
    return buf.getvalue()


EXPECTED = {
    "root/bin/busybox": b"\x7fELF" + bytes(70000),
    "root/bin/sh": "-> busybox",
    "root/empty": b"",
    "root/etc/config": b"option wan dhcp\n" * 100,
}


def test_extracts_exact_tree_at_offset(tmp_path: Path) -> None:
    raw = _build(tmp_path)
    blob = PAD + raw + b"7z\xbc\xaf\x27\x1c trailing"
    out = tmp_path / "out"
    sink, end = run_handler(SevenZipHandler(), blob, out, start=len(PAD))
    assert tree(out) == EXPECTED
    assert end == len(PAD) + len(raw)
    assert not sink.events


def test_archive_from_7z_tool(tmp_path: Path) -> None:
    if shutil.which("7z") is None:
        pytest.skip("7z not installed")
    (tmp_path / "a.txt").write_bytes(b"from 7z\n" * 10)
    subprocess.run(["7z", "a", "x.7z", "a.txt"], cwd=tmp_path, capture_output=True, check=True)
    blob = PAD + (tmp_path / "x.7z").read_bytes()
    run_handler(SevenZipHandler(), blob, tmp_path / "out", start=len(PAD))
    assert tree(tmp_path / "out") == {"a.txt": b"from 7z\n" * 10}


@pytest.mark.parametrize("encrypt_header", [False, True])
def test_password_protected_is_encrypted(encrypt_header: bool, tmp_path: Path) -> None:
    if shutil.which("7z") is None:
        pytest.skip("7z not installed")
    (tmp_path / "a.txt").write_bytes(b"secret")
    subprocess.run(["7z", "a", "-psecret", f"-mhe={'on' if encrypt_header else 'off'}", "x.7z",
                    "a.txt"], cwd=tmp_path, capture_output=True, check=True)
    blob = (tmp_path / "x.7z").read_bytes()
    handler = SevenZipHandler()
    chunk = handler.parse(blob, 0)
    assert chunk is not None
    sink = Sink(tmp_path / "out", "t", Budget(Limits(), len(blob)))
    with pytest.raises(EncryptedError):
        handler.extract(blob, chunk, sink)
    assert tree(tmp_path / "out") == {}


def test_truncated_and_garbage(tmp_path: Path) -> None:
    raw = _build(tmp_path)
    handler = SevenZipHandler()
    with pytest.raises(FormatError):
        handler.parse(raw[:-10], 0)
    bad_crc = raw[:8] + b"\x00\x00\x00\x00" + raw[12:]
    assert handler.parse(bad_crc, 0) is None
    assert handler.parse(b"7z\xbc\xaf\x27\x1c", 0) is None


def _rename(raw: bytes, old: str, new: str) -> bytes:
    """Rename a member in a plain (unencoded) header and fix both CRCs."""
    data = bytearray(raw.replace(old.encode("utf-16-le"), new.encode("utf-16-le"), 1))
    nh_off, nh_size = struct.unpack_from("<QQ", data, 12)
    header = data[32 + nh_off : 32 + nh_off + nh_size]
    struct.pack_into("<L", data, 28, zlib.crc32(header))
    struct.pack_into("<L", data, 8, zlib.crc32(data[12:32]))
    return bytes(data)


def test_hostile_names_are_refused(tmp_path: Path) -> None:
    buf = io.BytesIO()
    with py7zr.SevenZipFile(buf, "w") as archive:
        archive.set_encoded_header_mode(False)
        archive.writestr(b"evil", "ab/evil")
        archive.writestr(b"abs", "xabs")
        archive.writestr(b"fine", "ok")
    blob = _rename(_rename(buf.getvalue(), "ab/evil", "../evil"), "xabs", "/abs")
    out = tmp_path / "out"
    sink, _ = run_handler(SevenZipHandler(), blob, out)
    assert tree(out) == {"ok": b"fine"}
    assert len([e for e in sink.events if e.kind is EventKind.REFUSED]) == 2
    assert not (tmp_path / "evil").exists()


def test_bomb_stops_at_byte_budget(tmp_path: Path) -> None:
    buf = io.BytesIO()
    with py7zr.SevenZipFile(buf, "w") as archive:
        archive.writestr(bytes(32 << 20), "bomb")
    blob = buf.getvalue()
    handler = SevenZipHandler()
    chunk = handler.parse(blob, 0)
    assert chunk is not None
    sink = Sink(tmp_path / "out", "t", Budget(Limits(max_total_bytes=1 << 20), len(blob)))
    with pytest.raises(LimitExceeded):
        handler.extract(blob, chunk, sink)
    assert (tmp_path / "out/bomb").stat().st_size <= 1 << 20


def _fuzz_base() -> bytes:
    with tempfile.TemporaryDirectory() as tmp:
        return PAD + _build(Path(tmp), encoded_header=False)


_FUZZ_BASE = _fuzz_base()


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.integers(0, len(_FUZZ_BASE)), st.integers(0, 255)), max_size=6),
       st.integers(0, len(_FUZZ_BASE)), st.booleans())
def test_mutations_raise_only_our_errors(edits: list[tuple[int, int]], cut: int,
                                         fix_crcs: bool) -> None:
    data = bytearray(_FUZZ_BASE)
    for pos, value in edits:
        data[pos % len(data)] = value
    if fix_crcs:  # so that mutations reach the header parser instead of the CRC check
        nh_off, nh_size = struct.unpack_from("<QQ", data, len(PAD) + 12)
        lo = len(PAD) + 32 + nh_off
        struct.pack_into("<L", data, len(PAD) + 28, zlib.crc32(data[lo : lo + nh_size]))
        struct.pack_into("<L", data, len(PAD) + 8, zlib.crc32(data[len(PAD) + 12 : len(PAD) + 32]))
    blob = bytes(data[: max(cut, 1)])
    handler = SevenZipHandler()
    with tempfile.TemporaryDirectory() as tmp:
        try:
            chunk = handler.parse(blob, len(PAD))
            if chunk is not None:
                sink = Sink(Path(tmp) / "o", "fuzz", Budget(Limits(max_total_bytes=1 << 24), 1))
                handler.extract(blob, chunk, sink)
                sink.finish()
        except Error:
            pass
