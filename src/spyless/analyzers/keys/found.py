"""The value every key decoder returns: one key, certificate or public key found in a file."""

from __future__ import annotations

from dataclasses import dataclass

from spyless.analyzers.keys.publickey import PublicKeyInfo


@dataclass(frozen=True, slots=True)
class CertInfo:
    subject: str
    issuer: str
    not_after: str  # ISO 8601, UTC
    expired: bool
    self_signed: bool
    is_ca: bool


@dataclass(frozen=True, slots=True)
class FoundKey:
    #: "private-key", "public-key", "certificate", "authorized-key"
    kind: str
    #: "pem", "pkcs8", "openssh", "putty", "der", "dropbear", "ssh"
    encoding: str
    offset: int
    key: PublicKeyInfo
    encrypted: bool = False
    #: Fully decoded and internally consistent (else: only its structure was recognised).
    verified: bool = True
    excerpt: str = ""
    comment: str | None = None
    options: tuple[str, ...] = ()
    cert: CertInfo | None = None
