"""The attestation vocabulary: errors, media types and frozen DSSE / in-toto value types.

DSSE v1 envelopes (secure-systems-lab/dsse ``envelope.md``) carry in-toto Statement v1
payloads (in-toto/attestation ``spec/v1/statement.md``); spyless's own predicate is the
verdict predicate of ``predicate.py``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from spyless.errors import Error

PAYLOAD_TYPE_INTOTO = "application/vnd.in-toto+json"
STATEMENT_TYPE_V1 = "https://in-toto.io/Statement/v1"
VERDICT_PREDICATE_TYPE = "https://spyless.dev/attestation/verdict/v1"


class AttestError(Error):
    """Root of every attestation error."""


class EnvelopeError(AttestError):
    """A DSSE envelope or in-toto statement is malformed."""


class SignatureError(AttestError):
    """No trusted key (or too few of them) signed the envelope."""


class KeyFileError(AttestError):
    """A key file is missing, malformed, of an unsupported type, or cannot be decrypted."""


class PolicyError(AttestError):
    """A verified attestation does not say what the verification policy requires."""


class Signer(Protocol):
    """A private key that signs DSSE PAE bytes."""

    @property
    def keyid(self) -> str: ...

    def sign(self, data: bytes) -> bytes: ...


class Verifier(Protocol):
    """A public key that checks a signature over DSSE PAE bytes."""

    @property
    def keyid(self) -> str: ...

    def verify(self, data: bytes, signature: bytes) -> bool: ...


@dataclass(frozen=True, slots=True)
class Signature:
    keyid: str
    sig: bytes


@dataclass(frozen=True, slots=True)
class Envelope:
    """A DSSE envelope: the serialized body, its type, and one or more signatures."""

    payload: bytes
    payload_type: str
    signatures: tuple[Signature, ...]


@dataclass(frozen=True, slots=True)
class Subject:
    """An in-toto ResourceDescriptor as used for subjects: a name and its digests."""

    name: str
    digest: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Statement:
    """An in-toto Statement v1."""

    subjects: tuple[Subject, ...]
    predicate_type: str
    predicate: Mapping[str, Any] = field(default_factory=dict)
