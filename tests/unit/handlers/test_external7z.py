"""RAR and CAB through the optional 7z tool: found, extracted through the sink, or reported."""

from __future__ import annotations

import shutil
import struct
import subprocess
import zlib
from pathlib import Path

import pytest

from spyless.errors import FormatError
from spyless.unpack.handlers.archive import external7z
from spyless.unpack.handlers.archive.external7z import External7zHandler
from spyless.unpack.interface import EventKind, Limits
from spyless.unpack.sandbox import Budget, Sink
from tests.conftest import run_handler, tree

needs_7z = pytest.mark.skipif(shutil.which("7z") is None, reason="7z (7zip/p7zip-full) absent")


def _block(head_type: int, flags: int, body: bytes) -> bytes:
    size = 7 + len(body)
    rest = struct.pack("<BHH", head_type, flags, size) + body
    return struct.pack("<H", zlib.crc32(rest) & 0xFFFF) + rest


def rar4(members: dict[str, bytes]) -> bytes:
    """A RAR 4 archive with stored (uncompressed) members, built from the format's layout."""
    out = b"Rar!\x1a\x07\x00" + _block(0x73, 0, b"\0" * 6)
    for name, data in members.items():
        raw = name.encode()
        body = struct.pack("<IIBIIBBHI", len(data), len(data), 3, zlib.crc32(data),
                           0x5A210000, 20, 0x30, len(raw), 0o100644 << 0) + raw
        out += _block(0x74, 0x8000, body) + data
    return out + _block(0x7B, 0x4000, b"")


@needs_7z
def test_rar4_members_come_through_the_sink(out_dir: Path) -> None:
    blob = b"\x00" * 100 + rar4({"etc/passwd": b"root::0:0::/root:/bin/sh\n", "a.txt": b"A"})
    _sink, end = run_handler(External7zHandler(), blob, out_dir, start=100)
    assert end == len(blob)
    assert tree(out_dir) == {"etc/passwd": b"root::0:0::/root:/bin/sh\n", "a.txt": b"A"}


@needs_7z
def test_rar_traversal_member_is_refused(out_dir: Path) -> None:
    blob = rar4({"../../escape.txt": b"bad", "ok.txt": b"good"})
    sink, _ = run_handler(External7zHandler(), blob, out_dir)
    assert not (out_dir.parent / "escape.txt").exists()
    assert not list(out_dir.parent.parent.glob("escape.txt"))
    assert (out_dir / "ok.txt").read_bytes() == b"good"
    refused = [e.message for e in sink.events if e.kind is EventKind.REFUSED]
    assert refused == ["path climbs out of the extraction root: '../../escape.txt'"]
    assert tree(out_dir) == {"ok.txt": b"good"}


@needs_7z
@pytest.mark.skipif(shutil.which("gcab") is None, reason="gcab absent")
def test_cab_from_gcab(tmp_path: Path, out_dir: Path) -> None:
    src = tmp_path / "src"
    src.mkdir()
    (src / "driver.inf").write_bytes(b"[Version]\nSignature=$CHICAGO$\n")
    (src / "fw.bin").write_bytes(bytes(range(256)) * 40)
    cab = tmp_path / "x.cab"
    subprocess.run(["gcab", "-c", "-z", "-n", str(cab), "driver.inf", "fw.bin"], cwd=src,
                   check=True)
    blob = b"JUNK" * 8 + cab.read_bytes() + b"TAIL"
    _sink, end = run_handler(External7zHandler(), blob, out_dir, start=32)
    assert end == len(blob) - 4
    assert tree(out_dir) == {"driver.inf": (src / "driver.inf").read_bytes(),
                             "fw.bin": (src / "fw.bin").read_bytes()}


def test_without_7z_the_archive_is_reported(out_dir: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(external7z, "find_tool", lambda name: None)
    handler = External7zHandler()
    blob = rar4({"a": b"x"})
    chunk = handler.parse(blob, 0)
    assert chunk is not None
    with pytest.raises(FormatError, match="install the optional 7z"):
        handler.extract(blob, chunk, Sink(out_dir, "t", Budget(Limits(), len(blob))))


def test_parse_rejects_garbage() -> None:
    handler = External7zHandler()
    assert handler.parse(b"MSCF\x00\x00\x00\x00\xff\xff\xff\xff" + b"\0" * 40, 0) is None
    assert handler.parse(b"not an archive", 0) is None
