"""Package notes in ELF files: the ``.note.package`` JSON payload of systemd's spec.

Spec: https://systemd.io/ELF_PACKAGE_METADATA/ (note owner "FDO", type 0xcafe1a7e, a
NUL-terminated JSON object with at least "type", "name" and "version"). The notes live in a
PT_NOTE segment, so the program headers are enough; section headers may be stripped. Every
read is bounds-checked: a malformed header yields no notes, never an exception.
"""

from __future__ import annotations

import json
import struct
from dataclasses import dataclass

from spyless.elf import program_headers

NOTE_OWNER = b"FDO\x00"
NOTE_TYPE = 0xCAFE1A7E
_PT_NOTE = 4
_MAX_NOTE = 4096
_MAX_PHDRS = 256


@dataclass(frozen=True, slots=True)
class PackageNote:
    offset: int
    type: str  # "deb", "rpm", "alpm", ...
    name: str
    version: str
    architecture: str | None
    os: str | None
    raw: str


def _segments(data: bytes) -> list[tuple[int, int]]:
    """(offset, size) of every PT_NOTE segment."""
    return [(seg.offset, seg.filesz) for seg in program_headers(data)[:_MAX_PHDRS]
            if seg.type == _PT_NOTE and seg.offset + seg.filesz <= len(data)]


def package_notes(data: bytes) -> list[PackageNote]:
    order = "<" if len(data) > 5 and data[5] == 1 else ">"
    notes: list[PackageNote] = []
    for start, size in _segments(data):
        pos, end = start, start + size
        while pos + 12 <= end:
            namesz, descsz, ntype = struct.unpack_from(order + "III", data, pos)
            name_at = pos + 12
            desc_at = name_at + ((namesz + 3) & ~3)
            nxt = desc_at + ((descsz + 3) & ~3)
            if nxt > end or nxt <= pos:
                break
            if (ntype == NOTE_TYPE and data[name_at:name_at + namesz] == NOTE_OWNER
                    and descsz <= _MAX_NOTE):
                note = _parse(data[desc_at:desc_at + descsz], desc_at)
                if note is not None:
                    notes.append(note)
            pos = nxt
    return notes


def _parse(desc: bytes, offset: int) -> PackageNote | None:
    text = desc.split(b"\x00", 1)[0].decode("utf-8", "replace")
    try:
        meta = json.loads(text)
    except ValueError:
        return None
    if not isinstance(meta, dict):
        return None
    name, version, kind = meta.get("name"), meta.get("version"), meta.get("type")
    if not (isinstance(name, str) and isinstance(version, str) and isinstance(kind, str)):
        return None
    arch, os_id = meta.get("architecture"), meta.get("os")
    return PackageNote(offset, kind, name, version,
                       arch if isinstance(arch, str) else None,
                       os_id if isinstance(os_id, str) else None, text)
