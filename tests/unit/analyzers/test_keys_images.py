"""Golden tests of the key analyzers on the demo image, the built images and a real image."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from spyless.analyzers.keys import FILE_ANALYZERS, IMAGE_ANALYZERS
from spyless.audit import Auditor
from spyless.model.findings import Severity
from spyless.report.model import Report
from tests.conftest import ROOT, corpus_file

DEMO = ROOT / "examples" / "demo-router.bin"
IMAGES = Path(os.environ.get("SPYLESS_IMAGES_DIR", ROOT / "build" / "images"))
TPLINK = "firmware/tplink_tl-wr841n_v10_en_3.16.9_build150310.bin"


def scan(image: Path, workdir: Path) -> Report:
    auditor = Auditor(jobs=1, file_analyzers=[cls() for cls in FILE_ANALYZERS],
                      image_analyzers=[cls() for cls in IMAGE_ANALYZERS])
    return auditor.scan(image, workdir)


def planted_fingerprint(seed: bytes) -> str:
    """The demo's keys are derived from constant seeds (scripts/images/rootfs.py)."""
    order = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551
    value = int.from_bytes(hashlib.sha256(seed).digest(), "big") % (order - 1) + 1
    spki = ec.derive_private_key(value, ec.SECP256R1()).public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return hashlib.sha256(spki).hexdigest()


HOST = planted_fingerprint(b"spyless demo router host key")
VENDOR = planted_fingerprint(b"spyless demo vendor support key")


def key_summary(report: Report) -> list[tuple[str, str, str, str | None, str | None]]:
    return sorted((k.location.path or "", k.kind, k.encoding, k.fingerprint, k.comment)
                  for k in report.keys)


def finding_summary(report: Report) -> list[tuple[str, Severity, str]]:
    return sorted((f.id, f.severity, f.location.path or "") for f in report.findings)


def test_demo_image(tmp_path: Path) -> None:
    report = scan(DEMO, tmp_path / "work")
    assert key_summary(report) == [
        ("/etc/dropbear/authorized_keys", "authorized-key", "ssh", VENDOR,
         "vendor-support@vendor-cloud.example"),
        ("/etc/ssh/ssh_host_ecdsa_key", "host-key", "pem", HOST, None),
        ("/etc/ssh/ssh_host_ecdsa_key.pub", "public-key", "ssh", HOST, "root@VR-2400"),
    ]
    assert finding_summary(report) == [
        ("SPY202", Severity.CRITICAL, "/etc/ssh/ssh_host_ecdsa_key"),
        ("SPY204", Severity.CRITICAL, "/etc/dropbear/authorized_keys"),
    ]
    assert report.errors == []


@pytest.mark.parametrize("name", ["squashfs_xz_mipsel.sqfs", "ext2_mipsel.img",
                                  "jffs2_le_zlib_armel.jffs2", "router_trx_squashfs.trx"])
def test_built_images(name: str, tmp_path: Path) -> None:
    image = IMAGES / name
    if not image.is_file():
        pytest.skip(f"built image not present (scripts/build_images.py): {image}")
    report = scan(image, tmp_path / "work")
    assert [(p, kind, fp) for p, kind, _, fp, _ in key_summary(report)] == [
        ("/etc/dropbear/authorized_keys", "authorized-key", VENDOR),
        ("/etc/ssh/ssh_host_ecdsa_key", "host-key", HOST),
        ("/etc/ssh/ssh_host_ecdsa_key.pub", "public-key", HOST),
    ]
    assert [(i, s) for i, s, _ in finding_summary(report)] == [
        ("SPY202", Severity.CRITICAL), ("SPY204", Severity.CRITICAL)]


@pytest.mark.corpus
def test_tplink_generates_its_host_keys_at_boot(tmp_path: Path) -> None:
    """No key material is baked in: Dropbear's host keys are made on the device in /tmp.

    The only PEM marker, in libwpa_common.so, is the parser's own string, not a block.
    """
    report = scan(corpus_file(TPLINK), tmp_path / "work")
    assert report.keys == []
    assert [f for f in report.findings if f.id.startswith("SPY2")] == []
    httpd = next((tmp_path / "work").rglob("usr/bin/httpd")).read_bytes()
    assert b"/tmp/dropbear/dropbear_rsa_host_key" in httpd
    assert b"-----BEGIN CERTIFICATE-----" in next(
        (tmp_path / "work").rglob("lib/libwpa_common.so")).read_bytes()
