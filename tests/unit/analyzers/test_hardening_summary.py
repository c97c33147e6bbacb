"""The per-image hardening findings and summary, through the real engine on small trees."""

from __future__ import annotations

from pathlib import Path

import pytest

from spyless.analyzers.hardening import hardening_summary
from spyless.analyzers.hardening.analyzer import MAX_EVIDENCE, ElfHardening, HardeningSummary
from spyless.elf import PF_R, PF_W, PF_X
from spyless.report.model import Report
from tests.analyzers_helpers import scan_tree
from tests.unit.analyzers.test_hardening_elfwriter import ElfSpec, build_elf

HARDENED = ElfSpec(relro=True, bind_now=True, imports=("__stack_chk_fail", "__memcpy_chk"))


def scan(tmp_path: Path, files: dict[str, bytes | str]) -> Report:
    return scan_tree(tmp_path, files, [ElfHardening()], [HardeningSummary()])


def test_folded_findings_on_a_small_router(tmp_path: Path) -> None:
    report = scan(tmp_path, {
        "/usr/sbin/httpd": build_elf(ElfSpec(bits=32, little=False, machine=8, e_type=2,
                                             stack=None, imports=("gets", "system", "strcpy"),
                                             rpath="/tmp/lib:/usr/lib", count_by="mips")),
        "/bin/tool": build_elf(HARDENED),
        "/lib/libfoo.so": build_elf(ElfSpec(load_flags=PF_R | PF_W | PF_X, soname="libfoo.so",
                                            imports=("sprintf",), runpath="lib")),
        "/etc/passwd": "root:x:0:0::/root:/bin/sh\n",
    })
    assert report.errors == []
    assert [(h.location.path, h.elf_type) for h in report.hardening] == [
        ("/bin/tool", "executable"), ("/lib/libfoo.so", "library"),
        ("/usr/sbin/httpd", "executable")]
    found = {f.id: f for f in report.findings}
    assert sorted(found) == ["SPY701", "SPY702", "SPY703", "SPY704", "SPY705", "SPY706",
                             "SPY707", "SPY708", "SPY709"]
    assert found["SPY701"].message == "1 of 3 ELF binaries (33%) have an executable stack"
    assert found["SPY701"].evidence[0].excerpt == (
        "/usr/sbin/httpd: executable, mips 32-bit big-endian: no PT_GNU_STACK (MIPS "
        "toolchains before GCC 11 emit none): the stack is executable")
    assert found["SPY702"].message == (
        "1 of 2 executables (50%) are not position-independent (ET_EXEC)")
    assert found["SPY705"].severity.value == "medium"
    assert found["SPY705"].message == (
        "2 of 3 ELF binaries (67%) import unsafe C functions; functions (binaries): gets (1), "
        "sprintf (1), strcpy (1), system (1); network-facing programs importing "
        "gets/system/popen: /usr/sbin/httpd")
    assert [e.excerpt for e in found["SPY705"].evidence] == [
        "/usr/sbin/httpd: executable, mips 32-bit big-endian: network-facing; imports gets, "
        "strcpy, system",
        "/lib/libfoo.so: library, x86_64 64-bit little-endian: imports sprintf"]
    assert [e.excerpt for e in found["SPY706"].evidence] == [
        "/usr/sbin/httpd: executable, mips 32-bit big-endian: RPATH '/tmp/lib': /tmp is "
        "writable at run time",
        "/lib/libfoo.so: library, x86_64 64-bit little-endian: RUNPATH 'lib': a relative "
        "path is resolved against the current directory"]
    assert found["SPY707"].message == (
        "1 of 3 ELF binaries (33%) have a writable and executable segment")
    assert found["SPY709"].message == (
        "3 ELF binaries (2 executables, 1 libraries; 1 mips 32-bit big-endian, 2 x86_64 "
        "64-bit little-endian): NX 2/3 (67%), PIE 1/2 executables (50%), RELRO full 1 partial 0 "
        "none 2, canary 1/3 (33%), FORTIFY 1/3 (33%), stripped 3/3, RWX segments 1, RPATH 1, "
        "RUNPATH 1, unsafe imports in 2")
    assert all(f.location.sha256 for f in report.findings)


def test_unsafe_imports_outside_network_programs_stay_low(tmp_path: Path) -> None:
    report = scan(tmp_path, {"/usr/bin/tool": build_elf(ElfSpec(imports=("system",)))})
    found = {f.id: f for f in report.findings}
    assert found["SPY705"].severity.value == "low"


def test_hundreds_of_binaries_give_one_finding_each(tmp_path: Path) -> None:
    files: dict[str, bytes | str] = {
        f"/usr/bin/tool{i:03}": build_elf(ElfSpec(e_type=2, imports=("strcpy",)))
        for i in range(40)}
    report = scan(tmp_path, files)
    assert len(report.hardening) == 40
    ids = [f.id for f in report.findings]
    assert sorted(ids) == sorted(set(ids))
    no_pie = next(f for f in report.findings if f.id == "SPY702")
    assert len(no_pie.evidence) == MAX_EVIDENCE
    assert no_pie.message == (
        f"40 of 40 executables (100%) are not position-independent (ET_EXEC) "
        f"({MAX_EVIDENCE} listed)")


def test_a_fully_hardened_image_has_only_the_summary(tmp_path: Path) -> None:
    report = scan(tmp_path, {"/bin/tool": build_elf(HARDENED)})
    assert [f.id for f in report.findings] == ["SPY709"]


def test_no_elf_no_findings(tmp_path: Path) -> None:
    report = scan(tmp_path, {"/etc/passwd": "root:x:0:0::/root:/bin/sh\n"})
    assert report.findings == []
    assert hardening_summary(report)["binaries"] == 0
    assert hardening_summary(report)["nx"]["share"] is None


def test_summary_from_a_report_or_from_facts(tmp_path: Path) -> None:
    report = scan(tmp_path, {"/bin/a": build_elf(HARDENED),
                             "/bin/b": build_elf(ElfSpec(e_type=2))})
    assert hardening_summary(report) == hardening_summary(list(report.hardening))
    assert hardening_summary(report)["pie"] == {"yes": 1, "no": 1, "unknown": 0, "share": 0.5}
    with pytest.raises(TypeError):
        hardening_summary(42)
