"""The key-material file analyzer on keys built in code, in every encoding."""

from __future__ import annotations

import base64
import random

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import dsa, ec, rsa
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes

from spyless.analyzers.interface import Output
from spyless.analyzers.keys.files import weakness
from spyless.analyzers.keys.publickey import PublicKeyInfo
from spyless.model.facts import KeyMaterial
from spyless.model.findings import Confidence, Severity
from spyless.unpack.interface import ArtifactKind
from tests.unit.analyzers.test_keys_builders import (
    DER,
    NONE,
    OPENSSH,
    PASSWORD,
    PEM,
    PKCS8,
    PPK2_VECTOR,
    PPK3_VECTOR,
    TRADITIONAL,
    cert_pem,
    certificate,
    dropbear,
    ec_key,
    ed_key,
    facts,
    fingerprint,
    openssh_encrypted,
    ppk3,
    run,
    ssh_public_blob,
)


@pytest.fixture(scope="module")
def rsa2048() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(65537, 2048)


@pytest.fixture(scope="module")
def rsa1024() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(65537, 1024)  # noqa: S505 - a weak key is the input


@pytest.fixture(scope="module")
def dsa1024() -> dsa.DSAPrivateKey:
    return dsa.generate_private_key(1024)  # noqa: S505 - a weak key is the input


def summary(found: list[KeyMaterial]) -> list[tuple[str, str, int | None, bool, str]]:
    return [(f.kind, f.algorithm, f.bits, f.encrypted, f.encoding) for f in found]


def ids(out: Output) -> list[tuple[str, Severity]]:
    return sorted((f.id, f.severity) for f in out.findings)


# -- private keys in every encoding --------------------------------------------------------

def test_pkcs1_rsa_pem(rsa2048: rsa.RSAPrivateKey) -> None:
    data = rsa2048.private_bytes(PEM, TRADITIONAL, NONE)
    out = run(data, "/etc/lighttpd/server.key")
    [fact] = facts(out)
    assert fact == KeyMaterial(
        kind="private-key", algorithm="rsa", location=fact.location, bits=2048,
        fingerprint=fingerprint(rsa2048), encoding="pem")
    assert (fact.location.path, fact.location.offset, fact.location.line) == (
        "/etc/lighttpd/server.key", 0, 1)
    [finding] = out.findings
    assert (finding.id, finding.severity, finding.confidence, finding.cwe) == (
        "SPY201", Severity.HIGH, Confidence.HIGH, 321)
    assert finding.evidence[0].excerpt == "-----BEGIN RSA PRIVATE KEY-----"
    assert fingerprint(rsa2048) in finding.message


def test_ec_and_dsa_traditional_pem(dsa1024: dsa.DSAPrivateKey) -> None:
    key = ec_key(b"ec", ec.SECP384R1())
    out = run(key.private_bytes(PEM, TRADITIONAL, NONE), "/etc/key.pem")
    assert summary(facts(out)) == [("private-key", "ec", 384, False, "pem")]
    assert ids(out) == [("SPY201", Severity.HIGH)]
    out = run(dsa1024.private_bytes(PEM, TRADITIONAL, NONE), "/etc/dsa.pem")
    assert summary(facts(out)) == [("private-key", "dsa", 1024, False, "pem")]
    assert ids(out) == [("SPY201", Severity.HIGH), ("SPY205", Severity.MEDIUM)]


def test_pkcs8_plain_and_encrypted() -> None:
    key = ed_key(b"pkcs8")
    out = run(key.private_bytes(PEM, PKCS8, NONE), "/etc/app/key.pem")
    assert summary(facts(out)) == [("private-key", "ed25519", 256, False, "pkcs8")]
    assert facts(out)[0].fingerprint == fingerprint(key)
    out = run(key.private_bytes(PEM, PKCS8, PASSWORD), "/etc/app/key.pem")
    assert summary(facts(out)) == [("private-key", "unknown", None, True, "pkcs8")]
    assert ids(out) == [("SPY201", Severity.MEDIUM)]


def test_legacy_encrypted_pem_reads_the_label() -> None:
    data = ec_key(b"legacy").private_bytes(PEM, TRADITIONAL, PASSWORD)
    assert b"Proc-Type: 4,ENCRYPTED" in data
    out = run(data, "/etc/key.pem")
    assert summary(facts(out)) == [("private-key", "ec", None, True, "pem")]
    assert [(f.id, f.severity, f.confidence) for f in out.findings] == [
        ("SPY201", Severity.MEDIUM, Confidence.HIGH)]


def test_openssh_plain_and_encrypted_share_the_fingerprint() -> None:
    key = ed_key(b"openssh")
    plain = run(key.private_bytes(PEM, OPENSSH, NONE), "/root/.ssh/id_ed25519")
    locked = run(openssh_encrypted(key), "/root/.ssh/id_ed25519")
    assert summary(facts(plain)) == [("private-key", "ed25519", 256, False, "openssh")]
    assert summary(facts(locked)) == [("private-key", "ed25519", 256, True, "openssh")]
    assert {f.fingerprint for f in facts(plain) + facts(locked)} == {
        fingerprint(key)}
    assert ids(plain) == [("SPY201", Severity.HIGH)]
    assert ids(locked) == [("SPY201", Severity.MEDIUM)]


def test_openssh_rsa_comment(rsa2048: rsa.RSAPrivateKey) -> None:
    out = run(rsa2048.private_bytes(PEM, OPENSSH, NONE), "/root/.ssh/id_rsa")
    assert summary(facts(out)) == [("private-key", "rsa", 2048, False, "openssh")]


def test_putty_v3_own_serializer_and_published_vectors() -> None:
    key = ed_key(b"putty")
    out = run(ppk3(key, "vendor-field-key"), "/usr/share/vendor/field.ppk")
    [fact] = facts(out)
    assert (fact.kind, fact.algorithm, fact.encoding, fact.comment, fact.fingerprint) == (
        "private-key", "ed25519", "putty", "vendor-field-key", fingerprint(key))
    assert [(f.id, f.confidence) for f in out.findings] == [("SPY201", Confidence.HIGH)]
    for vector, comment in ((PPK3_VECTOR, "eddsa-key-20240414"),
                            (PPK2_VECTOR, "ed25519-key-20240418")):
        out = run(vector, "/root/key.ppk")
        assert [(f.comment, f.encoding) for f in facts(out)] == [
            (comment, "putty")]
        assert out.findings[0].confidence is Confidence.HIGH  # the MAC checks out


def test_putty_with_a_bad_mac_is_reported_with_less_confidence() -> None:
    tampered = PPK3_VECTOR.replace(b"Private-MAC: acc8", b"Private-MAC: 0cc8")
    out = run(tampered, "/root/key.ppk")
    assert [(f.id, f.confidence) for f in out.findings] == [("SPY201", Confidence.MEDIUM)]


def test_der_pkcs1_and_pkcs8_files(rsa2048: rsa.RSAPrivateKey) -> None:
    for fmt in (TRADITIONAL, PKCS8):
        out = run(rsa2048.private_bytes(DER, fmt, NONE), "/etc/cert/server.der",
                  ArtifactKind.DATA)
        assert summary(facts(out)) == [("private-key", "rsa", 2048, False, "der")]
        assert facts(out)[0].fingerprint == fingerprint(rsa2048)


@pytest.mark.parametrize("algorithm", ["rsa", "dsa", "ec", "ed25519"])
def test_dropbear_host_keys(algorithm: str, rsa2048: rsa.RSAPrivateKey,
                            dsa1024: dsa.DSAPrivateKey) -> None:
    keys: dict[str, PrivateKeyTypes] = {"rsa": rsa2048, "dsa": dsa1024, "ec": ec_key(b"db"),
                                         "ed25519": ed_key(b"db")}
    key = keys[algorithm]
    path = f"/etc/dropbear/dropbear_{algorithm}_host_key"
    out = run(dropbear(key), path, ArtifactKind.DATA)
    [fact] = facts(out)
    assert (fact.kind, fact.algorithm, fact.encoding, fact.fingerprint) == (
        "host-key", algorithm, "dropbear", fingerprint(key))
    expected = [("SPY202", Severity.CRITICAL)]
    if algorithm == "dsa":
        expected.append(("SPY205", Severity.MEDIUM))
    assert ids(out) == expected
    assert out.findings[0].confidence is Confidence.HIGH


def test_dropbear_without_private_part_is_not_a_key() -> None:
    public_only = ssh_public_blob(ec_key(b"db"))
    assert facts(run(public_only, "/etc/dropbear/x", ArtifactKind.DATA)) == []


def test_pem_host_key_and_weak_rsa(rsa1024: rsa.RSAPrivateKey) -> None:
    out = run(rsa1024.private_bytes(PEM, TRADITIONAL, NONE), "/etc/ssh/ssh_host_rsa_key")
    assert facts(out)[0].kind == "host-key"
    assert ids(out) == [("SPY202", Severity.CRITICAL), ("SPY205", Severity.MEDIUM)]


def test_weakness_rules() -> None:
    assert weakness(PublicKeyInfo("rsa", 2048, None)) is None
    assert weakness(PublicKeyInfo("rsa", 512, None)) == "RSA key of 512 bits (under 2048)"
    assert weakness(PublicKeyInfo("ec", 192, None)) == (
        "elliptic-curve key of 192 bits (under 224)")
    assert weakness(PublicKeyInfo("ed25519", 256, None)) is None


# -- where the key is ----------------------------------------------------------------------

def test_world_readable_unencrypted_key_file() -> None:
    data = ec_key(b"mode").private_bytes(PEM, PKCS8, NONE)
    out = run(data, "/etc/nginx/key.pem", mode=0o100644)
    assert ids(out) == [("SPY201", Severity.HIGH), ("SPY208", Severity.MEDIUM)]
    assert "0644" in out.findings[1].message
    assert ids(run(data, "/etc/nginx/key.pem", mode=0o100600)) == [("SPY201", Severity.HIGH)]
    encrypted = ec_key(b"mode").private_bytes(PEM, PKCS8, PASSWORD)
    assert ids(run(encrypted, "/etc/nginx/key.pem", mode=0o644)) == [
        ("SPY201", Severity.MEDIUM)]


def test_key_embedded_in_a_binary(rsa2048: rsa.RSAPrivateKey) -> None:
    pem = rsa2048.private_bytes(PEM, TRADITIONAL, NONE)
    blob = (b"\x7fELF\x01\x01\x01" + bytes(500) + b"usage: %s\x00" + pem + b"\x00"
            + b"-----BEGIN CERTIFICATE-----\x00-----END CERTIFICATE-----\x00" + bytes(300))
    out = run(blob, "/usr/sbin/httpd", ArtifactKind.ELF, mode=0o755)
    [fact] = facts(out)
    assert (fact.algorithm, fact.location.offset, fact.location.line) == ("rsa", 517, None)
    [finding] = out.findings  # no world-readable finding for a binary
    assert (finding.id, finding.severity, finding.tags) == (
        "SPY201", Severity.HIGH, ("in-binary",))
    assert "embedded in binary /usr/sbin/httpd" in finding.message


def test_escaped_pem_in_a_script() -> None:
    pem = ec_key(b"js").private_bytes(PEM, TRADITIONAL, NONE).decode()
    script = ('#!/bin/sh\nKEY="' + pem.replace("\n", "\\n") + '"\n').encode()
    out = run(script, "/usr/bin/provision.sh", ArtifactKind.SCRIPT)
    assert summary(facts(out)) == [("private-key", "ec", 256, False, "pem")]
    assert facts(out)[0].location.line == 2


def test_readme_with_a_truncated_example_yields_nothing() -> None:
    readme = (b"Install your key:\n\n    -----BEGIN RSA PRIVATE KEY-----\n"
              b"    MIIEpAIBAAKCAQEA...\n    ...\n    -----END RSA PRIVATE KEY-----\n")
    out = run(readme, "/usr/share/app/INSTALL.txt")
    assert (facts(out), out.findings) == ([], [])


@pytest.mark.parametrize(("path", "tag"), [
    ("/usr/lib/python3.11/test/keycert.pem", "test-fixture"),
    ("/usr/share/perl5/Net/SSLeay/t/data/key.pem", "test-fixture"),
    ("/usr/share/doc/openssl/demos/server.pem", "documentation"),
    ("/www/docs/README.md", "documentation"),
])
def test_sample_keys_are_low(path: str, tag: str) -> None:
    data = ec_key(b"sample").private_bytes(PEM, TRADITIONAL, NONE)
    out = run(data, path, mode=0o644)
    assert [(f.id, f.severity, f.tags) for f in out.findings] == [
        ("SPY201", Severity.LOW, (tag,))]


# -- public keys and authorized_keys ---------------------------------------------------------

def test_authorized_keys_with_options_and_comment() -> None:
    vendor, other = ec_key(b"vendor"), ed_key(b"other")
    line = ssh_public_blob(vendor)
    text = (
        "# vendor support access\n"
        "#ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQ disabled@old\n\n"
        f'from="10.0.0.0/8",command="/bin/sh -c \\"echo a, b\\"",no-pty ecdsa-sha2-nistp256 '
        f"{base64.b64encode(line).decode()} support@vendor.example\n"
        f"ssh-ed25519 {base64.b64encode(ssh_public_blob(other)).decode()}\n"
        "ssh-rsa AAAA-not-base64 broken\n"
    ).encode()
    out = run(text, "/root/.ssh/authorized_keys")
    assert [(f.kind, f.algorithm, f.comment, f.fingerprint, f.location.line)
            for f in facts(out)] == [
        ("authorized-key", "ec", "support@vendor.example", fingerprint(vendor), 4),
        ("authorized-key", "ed25519", None, fingerprint(other), 5)]
    assert ids(out) == [("SPY204", Severity.CRITICAL)] * 2
    assert ('with options from="10.0.0.0/8",command="/bin/sh -c \\"echo a, b\\"",no-pty'
            in out.findings[0].message)
    assert "'support@vendor.example'" in out.findings[0].message


def test_public_key_files_are_facts_only() -> None:
    key = ec_key(b"pub")
    pub = key.public_key().public_bytes(serialization.Encoding.OpenSSH,
                                        serialization.PublicFormat.OpenSSH) + b" root@host\n"
    out = run(pub, "/etc/ssh/ssh_host_ecdsa_key.pub")
    assert [(f.kind, f.fingerprint) for f in facts(out)] == [
        ("public-key", fingerprint(key))]
    assert out.findings == []


# -- certificates ------------------------------------------------------------------------------

def test_expired_self_signed_server_certificate(rsa1024: rsa.RSAPrivateKey) -> None:
    cert = certificate(rsa1024, "router.vendor.example", expired=True)
    out = run(cert_pem(cert), "/etc/lighttpd/server.crt")
    [fact] = facts(out)
    assert fact == KeyMaterial(
        kind="certificate", algorithm="rsa", location=fact.location, bits=1024,
        fingerprint=fingerprint(rsa1024), encoding="pem", subject="CN=router.vendor.example",
        issuer="CN=router.vendor.example", not_after="2001-01-01T00:00:00+00:00",
        self_signed=True)
    assert ids(out) == [("SPY205", Severity.MEDIUM), ("SPY206", Severity.LOW)]


def test_der_certificate_issued_by_a_ca() -> None:
    ca, leaf = ec_key(b"ca"), ec_key(b"leaf")
    cert = certificate(leaf, "device", issuer=("Vendor CA", ca))
    out = run(cert.public_bytes(DER), "/etc/cert/device.der", ArtifactKind.CERTIFICATE)
    [fact] = facts(out)
    assert (fact.encoding, fact.subject, fact.issuer, fact.self_signed) == (
        "der", "CN=device", "CN=Vendor CA", False)
    assert out.findings == []


def test_ca_bundles_are_facts_without_findings(rsa1024: rsa.RSAPrivateKey) -> None:
    roots = [certificate(rsa1024, "Old Root", ca=True, expired=True),
             certificate(ec_key(b"r2"), "Root Two", ca=True),
             certificate(ed_key(b"r3"), "Root Three", ca=True)]
    bundle = b"".join(b"# " + c.subject.rfc4514_string().encode() + b"\n" + cert_pem(c)
                      for c in roots)
    for path in ("/etc/ssl/certs/ca-certificates.crt", "/usr/lib/app/trusted.crt"):
        out = run(bundle, path)
        assert [(f.subject, f.algorithm) for f in facts(out)] == [
            ("CN=Old Root", "rsa"), ("CN=Root Two", "ec"), ("CN=Root Three", "ed25519")]
        assert out.findings == []


# -- hostile input --------------------------------------------------------------------------

def test_mutated_inputs_never_crash(rsa2048: rsa.RSAPrivateKey) -> None:
    key = ed_key(b"fuzz")
    samples = [
        (rsa2048.private_bytes(PEM, TRADITIONAL, NONE), ArtifactKind.TEXT, "/k"),
        (key.private_bytes(PEM, OPENSSH, NONE), ArtifactKind.TEXT, "/k"),
        (ppk3(key, "c"), ArtifactKind.TEXT, "/k"),
        (dropbear(rsa2048), ArtifactKind.DATA, "/etc/dropbear/k"),
        (dropbear(key), ArtifactKind.DATA, "/etc/dropbear/k"),
        (rsa2048.private_bytes(DER, PKCS8, NONE), ArtifactKind.DATA, "/k"),
        (cert_pem(certificate(key, "x")), ArtifactKind.TEXT, "/k"),
    ]
    rng = random.Random(3)
    for data, kind, path in samples:
        for _ in range(150):
            mutated = bytearray(data)
            for _ in range(rng.randint(1, 4)):
                mutated[rng.randrange(len(mutated))] = rng.randrange(256)
            cut = rng.randrange(len(mutated) + 1) if rng.random() < 0.3 else len(mutated)
            run(bytes(mutated[:cut]), path, kind)
    assert facts(run(b"-----BEGIN RSA PRIVATE KEY-----" * 5000, "/k")) == []
    assert facts(run(b"\x30\x82\x00\x10" + bytes(16), "/k", ArtifactKind.DATA)) == []
