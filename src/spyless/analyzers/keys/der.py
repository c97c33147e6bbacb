"""DER: ASN.1 structure checks and loading PKCS#1, SEC1, DSA, PKCS#8 keys and certificates.

A whole file is only taken for DER when it is exactly one ASN.1 SEQUENCE (X.690 section
8.1: tag 0x30, definite length covering the file), so arbitrary binary data is never
handed to the parsers.
"""

from __future__ import annotations

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization

from spyless.analyzers.keys.found import FoundKey
from spyless.analyzers.keys.publickey import PublicKeyInfo, describe
from spyless.analyzers.keys.x509 import describe_certificate

#: Whole DER files larger than this are not keys or certificates.
MAX_DER = 64 << 10


def sequence_length(data: bytes) -> int | None:
    """Total length (header + content) of the SEQUENCE at the start of ``data``, if any."""
    if len(data) < 2 or data[0] != 0x30:
        return None
    first = data[1]
    if first < 0x80:
        return 2 + first
    count = first & 0x7F
    if count == 0 or count > 3 or len(data) < 2 + count:
        return None
    length = int.from_bytes(data[2:2 + count], "big")
    if length < 0x80:
        return None  # not DER: the long form is only for lengths of 128 and more
    return 2 + count + length


def is_sequence(der: bytes) -> bool:
    return sequence_length(der) == len(der)


def load_private(der: bytes) -> PublicKeyInfo | None:
    """The public half of an unencrypted PKCS#1 / SEC1 / DSA / PKCS#8 private key."""
    try:
        key = serialization.load_der_private_key(der, password=None)
    except (ValueError, TypeError, UnsupportedAlgorithm):
        return None
    return describe(key.public_key())


def load_public(der: bytes) -> PublicKeyInfo | None:
    """A SubjectPublicKeyInfo or PKCS#1 RSAPublicKey."""
    try:
        key = serialization.load_der_public_key(der)
    except (ValueError, TypeError, UnsupportedAlgorithm):
        return None
    return describe(key)


def decode_der_file(data: bytes) -> list[FoundKey]:
    """A file that is one DER certificate, private key or public key."""
    if len(data) > MAX_DER or not is_sequence(data):
        return []
    described = describe_certificate(data)
    if described is not None:
        key, cert = described
        return [FoundKey("certificate", "der", 0, key, cert=cert, excerpt="DER certificate")]
    private = load_private(data)
    if private is not None:
        return [FoundKey("private-key", "der", 0, private, excerpt="DER private key")]
    public = load_public(data)
    if public is not None:
        return [FoundKey("public-key", "der", 0, public, excerpt="DER public key")]
    return []
