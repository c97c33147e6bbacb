"""C2SP signed notes (c2sp.org/signed-note): key lines, key ids, signing and verification.

Owns the text forms of keys (verifier key ``name+hex(keyid)+base64(type || pubkey)`` and
the Go-compatible signer key ``PRIVATE+KEY+name+hex(keyid)+base64(type || seed)``), the
Ed25519 note signature (type 0x01) and the rules for opening a note: signatures from
unknown keys are ignored, a known key whose signature fails rejects the note, and a note
with no verified known signature is rejected ("Signatures" section).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from spyless.tlog.interface import NoteError

#: "Signature types" section of the spec.
SIG_ED25519 = 0x01
SIG_COSIGNATURE_ED25519 = 0x04

#: Notes larger than this are refused before parsing (the spec asks for a limit).
MAX_NOTE_SIZE = 1 << 20
#: The spec requires accepting at least 16 signatures.
MAX_SIGNATURES = 100

EM_DASH = "\u2014"
_PRIVATE_PREFIX = "PRIVATE+KEY+"


class NoteVerifier(Protocol):
    """A key that can check one note signature (identified by name and key id)."""

    @property
    def name(self) -> str: ...

    @property
    def key_id(self) -> bytes: ...

    def verify(self, text: bytes, signature: bytes) -> bool: ...


class NoteSigner(Protocol):
    """A key that can produce one note signature over a note text."""

    @property
    def name(self) -> str: ...

    @property
    def key_id(self) -> bytes: ...

    def sign(self, text: bytes) -> bytes: ...


@dataclass(frozen=True, slots=True)
class NoteSignature:
    """One signature line: key name, 4-byte key id and the signature bytes after it."""

    name: str
    key_id: bytes
    signature: bytes

    def line(self) -> str:
        blob = base64.b64encode(self.key_id + self.signature).decode("ascii")
        return f"{EM_DASH} {self.name} {blob}\n"


@dataclass(frozen=True, slots=True)
class Note:
    """A parsed (not yet verified) signed note: its text and its signature lines."""

    text: str
    signatures: tuple[NoteSignature, ...]

    def render(self) -> str:
        return self.text + "\n" + "".join(s.line() for s in self.signatures)


def key_id(name: str, sig_type: int, public_key: bytes) -> bytes:
    """SHA-256(key name || 0x0A || signature type || public key)[:4] ("Signatures")."""
    return hashlib.sha256(name.encode("utf-8") + b"\n" + bytes([sig_type]) + public_key).digest()[:4]


def check_key_name(name: str) -> None:
    """Key names are non-empty, without Unicode spaces or '+' ("Format")."""
    if not name or "+" in name or any(c.isspace() for c in name) or any(
            ord(c) < 0x20 for c in name):
        raise NoteError(f"invalid key name {name!r}: must be non-empty, without spaces or '+'")


def b64decode_strict(text: str, what: str) -> bytes:
    """Standard base64 (RFC 4648 §4) with padding, refusing anything else."""
    try:
        return base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError, ValueError) as e:
        raise NoteError(f"{what} is not valid base64") from e


@dataclass(frozen=True, slots=True)
class Ed25519NoteVerifier:
    """An Ed25519 note verifier key (signature type 0x01)."""

    name: str
    public_key: bytes

    @property
    def key_id(self) -> bytes:
        return key_id(self.name, SIG_ED25519, self.public_key)

    def verify(self, text: bytes, signature: bytes) -> bool:
        try:
            Ed25519PublicKey.from_public_bytes(self.public_key).verify(signature, text)
        except (InvalidSignature, ValueError):
            return False
        return True

    def vkey(self) -> str:
        return format_verifier_key(self.name, SIG_ED25519, self.public_key)


@dataclass(frozen=True, slots=True)
class Ed25519NoteSigner:
    """An Ed25519 note signer (signature type 0x01) from a 32-byte RFC 8032 seed."""

    name: str
    seed: bytes

    def __repr__(self) -> str:
        return f"Ed25519NoteSigner(name={self.name!r}, seed=<hidden>)"

    @property
    def public_key(self) -> bytes:
        return Ed25519PrivateKey.from_private_bytes(self.seed).public_key().public_bytes_raw()

    @property
    def key_id(self) -> bytes:
        return key_id(self.name, SIG_ED25519, self.public_key)

    def sign(self, text: bytes) -> bytes:
        return Ed25519PrivateKey.from_private_bytes(self.seed).sign(text)

    def verifier(self) -> Ed25519NoteVerifier:
        return Ed25519NoteVerifier(self.name, self.public_key)

    def signer_key(self) -> str:
        """The Go-compatible signer key line; a secret, for files with mode 0600 only."""
        blob = base64.b64encode(bytes([SIG_ED25519]) + self.seed).decode("ascii")
        return f"{_PRIVATE_PREFIX}{self.name}+{self.key_id.hex()}+{blob}"


def format_verifier_key(name: str, sig_type: int, public_key: bytes) -> str:
    """``<name>+hex(key id)+base64(type || public key)`` ("Verifier keys")."""
    check_key_name(name)
    blob = base64.b64encode(bytes([sig_type]) + public_key).decode("ascii")
    return f"{name}+{key_id(name, sig_type, public_key).hex()}+{blob}"


def split_key_line(line: str) -> tuple[str, bytes, int, bytes]:
    """(name, key id, signature type, key material) of a verifier or signer key line."""
    # Base64 key material may itself contain '+': split off name and id only.
    parts = line.strip().split("+", 2)
    if len(parts) != 3:
        raise NoteError("a key line is 'name+keyid+base64'")
    name, hex_id, blob = parts
    check_key_name(name)
    if len(hex_id) != 8 or hex_id != hex_id.lower():
        raise NoteError(f"key id {hex_id!r} is not 8 lowercase hex digits")
    try:
        wanted_id = bytes.fromhex(hex_id)
    except ValueError as e:
        raise NoteError(f"key id {hex_id!r} is not hex") from e
    raw = b64decode_strict(blob, "key material")
    if not raw:
        raise NoteError("key material is empty")
    return name, wanted_id, raw[0], raw[1:]


def parse_verifier_key(line: str) -> Ed25519NoteVerifier:
    """An Ed25519 (type 0x01) verifier key line; the key id must match the key."""
    name, wanted_id, sig_type, public_key = split_key_line(line)
    if sig_type != SIG_ED25519:
        raise NoteError(f"verifier key {name} has signature type {sig_type:#04x}, "
                        "not Ed25519 (0x01)")
    if len(public_key) != 32:
        raise NoteError(f"verifier key {name}: an Ed25519 public key is 32 bytes")
    verifier = Ed25519NoteVerifier(name, public_key)
    if verifier.key_id != wanted_id:
        raise NoteError(f"verifier key {name}: key id does not match the public key")
    return verifier


def parse_signer_key(line: str) -> Ed25519NoteSigner:
    """A ``PRIVATE+KEY+...`` Ed25519 signer key line (as Go's note.GenerateKey writes)."""
    if not line.startswith(_PRIVATE_PREFIX):
        raise NoteError("a signer key line starts with PRIVATE+KEY+")
    name, wanted_id, sig_type, seed = split_key_line(line[len(_PRIVATE_PREFIX):])
    if sig_type != SIG_ED25519 or len(seed) != 32:
        raise NoteError(f"signer key {name} is not an Ed25519 (0x01) 32-byte seed")
    signer = Ed25519NoteSigner(name, seed)
    if signer.key_id != wanted_id:
        raise NoteError(f"signer key {name}: key id does not match the key")
    return signer


def parse_note(data: bytes | str) -> Note:
    """Split a signed note into text and signature lines ("Format"); no verification."""
    raw = data.encode("utf-8") if isinstance(data, str) else data
    if len(raw) > MAX_NOTE_SIZE:
        raise NoteError(f"note is {len(raw)} bytes, more than the {MAX_NOTE_SIZE} accepted")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        raise NoteError("note is not valid UTF-8") from e
    if any(ord(c) < 0x20 and c != "\n" for c in text):
        raise NoteError("note contains control characters other than newline")
    split = text.rfind("\n\n")
    if split < 0 or not text.endswith("\n"):
        raise NoteError("note has no blank line before its signature lines")
    body, sig_block = text[: split + 1], text[split + 2:]
    lines = sig_block[:-1].split("\n")
    if len(lines) > MAX_SIGNATURES:
        raise NoteError(f"note has {len(lines)} signatures, more than {MAX_SIGNATURES}")
    signatures = []
    for line in lines:
        prefix, _, rest = line.partition(" ")
        name, _, blob = rest.partition(" ")
        if prefix != EM_DASH or not name or not blob or " " in blob:
            raise NoteError(f"malformed signature line {line[:80]!r}")
        check_key_name(name)
        sig = b64decode_strict(blob, f"signature of {name}")
        if len(sig) < 5:
            raise NoteError(f"signature of {name} is too short")
        signatures.append(NoteSignature(name, sig[:4], sig[4:]))
    return Note(body, tuple(signatures))


def open_note(data: bytes | str, verifiers: Iterable[NoteVerifier]) -> tuple[Note,
                                                                            tuple[NoteSignature, ...]]:
    """Parse and verify a note; return it with the signatures that verified.

    Unknown (name, key id) pairs are ignored; a known key whose signature fails rejects
    the whole note; at least one known signature must verify.
    """
    note = parse_note(data)
    known = {(v.name, v.key_id): v for v in verifiers}
    text = note.text.encode("utf-8")
    verified: list[NoteSignature] = []
    for sig in note.signatures:
        verifier = known.get((sig.name, sig.key_id))
        if verifier is None:
            continue
        if not verifier.verify(text, sig.signature):
            raise NoteError(f"signature by {sig.name} (key {sig.key_id.hex()}) does not verify")
        if all((s.name, s.key_id) != (sig.name, sig.key_id) for s in verified):
            verified.append(sig)
    if not verified:
        names = ", ".join(sorted({f"{n}+{k.hex()}" for n, k in known})) or "none given"
        raise NoteError(f"note is not signed by any trusted key (trusted: {names})")
    return note, tuple(verified)


def sign_note(text: str, signers: Sequence[NoteSigner], existing: Sequence[NoteSignature] = ()
              ) -> Note:
    """Sign ``text`` (which must end in a newline) with each signer, after ``existing``."""
    if not text.endswith("\n") or text.endswith("\n\n"):
        raise NoteError("note text must end in exactly one newline")
    if any(ord(c) < 0x20 and c != "\n" for c in text):
        raise NoteError("note text contains control characters other than newline")
    signatures = list(existing)
    for signer in signers:
        check_key_name(signer.name)
        signatures.append(NoteSignature(signer.name, signer.key_id,
                                        signer.sign(text.encode("utf-8"))))
    return Note(text, tuple(signatures))
