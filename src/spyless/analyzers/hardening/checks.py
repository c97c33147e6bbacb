"""Exploit mitigations of one ELF file, judged from its headers, dynamic section and symbols.

What each check reads (the same conventions as checksec-style tools, written from the
ELF and linker documentation):

- NX: the PF_X flag of PT_GNU_STACK. Without that header the stack is executable by
  default: the kernel maps it so for legacy binaries (READ_IMPLIES_EXEC on x86, ARM and
  MIPS) and glibc's loader makes the stack executable for a library lacking it. MIPS
  toolchains emitted no PT_GNU_STACK before GCC 11 / glibc 2.31, and MIPS kernels before
  Linux 4.8 kept every stack executable (FPU branch-delay emulation ran on it).
  Native AArch64 kernels never imply an executable stack, so there it is "unknown".
- PIE: ET_DYN with an interpreter, or DF_1_PIE. A shared library (ET_DYN with a
  DT_SONAME or a ``.so`` name and no DF_1_PIE) is not an executable: ``pie`` stays None.
- RELRO: PT_GNU_RELRO is "partial"; with DT_BIND_NOW, DF_BIND_NOW or DF_1_NOW, "full".
- Canary: references to the stack-protector handler (glibc/musl ``__stack_chk_fail``,
  uClibc's ``__stack_chk_fail_local``, the pre-GCC-4.1 ProPolice ``__stack_smash_handler``).
- FORTIFY: imports of ``__*_chk`` functions (``-D_FORTIFY_SOURCE``).
- Unsafe functions: undefined (imported) dynamic symbols from a fixed list.
"""

from __future__ import annotations

import posixpath
import re

from spyless.elf import (
    DF_1_NOW,
    DF_1_PIE,
    DF_BIND_NOW,
    DT_BIND_NOW,
    DT_FLAGS,
    DT_FLAGS_1,
    ET_DYN,
    ET_EXEC,
    PF_W,
    PF_X,
    PT_GNU_RELRO,
    PT_GNU_STACK,
    PT_LOAD,
    ElfFile,
)
from spyless.model.facts import Hardening
from spyless.model.findings import Location

CANARY_SYMBOLS = frozenset({
    "__stack_chk_fail", "__stack_chk_guard", "__stack_chk_fail_local", "__stack_smash_handler",
})
#: Looked up in the string table of static binaries, where imports are not visible.
STATIC_FORTIFY_SYMBOLS = frozenset({
    "__memcpy_chk", "__memmove_chk", "__memset_chk", "__strcpy_chk", "__strcat_chk",
    "__strncpy_chk", "__sprintf_chk", "__snprintf_chk", "__vsnprintf_chk", "__printf_chk",
    "__fprintf_chk", "__read_chk", "__fgets_chk",
})
UNSAFE_FUNCTIONS = frozenset({
    "gets", "strcpy", "strcat", "stpcpy", "wcscpy", "wcscat", "sprintf", "vsprintf",
    "system", "popen", "execl", "execlp", "execle", "execvp",
    "scanf", "sscanf", "fscanf", "vscanf", "vsscanf", "vfscanf",
    "strtok", "tmpnam", "tempnam", "mktemp", "getwd",
})
#: Dangerous enough to raise the severity in a network-facing program.
CRITICAL_UNSAFE = frozenset({"gets", "system", "popen"})
_FORTIFIED = re.compile(r"^__\w+_chk$")
#: Folders that are writable at run time on embedded Linux (tmpfs, overlays, flash, USB).
#: These are paths inside the image being judged, not files this process creates.
_WRITABLE_ROOTS = ("/tmp", "/var", "/mnt", "/media", "/home", "/data", "/overlay",  # noqa: S108
                   "/jffs", "/jffs2", "/usb", "/dev/shm", "/run", "/userdata")  # noqa: S108


def classify(elf: ElfFile, fs_path: str) -> str | None:
    """"executable" or "library"; None for what hardening does not apply to (objects, cores)."""
    if not any(s.type == PT_LOAD for s in elf.segments):
        return None
    if elf.e_type == ET_EXEC:
        return "executable"
    if elf.e_type != ET_DYN:
        return None
    if (elf.tag(DT_FLAGS_1) or 0) & DF_1_PIE:
        return "executable"
    name = posixpath.basename(fs_path)
    if elf.soname is not None or name.endswith(".so") or ".so." in name:
        return "library"
    return "executable" if elf.interpreter is not None else "library"


def stack_state(elf: ElfFile, arch: str) -> tuple[bool | None, str]:
    """(nx, why) for the stack."""
    stack = next((s for s in elf.segments if s.type == PT_GNU_STACK), None)
    if stack is not None:
        if stack.flags & PF_X:
            return False, "PT_GNU_STACK asks for an executable stack"
        if arch in ("mips", "mips64"):
            return True, "PT_GNU_STACK without PF_X (honoured by MIPS kernels from 4.8)"
        return True, "PT_GNU_STACK without PF_X"
    if arch == "aarch64":
        return None, "no PT_GNU_STACK; AArch64 kernels do not imply an executable stack"
    if arch in ("mips", "mips64"):
        return False, ("no PT_GNU_STACK (MIPS toolchains before GCC 11 emit none): the "
                       "stack is executable")
    return False, "no PT_GNU_STACK: the stack is executable by default"


def relro_state(elf: ElfFile) -> str:
    if not elf.has_segment(PT_GNU_RELRO):
        return "none"
    bind_now = (elf.tag(DT_BIND_NOW) is not None
                or bool((elf.tag(DT_FLAGS) or 0) & DF_BIND_NOW)
                or bool((elf.tag(DT_FLAGS_1) or 0) & DF_1_NOW))
    return "full" if bind_now else "partial"


def canary_state(elf: ElfFile, kind: str) -> bool | None:
    if elf.dynsym is None:
        if elf.static_names & CANARY_SYMBOLS:
            return True
        return False if elf.has_symtab else None
    imported = {s.name for s in elf.dynsym if not s.defined}
    if imported & CANARY_SYMBOLS:
        return True
    defined = {s.name for s in elf.dynsym if s.defined} & CANARY_SYMBOLS
    if defined:
        # A C library exports the handler: that says nothing about how it was compiled.
        return True if kind == "executable" else None
    return False


def fortify_state(elf: ElfFile) -> bool | None:
    if elf.dynsym is None:
        if elf.static_names & STATIC_FORTIFY_SYMBOLS:
            return True
        return False if elf.has_symtab else None
    return any(not s.defined and _FORTIFIED.match(s.name) is not None
               and s.name not in CANARY_SYMBOLS for s in elf.dynsym)


def unsafe_imports(elf: ElfFile) -> tuple[str, ...]:
    if elf.dynsym is None:
        return ()
    return tuple(sorted({s.name for s in elf.dynsym
                         if not s.defined and s.name in UNSAFE_FUNCTIONS}))


def stripped_state(elf: ElfFile) -> bool | None:
    if elf.has_symtab is None:
        return True if not elf.has_section_headers and not elf.problems else None
    return not elf.has_symtab


def has_rwx_segment(elf: ElfFile) -> bool:
    return any(s.type == PT_LOAD and s.flags & PF_W and s.flags & PF_X for s in elf.segments)


def risky_search_path(path: str) -> str | None:
    """Why a DT_RPATH/DT_RUNPATH element lets someone else's library load, or None."""
    if path == "":
        return "an empty element means the current directory"
    if path.startswith(("$ORIGIN", "${ORIGIN}")):
        return None
    if not path.startswith("/"):
        return "a relative path is resolved against the current directory"
    normal = posixpath.normpath(path)
    for root in _WRITABLE_ROOTS:
        if normal == root or normal.startswith(root + "/"):
            return f"{root} is writable at run time"
    return None


def hardening_of(elf: ElfFile, arch: str, fs_path: str, location: Location) -> Hardening | None:
    """The Hardening fact of one parsed ELF, or None when it is not a program or library."""
    kind = classify(elf, fs_path)
    if kind is None:
        return None
    nx, _why = stack_state(elf, arch)
    return Hardening(
        location=location, arch=arch, bits=elf.bits,
        endianness="little" if elf.little else "big", elf_type=kind, nx=nx,
        pie=(elf.e_type == ET_DYN) if kind == "executable" else None,
        relro=relro_state(elf), canary=canary_state(elf, kind), fortify=fortify_state(elf),
        rpath=elf.rpath, runpath=elf.runpath, stripped=stripped_state(elf),
        rwx_segments=has_rwx_segment(elf), unsafe_functions=unsafe_imports(elf),
    )
