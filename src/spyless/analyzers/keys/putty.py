"""PuTTY private key files, PPK versions 2 and 3 (PuTTY manual, appendix C).

The public blob is stored in clear, so algorithm and fingerprint are known whether or not
the private part is encrypted. For unencrypted files the MAC is checked too (v3:
HMAC-SHA-256 with an empty key; v2: HMAC-SHA-1 keyed with SHA-1 of
``putty-private-key-file-mac-key``), which tells a real key from a damaged or forged one.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import struct

from spyless.analyzers.keys.found import FoundKey
from spyless.analyzers.keys.publickey import UNKNOWN, describe_ssh_blob

MAGIC = b"PuTTY-User-Key-File-"
_MAX_LINES = 512
_MAX_FILE = 64 << 10


def decode_putty(data: bytes) -> list[FoundKey]:
    """The key in a PPK file starting at the first ``PuTTY-User-Key-File-`` marker."""
    start = data.find(MAGIC)
    if start < 0:
        return []
    text = data[start:start + _MAX_FILE].decode("latin-1")
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    try:
        fields, public, private = _parse(lines)
        version = int(fields["version"])
    except (KeyError, ValueError, binascii.Error):
        return []
    if version not in (2, 3):
        return []
    info = describe_ssh_blob(public)
    encryption = fields.get("encryption", "")
    encrypted = encryption != "none"
    verified = info is not None
    if not encrypted:
        verified = verified and _mac_ok(version, fields, public, private)
    excerpt = lines[0][:80]
    return [FoundKey("private-key", "putty", start, info or UNKNOWN, encrypted=encrypted,
                     verified=verified, excerpt=excerpt, comment=fields.get("comment") or None)]


def _parse(lines: list[str]) -> tuple[dict[str, str], bytes, bytes]:
    """Header fields and the public and private blobs; raises on anything malformed."""
    head, _, algorithm = lines[0].partition(": ")
    fields = {"version": head[len(MAGIC):], "algorithm": algorithm.strip()}
    blobs: dict[str, bytes] = {}
    i = 1
    while i < len(lines):
        name, sep, value = lines[i].partition(": ")
        i += 1
        if not sep:
            continue
        key = name.strip().lower()
        if key in ("public-lines", "private-lines"):
            count = int(value)
            if not 0 < count <= _MAX_LINES or i + count > len(lines):
                raise ValueError("bad line count")
            chunk = "".join(line.strip() for line in lines[i:i + count])
            blobs[key] = base64.b64decode(chunk, validate=True)
            i += count
        else:
            fields[key] = value.strip()
        if key == "private-mac":
            break
    return fields, blobs["public-lines"], blobs["private-lines"]


def _mac_ok(version: int, fields: dict[str, str], public: bytes, private: bytes) -> bool:
    message = b"".join(_string(part) for part in (
        fields["algorithm"].encode("latin-1"), fields.get("encryption", "").encode("latin-1"),
        fields.get("comment", "").encode("latin-1"), public, private))
    if version == 3:
        digest = hmac.new(b"", message, hashlib.sha256).digest()
    else:
        key = hashlib.sha1(b"putty-private-key-file-mac-key").digest()  # noqa: S324 - PPK v2 is defined with SHA-1
        digest = hmac.new(key, message, hashlib.sha1).digest()
    try:
        stored = bytes.fromhex(fields.get("private-mac", ""))
    except ValueError:
        return False
    return hmac.compare_digest(digest, stored)


def _string(value: bytes) -> bytes:
    return struct.pack(">I", len(value)) + value
