"""A minimal ELF writer for the hardening tests (one PT_LOAD holding everything), and its checks.

Builds executables and libraries of any class, byte order and machine with exactly the
program headers, dynamic entries and symbols a test asks for, so each edge case (missing
PT_GNU_STACK, RWX, BIND_NOW flags, canary imports, RPATH, the ways of sizing .dynsym) is
one line in a test.
"""

from __future__ import annotations

import shutil
import struct
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

from spyless.elf import (
    DT_BIND_NOW,
    DT_FLAGS,
    DT_FLAGS_1,
    DT_GNU_HASH,
    DT_HASH,
    DT_MIPS_SYMTABNO,
    DT_NEEDED,
    DT_RPATH,
    DT_RUNPATH,
    DT_SONAME,
    DT_STRSZ,
    DT_STRTAB,
    DT_SYMENT,
    DT_SYMTAB,
    PF_R,
    PF_W,
    PF_X,
    PT_DYNAMIC,
    PT_GNU_RELRO,
    PT_GNU_STACK,
    PT_INTERP,
    PT_LOAD,
)

BASE = 0x10000
EM = {"mips": 8, "arm": 40, "aarch64": 183, "x86": 3, "x86_64": 62, "powerpc": 20,
      "powerpc64": 21}


@dataclass(frozen=True)
class ElfSpec:
    bits: int = 64
    little: bool = True
    machine: int = 62
    e_type: int = 3  # ET_DYN
    interp: str | None = "/lib/ld.so.1"
    stack: int | None = PF_R | PF_W  # PT_GNU_STACK flags; None: no such header
    relro: bool = False
    load_flags: int = PF_R | PF_X
    imports: tuple[str, ...] = ("puts",)
    exports: tuple[str, ...] = ()
    soname: str | None = None
    needed: tuple[str, ...] = ("libc.so.6",)
    rpath: str | None = None
    runpath: str | None = None
    bind_now: bool = False
    flags: int | None = None
    flags_1: int | None = None
    dynamic: bool = True
    #: "hash", "gnu", "mips", "sections", "gap": how the reader must size .dynsym.
    count_by: str = "hash"
    sections: bool = False
    symtab_names: tuple[str, ...] | None = None  # adds .symtab/.strtab
    dynamic_filesz_cut: bool = False  # p_filesz of PT_DYNAMIC covers one entry only


def build_elf(spec: ElfSpec) -> bytes:
    o = "<" if spec.little else ">"
    word = "I" if spec.bits == 32 else "Q"
    ehsize, phentsize = (52, 32) if spec.bits == 32 else (64, 56)
    shentsize = 40 if spec.bits == 32 else 64
    syment = 16 if spec.bits == 32 else 24
    kinds = [PT_LOAD]
    if spec.interp is not None:
        kinds.append(PT_INTERP)
    if spec.dynamic:
        kinds.append(PT_DYNAMIC)
    if spec.stack is not None:
        kinds.append(PT_GNU_STACK)
    if spec.relro:
        kinds.append(PT_GNU_RELRO)
    data = bytearray(ehsize + phentsize * len(kinds))

    def place(blob: bytes, align: int = 8) -> int:
        data.extend(b"\0" * (-len(data) % align))
        offset = len(data)
        data.extend(blob)
        return offset

    strings = bytearray(b"\0")

    def name(text: str) -> int:
        offset = len(strings)
        strings.extend(text.encode() + b"\0")
        return offset

    def symbol(name_offset: int, shndx: int) -> bytes:
        if spec.bits == 32:
            return struct.pack(o + "IIIBBH", name_offset, 0, 0, 0x12, 0, shndx)
        return struct.pack(o + "IBBHQQ", name_offset, 0x12, 0, shndx, 0, 0)

    segments: dict[int, tuple[int, int, int]] = {}  # type -> (offset, size, flags)
    if spec.interp is not None:
        blob = spec.interp.encode() + b"\0"
        segments[PT_INTERP] = (place(blob, 1), len(blob), PF_R)
    sections: list[tuple[int, int, int, int, int]] = [(0, 0, 0, 0, 0)]
    dyn: list[tuple[int, int]] = []
    if spec.dynamic:
        syms = [symbol(0, 0)] + [symbol(name(n), 0) for n in spec.imports] + [
            symbol(name(n), 1) for n in spec.exports]
        for tag, value in ((DT_SONAME, spec.soname), (DT_RPATH, spec.rpath),
                           (DT_RUNPATH, spec.runpath)):
            if value is not None:
                dyn.append((tag, name(value)))
        dyn.extend((DT_NEEDED, name(n)) for n in spec.needed)
        symtab_off = place(b"".join(syms))
        strtab_off = place(bytes(strings), 1)
        dyn += [(DT_SYMTAB, BASE + symtab_off), (DT_STRTAB, BASE + strtab_off),
                (DT_STRSZ, len(strings)), (DT_SYMENT, syment)]
        if spec.count_by == "hash":
            dyn.append((DT_HASH, BASE + place(struct.pack(o + "IIII", 1, len(syms), 0, 0)
                                              + b"\0" * 4 * len(syms))))
        elif spec.count_by == "gnu":
            first = 1 + len(spec.imports)
            bucket = first if spec.exports else 0
            chains = [2 * i for i in range(len(spec.exports))]
            if chains:
                chains[-1] |= 1
            table = (struct.pack(o + "IIII", 1, first, 1, 6) + struct.pack(o + word, 0)
                     + struct.pack(o + "I", bucket)
                     + struct.pack(o + f"{len(chains)}I", *chains))
            dyn.append((DT_GNU_HASH, BASE + place(table)))
        elif spec.count_by == "mips":
            dyn.append((DT_MIPS_SYMTABNO, len(syms)))
        if spec.bind_now:
            dyn.append((DT_BIND_NOW, 0))
        if spec.flags is not None:
            dyn.append((DT_FLAGS, spec.flags))
        if spec.flags_1 is not None:
            dyn.append((DT_FLAGS_1, spec.flags_1))
        dyn.append((0, 0))
        blob = b"".join(struct.pack(o + word * 2, t, v) for t, v in dyn)
        dyn_off = place(blob)
        size = len(blob) // len(dyn) if spec.dynamic_filesz_cut else len(blob)
        segments[PT_DYNAMIC] = (dyn_off, size, PF_R | PF_W)
        if spec.sections or spec.count_by == "sections":
            sections.append((11, symtab_off, len(syms) * syment, 2, syment))
            sections.append((3, strtab_off, len(strings), 0, 0))
    if spec.symtab_names is not None:
        names = bytearray(b"\0")
        entries = [symbol(0, 0)]
        for n in spec.symtab_names:
            entries.append(symbol(len(names), 1))
            names.extend(n.encode() + b"\0")
        sym_off = place(b"".join(entries))
        str_off = place(bytes(names), 1)
        sections.append((2, sym_off, len(entries) * syment, len(sections) + 1, syment))
        sections.append((3, str_off, len(names), 0, 0))
    if spec.stack is not None:
        segments[PT_GNU_STACK] = (0, 0, spec.stack)
    if spec.relro:
        segments[PT_GNU_RELRO] = (0, 16, PF_R)
    shoff = 0
    if len(sections) > 1:
        fmt = o + ("IIIIIIIIII" if spec.bits == 32 else "IIQQQQIIQQ")
        shoff = place(b"".join(struct.pack(fmt, 0, t, 0, 0, off, size, link, 0, 1, ent)
                               for t, off, size, link, ent in sections))
    total = len(data)
    segments[PT_LOAD] = (0, total, spec.load_flags)
    for i, kind in enumerate(kinds):
        offset, size, flags = segments[kind]
        vaddr = BASE + offset if kind != PT_GNU_STACK else 0
        at = ehsize + i * phentsize
        if spec.bits == 32:
            struct.pack_into(o + "IIIIIIII", data, at, kind, offset, vaddr, vaddr, size, size,
                             flags, 4)
        else:
            memsz = size * 8 if kind == PT_DYNAMIC and spec.dynamic_filesz_cut else size
            struct.pack_into(o + "IIQQQQQQ", data, at, kind, flags, offset, vaddr, vaddr, size,
                             memsz, 8)
        if spec.bits == 32 and kind == PT_DYNAMIC and spec.dynamic_filesz_cut:
            struct.pack_into(o + "I", data, at + 20, size * 8)
    ident = b"\x7fELF" + bytes([1 if spec.bits == 32 else 2, 1 if spec.little else 2, 1]) + bytes(9)
    header = (o + "HHIIIIIHHHHHH") if spec.bits == 32 else (o + "HHIQQQIHHHHHH")
    data[:ehsize] = ident + struct.pack(header, spec.e_type, spec.machine, 1, BASE,
                                        ehsize, shoff, 0, ehsize, phentsize, len(kinds),
                                        shentsize, len(sections) if shoff else 0, 0)
    return bytes(data)


@pytest.mark.skipif(shutil.which("readelf") is None, reason="binutils readelf not installed")
@pytest.mark.parametrize(("bits", "little", "machine"), [
    (32, False, EM["mips"]), (32, True, EM["arm"]), (64, True, EM["aarch64"]),
    (64, False, EM["powerpc64"]), (32, True, EM["x86"]), (64, True, EM["x86_64"]),
])
def test_readelf_agrees_with_the_writer(tmp_path: Path, bits: int, little: bool,
                                         machine: int) -> None:
    spec = ElfSpec(bits=bits, little=little, machine=machine, imports=("strcpy", "gets"),
                   exports=("api",), rpath="/opt/lib", relro=True, bind_now=True,
                   sections=True)
    path = tmp_path / "a.out"
    path.write_bytes(build_elf(spec))
    out = subprocess.run(["readelf", "-W", "-l", "-d", "--dyn-syms", str(path)],
                         capture_output=True, text=True, check=True).stdout
    assert "GNU_STACK" in out
    assert "GNU_RELRO" in out
    assert "Library rpath: [/opt/lib]" in out
    assert "(BIND_NOW)" in out
    for name in ("strcpy", "gets", "api"):
        assert f" {name}" in out
