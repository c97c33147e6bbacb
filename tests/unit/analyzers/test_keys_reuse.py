"""Cross-file key judgements, through the real engine on small trees built in code."""

from __future__ import annotations

from pathlib import Path

from cryptography.hazmat.primitives.asymmetric import rsa

from spyless.analyzers.keys import FILE_ANALYZERS, IMAGE_ANALYZERS
from spyless.model.findings import Severity
from spyless.report.model import Report
from tests.analyzers_helpers import scan_tree
from tests.unit.analyzers.test_keys_builders import (
    NONE,
    PEM,
    TRADITIONAL,
    cert_pem,
    certificate,
    dropbear,
    ec_key,
)


def scan(tmp_path: Path, files: dict[str, bytes | str]) -> Report:
    # The engine classifies a file by its first 8 KiB and does not carve one that looks
    # like a key, so a filler file keeps the tar's head free of PEM markers.
    tree: dict[str, bytes | str] = {"/etc/banner": "welcome\n" * 1200, **files}
    return scan_tree(tmp_path, tree, [cls() for cls in FILE_ANALYZERS],
                     [cls() for cls in IMAGE_ANALYZERS])


def test_one_key_in_three_encodings_and_places(tmp_path: Path) -> None:
    key = rsa.generate_private_key(65537, 2048)
    pem = key.private_bytes(PEM, TRADITIONAL, NONE)
    report = scan(tmp_path, {
        "/etc/dropbear/dropbear_rsa_host_key": dropbear(key),
        "/etc/ssl/private/server.key": pem,
        "/usr/sbin/httpd": b"\x7fELF\x01\x01\x01" + bytes(64) + pem + bytes(64),
    })
    [reuse] = [f for f in report.findings if f.id == "SPY203"]
    assert reuse.severity is Severity.CRITICAL
    assert sorted(e.location.path or "" for e in reuse.evidence) == [
        "/etc/dropbear/dropbear_rsa_host_key", "/etc/ssl/private/server.key", "/usr/sbin/httpd"]
    assert "in 3 places" in reuse.message
    # the tar gives files mode 0644 (0755 under /usr/sbin): the two key files are readable
    assert sorted((f.id, f.location.path) for f in report.findings if f.id != "SPY203") == [
        ("SPY201", "/etc/ssl/private/server.key"), ("SPY201", "/usr/sbin/httpd"),
        ("SPY202", "/etc/dropbear/dropbear_rsa_host_key"),
        ("SPY208", "/etc/dropbear/dropbear_rsa_host_key"),
        ("SPY208", "/etc/ssl/private/server.key")]


def test_self_signed_server_certificate_with_its_key(tmp_path: Path) -> None:
    key, lone = ec_key(b"server"), ec_key(b"lone")
    combined = key.private_bytes(PEM, TRADITIONAL, NONE) + cert_pem(certificate(key, "router"))
    report = scan(tmp_path, {
        "/etc/lighttpd/server.pem": combined,
        "/etc/app/client.crt": cert_pem(certificate(lone, "client")),
        "/etc/ssl/certs/root.pem": cert_pem(certificate(lone, "Some Root", ca=True)),
    })
    judged = sorted((f.id, f.severity, f.location.path) for f in report.findings
                    if f.id == "SPY207")
    assert judged == [("SPY207", Severity.INFO, "/etc/app/client.crt"),
                      ("SPY207", Severity.LOW, "/etc/lighttpd/server.pem")]
    [with_key] = [f for f in report.findings if f.id == "SPY207" and f.severity is Severity.LOW]
    assert [e.location.offset for e in with_key.evidence][1] == 0  # the key, before the cert
    assert len(report.keys) == 4


def test_sample_keys_shared_between_test_folders_are_not_reuse(tmp_path: Path) -> None:
    pem = ec_key(b"sample").private_bytes(PEM, TRADITIONAL, NONE)
    report = scan(tmp_path, {
        "/usr/lib/python3.11/test/keycert.pem": pem,
        "/usr/lib/python3.11/test/certdata/key.pem": pem,
    })
    assert [(f.id, f.severity) for f in report.findings] == [("SPY201", Severity.LOW)] * 2
