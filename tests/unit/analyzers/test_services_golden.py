"""Golden tests of the boot-services analyzer: the demo image, built images, TP-Link."""

from __future__ import annotations

from pathlib import Path

import pytest

from spyless.analyzers.interface import split_chain
from spyless.analyzers.services.boot_services import BootServices
from spyless.audit import Auditor
from spyless.report.model import Report
from tests.conftest import ROOT, corpus_file

TPLINK = "firmware/tplink_tl-wr841n_v10_en_3.16.9_build150310.bin"
BUILT = ROOT / "build" / "images"

#: (name, binary, artifact path, arguments, started by, manager, port, auth) on the demo
#: root tree; every service is enabled and runs as root.
DEMO_SERVICES = [
    ("ash", "/bin/ash", "/bin/busybox", ("--login",), "/etc/inittab:2", "inittab", None,
     "none"),
    ("callhome.sh", "/usr/sbin/callhome.sh", "/usr/sbin/callhome.sh", (),
     "/etc/init.d/rcS:12", "rcS", None, "unknown"),
    ("crond", "/usr/sbin/crond", "/bin/busybox", ("-c", "/etc/crontabs"),
     "/etc/init.d/rcS:11", "rcS", None, "unknown"),
    ("dropbear", "/usr/sbin/dropbear", "/usr/sbin/dropbear",
     ("-p", "22", "-r", "/etc/ssh/ssh_host_ecdsa_key"), "/etc/init.d/rcS:7", "rcS", 22,
     "password+key"),
    ("httpd", "/usr/sbin/httpd", "/bin/busybox", ("-h", "/www", "-p", "80"),
     "/etc/init.d/rcS:10", "rcS", 80, "unknown"),
    ("klogd", "/sbin/klogd", "/bin/busybox", (), "/etc/init.d/rcS:6", "rcS", None,
     "unknown"),
    ("syslogd", "/sbin/syslogd", "/bin/busybox", ("-C16",), "/etc/init.d/rcS:5", "rcS",
     None, "unknown"),
    ("telnetd", "/usr/sbin/telnetd", "/bin/busybox", ("-l", "/bin/sh"), "/etc/init.d/rcS:9",
     "rcS", 23, "none"),
]
DEMO_FINDINGS = [("SPY301", "critical", "high", "/etc/init.d/rcS", 9),
                 ("SPY302", "high", "high", "/etc/inittab", 2),
                 ("SPY304", "medium", "high", "/etc/init.d/rcS", 7),
                 ("SPY314", "info", "high", "/etc/init.d/rcS", 10)]


def _scan(image: Path, tmp_path: Path) -> Report:
    auditor = Auditor(jobs=1, file_analyzers=[], image_analyzers=[BootServices()])
    return auditor.scan(image, tmp_path / "work")


def _services(report: Report) -> list[tuple[object, ...]]:
    rows = []
    for s in report.services:
        assert s.enabled
        assert s.user == "root"
        assert s.binary_chain is not None
        rows.append((s.name, s.binary, split_chain(s.binary_chain)[1], s.arguments, f"{s.started_by.path}:{s.started_by.line}", s.manager,
                     s.port, s.auth))
    return sorted(rows)


def _findings(report: Report) -> list[tuple[object, ...]]:
    return sorted((f.id, f.severity.value, f.confidence.value, f.location.path,
                   f.location.line) for f in report.findings)


def test_demo_image(tmp_path: Path) -> None:
    report = _scan(ROOT / "examples" / "demo-router.bin", tmp_path)
    assert _services(report) == DEMO_SERVICES
    assert _findings(report) == DEMO_FINDINGS
    telnet = next(f for f in report.findings if f.id == "SPY301")
    assert telnet.evidence[0].excerpt == "telnetd -l /bin/sh"
    assert telnet.evidence[0].location.chain == "demo-router.bin!squashfs@0x10000/etc/init.d/rcS"
    root_login = next(f for f in report.findings if f.id == "SPY304")
    assert [(e.location.path, e.location.line, e.excerpt) for e in root_login.evidence] == [
        ("/etc/init.d/rcS", 7, "/usr/sbin/dropbear -p 22 -r /etc/ssh/ssh_host_ecdsa_key"),
        ("/etc/config/dropbear", 3, "option RootPasswordAuth 'on'"),
        ("/etc/config/dropbear", 2, "option PasswordAuth 'on'")]
    assert report.timings["analyzer:boot-services"] < 0.5


@pytest.mark.parametrize("name", ["router_trx_squashfs.trx", "ext2_mipsel.img",
                                  "jffs2_le_lzo_armel.jffs2", "ubi_armel.ubi",
                                  "initramfs_mips64el.cpio.gz", "bundle_zip_arm64.zip"])
def test_built_images(name: str, tmp_path: Path) -> None:
    image = BUILT / name
    if not image.is_file():
        pytest.skip(f"built image not present: {image} (run scripts/build_images.py)")
    report = _scan(image, tmp_path)
    assert _services(report) == DEMO_SERVICES
    assert _findings(report) == DEMO_FINDINGS


def test_tplink_services(tmp_path: Path) -> None:
    report = _scan(corpus_file(TPLINK), tmp_path)
    root = "tplink_tl-wr841n_v10_en_3.16.9_build150310.bin!tplink@0x0/rootfs!squashfs@0x0"
    assert sorted((s.name, s.binary, s.binary_chain, s.arguments, s.started_by.path,
                   s.started_by.line, s.manager, s.enabled, s.port, s.protocol, s.listen,
                   s.auth) for s in report.services) == [
        ("getty", "/sbin/getty", f"{root}/bin/busybox", ("ttyS0", "115200"), "/etc/inittab",
         2, "inittab", True, None, "serial", "ttyS0", "password"),
        ("httpd", "/usr/bin/httpd", f"{root}/usr/bin/httpd", (), "/etc/rc.d/rcS", 37, "rcS",
         True, 80, "tcp", None, "unknown"),
    ]
    assert _findings(report) == [("SPY314", "info", "high", "/etc/rc.d/rcS", 37)]
    assert report.timings["analyzer:boot-services"] < 0.5
