"""Golden: the exact component inventory of the real TP-Link image and of the demo image."""

from __future__ import annotations

from pathlib import Path

import pytest

from spyless.analyzers.components.binaries import BinaryComponents
from spyless.analyzers.components.inventory import ComponentInventory
from spyless.analyzers.components.packages import PackageMetadata
from spyless.audit import Auditor
from spyless.report.model import Report
from tests.conftest import ROOT, corpus_file

TPLINK = "firmware/tplink_tl-wr841n_v10_en_3.16.9_build150310.bin"


def scan(image: Path, work: Path) -> Report:
    auditor = Auditor(jobs=1, file_analyzers=[BinaryComponents(), PackageMetadata()],
                      image_analyzers=[ComponentInventory()])
    return auditor.scan(image, work)


@pytest.fixture(scope="module")
def tplink(tmp_path_factory: pytest.TempPathFactory) -> Report:
    return scan(corpus_file(TPLINK), tmp_path_factory.mktemp("tplink"))


def test_tplink_inventory_is_exact(tplink: Report) -> None:
    assert {(c.name, c.version) for c in tplink.components} == {
        ("busybox", "1.01"), ("dropbear", "2012.55"), ("uclibc", "0.9.30"),
        ("linux_kernel", "2.6.31"), ("u-boot", "1.1.4"), ("hostapd", "0.5.9"),
        ("wpa_supplicant", "0.5.9"), ("ppp", "2.4.3"), ("iptables", "1.4.5"),
        ("zlib", "1.1.4"), ("xl2tpd", "1.1.12"),
    }
    assert tplink.findings == []
    assert tplink.errors == []


@pytest.mark.parametrize(("name", "path", "text"), [
    ("busybox", "/bin/busybox", "BusyBox v1.01 (2015.03.10-07:17+0000)"),
    ("dropbear", "/usr/sbin/dropbearmulti", "SSH-2.0-dropbear_2012.55"),
    ("uclibc", "/lib/libuClibc-0.9.30.so", "libuClibc-0.9.30.so"),
    ("linux_kernel", "/lzma.out", "Linux version 2.6.31 (tomcat@buildserver)"),
    ("u-boot", "/u-boot.bin", "U-Boot 1.1.4 (Mar 10 2015 - 15:00:39)"),
    ("hostapd", "/sbin/hostapd", "hostapd v0.5.9"),
    ("zlib", "/usr/bin/httpd", "inflate 1.1.4 Copyright"),
])
def test_tplink_evidence(tplink: Report, name: str, path: str, text: str) -> None:
    (c,) = [c for c in tplink.components if c.name == name]
    assert path in {loc.path for loc in c.locations}
    assert text in c.evidence
    assert c.cpe is not None
    assert c.cpe.startswith("cpe:2.3:")
    assert all(loc.offset is not None for loc in c.locations)


def test_tplink_kernel_modules_back_the_banner(tplink: Report) -> None:
    (kernel,) = [c for c in tplink.components if c.name == "linux_kernel"]
    assert kernel.source == "banner"
    assert [loc.path for loc in kernel.locations] == ["/lzma.out"]
    assert "65 kernel modules with vermagic 2.6.31" in kernel.evidence


def test_demo_image_inventory(tmp_path: Path) -> None:
    report = scan(ROOT / "examples" / "demo-router.bin", tmp_path)
    assert {(c.name, c.version) for c in report.components} == {
        ("busybox", "1.35.0"), ("dropbear", "2022.83"), ("linux_kernel", "5.10.176"),
        ("vendoros", "1.2.3"),
    }
    (dropbear,) = [c for c in report.components if c.name == "dropbear"]
    assert {loc.path for loc in dropbear.locations} == {"/usr/sbin/dropbear", "/usr/bin/dbclient"}
