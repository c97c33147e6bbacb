"""PEM blocks (RFC 7468, and RFC 1421 headers for legacy encrypted keys) anywhere in a file.

Works on text files and on binaries alike (keys baked into an executable are C strings
with real newlines, keys in scripts or JSON may use ``\\n`` escapes). A block only counts
when its body is valid base64 of a well-formed structure, so documentation showing
``MIIE...`` or a parser's ``-----BEGIN CERTIFICATE-----`` marker string yields nothing.
"""

from __future__ import annotations

import base64
import binascii
import re

from spyless.analyzers.keys.der import is_sequence, load_private, load_public, sequence_length
from spyless.analyzers.keys.found import FoundKey
from spyless.analyzers.keys.openssh import decode_openssh
from spyless.analyzers.keys.publickey import UNKNOWN, PublicKeyInfo
from spyless.analyzers.keys.x509 import describe_certificate

_BEGIN = re.compile(rb"-----BEGIN ([A-Z0-9][A-Z0-9 ]{0,40})-----")
_ESCAPES = re.compile(rb"\\[rn]")
_BASE64_LINE = re.compile(rb"[A-Za-z0-9+/]*={0,2}")
#: A PEM body longer than this is not a key or certificate.
_MAX_BODY = 64 << 10
#: Bound the work on a file full of markers.
MAX_BLOCKS = 4096

_TRADITIONAL = {b"RSA PRIVATE KEY": "rsa", b"EC PRIVATE KEY": "ec", b"DSA PRIVATE KEY": "dsa"}
_CERTIFICATES = (b"CERTIFICATE", b"X509 CERTIFICATE", b"TRUSTED CERTIFICATE")
_PUBLIC = (b"PUBLIC KEY", b"RSA PUBLIC KEY")


def scan_pem(data: bytes) -> list[FoundKey]:
    """Every key, public key and certificate in PEM form inside ``data``."""
    found: list[FoundKey] = []
    blocks = 0
    for match in _BEGIN.finditer(data):
        label = match.group(1)
        end_marker = b"-----END " + label + b"-----"
        end = data.find(end_marker, match.end(), match.end() + _MAX_BODY)
        if end < 0:
            continue
        blocks += 1
        if blocks > MAX_BLOCKS:
            break
        parsed = _body(data[match.end():end])
        if parsed is None:
            continue
        headers, der = parsed
        excerpt = match.group(0).decode("ascii")
        found.extend(_decode(label, headers, der, match.start(), excerpt))
    return found


def _body(raw: bytes) -> tuple[dict[str, str], bytes] | None:
    """RFC 1421 headers and the decoded bytes, or None when the body is not clean base64."""
    lines = _ESCAPES.sub(b"\n", raw).replace(b"\r", b"").split(b"\n")
    headers: dict[str, str] = {}
    body: list[bytes] = []
    for line in (part.strip() for part in lines):
        if not line:
            continue
        if not body and b":" in line:
            name, _, value = line.partition(b":")
            headers[name.decode("latin-1").strip().lower()] = value.decode("latin-1").strip()
            continue
        if not _BASE64_LINE.fullmatch(line):
            return None
        body.append(line)
    try:
        der = base64.b64decode(b"".join(body), validate=True)
    except (binascii.Error, ValueError):
        return None
    return (headers, der) if len(der) >= 16 else None


def _decode(label: bytes, headers: dict[str, str], der: bytes, offset: int,
            excerpt: str) -> list[FoundKey]:
    if label == b"OPENSSH PRIVATE KEY":
        return decode_openssh(der, offset, excerpt)
    if label in _CERTIFICATES:
        if label == b"TRUSTED CERTIFICATE":
            # OpenSSL's trusted form appends trust settings after the certificate.
            length = _leading_sequence(der)
            der = der[:length] if length else der
        described = describe_certificate(der)
        if described is None:
            return []
        key, cert = described
        return [FoundKey("certificate", "pem", offset, key, cert=cert, excerpt=excerpt)]
    if label in _PUBLIC:
        public = load_public(der)
        return [] if public is None else [FoundKey("public-key", "pem", offset, public,
                                                   excerpt=excerpt)]
    if label in _TRADITIONAL:
        if "ENCRYPTED" in headers.get("proc-type", "").upper():
            return [FoundKey("private-key", "pem", offset, _hint(_TRADITIONAL[label]),
                             encrypted=True,
                             verified="dek-info" in headers and len(der) % 8 == 0,
                             excerpt=excerpt)]
        return _private(der, "pem", offset, excerpt, _TRADITIONAL[label])
    if label == b"PRIVATE KEY":
        return _private(der, "pkcs8", offset, excerpt, "unknown")
    if label == b"ENCRYPTED PRIVATE KEY" and is_sequence(der):
        return [FoundKey("private-key", "pkcs8", offset, UNKNOWN, encrypted=True,
                         excerpt=excerpt)]
    return []


def _private(der: bytes, encoding: str, offset: int, excerpt: str,
             algorithm: str) -> list[FoundKey]:
    info = load_private(der)
    if info is not None:
        return [FoundKey("private-key", encoding, offset, info, excerpt=excerpt)]
    if not is_sequence(der):
        return []
    # Well-formed ASN.1 that cryptography will not load (an unsupported curve, say).
    return [FoundKey("private-key", encoding, offset, _hint(algorithm), verified=False,
                     excerpt=excerpt)]


def _hint(algorithm: str) -> PublicKeyInfo:
    return PublicKeyInfo(algorithm, None, None)


def _leading_sequence(der: bytes) -> int | None:
    length = sequence_length(der)
    return length if length is not None and length <= len(der) else None
