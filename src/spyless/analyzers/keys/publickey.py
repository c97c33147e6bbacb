"""What a public key is, and the one fingerprint convention every key decoder uses.

Convention: a key's fingerprint is the lowercase hex SHA-256 of the DER encoding of its
X.509 SubjectPublicKeyInfo (RFC 5280 section 4.1.2.7), whatever encoding it was found in.
The same key found as a PEM file, an OpenSSH or PuTTY file, a Dropbear host key, an
``authorized_keys`` line or inside a certificate therefore has the same fingerprint, which
is what the cross-file joins compare. (OpenSSH's own ``SHA256:`` fingerprint hashes the SSH
wire blob instead; :func:`openssh_fingerprint` gives it for messages.)

Also owns reading the SSH wire format (RFC 4251 section 5: uint32, string, mpint), which
OpenSSH, PuTTY and Dropbear files share.
"""

from __future__ import annotations

import base64
import hashlib
import struct
from dataclasses import dataclass

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed448, ed25519, rsa
from cryptography.hazmat.primitives.asymmetric.types import PublicKeyTypes


class WireError(Exception):
    """Malformed SSH wire data (internal: decoders turn it into "not a key")."""


@dataclass(frozen=True, slots=True)
class PublicKeyInfo:
    algorithm: str  # "rsa", "ec", "dsa", "ed25519", "ed448", "unknown"
    bits: int | None
    fingerprint: str | None
    curve: str | None = None


UNKNOWN = PublicKeyInfo("unknown", None, None)


def describe(key: PublicKeyTypes) -> PublicKeyInfo:
    """Algorithm, size and fingerprint (see the module docstring) of a loaded public key."""
    try:
        spki = key.public_bytes(serialization.Encoding.DER,
                                serialization.PublicFormat.SubjectPublicKeyInfo)
    except (ValueError, UnsupportedAlgorithm):
        spki = b""
    fingerprint = hashlib.sha256(spki).hexdigest() if spki else None
    if isinstance(key, rsa.RSAPublicKey):
        return PublicKeyInfo("rsa", key.key_size, fingerprint)
    if isinstance(key, ec.EllipticCurvePublicKey):
        return PublicKeyInfo("ec", key.curve.key_size, fingerprint, key.curve.name)
    if isinstance(key, dsa.DSAPublicKey):
        return PublicKeyInfo("dsa", key.key_size, fingerprint)
    if isinstance(key, ed25519.Ed25519PublicKey):
        return PublicKeyInfo("ed25519", 256, fingerprint)
    if isinstance(key, ed448.Ed448PublicKey):
        return PublicKeyInfo("ed448", 456, fingerprint)
    return PublicKeyInfo("unknown", None, fingerprint)


def describe_ssh_blob(blob: bytes) -> PublicKeyInfo | None:
    """Describe an SSH public key blob (``string keytype, ...``); None if it is not one."""
    try:
        keytype = WireReader(blob).string().decode("ascii")
    except (WireError, UnicodeDecodeError):
        return None
    if keytype.startswith("sk-") or "-cert-v01@" in keytype:
        # FIDO and certificate keys: cryptography cannot load them as plain keys.
        algorithm = "ed25519" if "ed25519" in keytype else "ec" if "ecdsa" in keytype else (
            "rsa" if "rsa" in keytype else "dsa" if "dss" in keytype else "unknown")
        return PublicKeyInfo(algorithm, None, None)
    line = keytype.encode() + b" " + base64.b64encode(blob)
    try:
        key = serialization.load_ssh_public_key(line)
    except (ValueError, UnsupportedAlgorithm):
        return None
    return describe(key)


def openssh_fingerprint(blob: bytes) -> str:
    """OpenSSH's display form, ``SHA256:<unpadded base64 of sha256(blob)>``."""
    return "SHA256:" + base64.b64encode(hashlib.sha256(blob).digest()).decode().rstrip("=")


class WireReader:
    """Reads RFC 4251 data types from a buffer; raises :class:`WireError` when short."""

    def __init__(self, data: bytes, offset: int = 0) -> None:
        self.data = data
        self.offset = offset

    def uint32(self) -> int:
        if self.offset + 4 > len(self.data):
            raise WireError("truncated uint32")
        (value,) = struct.unpack_from(">I", self.data, self.offset)
        self.offset += 4
        return int(value)

    def string(self) -> bytes:
        length = self.uint32()
        end = self.offset + length
        if end > len(self.data):
            raise WireError("string runs past the end")
        value = self.data[self.offset:end]
        self.offset = end
        return value

    def mpint(self) -> int:
        return int.from_bytes(self.string(), "big", signed=True)

    @property
    def remaining(self) -> int:
        return len(self.data) - self.offset
