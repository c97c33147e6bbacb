"""Hardening checks on real binaries: gcc builds made here, Debian packages, router images."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from spyless.analyzers.hardening import hardening_summary
from spyless.analyzers.hardening.analyzer import _STATIC_NAMES, ElfHardening, HardeningSummary
from spyless.analyzers.hardening.checks import hardening_of
from spyless.audit import Auditor
from spyless.elf import read_elf
from spyless.model.facts import Hardening
from spyless.model.findings import Location
from spyless.unpack.filetype import parse_elf_header
from tests.conftest import ROOT, corpus_file

CACHE = ROOT / "build" / "images" / "cache"
TPLINK = "firmware/tplink_tl-wr841n_v10_en_3.16.9_build150310.bin"
SOURCE = r"""
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
int main(int argc, char **argv) {
    char buf[64];
    strcpy(buf, argc > 1 ? argv[1] : "x");
    memcpy(buf, argv[0], strlen(argv[0]) % 32);
    printf("%s\n", buf);
    return system(buf);
}
"""
BUILDS = {
    "hardened": ["-O2", "-D_FORTIFY_SOURCE=2", "-fstack-protector-strong", "-fPIE", "-pie",
                 "-Wl,-z,relro,-z,now"],
    "soft": ["-O0", "-fno-stack-protector", "-no-pie", "-Wl,-z,norelro", "-Wl,-z,execstack"],
    "partial": ["-O0", "-fno-stack-protector", "-no-pie", "-Wl,-z,relro,-z,lazy"],
    "rpath": ["-O0", "-Wl,--disable-new-dtags,-rpath,/tmp/lib:/usr/lib"],
    "runpath": ["-O0", "-Wl,--enable-new-dtags,-rpath,."],
    "stripped": ["-O2", "-s"],
    "libx.so.1": ["-shared", "-fPIC", "-Wl,-soname,libx.so.1"],
    "static": ["-static", "-O2"],
}


def judge(path: Path, fs_path: str | None = None) -> Hardening | None:
    data = path.read_bytes()
    info = parse_elf_header(data[:20])
    assert info is not None
    return hardening_of(read_elf(data, _STATIC_NAMES), info.arch, fs_path or "/" + path.name,
                        Location(chain=path.name, path="/" + path.name))


@pytest.fixture(scope="module")
def gcc_builds(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Hardening | None]:
    if shutil.which("gcc") is None:
        pytest.skip("gcc not installed")
    folder = tmp_path_factory.mktemp("gcc")
    source = folder / "a.c"
    source.write_text(SOURCE)
    results: dict[str, Hardening | None] = {}
    for name, flags in BUILDS.items():
        target = folder / name
        done = subprocess.run(["gcc", *flags, str(source), "-o", str(target)],
                              capture_output=True, check=False, timeout=120)
        if done.returncode != 0:
            pytest.skip(f"gcc cannot build {name}: {done.stderr.decode()[:200]}")
        results[name] = judge(target)
    return results


def summary_of(h: Hardening | None) -> tuple[object, ...]:
    assert h is not None
    return (h.arch, h.elf_type, h.nx, h.pie, h.relro, h.canary, h.fortify, h.stripped,
            h.rwx_segments, h.rpath, h.runpath, h.unsafe_functions)


@pytest.mark.parametrize(("build", "expected"), [
    ("hardened", ("x86_64", "executable", True, True, "full", True, True, False, False, (),
                  (), ("system",))),
    ("soft", ("x86_64", "executable", False, False, "none", False, False, False, False, (),
              (), ("strcpy", "system"))),
    ("partial", ("x86_64", "executable", True, False, "partial", False, False, False, False,
                 (), (), ("strcpy", "system"))),
    ("rpath", ("x86_64", "executable", True, True, "partial", False, False, False, False,
               ("/tmp/lib", "/usr/lib"), (), ("strcpy", "system"))),
    ("runpath", ("x86_64", "executable", True, True, "partial", False, False, False, False,
                 (), (".",), ("strcpy", "system"))),
    ("stripped", ("x86_64", "executable", True, True, "partial", False, False, True, False,
                  (), (), ("strcpy", "system"))),
    ("libx.so.1", ("x86_64", "library", True, None, "partial", False, False, False, False,
                   (), (), ("strcpy", "system"))),
])
def test_gcc_builds(gcc_builds: dict[str, Hardening | None], build: str,
                    expected: tuple[object, ...]) -> None:
    assert summary_of(gcc_builds[build]) == expected


def test_gcc_static_build(gcc_builds: dict[str, Hardening | None]) -> None:
    static = gcc_builds["static"]
    assert static is not None
    # Static: no imports to see; the symbol table (not stripped) still names the handler,
    # which Debian's own C library (built with the stack protector) brings in.
    assert (static.pie, static.stripped, static.unsafe_functions) == (False, False, ())
    assert static.canary is True


# Debian 12 packages of four router architectures (busybox-static, dropbear-bin), as
# unpacked by scripts/build_images.py into build/images/cache.
DEBIAN = [
    ("rootfs-armel/bin/busybox", ("arm", "executable", True, False, "partial", None, None,
                                  True, False, (), (), ())),
    ("rootfs-armel/usr/sbin/dropbear", ("arm", "executable", True, True, "full", True, True,
                                        True, False, (), (), ())),
    ("rootfs-arm64/bin/busybox", ("aarch64", "executable", True, False, "partial", None,
                                  None, True, False, (), (), ())),
    ("rootfs-arm64/usr/sbin/dropbear", ("aarch64", "executable", True, True, "full", True,
                                        True, True, False, (), (), ())),
    # Debian marks MIPS stacks executable (PT_GNU_STACK RWE).
    ("rootfs-mips64el/bin/busybox", ("mips64", "executable", False, False, "partial", None,
                                     None, True, False, (), (), ())),
    ("rootfs-mips64el/usr/sbin/dropbear", ("mips64", "executable", False, True, "full", True,
                                           True, True, False, (), (), ())),
]


@pytest.mark.parametrize(("relative", "expected"), DEBIAN)
def test_debian_packages(relative: str, expected: tuple[object, ...]) -> None:
    path = CACHE / relative
    if not path.is_file():
        pytest.skip(f"{path} not built (scripts/build_images.py build/images)")
    assert summary_of(judge(path, "/" + relative.split("/", 1)[1])) == expected


def _scan(image: Path, tmp_path: Path) -> tuple[list[Hardening], dict[str, object], dict[
        str, tuple[str, str, int]]]:
    report = Auditor(jobs=2, file_analyzers=[ElfHardening()],
                     image_analyzers=[HardeningSummary()]).scan(image, tmp_path / "work")
    assert report.errors == []
    findings = {f.id: (f.severity.value, f.message, len(f.evidence)) for f in report.findings}
    return report.hardening, hardening_summary(report), findings


def test_demo_router(tmp_path: Path) -> None:
    facts, summary, findings = _scan(ROOT / "examples" / "demo-router.bin", tmp_path)
    assert [(h.location.path, h.pie, h.relro, h.canary) for h in facts] == [
        ("/bin/busybox", False, "partial", None), ("/usr/bin/dbclient", True, "full", True),
        ("/usr/bin/dropbearkey", True, "full", True), ("/usr/sbin/dropbear", True, "full", True)]
    assert summary["nx"] == {"yes": 0, "no": 4, "unknown": 0, "share": 0.0}
    assert summary["pie"] == {"yes": 3, "no": 1, "unknown": 0, "share": 0.75}
    assert sorted(findings) == ["SPY701", "SPY702", "SPY709"]
    assert findings["SPY702"] == (
        "low", "1 of 4 executables (25%) are not position-independent (ET_EXEC)", 1)


@pytest.mark.corpus
def test_tplink_summary_exactly(tmp_path: Path) -> None:
    facts, summary, findings = _scan(corpus_file(TPLINK), tmp_path)
    assert summary == {
        "binaries": 79, "executables": 24, "libraries": 55,
        "architectures": {"mips 32-bit big-endian": 79},
        "nx": {"yes": 0, "no": 79, "unknown": 0, "share": 0.0},
        "pie": {"yes": 0, "no": 24, "unknown": 0, "share": 0.0},
        "relro": {"full": 4, "partial": 0, "none": 75, "share_full": 0.0506,
                  "share_any": 0.0506},
        "canary": {"yes": 0, "no": 79, "unknown": 0, "share": 0.0},
        "fortify": {"yes": 0, "no": 79, "unknown": 0, "share": 0.0},
        "stripped": {"yes": 79, "no": 0, "unknown": 0, "share": 1.0},
        "rwx_segments": 0, "rpath": 2, "runpath": 0,
        "unsafe_functions": {"strcpy": 25, "sprintf": 18, "sscanf": 15, "strcat": 11,
                             "strtok": 8, "fscanf": 4, "system": 4, "vsprintf": 4,
                             "execl": 2, "execvp": 2, "popen": 2, "execlp": 1, "stpcpy": 1},
        "with_unsafe_functions": 32,
    }
    assert sorted(findings) == ["SPY701", "SPY702", "SPY703", "SPY704", "SPY705", "SPY708",
                                "SPY709"]
    assert findings["SPY701"] == (
        "medium", "79 of 79 ELF binaries (100%) have an executable stack (25 listed)", 25)
    severity, message, _ = findings["SPY705"]
    assert severity == "medium"
    assert message.endswith("network-facing programs importing gets/system/popen: "
                            "/sbin/hostapd, /usr/bin/httpd, /usr/sbin/dropbearmulti, "
                            "/usr/sbin/pppd")
    httpd = next(h for h in facts if h.location.path == "/usr/bin/httpd")
    assert httpd.unsafe_functions == ("fscanf", "sprintf", "sscanf", "strcat", "strcpy",
                                      "strtok", "system", "vsprintf")
    assert next(h for h in facts if h.location.path == "/lib/libiptc.so.0.0.0").rpath == (
        "/workspace/jenkins/workspace/honeyBee_2.0_soho5_qca_trunk_prep/build/../"
        "rootfs.build.2.6.31/lib",)
