"""The ELF reader and the per-binary hardening checks on ELF files built in code."""

from __future__ import annotations

import dataclasses
import struct

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from spyless.analyzers.hardening.analyzer import _STATIC_NAMES, ElfHardening
from spyless.analyzers.hardening.checks import (
    classify,
    hardening_of,
    risky_search_path,
    stack_state,
)
from spyless.elf import (
    DF_1_NOW,
    DF_1_PIE,
    DF_BIND_NOW,
    PF_R,
    PF_W,
    PF_X,
    ElfFormatError,
    read_elf,
)
from spyless.model.facts import Hardening
from spyless.model.findings import Location
from spyless.unpack.interface import ArtifactKind
from tests.analyzers_helpers import run_file_analyzer
from tests.unit.analyzers.test_hardening_elfwriter import EM, ElfSpec, build_elf

WHERE = Location(chain="img!test@0x0/usr/sbin/httpd", path="/usr/sbin/httpd")
ARCHES = [
    ("mips", 32, False), ("mips", 32, True), ("mips64", 64, True), ("mips64", 64, False),
    ("arm", 32, True), ("arm", 32, False), ("aarch64", 64, True), ("x86", 32, True),
    ("x86_64", 64, True), ("powerpc", 32, False), ("powerpc64", 64, False),
]


def fact(spec: ElfSpec, path: str = "/usr/sbin/httpd") -> Hardening | None:
    arch = {v: k for k, v in EM.items()}[spec.machine]
    if arch == "mips" and spec.bits == 64:
        arch = "mips64"
    return hardening_of(read_elf(build_elf(spec), _STATIC_NAMES), arch, path, WHERE)


def machine_of(arch: str) -> int:
    return EM[arch.removesuffix("64") if arch == "mips64" else arch]


@pytest.mark.parametrize(("arch", "bits", "little"), ARCHES)
def test_hardened_pie_on_every_router_architecture(arch: str, bits: int, little: bool) -> None:
    spec = ElfSpec(bits=bits, little=little, machine=machine_of(arch), relro=True,
                   bind_now=True, imports=("__stack_chk_fail", "__memcpy_chk", "strcpy",
                                           "system", "printf"), sections=True,
                   count_by="gnu", exports=("main_api",))
    assert fact(spec) == Hardening(
        location=WHERE, arch=arch, bits=bits, endianness="little" if little else "big",
        elf_type="executable", nx=True, pie=True, relro="full", canary=True, fortify=True,
        rpath=(), runpath=(), stripped=True, rwx_segments=False,
        unsafe_functions=("strcpy", "system"))


@pytest.mark.parametrize(("arch", "bits", "little"), ARCHES)
def test_legacy_executable_on_every_architecture(arch: str, bits: int, little: bool) -> None:
    spec = ElfSpec(bits=bits, little=little, machine=machine_of(arch), e_type=2, stack=None,
                   load_flags=PF_R | PF_W | PF_X, imports=("gets", "sprintf"),
                   count_by="mips" if arch.startswith("mips") else "hash")
    h = fact(spec)
    assert h is not None
    assert (h.elf_type, h.pie, h.relro, h.canary, h.fortify, h.rwx_segments) == (
        "executable", False, "none", False, False, True)
    assert h.unsafe_functions == ("gets", "sprintf")
    assert h.nx is (None if arch == "aarch64" else False)
    assert h.stripped is True  # no section headers at all (sstrip)


def test_stack_reasons_name_the_cause() -> None:
    mips = read_elf(build_elf(ElfSpec(bits=32, little=False, machine=8, stack=None)))
    assert stack_state(mips, "mips") == (
        False, "no PT_GNU_STACK (MIPS toolchains before GCC 11 emit none): the stack is "
        "executable")
    rwe = read_elf(build_elf(ElfSpec(stack=PF_R | PF_W | PF_X)))
    assert stack_state(rwe, "x86_64") == (False, "PT_GNU_STACK asks for an executable stack")
    arm64 = read_elf(build_elf(ElfSpec(machine=183, stack=None)))
    assert stack_state(arm64, "aarch64")[0] is None
    nx_mips = read_elf(build_elf(ElfSpec(bits=32, machine=8)))
    assert stack_state(nx_mips, "mips") == (
        True, "PT_GNU_STACK without PF_X (honoured by MIPS kernels from 4.8)")


@pytest.mark.parametrize(("kw", "relro"), [
    ({"relro": False, "bind_now": True}, "none"),
    ({"relro": True}, "partial"),
    ({"relro": True, "bind_now": True}, "full"),
    ({"relro": True, "flags": DF_BIND_NOW}, "full"),
    ({"relro": True, "flags_1": DF_1_NOW}, "full"),
    ({"relro": True, "flags": 0x2, "flags_1": 0}, "partial"),
])
def test_relro(kw: dict[str, object], relro: str) -> None:
    h = fact(dataclasses.replace(ElfSpec(), **kw))  # type: ignore[arg-type]
    assert h is not None
    assert h.relro == relro


@pytest.mark.parametrize(("kw", "path", "kind", "pie"), [
    ({"e_type": 2}, "/bin/ls", "executable", False),
    ({}, "/bin/ls", "executable", True),
    ({"interp": None, "flags_1": DF_1_PIE}, "/bin/static-pie", "executable", True),
    ({"soname": "libc.so.6"}, "/lib/libc.so.6", "library", None),
    # glibc's libc has an interpreter and a soname: still a library.
    ({"soname": "libc.so.6"}, "/lib/x86_64-linux-gnu/libc-2.31.so", "library", None),
    ({}, "/usr/lib/xtables/libxt_mark.so", "library", None),
    ({"interp": None}, "/usr/lib/plugin", "library", None),
])
def test_executables_and_libraries(kw: dict[str, object], path: str, kind: str,
                                   pie: bool | None) -> None:
    h = fact(dataclasses.replace(ElfSpec(), **kw), path)  # type: ignore[arg-type]
    assert h is not None
    assert (h.elf_type, h.pie) == (kind, pie)


def test_relocatable_objects_and_cores_are_not_judged() -> None:
    for e_type in (1, 4):
        elf = read_elf(build_elf(ElfSpec(e_type=e_type)))
        assert classify(elf, "/lib/modules/x.ko") is None


@pytest.mark.parametrize(("imports", "exports", "path", "canary"), [
    (("__stack_chk_fail",), (), "/bin/a", True),
    (("__stack_chk_fail_local",), (), "/bin/a", True),  # uClibc
    (("__stack_chk_guard",), (), "/bin/a", True),
    (("__stack_smash_handler",), (), "/bin/a", True),  # ProPolice, GCC before 4.1
    ((), ("__stack_chk_fail",), "/lib/libc.so.0", None),  # the C library provides it
    (("puts",), (), "/bin/a", False),
])
def test_canary(imports: tuple[str, ...], exports: tuple[str, ...], path: str,
                canary: bool | None) -> None:
    h = fact(ElfSpec(imports=imports, exports=exports), path)
    assert h is not None
    assert h.canary is canary


def test_fortify_and_unsafe_imports_ignore_what_a_library_defines() -> None:
    libc = fact(ElfSpec(imports=("abort",), exports=("strcpy", "gets", "__memcpy_chk"),
                        soname="libc.so.6"), "/lib/libc.so.6")
    assert libc is not None
    assert (libc.fortify, libc.unsafe_functions) == (False, ())
    user = fact(ElfSpec(imports=("__sprintf_chk", "__stack_chk_fail", "popen", "mktemp")))
    assert user is not None
    assert (user.fortify, user.unsafe_functions) == (True, ("mktemp", "popen"))


def test_rpath_and_runpath_values() -> None:
    h = fact(ElfSpec(rpath="/tmp/lib::$ORIGIN/../lib", runpath="lib"))
    assert h is not None
    assert h.rpath == ("/tmp/lib", "", "$ORIGIN/../lib")
    assert h.runpath == ("lib",)


@pytest.mark.parametrize(("path", "risky"), [
    ("/tmp/lib", "/tmp is writable at run time"),
    ("/var/run/../lib", "/var is writable at run time"),
    ("/mnt/usb1/lib", "/mnt is writable at run time"),
    ("", "an empty element means the current directory"),
    (".", "a relative path is resolved against the current directory"),
    ("lib", "a relative path is resolved against the current directory"),
    ("$ORIGIN/../lib", None),
    ("/usr/lib", None),
    ("/workspace/jenkins/build/lib", None),
    ("/tmpfoo", None),
])
def test_risky_search_paths(path: str, risky: str | None) -> None:
    assert risky_search_path(path) == risky


def test_stripped_and_static_binaries() -> None:
    unstripped_static = fact(ElfSpec(e_type=2, interp=None, dynamic=False,
                                     symtab_names=("main", "__stack_chk_fail",
                                                   "__memcpy_chk")))
    assert unstripped_static is not None
    assert (unstripped_static.stripped, unstripped_static.canary,
            unstripped_static.fortify) == (False, True, True)
    plain_static = fact(ElfSpec(e_type=2, interp=None, dynamic=False, symtab_names=("main",)))
    assert plain_static is not None
    assert (plain_static.stripped, plain_static.canary, plain_static.fortify) == (
        False, False, False)
    stripped_static = fact(ElfSpec(e_type=2, interp=None, dynamic=False))
    assert stripped_static is not None
    assert (stripped_static.stripped, stripped_static.canary, stripped_static.fortify,
            stripped_static.unsafe_functions) == (True, None, None, ())
    sections_no_symtab = fact(ElfSpec(sections=True))
    assert sections_no_symtab is not None
    assert sections_no_symtab.stripped is True


@pytest.mark.parametrize("count_by", ["hash", "gnu", "mips", "sections", "gap"])
@pytest.mark.parametrize("exports", [(), ("api_one", "api_two")])
def test_every_way_of_sizing_the_dynamic_symbol_table(count_by: str,
                                                      exports: tuple[str, ...]) -> None:
    imports = ("strcpy", "__stack_chk_fail", "memcpy")
    elf = read_elf(build_elf(ElfSpec(bits=32, little=False, machine=8, imports=imports,
                                     exports=exports, count_by=count_by)))
    assert elf.dynsym is not None
    assert [(s.name, s.defined) for s in elf.dynsym] == (
        [(n, False) for n in imports] + [(n, True) for n in exports])
    assert elf.problems == ()


def test_mips_symtabno_is_ignored_on_other_machines() -> None:
    # The same processor-specific tag value means something else elsewhere: fall back.
    elf = read_elf(build_elf(ElfSpec(machine=40, bits=32, count_by="mips",
                                     imports=("gets",))))
    assert [s.name for s in elf.dynsym or ()] == ["gets"]  # sized by the .dynstr gap


def test_dynamic_section_cut_short_in_the_file_is_read_to_p_memsz() -> None:
    # Seen in the TP-Link image: PT_DYNAMIC p_filesz covers one entry, p_memsz all of them.
    for bits in (32, 64):
        elf = read_elf(build_elf(ElfSpec(bits=bits, imports=("system",),
                                         dynamic_filesz_cut=True, relro=True,
                                         bind_now=True)))
        h = hardening_of(elf, "x86_64", "/bin/a", WHERE)
        assert h is not None
        assert (h.unsafe_functions, h.relro) == (("system",), "full")


def test_not_elf_and_truncated_headers() -> None:
    for data in (b"", b"\x7fELF", b"MZ" + bytes(100), b"\x7fELF\x03\x01" + bytes(60),
                 build_elf(ElfSpec())[:40]):
        with pytest.raises(ElfFormatError):
            read_elf(data)


def test_every_truncation_is_handled() -> None:
    data = build_elf(ElfSpec(imports=("gets", "__stack_chk_fail"), rpath="/tmp",
                             sections=True, symtab_names=("x",), relro=True))
    for end in range(len(data)):
        try:
            elf = read_elf(data[:end])
        except ElfFormatError:
            continue
        hardening_of(elf, "x86_64", "/bin/a", WHERE)


def test_absurd_counts_are_bounded() -> None:
    data = bytearray(build_elf(ElfSpec(bits=32, machine=8, count_by="mips")))
    # e_phnum 0xffff, e_shnum 0xffff and a 2**31 MIPS symbol count: still quick, no error.
    struct.pack_into("<H", data, 44, 0xFFFF)
    elf = read_elf(bytes(data))
    assert elf.problems
    data = bytearray(build_elf(ElfSpec(bits=32, machine=8, count_by="mips")))
    index = data.find(struct.pack("<II", 0x70000011, 2))
    struct.pack_into("<I", data, index + 4, 0x7FFFFFFF)
    elf = read_elf(bytes(data))
    assert elf.dynsym is not None


_SEED = build_elf(ElfSpec(bits=32, little=False, machine=8, imports=("gets", "strcpy"),
                          exports=("x",), rpath="/tmp", relro=True, bind_now=True,
                          sections=True, symtab_names=("main",), count_by="gnu"))


@settings(max_examples=400, deadline=None)
@given(st.lists(st.tuples(st.integers(0, len(_SEED) - 1), st.integers(0, 255)),
                min_size=1, max_size=12),
       st.integers(0, len(_SEED)))
def test_fuzzed_elf_never_crashes(edits: list[tuple[int, int]], cut: int) -> None:
    data = bytearray(_SEED)
    for offset, value in edits:
        data[offset] = value
    blob = bytes(data[:max(cut, 52)])
    try:
        elf = read_elf(blob)
    except ElfFormatError:
        return
    hardening_of(elf, "mips", "/bin/a", WHERE)
    out = run_file_analyzer(ElfHardening(), blob, "/bin/a", ArtifactKind.ELF)
    assert all(isinstance(f, Hardening) for f in out.facts)


@settings(max_examples=200, deadline=None)
@given(st.binary(min_size=52, max_size=600))
def test_random_bytes_behind_an_elf_magic(tail: bytes) -> None:
    blob = b"\x7fELF\x01\x02\x01" + tail
    out = run_file_analyzer(ElfHardening(), blob, "/bin/a", ArtifactKind.ELF)
    assert len(out.facts) <= 1


def test_file_analyzer_skips_firmware_blobs() -> None:
    blob = build_elf(ElfSpec(e_type=2))
    for path in ("/lib/firmware/ath10k.bin", "/boot/vmlinux-5.10", "/vmlinux"):
        assert run_file_analyzer(ElfHardening(), blob, path, ArtifactKind.ELF).facts == []
    assert len(run_file_analyzer(ElfHardening(), blob, "/bin/a", ArtifactKind.ELF).facts) == 1
