"""Key material built in code for the key analyzer tests: every encoding, from known keys.

Serializers for formats cryptography does not write (Dropbear, PuTTY PPK v3, an encrypted
OpenSSH container) follow the published layouts: Dropbear's wire buffer, the PuTTY manual's
appendix C, OpenSSH's PROTOCOL.key.
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import hmac
import struct

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed25519, rsa
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes, PublicKeyTypes
from cryptography.x509.oid import NameOID

from spyless.analyzers.interface import FileInput, Output
from spyless.analyzers.keys.files import KeyFiles
from spyless.model.facts import KeyMaterial
from spyless.unpack.interface import Artifact, ArtifactKind

PEM = serialization.Encoding.PEM
DER = serialization.Encoding.DER
TRADITIONAL = serialization.PrivateFormat.TraditionalOpenSSL
PKCS8 = serialization.PrivateFormat.PKCS8
OPENSSH = serialization.PrivateFormat.OpenSSH
NONE = serialization.NoEncryption()
PASSWORD = serialization.BestAvailableEncryption(b"vendor-secret")


def fingerprint(key: PrivateKeyTypes | PublicKeyTypes) -> str:
    """The analyzer's convention: sha256 of the DER SubjectPublicKeyInfo, hex."""
    public = key.public_key() if hasattr(key, "public_key") else key
    spki = public.public_bytes(DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return hashlib.sha256(spki).hexdigest()


def ec_key(seed: bytes, curve: ec.EllipticCurve | None = None) -> ec.EllipticCurvePrivateKey:
    value = int.from_bytes(hashlib.sha256(seed).digest(), "big") % (2**200) + 1
    return ec.derive_private_key(value, curve or ec.SECP256R1())


def ed_key(seed: bytes) -> ed25519.Ed25519PrivateKey:
    return ed25519.Ed25519PrivateKey.from_private_bytes(hashlib.sha256(seed).digest())


def run(data: bytes, fs_path: str, kind: ArtifactKind = ArtifactKind.TEXT,
        mode: int | None = 0o600) -> Output:
    """The file analyzer on one in-memory file with the given kind and mode."""
    artifact = Artifact(chain=f"img!test@0x0{fs_path}", path=fs_path.lstrip("/"), kind=kind,
                        size=len(data), sha256="0" * 64, description="test", mode=mode)
    out = Output(KeyFiles.name)
    KeyFiles().analyze(FileInput(artifact, "img!test@0x0", fs_path, data), out)
    return out


def facts(out: Output) -> list[KeyMaterial]:
    return [f for f in out.facts if isinstance(f, KeyMaterial)]


# -- SSH wire format (RFC 4251 section 5) ------------------------------------------------

def string(value: bytes) -> bytes:
    return struct.pack(">I", len(value)) + value


def mpint(value: int) -> bytes:
    if value == 0:
        return string(b"")
    raw = value.to_bytes((value.bit_length() + 8) // 8, "big")  # room for the sign bit
    return string(raw)


def ssh_public_blob(key: PrivateKeyTypes) -> bytes:
    line = key.public_key().public_bytes(serialization.Encoding.OpenSSH,
                                         serialization.PublicFormat.OpenSSH)
    return base64.b64decode(line.split()[1])


# -- Dropbear: the public key as on the wire, then the private values ----------------------

def dropbear(key: PrivateKeyTypes) -> bytes:
    if isinstance(key, rsa.RSAPrivateKey):
        n = key.private_numbers()
        return (string(b"ssh-rsa") + mpint(n.public_numbers.e) + mpint(n.public_numbers.n)
                + mpint(n.d) + mpint(n.p) + mpint(n.q))
    if isinstance(key, dsa.DSAPrivateKey):
        d = key.private_numbers()
        p = d.public_numbers.parameter_numbers
        return (string(b"ssh-dss") + mpint(p.p) + mpint(p.q) + mpint(p.g)
                + mpint(d.public_numbers.y) + mpint(d.x))
    if isinstance(key, ec.EllipticCurvePrivateKey):
        size = {256: b"nistp256", 384: b"nistp384", 521: b"nistp521"}[key.curve.key_size]
        point = key.public_key().public_bytes(serialization.Encoding.X962,
                                              serialization.PublicFormat.UncompressedPoint)
        return (string(b"ecdsa-sha2-" + size) + string(size) + string(point)
                + mpint(key.private_numbers().private_value))
    if isinstance(key, ed25519.Ed25519PrivateKey):
        seed = key.private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw,
                                 NONE)
        public = key.public_key().public_bytes(serialization.Encoding.Raw,
                                               serialization.PublicFormat.Raw)
        return string(b"ssh-ed25519") + string(seed + public)
    raise TypeError(type(key))


# -- PuTTY PPK version 3, unencrypted (PuTTY manual, appendix C) ---------------------------

def ppk3(key: ed25519.Ed25519PrivateKey, comment: str) -> bytes:
    algorithm = b"ssh-ed25519"
    public = ssh_public_blob(key)
    seed = key.private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw, NONE)
    private = mpint(int.from_bytes(seed, "little"))  # C.3.5: the private exponent as mpint
    mac_input = b"".join(string(p) for p in (algorithm, b"none", comment.encode(), public,
                                              private))
    mac = hmac.new(b"", mac_input, hashlib.sha256).hexdigest()  # v3 unencrypted: empty key

    def lines(blob: bytes) -> list[str]:
        text = base64.b64encode(blob).decode()
        return [text[i:i + 64] for i in range(0, len(text), 64)]

    pub, priv = lines(public), lines(private)
    return "\n".join([
        f"PuTTY-User-Key-File-3: {algorithm.decode()}", "Encryption: none",
        f"Comment: {comment}", f"Public-Lines: {len(pub)}", *pub,
        f"Private-Lines: {len(priv)}", *priv, f"Private-MAC: {mac}", "",
    ]).encode()


#: Published PPK test vectors (crate picky-test-data, constants PUTTY_KEY_ED25519 and
#: PUTTY_KEY_ED25519_V2, MIT/Apache-2.0): files written by PuTTYgen itself.
PPK3_VECTOR = (
    b"PuTTY-User-Key-File-3: ssh-ed25519\nEncryption: none\nComment: eddsa-key-20240414\n"
    b"Public-Lines: 2\nAAAAC3NzaC1lZDI1NTE5AAAAILd1uFfzk6dLkf9HbdczyiLRnIz5d0fq0mRS5Nvp\n"
    b"e9w7\nPrivate-Lines: 1\nAAAAICRy3RnrtQkRZx8kOEI9KHvTFEMmgOfBq2WdFCrRpIE6\n"
    b"Private-MAC: acc8030afe46301f01e7eb8d3cda38ae54ddd219adfefe32548569b4ac107784\n")
PPK2_VECTOR = (
    b"PuTTY-User-Key-File-2: ssh-ed25519\r\nEncryption: none\r\n"
    b"Comment: ed25519-key-20240418\r\nPublic-Lines: 2\r\n"
    b"AAAAC3NzaC1lZDI1NTE5AAAAILMyy5tkHvvUqRtQYHzOzkyR4PYwj1P284HBQXHv\r\nrKeh\r\n"
    b"Private-Lines: 1\r\nAAAAIBwepG2OCCnYICCmTXNuDk6Hl/xdjPbNGY3CQlTLGBo4\r\n"
    b"Private-MAC: 53075221be556e89770351391573dbb7dba661d2\r\n")


# -- An encrypted OpenSSH container (PROTOCOL.key), built without bcrypt -------------------

def openssh_encrypted(key: PrivateKeyTypes) -> bytes:
    """What ``ssh-keygen -N pass`` writes: aes256-ctr, bcrypt KDF, opaque private part."""
    body = (b"openssh-key-v1\x00" + string(b"aes256-ctr") + string(b"bcrypt")
            + string(string(b"S" * 16) + struct.pack(">I", 16)) + struct.pack(">I", 1)
            + string(ssh_public_blob(key)) + string(hashlib.sha512(b"ciphertext").digest()))
    text = base64.b64encode(body).decode()
    lines = [text[i:i + 70] for i in range(0, len(text), 70)]
    return ("-----BEGIN OPENSSH PRIVATE KEY-----\n" + "\n".join(lines)
            + "\n-----END OPENSSH PRIVATE KEY-----\n").encode()


# -- Certificates ---------------------------------------------------------------------------

def certificate(key: PrivateKeyTypes, subject: str, *, issuer: tuple[str, PrivateKeyTypes] |
                None = None, ca: bool = False, expired: bool = False) -> x509.Certificate:
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)])
    issuer_name, signer = (name, key) if issuer is None else (
        x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, issuer[0])]), issuer[1])
    start = datetime.datetime(2000, 1, 1, tzinfo=datetime.UTC)
    end = datetime.datetime(2001 if expired else 2099, 1, 1, tzinfo=datetime.UTC)
    builder = (x509.CertificateBuilder().subject_name(name).issuer_name(issuer_name)
               .public_key(key.public_key())  # type: ignore[arg-type]
               .serial_number(int.from_bytes(hashlib.sha256(subject.encode()).digest()[:8],
                                             "big"))
               .not_valid_before(start).not_valid_after(end))
    if ca:
        builder = builder.add_extension(x509.BasicConstraints(ca=True, path_length=None),
                                        critical=True)
    algorithm = None if isinstance(signer, ed25519.Ed25519PrivateKey) else hashes.SHA256()
    return builder.sign(signer, algorithm)  # type: ignore[arg-type]


def cert_pem(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(PEM)


# -- the builders themselves -------------------------------------------------------------

def test_dropbear_builder_follows_the_layout() -> None:
    key = ed_key(b"layout")
    data = dropbear(key)
    assert data[:15] == b"\x00\x00\x00\x0bssh-ed25519"
    assert data[15:19] == b"\x00\x00\x00\x40"
    assert len(data) == 19 + 64


def test_ppk3_builder_public_lines_are_the_openssh_blob() -> None:
    key = ed_key(b"layout")
    text = ppk3(key, "c").decode()
    count, *rest = text.split("Public-Lines: ")[1].split("\n")
    public = "".join(rest[:int(count)])
    assert base64.b64decode(public) == ssh_public_blob(key)
