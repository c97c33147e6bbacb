"""Inputs for the diff tests, built in code: tar archives, uImages, ELF files, reports."""

from __future__ import annotations

import io
import struct
import tarfile
import zlib
from pathlib import Path

from spyless.diff.equivalence import equivalence_verdict
from spyless.diff.interface import EquivalenceResult, PairResult
from spyless.report.model import Report
from spyless.unpack.engine import ImageInfo

EPOCH = 1_700_000_000


def tar_bytes(members: dict[str, bytes | str], mtime: int = EPOCH,
              modes: dict[str, int] | None = None) -> bytes:
    """A ustar archive: ``name -> bytes`` for files, ``"-> target"`` for symlinks."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.USTAR_FORMAT) as tar:
        for name, content in members.items():
            info = tarfile.TarInfo(name)
            info.mtime = mtime
            info.mode = (modes or {}).get(name, 0o644)
            if isinstance(content, str):
                info.type = tarfile.SYMTYPE
                info.linkname = content.removeprefix("-> ")
                tar.addfile(info)
            else:
                info.size = len(content)
                tar.addfile(info, io.BytesIO(content))
    return buf.getvalue()


def uimage(payload: bytes, when: int = EPOCH, name: bytes = b"test kernel") -> bytes:
    """A U-Boot legacy image (image.h ``image_header_t``) around ``payload``, no compression."""
    def header(hcrc: int) -> bytes:
        return struct.pack(">IIIIIIIBBBB32s", 0x27051956, hcrc, when, len(payload),
                           0x80000000, 0x80000000, zlib.crc32(payload), 5, 2, 2, 0, name)
    return header(zlib.crc32(header(0))) + payload


def elf(sections: list[tuple[str, int, int, bytes]]) -> bytes:
    """A little-endian ELF64 executable with these (name, type, flags, data) sections."""
    names = b"\0"
    offsets = []
    for name, *_ in sections:
        offsets.append(len(names))
        names += name.encode() + b"\0"
    shstr_name = len(names)
    names += b".shstrtab\0"
    body = b""
    placed = []
    cursor = 64
    for (_, _, _, data) in sections:
        pad = -cursor % 8
        body += b"\0" * pad
        cursor += pad
        placed.append(cursor)
        body += data
        cursor += len(data)
    shstr_at = cursor
    body += names
    cursor += len(names)
    pad = -cursor % 8
    body += b"\0" * pad
    shoff = cursor + pad
    headers = b"\0" * 64
    for (_, kind, flags, data), at, name_at in zip(sections, placed, offsets, strict=True):
        headers += struct.pack("<IIQQQQIIQQ", name_at, kind, flags, 0, at, len(data), 0, 0, 1, 0)
    headers += struct.pack("<IIQQQQIIQQ", shstr_name, 3, 0, 0, shstr_at, len(names), 0, 0, 1, 0)
    count = len(sections) + 2
    ident = b"\x7fELF\x02\x01\x01" + b"\0" * 9
    ehdr = ident + struct.pack("<HHIQQQIHHHHHH", 2, 62, 1, 0, 0, shoff, 0, 64, 56, 0, 64,
                               count, count - 1)
    return ehdr + body + headers


def build_id_note(digest: bytes) -> bytes:
    return struct.pack("<III", 4, len(digest), 3) + b"GNU\0" + digest


def equivalence_of(tmp: Path, built: bytes, deployed: bytes,
                   names: tuple[str, str] = ("built.bin", "deployed.bin")) -> EquivalenceResult:
    a, b = tmp / names[0], tmp / names[1]
    a.write_bytes(built)
    b.write_bytes(deployed)
    return equivalence_verdict(a, b, jobs=1)


def pair(result: EquivalenceResult, key: str) -> PairResult:
    return next(p for p in result.pairs if p.key == key)


def report(name: str = "fw.bin", **facts: object) -> Report:
    made = Report(image=ImageInfo(name, name, 100, "0" * 64), tool_version="test",
                  created="2026-01-01")
    for key, value in facts.items():
        setattr(made, key, list(value))  # type: ignore[call-overload]
    return made
