"""Golden tests of the accounts analyzer on the demo image, built images and real firmware."""

from __future__ import annotations

from pathlib import Path

import pytest

from spyless.analyzers.accounts import AccountsAnalyzer
from spyless.audit import Auditor
from spyless.model.findings import Severity
from spyless.report.model import Report
from tests.conftest import ROOT, corpus_file

TPLINK = "firmware/tplink_tl-wr841n_v10_en_3.16.9_build150310.bin"
BUILT = ROOT / "build" / "images"


def _scan(image: Path, tmp_path: Path) -> Report:
    auditor = Auditor(jobs=1, file_analyzers=[], image_analyzers=[AccountsAnalyzer()])
    return auditor.scan(image, tmp_path / "work")


def _summary(report: Report) -> list[tuple[str, str, str]]:
    return sorted((f.id, f.severity.value, f.message) for f in report.findings)


def test_demo_image(tmp_path: Path) -> None:
    report = _scan(ROOT / "examples" / "demo-router.bin", tmp_path)
    accounts = {a.name: a for a in report.accounts}
    assert sorted(accounts) == ["daemon", "nobody", "root", "support"]
    assert (accounts["root"].cracked, accounts["root"].hash_type) == ("admin", "md5crypt")
    assert (accounts["support"].uid, accounts["support"].cracked) == (0, "support")
    assert _summary(report) == [
        ("SPY101", "high", "support (uid 0, shell /bin/sh) has root privileges"),
        ("SPY103", "critical", "root (uid 0, shell /bin/sh): the md5crypt hash is of the "
                               "password 'admin', from the public list mirai-2016"),
        ("SPY103", "critical", "support (uid 0, shell /bin/sh): the md5crypt hash is of the "
                               "password 'support', guessed from the user name"),
    ]
    root_finding = next(f for f in report.findings if "root (" in f.message)
    assert root_finding.evidence[0].location.path == "/etc/shadow"
    assert root_finding.evidence[0].location.line == 1
    assert root_finding.evidence[0].secret == "admin"
    assert report.timings["analyzer:accounts"] < 0.5


def test_tplink_root_is_cracked(tmp_path: Path) -> None:
    report = _scan(corpus_file(TPLINK), tmp_path)
    (root,) = report.accounts
    assert (root.name, root.uid, root.shell, root.password_hash, root.cracked) == (
        "root", 0, "/bin/sh", "$1$GTN.gpri$DlSyKvZKMR9A9Uj9e9wR3/", "sohoadmin")
    assert [(f.id, f.severity) for f in sorted(report.findings, key=lambda f: f.id)] == [
        ("SPY103", Severity.CRITICAL), ("SPY112", Severity.LOW)]
    cracked = next(f for f in report.findings if f.id == "SPY103")
    assert [e.location.path for e in cracked.evidence] == ["/etc/shadow", "/usr/bin/httpd"]
    assert report.timings["analyzer:accounts"] < 0.5


@pytest.mark.parametrize("name", ["router_trx_squashfs.trx", "ext2_mipsel.img",
                                  "jffs2_le_lzo_armel.jffs2"])
def test_built_images(name: str, tmp_path: Path) -> None:
    image = BUILT / name
    if not image.is_file():
        pytest.skip(f"built image absent (run scripts/build_images.py): {image}")
    report = _scan(image, tmp_path)
    cracked = sorted((a.name, a.cracked) for a in report.accounts if a.cracked)
    assert cracked == [("root", "admin"), ("support", "support")]
    assert sorted(f.id for f in report.findings) == ["SPY101", "SPY103", "SPY103"]
