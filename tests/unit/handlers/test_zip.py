"""ZipHandler: stdlib-built archives carved at an offset, encryption, bombs, mutations."""

from __future__ import annotations

import io
import shutil
import stat
import subprocess
import tempfile
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from spyless.errors import EncryptedError, Error, LimitExceeded
from spyless.unpack.handlers.archive.zip import ZipHandler
from spyless.unpack.interface import EventKind, Limits
from spyless.unpack.sandbox import Budget, Sink
from tests.conftest import run_handler, tree

PAD = b"MZ\x90\x00 not a zip " * 7


def _zip(entries: list[tuple[str, bytes, int]], comment: bytes = b"") -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, data, method in entries:
            zf.writestr(zipfile.ZipInfo(name), data, compress_type=method)
        link = zipfile.ZipInfo("bin/sh")
        link.create_system = 3
        link.external_attr = (stat.S_IFLNK | 0o777) << 16
        zf.writestr(link, b"busybox")
        zf.writestr(zipfile.ZipInfo("empty/"), b"")
        zf.comment = comment
    return buf.getvalue()


ENTRIES = [
    ("bin/busybox", b"\x7fELF" + bytes(5000), zipfile.ZIP_DEFLATED),
    ("etc/stored.txt", b"stored", zipfile.ZIP_STORED),
    ("etc/bz.txt", b"bzip2 " * 100, zipfile.ZIP_BZIP2),
    ("etc/xz.txt", b"lzma " * 100, zipfile.ZIP_LZMA),
]
EXPECTED = {name: data for name, data, _ in ENTRIES} | {"bin/sh": "-> busybox"}


def _sink(out: Path, blob: bytes, limits: Limits | None = None) -> Sink:
    return Sink(out, "t", Budget(limits or Limits(), len(blob)))


def test_extracts_exact_tree_at_offset(out_dir: Path) -> None:
    raw = _zip(ENTRIES, comment=b"vendor comment")
    blob = PAD + raw + b"PK\x05\x06 trailing junk"
    sink, end = run_handler(ZipHandler(), blob, out_dir, start=len(PAD))
    assert tree(out_dir) == EXPECTED
    assert (out_dir / "empty").is_dir()
    assert end == len(PAD) + len(raw)
    assert not sink.events


def test_two_zips_back_to_back(out_dir: Path) -> None:
    first = _zip([("one", b"1", zipfile.ZIP_STORED)])
    second = _zip([("two", b"2", zipfile.ZIP_STORED)])
    blob = first + second
    handler = ZipHandler()
    chunk = handler.parse(blob, 0)
    assert chunk is not None
    assert chunk.end == len(first)
    chunk2 = handler.parse(blob, len(first))
    assert chunk2 is not None
    assert chunk2.end == len(blob)


def test_garbage_and_truncated_are_not_zip() -> None:
    handler = ZipHandler()
    raw = _zip(ENTRIES)
    assert handler.parse(raw[:-30], 0) is None
    assert handler.parse(b"PK\x03\x04" + bytes(40), 0) is None
    assert handler.parse(b"PK\x03", 0) is None


def _mark_encrypted(raw: bytes) -> bytes:
    data = bytearray(raw)
    pos = data.find(b"PK\x03\x04")
    data[pos + 6] |= 1
    pos = data.find(b"PK\x01\x02")
    data[pos + 8] |= 1
    return bytes(data)


def test_encrypted_member_is_refused_and_rest_extracted(out_dir: Path) -> None:
    blob = _mark_encrypted(_zip([("secret", b"s3cr3t", zipfile.ZIP_STORED),
                                 ("plain", b"plain", zipfile.ZIP_STORED)]))
    handler = ZipHandler()
    chunk = handler.parse(blob, 0)
    assert chunk is not None
    sink = _sink(out_dir, blob)
    with pytest.raises(EncryptedError, match="1 of 4"):
        handler.extract(blob, chunk, sink)
    assert tree(out_dir) == {"plain": b"plain", "bin/sh": "-> busybox"}
    assert [e.kind for e in sink.events] == [EventKind.REFUSED]


@pytest.mark.parametrize("method", ["ZipCrypto", "AES256"])
def test_real_encrypted_zip_from_7z(method: str, tmp_path: Path) -> None:
    if shutil.which("7z") is None:
        pytest.skip("7z not installed")
    (tmp_path / "secret.txt").write_bytes(b"top secret " * 50)
    subprocess.run(["7z", "a", "-tzip", "-pswordfish", f"-mem={method}", "x.zip",
                    "secret.txt"], cwd=tmp_path, capture_output=True, check=True)
    blob = PAD + (tmp_path / "x.zip").read_bytes()
    handler = ZipHandler()
    chunk = handler.parse(blob, len(PAD))
    assert chunk is not None
    with pytest.raises(EncryptedError):
        handler.extract(blob, chunk, _sink(tmp_path / "out", blob))
    assert tree(tmp_path / "out") == {}


def test_zip_bomb_stops_at_byte_budget(out_dir: Path) -> None:
    blob = _zip([("bomb", bytes(64 << 20), zipfile.ZIP_DEFLATED)])
    assert len(blob) < 200_000
    handler = ZipHandler()
    chunk = handler.parse(blob, 0)
    assert chunk is not None
    with pytest.raises(LimitExceeded):
        handler.extract(blob, chunk, _sink(out_dir, blob, Limits(max_total_bytes=2 << 20)))
    assert (out_dir / "bomb").stat().st_size <= 2 << 20


def test_traversal_names_are_refused(out_dir: Path) -> None:
    blob = _zip([("../../evil", b"x", zipfile.ZIP_STORED), ("/abs", b"y", zipfile.ZIP_STORED),
                 ("ok", b"z", zipfile.ZIP_STORED)])
    sink, _ = run_handler(ZipHandler(), blob, out_dir)
    assert tree(out_dir) == {"ok": b"z", "bin/sh": "-> busybox"}
    assert len([e for e in sink.events if e.kind is EventKind.REFUSED]) == 2


_FUZZ_BASE = PAD + _zip(ENTRIES[:2])


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.integers(0, len(_FUZZ_BASE)), st.integers(0, 255)), max_size=8),
       st.integers(0, len(_FUZZ_BASE)))
def test_mutations_raise_only_our_errors(edits: list[tuple[int, int]], cut: int) -> None:
    data = bytearray(_FUZZ_BASE)
    for pos, value in edits:
        data[pos % len(data)] = value
    blob = bytes(data[: max(cut, 1)])
    handler = ZipHandler()
    with tempfile.TemporaryDirectory() as tmp:
        try:
            chunk = handler.parse(blob, len(PAD))
            if chunk is not None:
                sink = Sink(Path(tmp) / "o", "fuzz", Budget(Limits(max_total_bytes=1 << 24), 1))
                handler.extract(blob, chunk, sink)
                sink.finish()
        except Error:
            pass
