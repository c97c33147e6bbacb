"""The key-material file analyzer: decodes every key and certificate in a file and judges it.

Dispatch is by content (PEM markers anywhere, including inside binaries; PuTTY and
Dropbear headers; a whole-file DER structure) and by path (``authorized_keys``, ``*.pub``),
so a key is found whatever the file is called. Cross-file judgements (one key in several
places, a self-signed certificate whose key ships too) are in :mod:`.reuse`.
"""

from __future__ import annotations

from spyless.analyzers.interface import FileAnalyzer, FileInput, Output
from spyless.analyzers.keys.der import decode_der_file
from spyless.analyzers.keys.dropbear import PREFIXES as DROPBEAR_PREFIXES
from spyless.analyzers.keys.dropbear import decode_dropbear
from spyless.analyzers.keys.findings import SPY201, SPY202, SPY204, SPY205, SPY206, SPY208
from spyless.analyzers.keys.found import CertInfo, FoundKey
from spyless.analyzers.keys.paths import (
    is_authorized_keys,
    is_host_key_path,
    is_trust_store,
    sample_context,
)
from spyless.analyzers.keys.pem import scan_pem
from spyless.analyzers.keys.publickey import PublicKeyInfo
from spyless.analyzers.keys.putty import MAGIC as PUTTY_MAGIC
from spyless.analyzers.keys.putty import decode_putty
from spyless.analyzers.keys.sshpub import parse_public_lines
from spyless.model.facts import KeyMaterial
from spyless.model.findings import Confidence, FindingSpec, Location, Severity
from spyless.unpack.interface import ArtifactKind

_SSH_PUBLIC_PREFIXES = (b"ssh-rsa ", b"ssh-dss ", b"ssh-ed25519 ", b"ecdsa-sha2-", b"sk-")
_LINE_KINDS = frozenset({ArtifactKind.TEXT, ArtifactKind.KEY, ArtifactKind.SCRIPT})


def decode_file(data: bytes, fs_path: str, kind: ArtifactKind) -> list[FoundKey]:
    """Every key, public key and certificate in one file, in any supported encoding."""
    found: list[FoundKey] = []
    if b"-----BEGIN " in data:
        found.extend(scan_pem(data))
    if PUTTY_MAGIC in data:
        found.extend(decode_putty(data))
    if kind not in _LINE_KINDS:
        if data.startswith(DROPBEAR_PREFIXES):
            found.extend(decode_dropbear(data))
        elif data[:1] == b"\x30":
            found.extend(decode_der_file(data))
    if is_authorized_keys(fs_path):
        found.extend(parse_public_lines(data, authorized=True))
    elif kind in _LINE_KINDS and (fs_path.endswith(".pub")
                                  or data.lstrip().startswith(_SSH_PUBLIC_PREFIXES)):
        found.extend(parse_public_lines(data, authorized=False))
    return found


def weakness(key: PublicKeyInfo) -> str | None:
    """Why a key is too weak for use today, or None."""
    if key.algorithm == "rsa" and key.bits is not None and key.bits < 2048:
        return f"RSA key of {key.bits} bits (under 2048)"
    if key.algorithm == "dsa":
        return f"DSA key{f' of {key.bits} bits' if key.bits else ''} (DSA is deprecated)"
    if key.algorithm == "ec" and key.bits is not None and key.bits < 224:
        return f"elliptic-curve key of {key.bits} bits (under 224)"
    return None


def key_summary(key: PublicKeyInfo) -> str:
    """``RSA 2048-bit``, ``EC secp256r1``, ``Ed25519``."""
    if key.algorithm == "ec":
        return f"EC {key.curve or f'{key.bits}-bit'}"
    if key.algorithm in ("ed25519", "ed448"):
        return key.algorithm.capitalize()
    name = key.algorithm.upper() if key.algorithm != "unknown" else "key of unknown type"
    return f"{name} {key.bits}-bit" if key.bits else name


class KeyFiles(FileAnalyzer):
    name = "keys"
    description = ("Finds private keys (PEM, PKCS#8, OpenSSH, PuTTY, DER, Dropbear), public "
                   "keys, certificates and authorized_keys entries, in files and inside "
                   "binaries; flags baked-in private and host keys, vendor access keys, "
                   "weak keys, expired certificates and world-readable key files.")
    findings = (SPY201, SPY202, SPY204, SPY205, SPY206, SPY208)
    references = ("RFC 7468", "RFC 5280", "RFC 4251 section 5", "OpenSSH PROTOCOL.key",
                  "sshd(8) AUTHORIZED_KEYS FILE FORMAT", "PuTTY manual appendix C")

    def analyze(self, file: FileInput, out: Output) -> None:
        found = decode_file(file.data, file.fs_path, file.artifact.kind)
        if not found:
            return
        context = sample_context(file.fs_path)
        in_binary = file.artifact.kind is ArtifactKind.ELF
        tags = tuple(t for t in (context, "in-binary" if in_binary else None) if t)
        certificates = sum(1 for k in found if k.kind == "certificate")
        lines = _LineCounter(file.data)
        for key in found:
            where = file.location(offset=key.offset,
                                  line=None if in_binary else lines.line(key.offset))
            host = key.kind == "private-key" and is_host_key_path(file.fs_path)
            out.add(_fact(key, where, host))
            judge = _Judgement(file, out, key, where, tags, low=context is not None)
            if key.kind == "private-key":
                judge.private(host, in_binary)
            elif key.kind == "authorized-key":
                judge.authorized()
            elif key.kind == "certificate" and key.cert is not None and not (
                    is_trust_store(file.fs_path) or (certificates > 1 and key.cert.is_ca)):
                judge.certificate(key.cert)


class _Judgement:
    """The findings for one decoded key; ``low`` lowers them all (samples, documentation)."""

    def __init__(self, file: FileInput, out: Output, key: FoundKey, where: Location,
                 tags: tuple[str, ...], low: bool) -> None:
        self.file, self.out, self.key, self.where, self.tags, self.low = (
            file, out, key, where, tags, low)
        self.confidence = Confidence.HIGH if key.verified else Confidence.MEDIUM

    def _emit(self, spec: FindingSpec, message: str, severity: Severity | None = None,
              excerpt: str | None = None) -> None:
        severity = severity or spec.severity
        self.out.finding(spec, message, self.where, confidence=self.confidence,
                         severity=Severity.LOW if self.low and severity.rank > 1 else severity,
                         excerpt=self.key.excerpt if excerpt is None else excerpt,
                         tags=self.tags)

    def private(self, host: bool, in_binary: bool) -> None:
        key, path = self.key, self.file.fs_path
        state = "encrypted" if key.encrypted else "unencrypted"
        what = f"{key_summary(key.key)} private key ({key.encoding}, {state})"
        fingerprint = f"; public key sha256 {key.key.fingerprint}" if key.key.fingerprint else ""
        if host:
            self._emit(SPY202, f"SSH host key {path}: {what} ships in the image{fingerprint}")
        else:
            where = "embedded in binary " if in_binary else ""
            self._emit(SPY201, f"{what} {where}{path}{fingerprint}",
                       Severity.MEDIUM if key.encrypted else None)
        self._weak()
        mode = self.file.artifact.mode
        if (not key.encrypted and not in_binary and mode is not None and mode & 0o004
                and not self.low):
            self._emit(SPY208, f"{path} holds an unencrypted private key and has mode "
                       f"{mode & 0o7777:04o} (readable by every user)")

    def authorized(self) -> None:
        key = self.key
        who = f" '{key.comment}'" if key.comment else ""
        options = f" with options {','.join(key.options)}" if key.options else ""
        self._emit(SPY204, f"{self.file.fs_path} authorizes the {key_summary(key.key)} key{who}"
                   f"{options} to log in")

    def certificate(self, cert: CertInfo) -> None:
        excerpt = f"subject={cert.subject} issuer={cert.issuer} notAfter={cert.not_after}"
        if cert.expired:
            self._emit(SPY206, f"certificate {cert.subject} in {self.file.fs_path} expired on "
                       f"{cert.not_after}", excerpt=excerpt)
        self._weak(excerpt)

    def _weak(self, excerpt: str | None = None) -> None:
        reason = weakness(self.key.key)
        if reason is None:
            return
        severity = (Severity.HIGH if self.key.key.algorithm == "rsa"
                    and (self.key.key.bits or 0) < 1024 else SPY205.severity)
        what = "certificate" if self.key.kind == "certificate" else "private key"
        self._emit(SPY205, f"{what} in {self.file.fs_path}: {reason}", severity, excerpt)


def _fact(key: FoundKey, where: Location, host: bool) -> KeyMaterial:
    cert = key.cert
    return KeyMaterial(
        kind="host-key" if host else key.kind, algorithm=key.key.algorithm, location=where,
        bits=key.key.bits, fingerprint=key.key.fingerprint, encrypted=key.encrypted,
        encoding=key.encoding, subject=cert.subject if cert else None,
        issuer=cert.issuer if cert else None, not_after=cert.not_after if cert else None,
        self_signed=cert.self_signed if cert else None, comment=key.comment)


class _LineCounter:
    """Line numbers for increasing offsets without rescanning from the start each time."""

    def __init__(self, data: bytes) -> None:
        self.data, self.offset, self.count = data, 0, 1

    def line(self, offset: int) -> int:
        if offset < self.offset:
            self.offset, self.count = 0, 1
        self.count += self.data.count(b"\n", self.offset, offset)
        self.offset = offset
        return self.count
