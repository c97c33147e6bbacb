"""OpenSSH's private key container, ``openssh-key-v1`` (OpenSSH PROTOCOL.key).

Layout after the magic: string ciphername, string kdfname, string kdfoptions, uint32 number
of keys, that many public key blobs, then one string holding the (possibly encrypted)
private section. Public blobs are never encrypted, so algorithm and fingerprint are known
even for a passphrase-protected key.
"""

from __future__ import annotations

from spyless.analyzers.keys.found import FoundKey
from spyless.analyzers.keys.publickey import UNKNOWN, WireError, WireReader, describe_ssh_blob

MAGIC = b"openssh-key-v1\x00"
_MAX_KEYS = 16
#: Fields of each key type in the private section before its comment.
_PRIVATE_FIELDS = {"ssh-rsa": 6, "ssh-dss": 5, "ssh-ed25519": 2, "ssh-ed448": 2,
                   "ecdsa-sha2-nistp256": 3, "ecdsa-sha2-nistp384": 3,
                   "ecdsa-sha2-nistp521": 3}


def decode_openssh(blob: bytes, offset: int, excerpt: str) -> list[FoundKey]:
    """Keys in an ``OPENSSH PRIVATE KEY`` body (already base64-decoded)."""
    if not blob.startswith(MAGIC):
        return []
    reader = WireReader(blob, len(MAGIC))
    try:
        cipher, kdf = reader.string(), reader.string()
        reader.string()  # kdf options: salt and rounds
        count = reader.uint32()
        if not 0 < count <= _MAX_KEYS:
            return []
        publics = [reader.string() for _ in range(count)]
        private = reader.string()
    except WireError:
        return []
    encrypted = cipher != b"none" or kdf != b"none"
    comments: list[str | None] = [None] * count
    verified = True
    if not encrypted:
        verified, comments = _private_section(private, count)
    found = []
    for public, comment in zip(publics, comments, strict=True):
        info = describe_ssh_blob(public)
        found.append(FoundKey("private-key", "openssh", offset, info or UNKNOWN,
                              encrypted=encrypted, verified=verified and info is not None,
                              excerpt=excerpt, comment=comment))
    return found


def _private_section(private: bytes, count: int) -> tuple[bool, list[str | None]]:
    """Whether the check integers agree, and each key's comment."""
    comments: list[str | None] = [None] * count
    reader = WireReader(private)
    try:
        if reader.uint32() != reader.uint32():
            return False, comments
        for i in range(count):
            fields = _PRIVATE_FIELDS.get(reader.string().decode("ascii", "replace"))
            if fields is None:
                break
            for _ in range(fields):
                reader.string()
            comments[i] = reader.string().decode("utf-8", "replace") or None
    except WireError:
        return False, comments
    return True, comments
