"""Golden tests of the backdoors analyzers on whole images: the demo image, the real TP-Link
TL-WR841N v10 image, and a clean tree of Debian binaries (no finding at all)."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("yara_x")

from spyless.analyzers.backdoors import FILE_ANALYZERS
from spyless.audit import Auditor
from spyless.model.findings import Severity
from spyless.report.model import Report
from tests.analyzers_helpers import scan_tree
from tests.conftest import ROOT, corpus_file

DEMO = ROOT / "examples" / "demo-router.bin"
TPLINK = "firmware/tplink_tl-wr841n_v10_en_3.16.9_build150310.bin"
DEBIAN_PACKAGES = ROOT / "build" / "images" / "cache" / "unpacked"


def _ours(report: Report) -> list[tuple[str, str | None, int | None]]:
    names = {cls.name for cls in FILE_ANALYZERS}
    return sorted((f.id, f.location.path, f.location.line) for f in report.findings
                  if f.analyzer in names)


def _scan(image: Path, tmp_path: Path) -> Report:
    return Auditor(jobs=1, file_analyzers=[cls() for cls in FILE_ANALYZERS],
                   image_analyzers=[]).scan(image, tmp_path / "work")


def test_demo_image_planted_backdoor(tmp_path: Path) -> None:
    report = _scan(DEMO, tmp_path)
    assert _ours(report) == [("SPY410", "/www/cgi-bin/diag.cgi", 7),
                             ("SPY411", "/www/cgi-bin/diag.cgi", 5)]
    switch = next(f for f in report.findings if f.id == "SPY411")
    assert switch.severity is Severity.CRITICAL
    assert "VNDR_DBG_BACKDOOR_ENABLE" in switch.message
    assert not report.errors


@pytest.mark.corpus
def test_tplink_image_hardcoded_root_hash_and_nothing_else(tmp_path: Path) -> None:
    report = _scan(corpus_file(TPLINK), tmp_path)
    assert _ours(report) == [("SPY402", "/etc/shadow", 1)]
    finding = next(f for f in report.findings if f.id == "SPY402")
    assert "rule:tplink_hardcoded_root_hash" in finding.tags
    assert finding.severity is Severity.HIGH
    assert not report.errors


@pytest.mark.corpus
def test_tplink_signature_scan_is_fast(tmp_path: Path) -> None:
    from spyless.analyzers.backdoors.signatures import KnownBackdoorSignatures

    report = Auditor(jobs=1, file_analyzers=[KnownBackdoorSignatures()],
                     image_analyzers=[]).scan(corpus_file(TPLINK), tmp_path / "work")
    # Covers every scan, and compiling the pack when this process had not used it yet.
    spent = report.timings["analyzer:backdoor-signatures"]
    assert spent < 0.3, f"signature scan took {spent:.3f} s"


def test_clean_debian_binaries_yield_nothing(tmp_path: Path) -> None:
    if not DEBIAN_PACKAGES.is_dir():
        pytest.skip(f"Debian packages not unpacked here: {DEBIAN_PACKAGES} "
                    "(run scripts/build_images.py build/images)")
    files: dict[str, bytes | str] = {}
    for package in sorted(DEBIAN_PACKAGES.iterdir()):
        if not package.name.endswith(("_mipsel", "_arm64")):
            continue
        arch = package.name.rsplit("_", 1)[1]
        for path in package.rglob("*"):
            if path.is_file() and not path.is_symlink():
                files[f"/{arch}/{path.relative_to(package).as_posix()}"] = path.read_bytes()
    if "/mipsel/bin/busybox" not in files:
        pytest.skip("the mipsel BusyBox package is not unpacked")
    # The links a BusyBox router has: web server, telnetd and shell are all one binary.
    for applet in ("usr/sbin/httpd", "usr/sbin/telnetd", "bin/sh"):
        files[f"/mipsel/{applet}"] = "-> /mipsel/bin/busybox"
    files["/mipsel/etc/inittab"] = "::sysinit:/etc/init.d/rcS\n::respawn:/sbin/getty 115200 ttyS0\n"
    report = scan_tree(tmp_path, files, file_analyzers=[cls() for cls in FILE_ANALYZERS],
                       image_analyzers=[])
    assert _ours(report) == []
    assert not report.errors
