"""Hostile images through the whole pipeline: nothing escapes, budgets hold, all is reported.

Each fixture is built in code. The handler tests cover the same cases one format at a time;
here they go through ``unpack`` and ``scan`` as a user would run them.
"""

from __future__ import annotations

import gzip
import io
import os
import shutil
import struct
import tarfile
import zipfile
from pathlib import Path

import pytest

from spyless.audit import Auditor
from spyless.unpack.engine import UnpackResult, unpack
from spyless.unpack.interface import EventKind, Limits


def assert_confined(result: UnpackResult, workspace: Path) -> None:
    """Every file, directory and link target lies inside the output folder."""
    root = result.output.resolve()
    for dirpath, dirnames, filenames in os.walk(result.output):
        for name in dirnames + filenames:
            path = Path(dirpath, name)
            assert path.resolve().is_relative_to(root), path
    outside = [p for p in workspace.iterdir() if p.name not in ("out", "image", "work")]
    assert outside == [], outside


def write(tmp_path: Path, data: bytes) -> Path:
    path = tmp_path / "image"
    path.write_bytes(data)
    return path


def newc(entries: list[tuple[str, int, bytes]]) -> bytes:
    """A cpio newc archive: (name, mode, data) entries and the trailer."""
    out = b""
    for ino, (name, mode, data) in enumerate([*entries, ("TRAILER!!!", 0, b"")], start=1):
        raw = name.encode() + b"\0"
        head = b"070701" + b"".join(f"{v:08x}".encode() for v in (
            ino, mode, 0, 0, 1, 0, len(data), 0, 0, 0, 0, len(raw), 0))
        out += head + raw + b"\0" * (-(110 + len(raw)) % 4) + data + b"\0" * (-len(data) % 4)
    return out


def test_zip_bomb_stops_at_the_budget_and_is_a_finding(tmp_path: Path) -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as archive:
        for i in range(4):
            with archive.open(f"zeros{i}", "w") as member:
                for _ in range(64):
                    member.write(b"\0" * (1 << 20))
    image = write(tmp_path, buf.getvalue())
    assert len(buf.getvalue()) < 1 << 20
    limits = Limits(max_total_bytes=32 << 20)
    report = Auditor(limits=limits, jobs=1).scan(image, tmp_path / "work")
    assert report.extraction["bytes_written"] <= 32 << 20  # type: ignore[operator]
    assert "SPY802" in {f.id for f in report.findings}


def test_nested_gzip_bomb(tmp_path: Path) -> None:
    payload = b"\0" * (200 << 20)
    for _ in range(4):
        payload = gzip.compress(payload, compresslevel=9, mtime=0)
    result = unpack(write(tmp_path, payload), tmp_path / "out",
                    limits=Limits(max_total_bytes=16 << 20))
    assert result.events_of(EventKind.LIMIT)
    assert result.bytes_written <= 16 << 20
    assert_confined(result, tmp_path)


def test_tar_traversal_and_link_escapes(tmp_path: Path) -> None:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.GNU_FORMAT) as tar:
        def add(name: str, data: bytes = b"", link: str | None = None,
                kind: bytes = tarfile.REGTYPE) -> None:
            info = tarfile.TarInfo(name)
            info.type = kind
            if link is not None:
                info.linkname = link
            info.size = len(data) if kind == tarfile.REGTYPE else 0
            tar.addfile(info, io.BytesIO(data) if kind == tarfile.REGTYPE else None)

        add("../../../tmp/evil", b"x")
        add("/etc/cron.d/evil", b"x")
        add("up", link="../../..", kind=tarfile.SYMTYPE)
        add("etc", link="/etc", kind=tarfile.SYMTYPE)
        add("etc/passwd", b"through a link")
        add("hard", link="../../etc/shadow", kind=tarfile.LNKTYPE)
        add("ok/file", b"fine")
    report = Auditor(jobs=1).scan(write(tmp_path, buf.getvalue()), tmp_path / "work")
    spy801 = [f for f in report.findings if f.id == "SPY801"]
    assert len(spy801) == 5, [f.message for f in spy801]
    assert not Path("/tmp/evil").exists() or Path("/tmp/evil").read_bytes() != b"x"
    work = tmp_path / "work"
    assert (work / "tar@0x0/ok/file").read_bytes() == b"fine"
    assert os.readlink(work / "tar@0x0/etc") == "etc"  # /etc rewritten inside the root
    assert not (work / "tar@0x0/etc/passwd").exists()


def test_cpio_traversal(tmp_path: Path) -> None:
    blob = newc([("../escape", 0o100644, b"bad"), ("/abs", 0o100644, b"bad"),
                 ("fine", 0o100644, b"good")])
    result = unpack(write(tmp_path, blob), tmp_path / "out")
    assert len(result.events_of(EventKind.REFUSED)) == 2
    assert (tmp_path / "out/cpio@0x0/fine").read_bytes() == b"good"
    assert_confined(result, tmp_path)


def test_file_claiming_4_gib(tmp_path: Path) -> None:
    header = tarfile.TarInfo("huge")
    header.size = (4 << 30) - 1
    blob = header.tobuf(format=tarfile.GNU_FORMAT) + b"A" * 4096
    result = unpack(write(tmp_path, blob), tmp_path / "out")
    huge = tmp_path / "out/tar@0x0/huge"
    assert huge.stat().st_size == 4096
    assert result.events_of(EventKind.PARTIAL)


@pytest.mark.skipif(shutil.which("mksquashfs") is None, reason="mksquashfs absent")
def test_squashfs_loop_and_truncation(tmp_path: Path) -> None:
    from tests.unit.handlers.test_squashfs_mksquashfs import _uncompressed_tables

    blob, image = _uncompressed_tables(tmp_path)
    root = image.inode(image.sb.root_inode)
    a_ref = next(e.ref for e in image.listing(root) if e.name == b"a")
    name_at = blob.index(b"sub", image.sb.directory_table)
    struct.pack_into("<H", blob, name_at - 8, a_ref & 0xFFFF)
    looped = unpack(write(tmp_path, bytes(blob)), tmp_path / "out")
    partial = looped.events_of(EventKind.PARTIAL)
    assert partial
    assert "loop" in partial[0].message
    assert (tmp_path / "out/squashfs@0x0/a/f").read_bytes() == b"kept\n"
    truncated = tmp_path / "t"
    truncated.mkdir()
    cut = unpack(write(truncated, bytes(blob[: len(blob) * 2 // 3])), truncated / "out")
    assert cut.events_of(EventKind.PARTIAL) or cut.events_of(EventKind.FAILED)
