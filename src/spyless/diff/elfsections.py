"""ELF section headers, just enough to compare two builds section by section.

Reads the ELF header and the section header table (System V gABI, "Sections"); every
offset and count is checked against the data and anything unreadable gives no sections
(the file is then compared as plain bytes). Never raises on malformed input.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

SHT_NOBITS = 8
SHF_ALLOC = 0x2
_MAX_SECTIONS = 4096
_MAX_NAME = 256


@dataclass(frozen=True, slots=True)
class Section:
    name: str
    type: int
    flags: int
    offset: int
    size: int  # bytes in the file (0 for SHT_NOBITS)

    @property
    def alloc(self) -> bool:
        return bool(self.flags & SHF_ALLOC)

    @property
    def end(self) -> int:
        return self.offset + self.size


def is_elf(data: bytes) -> bool:
    return data[:4] == b"\x7fELF"


def read_sections(data: bytes) -> tuple[Section, ...]:
    """The sections of an ELF file with their file ranges; () when there are none to read."""
    if len(data) < 52 or not is_elf(data) or data[4] not in (1, 2) or data[5] not in (1, 2):
        return ()
    wide = data[4] == 2
    order = "<" if data[5] == 1 else ">"
    try:
        if wide:
            shoff, = struct.unpack_from(order + "Q", data, 0x28)
            shentsize, shnum, shstrndx = struct.unpack_from(order + "HHH", data, 0x3A)
        else:
            shoff, = struct.unpack_from(order + "I", data, 0x20)
            shentsize, shnum, shstrndx = struct.unpack_from(order + "HHH", data, 0x2E)
    except struct.error:
        return ()
    need = 64 if wide else 40
    if (shoff == 0 or shentsize < need or not 0 < shnum <= _MAX_SECTIONS
            or shoff + shentsize * shnum > len(data) or shstrndx >= shnum):
        return ()
    fmt = order + ("IIQQQQ" if wide else "IIIIII")
    raw = []
    for n in range(shnum):
        name, kind, flags, _addr, offset, size = struct.unpack_from(fmt, data,
                                                                     shoff + n * shentsize)
        raw.append((name, kind, flags, offset, 0 if kind == SHT_NOBITS else size))
    _, _, _, str_off, str_size = raw[shstrndx]
    if str_off + str_size > len(data):
        return ()
    strings = data[str_off:str_off + str_size]
    sections = []
    for name_at, kind, flags, offset, size in raw[1:]:
        inside = min(size, max(0, len(data) - offset))  # a truncated file keeps what is there
        sections.append(Section(_name(strings, name_at), kind, flags, offset, inside))
    return tuple(sections)


def _name(strings: bytes, at: int) -> str:
    if at >= len(strings):
        return "?"
    end = strings.find(b"\0", at, at + _MAX_NAME)
    raw = strings[at:end if end >= 0 else at + _MAX_NAME]
    return raw.decode("ascii", "replace") or "?"


def section_at(sections: tuple[Section, ...], offset: int) -> Section | None:
    """The section whose file bytes hold ``offset`` (None: a header or the gaps between)."""
    for section in sections:
        if section.size and section.offset <= offset < section.end:
            return section
    return None
