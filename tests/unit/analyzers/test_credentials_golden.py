"""Golden tests of the credential analyzers on whole images through the real engine."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from spyless.analyzers.credentials import FILE_ANALYZERS
from spyless.audit import Auditor
from spyless.model.facts import Credential
from spyless.report.json_format import render_json
from spyless.report.model import Report
from tests.analyzers_helpers import scan_tree
from tests.conftest import ROOT, corpus_file

IMAGES = Path(os.environ.get("SPYLESS_IMAGES_DIR", ROOT / "build" / "images"))
TPLINK = "firmware/tplink_tl-wr841n_v10_en_3.16.9_build150310.bin"


def _scan(image: Path, tmp_path: Path) -> Report:
    auditor = Auditor(jobs=1, file_analyzers=[cls() for cls in FILE_ANALYZERS],
                      image_analyzers=[])
    return auditor.scan(image, tmp_path / "work")


def _findings(report: Report) -> set[tuple[str, str | None, str | None]]:
    return {(f.id, f.location.path, f.evidence[0].secret) for f in report.findings}


def test_tplink_default_web_admin_login(tmp_path: Path) -> None:
    report = _scan(corpus_file(TPLINK), tmp_path)
    assert _findings(report) == {("SPY128", "/usr/bin/httpd", "admin")}
    finding = report.findings[0]
    assert finding.location.offset == 0x16E4C4
    assert finding.confidence.value == "high"
    assert finding.location.chain.endswith("!squashfs@0x0/usr/bin/httpd")
    credentials = [c for c in report.credentials if isinstance(c, Credential)]
    assert [(c.kind, c.username, c.secret, c.service) for c in credentials] == [
        ("default-password", "admin", "admin", "web")]
    assert report.errors == []
    spent = sum(v for k, v in report.timings.items() if k.startswith("analyzer:")
                and "credentials" in k)
    assert spent < 1.0  # budget 0.5 s; slack for loaded CI machines


def test_demo_image_has_no_credential_false_positives(tmp_path: Path) -> None:
    """The demo's login page (value="admin", type="password") and scripts are not secrets."""
    report = _scan(ROOT / "examples" / "demo-router.bin", tmp_path)
    assert report.findings == []
    assert report.errors == []
    assert {"analyzer:config-credentials", "analyzer:script-credentials",
            "analyzer:token-credentials", "analyzer:binary-credentials"} <= set(report.timings)


@pytest.mark.parametrize("name", ["router_mips_uimage_squashfs.bin", "ext4_arm64.img",
                                  "squashfs_xz_mipsel.sqfs"])
def test_built_images_from_debian_binaries_are_clean(name: str, tmp_path: Path) -> None:
    image = IMAGES / name
    if not image.is_file():
        pytest.skip(f"{image} not built (python scripts/build_images.py build/images)")
    report = _scan(image, tmp_path)
    assert report.findings == []


VENDOR_TREE: dict[str, bytes | str] = {
    "etc/config/wireless": "config wifi-iface\n\toption ssid 'Vendor'\n"
                           "\toption encryption 'psk2'\n\toption key 'VendorWifi1'\n",
    "etc/config/snmpd": "config com2sec private\n\toption secname rw\n"
                        "\toption community private\n",
    "etc/httpd.conf": "A:*\n/cgi-bin:admin:admin\n",
    "etc/init.d/S99debug": "#!/bin/sh\n# telnetd -u old:old\ntelnetd -u support:sup0rt99\n",
    "etc/nvram.default": b"http_username=admin\x00http_passwd=1234\x00",
    "usr/bin/cloud-agent": "#!/bin/sh\ncurl -u dev:Upl0ad! -H 'X: AKIAQ3EGUVWXY7ZABCDE' x\n",
    # Look-alikes that must stay silent.
    "www/login.html": '<input name="user" value="admin"><input name="pass" type="password">\n',
    "www/js/login.js": 'var p = { password: document.getElementById("pw").value };\n',
    "usr/share/doc/snmpd/snmpd.conf.example": "rwcommunity private\n",
    "usr/lib/python3/dist-packages/requests/tests/test_auth.py": "password = 'hunter2'\n",
    "etc/hostapd.conf": "#wpa_passphrase=old\nwpa_passphrase=$PSK\n",
}


def test_vendor_tree_through_the_engine(tmp_path: Path) -> None:
    report = scan_tree(tmp_path, VENDOR_TREE, [cls() for cls in FILE_ANALYZERS], [])
    assert _findings(report) == {
        ("SPY125", "/etc/config/wireless", "VendorWifi1"),
        ("SPY123", "/etc/config/snmpd", "private"),
        ("SPY120", "/etc/httpd.conf", "admin"),
        ("SPY127", "/etc/init.d/S99debug", "sup0rt99"),
        ("SPY120", "/etc/nvram.default", "1234"),
        ("SPY126", "/usr/bin/cloud-agent", "Upl0ad!"),
        ("SPY129", "/usr/bin/cloud-agent", "AKIAQ3EGUVWXY7ZABCDE"),
    }
    severities = {f.id: f.severity.value for f in report.findings}
    assert severities["SPY123"] == "critical"  # a writable default community
    rendered = render_json(report)
    for secret in ("VendorWifi1", "sup0rt99", "Upl0ad!", "AKIAQ3EGUVWXY7ZABCDE"):
        assert secret not in rendered
    shown = json.loads(render_json(report, show_secrets=True))
    assert {c["secret"] for c in shown["credentials"]} >= {"VendorWifi1", "sup0rt99"}
