"""C2SP tlog-cosignature v1 with Ed25519 (signature type 0x04): signing and verification.

A cosignature is a note signature over ``cosignature/v1\\ntime <T>\\n`` followed by the
checkpoint's note text, encoded as the ``timestamped_signature`` structure (big-endian u64
timestamp || 64-byte Ed25519 signature) ("Format" and "Ed25519 signed message" sections).
Witness quorum counting for offline verification lives here too.
"""

from __future__ import annotations

import struct
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from spyless.tlog.interface import NoteError
from spyless.tlog.note import (
    SIG_COSIGNATURE_ED25519,
    SIG_ED25519,
    Ed25519NoteVerifier,
    Note,
    NoteSignature,
    NoteVerifier,
    format_verifier_key,
    key_id,
    split_key_line,
)

_MAX_TIMESTAMP = (1 << 63) - 1


def cosigned_message(text: bytes, timestamp: int) -> bytes:
    """The exact bytes an Ed25519 v1 cosignature signs."""
    if not 0 <= timestamp <= _MAX_TIMESTAMP:
        raise NoteError(f"cosignature timestamp {timestamp} is out of range")
    return b"cosignature/v1\ntime %d\n" % timestamp + text


@dataclass(frozen=True, slots=True)
class CosignatureVerifier:
    """A witness's Ed25519 cosigner public key (verifier key type 0x04)."""

    name: str
    public_key: bytes

    @property
    def key_id(self) -> bytes:
        return key_id(self.name, SIG_COSIGNATURE_ED25519, self.public_key)

    def verify(self, text: bytes, signature: bytes) -> bool:
        if len(signature) != 8 + 64:
            return False
        (timestamp,) = struct.unpack(">Q", signature[:8])
        if timestamp > _MAX_TIMESTAMP:
            return False
        try:
            Ed25519PublicKey.from_public_bytes(self.public_key).verify(
                signature[8:], cosigned_message(text, timestamp))
        except (InvalidSignature, ValueError):
            return False
        return True

    def vkey(self) -> str:
        return format_verifier_key(self.name, SIG_COSIGNATURE_ED25519, self.public_key)


@dataclass(frozen=True, slots=True)
class CosignatureSigner:
    """A witness's Ed25519 cosigning key; ``clock`` gives the POSIX timestamp to sign."""

    name: str
    seed: bytes
    clock: Callable[[], int] = field(default=lambda: int(time.time()), compare=False)

    def __repr__(self) -> str:
        return f"CosignatureSigner(name={self.name!r}, seed=<hidden>)"

    @property
    def public_key(self) -> bytes:
        return Ed25519PrivateKey.from_private_bytes(self.seed).public_key().public_bytes_raw()

    @property
    def key_id(self) -> bytes:
        return key_id(self.name, SIG_COSIGNATURE_ED25519, self.public_key)

    def sign(self, text: bytes) -> bytes:
        timestamp = self.clock()
        signature = Ed25519PrivateKey.from_private_bytes(self.seed).sign(
            cosigned_message(text, timestamp))
        return struct.pack(">Q", timestamp) + signature

    def verifier(self) -> CosignatureVerifier:
        return CosignatureVerifier(self.name, self.public_key)


def cosignature_timestamp(signature: NoteSignature) -> int:
    """The POSIX time a (verified) v1 cosignature states."""
    if len(signature.signature) != 72:
        raise NoteError(f"cosignature by {signature.name} is not a timestamped signature")
    (timestamp,) = struct.unpack(">Q", signature.signature[:8])
    return int(timestamp)


def parse_witness_key(line: str) -> NoteVerifier:
    """A witness verifier key: type 0x04 (cosignature v1) or 0x01 (plain note signature)."""
    name, wanted_id, sig_type, public_key = split_key_line(line)
    if len(public_key) != 32:
        raise NoteError(f"witness key {name}: an Ed25519 public key is 32 bytes")
    verifier: NoteVerifier
    if sig_type == SIG_COSIGNATURE_ED25519:
        verifier = CosignatureVerifier(name, public_key)
    elif sig_type == SIG_ED25519:
        verifier = Ed25519NoteVerifier(name, public_key)
    else:
        raise NoteError(f"witness key {name}: unsupported signature type {sig_type:#04x}")
    if verifier.key_id != wanted_id:
        raise NoteError(f"witness key {name}: key id does not match the public key")
    return verifier


def cosign(note: Note, signer: CosignatureSigner) -> Note:
    """Add ``signer``'s cosignature to a (log-signed) checkpoint note."""
    text = note.text.encode("utf-8")
    sig = NoteSignature(signer.name, signer.key_id, signer.sign(text))
    kept = tuple(s for s in note.signatures if (s.name, s.key_id) != (sig.name, sig.key_id))
    return Note(note.text, (*kept, sig))


def verified_witnesses(note: Note, witnesses: Iterable[NoteVerifier]) -> tuple[str, ...]:
    """Names of the given witnesses whose cosignature on ``note`` verifies.

    A signature line that matches a trusted witness but fails to verify makes the note
    invalid (signed-note "Signatures": clients should reject it), so it raises.
    """
    text = note.text.encode("utf-8")
    names: list[str] = []
    seen: set[tuple[str, bytes]] = set()
    for witness in witnesses:
        matching = [s for s in note.signatures
                    if (s.name, s.key_id) == (witness.name, witness.key_id)]
        for sig in matching:
            if not witness.verify(text, sig.signature):
                raise NoteError(f"cosignature by witness {witness.name} does not verify")
        if matching and (witness.name, witness.key_id) not in seen:
            seen.add((witness.name, witness.key_id))
            names.append(witness.name)
    return tuple(names)
