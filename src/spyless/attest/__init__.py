"""Signed verdicts: in-toto Statement v1 in DSSE envelopes, keys and verification policies.

Public API: :func:`verdict_statement`, :func:`attest`, :func:`verify_attestation`, the DSSE
primitives (:func:`pae`, :func:`sign_envelope`, :func:`verify_envelope`, JSON codecs), key
handling (:class:`KeySigner`, :class:`KeyVerifier`, :func:`load_private_key`, ...), the
predicate model :class:`VerdictPredicate` and the policies (:class:`SubjectDigest`,
:class:`PredicateType`, :class:`VerdictIs`, :class:`AllOf`).
"""

from spyless.attest.attestation import (
    attest,
    split_check_output,
    verdict_statement,
    verify_attestation,
)
from spyless.attest.dsse import (
    envelope_from_json,
    envelope_to_json,
    pae,
    sign_envelope,
    verify_envelope,
)
from spyless.attest.interface import (
    PAYLOAD_TYPE_INTOTO,
    STATEMENT_TYPE_V1,
    VERDICT_PREDICATE_TYPE,
    AttestError,
    Envelope,
    EnvelopeError,
    KeyFileError,
    PolicyError,
    Signature,
    SignatureError,
    Statement,
    Subject,
)
from spyless.attest.keys import (
    KeySigner,
    KeyType,
    KeyVerifier,
    generate_private_key,
    load_private_key,
    load_public_key,
)
from spyless.attest.policy import AllOf, PredicateType, SubjectDigest, VerdictIs
from spyless.attest.predicate import VerdictPredicate, predicate_from_check

__all__ = [
    "PAYLOAD_TYPE_INTOTO",
    "STATEMENT_TYPE_V1",
    "VERDICT_PREDICATE_TYPE",
    "AllOf",
    "AttestError",
    "Envelope",
    "EnvelopeError",
    "KeyFileError",
    "KeySigner",
    "KeyType",
    "KeyVerifier",
    "PolicyError",
    "PredicateType",
    "Signature",
    "SignatureError",
    "Statement",
    "Subject",
    "SubjectDigest",
    "VerdictIs",
    "VerdictPredicate",
    "attest",
    "envelope_from_json",
    "envelope_to_json",
    "generate_private_key",
    "load_private_key",
    "load_public_key",
    "pae",
    "predicate_from_check",
    "sign_envelope",
    "split_check_output",
    "verdict_statement",
    "verify_attestation",
    "verify_envelope",
]
