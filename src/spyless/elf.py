"""A compact ELF reader shared by the analyzers, bounded by the file size.

Used by the hardening checks (everything below), the credentials analyzer (writable load
segments) and the component analyzer (note segments) through :func:`program_headers`.

Reads the ELF header, the program headers, the dynamic section, the dynamic symbol table
(found through DT_SYMTAB/DT_STRTAB/DT_STRSZ and sized by DT_HASH, DT_GNU_HASH,
DT_MIPS_SYMTABNO or the section headers) and, from the section headers, whether a full
symbol table is present. Field layouts follow the System V gABI ("Object Files" chapter)
and the GNU extensions (PT_GNU_STACK, PT_GNU_RELRO, DT_GNU_HASH, DT_FLAGS_1).

Firmware is hostile input: every offset and count is checked against the data, every
loop is capped, and anything unreadable beyond the ELF header degrades to "unknown"
(recorded in ``ElfFile.problems``) instead of raising.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

PT_LOAD = 1
PT_DYNAMIC = 2
PT_INTERP = 3
PT_GNU_STACK = 0x6474E551
PT_GNU_RELRO = 0x6474E552
PF_X, PF_W, PF_R = 1, 2, 4

DT_NULL = 0
DT_NEEDED = 1
DT_HASH = 4
DT_STRTAB = 5
DT_SYMTAB = 6
DT_STRSZ = 10
DT_SYMENT = 11
DT_SONAME = 14
DT_RPATH = 15
DT_BIND_NOW = 24
DT_RUNPATH = 29
DT_FLAGS = 30
DT_GNU_HASH = 0x6FFFFEF5
DT_FLAGS_1 = 0x6FFFFFFB
DT_MIPS_SYMTABNO = 0x70000011  # processor-specific: only meaningful on MIPS
DF_BIND_NOW = 0x8
DF_1_NOW = 0x1
DF_1_PIE = 0x08000000

ET_REL, ET_EXEC, ET_DYN, ET_CORE = 1, 2, 3, 4
EM_MIPS, EM_MIPS_RS3_LE = 8, 10
SHT_SYMTAB = 2
SHT_DYNSYM = 11

_MAX_HEADERS = 4096
_MAX_DYNAMIC = 4096
_MAX_SYMBOLS = 200_000
_MAX_NAME = 1024
_MAX_GNU_BUCKETS = 1 << 20


class ElfFormatError(ValueError):
    """The ELF header itself is unusable; nothing about the file can be said."""


@dataclass(frozen=True, slots=True)
class Segment:
    type: int
    flags: int
    offset: int
    vaddr: int
    filesz: int
    memsz: int


@dataclass(frozen=True, slots=True)
class Symbol:
    name: str
    defined: bool  # st_shndx != SHN_UNDEF


@dataclass(frozen=True, slots=True)
class ElfFile:
    bits: int
    little: bool
    e_type: int
    machine: int
    segments: tuple[Segment, ...]
    interpreter: str | None
    dynamic: tuple[tuple[int, int], ...]  # (d_tag, d_val) up to DT_NULL
    soname: str | None
    needed: tuple[str, ...]
    rpath: tuple[str, ...]
    runpath: tuple[str, ...]
    #: None when there is no dynamic symbol table or it could not be read.
    dynsym: tuple[Symbol, ...] | None
    #: Whether a .symtab section exists; None when the section headers are unreadable.
    has_symtab: bool | None
    #: Names of interest found in .symtab/.strtab of a static binary (see ``read_elf``).
    static_names: frozenset[str]
    has_section_headers: bool
    problems: tuple[str, ...]

    def has_segment(self, p_type: int) -> bool:
        return any(s.type == p_type for s in self.segments)

    def tag(self, d_tag: int) -> int | None:
        for tag, value in self.dynamic:
            if tag == d_tag:
                return value
        return None


@dataclass(slots=True)
class _Reader:
    data: bytes
    bits: int
    order: str
    machine: int
    problems: list[str]

    def unpack(self, fmt: str, offset: int) -> tuple[int, ...] | None:
        size = struct.calcsize(self.order + fmt)
        if offset < 0 or offset + size > len(self.data):
            return None
        return struct.unpack_from(self.order + fmt, self.data, offset)

    def cstring(self, offset: int, end: int) -> str | None:
        if not 0 <= offset < min(end, len(self.data)):
            return None
        stop = self.data.find(b"\0", offset, min(end, offset + _MAX_NAME, len(self.data)))
        if stop < 0:
            return None
        return self.data[offset:stop].decode("latin-1")


def _header(data: bytes) -> tuple[_Reader, tuple[int, ...]]:
    """The reader and the ELF header fields (e_type … e_shstrndx); raises when unusable."""
    if len(data) < 52 or data[:4] != b"\x7fELF" or data[4] not in (1, 2) or data[5] not in (1, 2):
        raise ElfFormatError("not an ELF file or truncated header")
    bits = 32 if data[4] == 1 else 64
    order = "<" if data[5] == 1 else ">"
    header_fmt = "HHIIIIIHHHHHH" if bits == 32 else "HHIQQQIHHHHHH"
    if len(data) < struct.calcsize(order + header_fmt) + 16:
        raise ElfFormatError("truncated ELF header")
    fields = struct.unpack_from(order + header_fmt, data, 16)
    return _Reader(data, bits, order, fields[1], []), fields


def program_headers(data: bytes) -> tuple[Segment, ...]:
    """Only the program headers (cheap); () when ``data`` is not a usable ELF file."""
    try:
        reader, fields = _header(data)
    except ElfFormatError:
        return ()
    return tuple(_segments(reader, fields[4], fields[8], fields[9]))


def read_elf(data: bytes, names_of_interest: frozenset[str] = frozenset()) -> ElfFile:
    """Parse ``data``; raise :class:`ElfFormatError` only when the ELF header is unusable.

    ``names_of_interest`` are looked up in the full string table of binaries without a
    dynamic symbol table (static ones), where only presence matters.
    """
    reader, fields = _header(data)
    (e_type, machine, _version, _entry, phoff, shoff, _flags, _ehsize, phentsize, phnum,
     shentsize, shnum, _shstrndx) = fields
    bits, order = reader.bits, reader.order
    segments = _segments(reader, phoff, phentsize, phnum)
    sections = _sections(reader, shoff, shentsize, shnum)
    interpreter = None
    for seg in segments:
        if seg.type == PT_INTERP:
            interpreter = reader.cstring(seg.offset, seg.offset + min(seg.filesz, 4096))
            break
    dynamic = _dynamic(reader, segments)
    strtab = _strtab(reader, dynamic, segments)
    names = _dynamic_strings(reader, dynamic, strtab)
    dynsym = _dynsym(reader, dynamic, segments, sections, strtab)
    has_symtab = None if sections is None else any(s[0] == SHT_SYMTAB for s in sections)
    static_names: frozenset[str] = frozenset()
    if dynsym is None and has_symtab and names_of_interest:
        static_names = _static_names(reader, sections or [], names_of_interest)
    return ElfFile(
        bits=bits, little=order == "<", e_type=e_type, machine=machine,
        segments=tuple(segments), interpreter=interpreter, dynamic=tuple(dynamic),
        soname=next(iter(names.get(DT_SONAME, ())), None),
        needed=tuple(names.get(DT_NEEDED, ())),
        rpath=_split_paths(names.get(DT_RPATH, ())),
        runpath=_split_paths(names.get(DT_RUNPATH, ())),
        dynsym=dynsym, has_symtab=has_symtab, static_names=static_names,
        has_section_headers=bool(sections), problems=tuple(reader.problems),
    )


def _segments(r: _Reader, phoff: int, phentsize: int, phnum: int) -> list[Segment]:
    fmt = "IIIIIIII" if r.bits == 32 else "IIQQQQQQ"
    if phoff == 0 or phnum == 0:
        return []
    if phentsize < struct.calcsize(fmt):
        r.problems.append(f"program header entries too small ({phentsize})")
        return []
    segments = []
    for i in range(min(phnum, _MAX_HEADERS)):
        fields = r.unpack(fmt, phoff + i * phentsize)
        if fields is None:
            r.problems.append("program headers run past the end of the file")
            break
        if r.bits == 32:
            p_type, offset, vaddr, _paddr, filesz, memsz, flags, _align = fields
        else:
            p_type, flags, offset, vaddr, _paddr, filesz, memsz, _align = fields
        segments.append(Segment(p_type, flags, offset, vaddr, filesz, memsz))
    return segments


#: (sh_type, sh_offset, sh_size, sh_link, sh_entsize) of each section.
_Section = tuple[int, int, int, int, int]


def _sections(r: _Reader, shoff: int, shentsize: int, shnum: int) -> list[_Section] | None:
    """Section headers, or None when absent (sstripped) or not inside the file."""
    fmt = "IIIIIIIIII" if r.bits == 32 else "IIQQQQIIQQ"
    if shoff == 0 or shentsize < struct.calcsize(fmt):
        return None
    if shnum == 0:  # more than 0xff00 sections: the count is in section 0's sh_size
        first = r.unpack(fmt, shoff)
        shnum = 0 if first is None else first[5]
    if shnum == 0 or shoff + shnum * shentsize > len(r.data):
        if shnum:
            r.problems.append("section headers run past the end of the file")
        return None
    sections: list[_Section] = []
    for i in range(min(shnum, _MAX_HEADERS * 16)):
        fields = r.unpack(fmt, shoff + i * shentsize)
        if fields is None:
            break
        _name, sh_type, _flags, _addr, offset, size, link, _info, _align, entsize = fields
        sections.append((sh_type, offset, size, link, entsize))
    return sections


def _dynamic(r: _Reader, segments: list[Segment]) -> list[tuple[int, int]]:
    seg = next((s for s in segments if s.type == PT_DYNAMIC), None)
    if seg is None:
        return []
    fmt = "II" if r.bits == 32 else "QQ"
    size = struct.calcsize(fmt)
    # The loader reads the table from memory, so a p_filesz cut short (seen in sstripped
    # vendor binaries) does not end it: read up to p_memsz inside the loaded segment.
    start, length = seg.offset, seg.filesz
    load = next((s for s in segments if s.type == PT_LOAD
                 and s.vaddr <= seg.vaddr < s.vaddr + s.filesz), None)
    if load is not None:
        start = load.offset + (seg.vaddr - load.vaddr)
        length = min(max(seg.filesz, seg.memsz), load.vaddr + load.filesz - seg.vaddr)
    entries = []
    for i in range(min(length // size, _MAX_DYNAMIC)):
        fields = r.unpack(fmt, start + i * size)
        if fields is None:
            r.problems.append("dynamic section runs past the end of the file")
            break
        if fields[0] == DT_NULL:
            break
        entries.append((fields[0], fields[1]))
    return entries


def _file_offset(segments: list[Segment], vaddr: int) -> int | None:
    """Where the virtual address ``vaddr`` lies in the file, through the PT_LOAD segments."""
    for seg in segments:
        if seg.type == PT_LOAD and seg.vaddr <= vaddr < seg.vaddr + seg.filesz:
            return seg.offset + (vaddr - seg.vaddr)
    return None


def _tag(dynamic: list[tuple[int, int]], d_tag: int) -> int | None:
    return next((value for tag, value in dynamic if tag == d_tag), None)


def _strtab(r: _Reader, dynamic: list[tuple[int, int]],
            segments: list[Segment]) -> tuple[int, int] | None:
    """(start, end) of the dynamic string table in the file."""
    address = _tag(dynamic, DT_STRTAB)
    if address is None:
        return None
    start = _file_offset(segments, address)
    if start is None:
        r.problems.append("DT_STRTAB is outside every loaded segment")
        return None
    size = _tag(dynamic, DT_STRSZ) or 0
    return start, min(len(r.data), start + size if size else len(r.data))


def _dynamic_strings(r: _Reader, dynamic: list[tuple[int, int]],
                     strtab: tuple[int, int] | None) -> dict[int, list[str]]:
    found: dict[int, list[str]] = {}
    if strtab is None:
        return found
    for tag, value in dynamic:
        if tag in (DT_NEEDED, DT_SONAME, DT_RPATH, DT_RUNPATH):
            text = r.cstring(strtab[0] + value, strtab[1])
            if text is not None:
                found.setdefault(tag, []).append(text)
    return found


def _split_paths(values: list[str] | tuple[str, ...]) -> tuple[str, ...]:
    # An empty element (leading, trailing or doubled ':') means the current directory.
    return tuple(part for value in values for part in value.split(":"))


def _symbol_count(r: _Reader, dynamic: list[tuple[int, int]], segments: list[Segment],
                  sections: list[_Section] | None, symtab_offset: int, syment: int) -> int:
    """How many entries the dynamic symbol table has; ELF does not store it in one place."""
    for sh_type, sh_offset, size, _link, entsize in sections or []:
        if sh_type == SHT_DYNSYM and sh_offset == symtab_offset:
            return size // (entsize or syment)
    hash_address = _tag(dynamic, DT_HASH)
    if hash_address is not None:
        offset = _file_offset(segments, hash_address)
        fields = None if offset is None else r.unpack("II", offset)
        if fields is not None:
            return fields[1]  # nchain == number of symbols
    if r.machine in (EM_MIPS, EM_MIPS_RS3_LE):
        mips_count = _tag(dynamic, DT_MIPS_SYMTABNO)
        if mips_count is not None:
            return mips_count
    gnu_address = _tag(dynamic, DT_GNU_HASH)
    if gnu_address is not None:
        offset = _file_offset(segments, gnu_address)
        count = None if offset is None else _gnu_hash_count(r, offset)
        if count is not None:
            return count
    strtab_address = _tag(dynamic, DT_STRTAB)
    symtab_address = _tag(dynamic, DT_SYMTAB) or 0
    if strtab_address is not None and strtab_address > symtab_address:
        # The usual layout puts .dynstr right after .dynsym.
        return (strtab_address - symtab_address) // syment
    r.problems.append("the number of dynamic symbols is unknown")
    return 0


def _gnu_hash_count(r: _Reader, offset: int) -> int | None:
    """Symbols covered by a GNU hash table: the end of the longest chain."""
    header = r.unpack("IIII", offset)
    if header is None:
        return None
    nbuckets, symoffset, bloom_size, _shift = header
    if nbuckets == 0 or nbuckets > _MAX_GNU_BUCKETS or bloom_size > _MAX_GNU_BUCKETS:
        return None
    buckets_at = offset + 16 + bloom_size * (r.bits // 8)
    buckets = r.unpack(f"{nbuckets}I", buckets_at)
    if buckets is None:
        return None
    last = max(buckets)
    if last < symoffset:
        return None  # nothing hashed (no exports): the table does not bound the imports
    chains_at = buckets_at + 4 * nbuckets
    for index in range(last, last + _MAX_SYMBOLS):
        value = r.unpack("I", chains_at + 4 * (index - symoffset))
        if value is None:
            return None
        if value[0] & 1:
            return index + 1
    return None


def _dynsym(r: _Reader, dynamic: list[tuple[int, int]], segments: list[Segment],
            sections: list[_Section] | None,
            strtab: tuple[int, int] | None) -> tuple[Symbol, ...] | None:
    address = _tag(dynamic, DT_SYMTAB)
    if address is None or strtab is None:
        return None
    start = _file_offset(segments, address)
    if start is None:
        r.problems.append("DT_SYMTAB is outside every loaded segment")
        return None
    fmt = "IIIBBH" if r.bits == 32 else "IBBHQQ"
    minimum = struct.calcsize(r.order + fmt)
    syment = _tag(dynamic, DT_SYMENT) or minimum
    if syment < minimum:
        r.problems.append(f"DT_SYMENT {syment} is smaller than a symbol")
        return None
    count = _symbol_count(r, dynamic, segments, sections, start, syment)
    count = min(count, max(0, (len(r.data) - start) // syment), _MAX_SYMBOLS)
    symbols = []
    for i in range(count):
        fields = struct.unpack_from(r.order + fmt, r.data, start + i * syment)
        name_offset = fields[0]
        shndx = fields[5] if r.bits == 32 else fields[3]
        if name_offset == 0:
            continue
        name = r.cstring(strtab[0] + name_offset, strtab[1])
        if name:
            symbols.append(Symbol(name, shndx != 0))
    return tuple(symbols)


def _static_names(r: _Reader, sections: list[_Section],
                  names: frozenset[str]) -> frozenset[str]:
    """Which of ``names`` appear in the string table linked to .symtab."""
    for sh_type, _offset, _size, link, _entsize in sections:
        if sh_type != SHT_SYMTAB or not 0 <= link < len(sections):
            continue
        _t, str_offset, str_size, _l, _e = sections[link]
        table = r.data[str_offset:str_offset + str_size]
        return frozenset(n for n in names if b"\0" + n.encode() + b"\0" in table)
    return frozenset()
