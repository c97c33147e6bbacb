"""Signing keys: generation, 0600 private key files (optionally passphrase-encrypted),
loading, and DSSE signers/verifiers through ``cryptography``.

Ed25519 by default, ECDSA P-256 with SHA-256 as an option. Private keys are PKCS#8 PEM,
encrypted with ``BestAvailableEncryption`` when a passphrase is given, and created with
``os.open(..., 0o600)`` then ``fchmod`` so neither the umask nor an existing file widens
the mode. A DSSE key id is the lowercase hex SHA-256 of the public key's DER
SubjectPublicKeyInfo. Key material never appears in a ``repr`` or an error message.
"""

from __future__ import annotations

import enum
import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519

from spyless.attest.interface import KeyFileError

PrivateKey = ed25519.Ed25519PrivateKey | ec.EllipticCurvePrivateKey
PublicKey = ed25519.Ed25519PublicKey | ec.EllipticCurvePublicKey

#: Environment variable holding the private key passphrase (instead of a file).
PASSPHRASE_ENV = "SPYLESS_KEY_PASSPHRASE"  # noqa: S105 - the variable name, not a secret
_MAX_KEY_FILE = 64 << 10


class KeyType(enum.StrEnum):
    ED25519 = "ed25519"
    ECDSA_P256 = "ecdsa-p256"


def generate_private_key(key_type: KeyType = KeyType.ED25519) -> PrivateKey:
    if key_type is KeyType.ED25519:
        return ed25519.Ed25519PrivateKey.generate()
    return ec.generate_private_key(ec.SECP256R1())


def _check_supported(key: object, what: str) -> None:
    if isinstance(key, ec.EllipticCurvePrivateKey | ec.EllipticCurvePublicKey) and not isinstance(
            key.curve, ec.SECP256R1):
        raise KeyFileError(f"{what}: only the P-256 curve is supported for ECDSA")


def keyid_of(public_key: PublicKey) -> str:
    der = public_key.public_bytes(serialization.Encoding.DER,
                                  serialization.PublicFormat.SubjectPublicKeyInfo)
    return hashlib.sha256(der).hexdigest()


def public_pem(public_key: PublicKey) -> bytes:
    return public_key.public_bytes(serialization.Encoding.PEM,
                                   serialization.PublicFormat.SubjectPublicKeyInfo)


def write_private_key(path: Path, key: PrivateKey, passphrase: bytes | None,
                      overwrite: bool = False) -> None:
    """Write the PKCS#8 PEM private key with mode 0600, refusing to replace a file unless
    ``overwrite``."""
    encryption: serialization.KeySerializationEncryption = (
        serialization.BestAvailableEncryption(passphrase) if passphrase
        else serialization.NoEncryption())
    data = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             encryption)
    write_secret_file(path, data, overwrite)


def write_secret_file(path: Path, data: bytes, overwrite: bool = False) -> None:
    """Create ``path`` readable by its owner only and write ``data`` to it."""
    flags = os.O_WRONLY | os.O_CREAT | (os.O_TRUNC if overwrite else os.O_EXCL)
    flags |= getattr(os, "O_NOFOLLOW", 0)
    try:
        fd = os.open(path, flags, 0o600)
    except FileExistsError as e:
        raise KeyFileError(f"{path} already exists (use --force to replace it)") from e
    except OSError as e:
        raise KeyFileError(f"cannot create {path}: {e.strerror}") from e
    try:
        os.fchmod(fd, 0o600)
        os.write(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)


def write_public_file(path: Path, data: bytes, overwrite: bool = False) -> None:
    if path.exists() and not overwrite:
        raise KeyFileError(f"{path} already exists (use --force to replace it)")
    try:
        path.write_bytes(data)
    except OSError as e:
        raise KeyFileError(f"cannot write {path}: {e.strerror}") from e


def _read_key_file(path: Path) -> bytes:
    try:
        if path.stat().st_size > _MAX_KEY_FILE:
            raise KeyFileError(f"{path} is too large to be a key file")
        return path.read_bytes()
    except OSError as e:
        raise KeyFileError(f"cannot read key file {path}: {e.strerror}") from e


def load_private_key(path: Path, passphrase: bytes | None = None) -> PrivateKey:
    data = _read_key_file(path)
    try:
        key = serialization.load_pem_private_key(data, passphrase or None)
    except TypeError as e:
        if passphrase:
            raise KeyFileError(f"{path} is not encrypted; do not give a passphrase") from e
        raise KeyFileError(f"{path} is encrypted: give --passphrase-file or set "
                           f"{PASSPHRASE_ENV}") from e
    except (ValueError, UnsupportedAlgorithm) as e:
        hint = " or the passphrase is wrong" if passphrase else ""
        raise KeyFileError(f"{path} is not a PEM private key{hint}") from e
    if not isinstance(key, PrivateKey):
        raise KeyFileError(f"{path}: only Ed25519 and ECDSA P-256 keys are supported")
    _check_supported(key, str(path))
    return key


def load_public_key(path: Path) -> PublicKey:
    data = _read_key_file(path)
    try:
        key = serialization.load_pem_public_key(data)
    except (ValueError, UnsupportedAlgorithm) as e:
        raise KeyFileError(f"{path} is not a PEM public key") from e
    if not isinstance(key, PublicKey):
        raise KeyFileError(f"{path}: only Ed25519 and ECDSA P-256 keys are supported")
    _check_supported(key, str(path))
    return key


@dataclass(frozen=True, slots=True)
class KeySigner:
    """A DSSE signer over a private key."""

    key: PrivateKey

    def __repr__(self) -> str:
        return f"KeySigner(keyid={self.keyid[:16]}…)"

    @property
    def keyid(self) -> str:
        return keyid_of(self.key.public_key())

    def sign(self, data: bytes) -> bytes:
        if isinstance(self.key, ed25519.Ed25519PrivateKey):
            return self.key.sign(data)
        return self.key.sign(data, ec.ECDSA(hashes.SHA256()))

    def verifier(self) -> KeyVerifier:
        return KeyVerifier(self.key.public_key())


@dataclass(frozen=True, slots=True)
class KeyVerifier:
    """A DSSE verifier over a public key."""

    key: PublicKey

    @property
    def keyid(self) -> str:
        return keyid_of(self.key)

    def verify(self, data: bytes, signature: bytes) -> bool:
        try:
            if isinstance(self.key, ed25519.Ed25519PublicKey):
                self.key.verify(signature, data)
            else:
                self.key.verify(signature, data, ec.ECDSA(hashes.SHA256()))
        except (InvalidSignature, ValueError):
            return False
        return True


def read_passphrase(path: Path | None) -> bytes | None:
    """The passphrase from a file (first line) or from $SPYLESS_KEY_PASSPHRASE, if any."""
    if path is not None:
        try:
            text = path.read_bytes()[:4096]
        except OSError as e:
            raise KeyFileError(f"cannot read passphrase file {path}: {e.strerror}") from e
        line = text.split(b"\n", 1)[0].rstrip(b"\r")
        if not line:
            raise KeyFileError(f"passphrase file {path} is empty")
        return line
    value = os.environ.get(PASSPHRASE_ENV)
    return value.encode("utf-8") if value else None


def ed25519_seed(key: PrivateKey) -> bytes:
    """The 32-byte RFC 8032 seed of an Ed25519 key (for signed-note signing)."""
    if not isinstance(key, ed25519.Ed25519PrivateKey):
        raise KeyFileError("signed notes and checkpoints need an Ed25519 key")
    return key.private_bytes_raw()
