"""DSSE v1 (secure-systems-lab/dsse ``protocol.md`` and ``envelope.md``): PAE, sign, verify.

PAE(type, body) = "DSSEv1" SP LEN(type) SP type SP LEN(body) SP body, where LEN is the
ASCII decimal byte length (of the UTF-8 type). Verification ("Protocol", steps for the
verifier) rejects an unsupported payload type, verifies each signature over the PAE with
the trusted keys, and accepts when the number of *distinct* trusted keys with a valid
signature reaches the threshold. Base64 in either the standard or the URL-safe alphabet is
accepted ("envelope.md": verifiers must accept either).
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Sequence
from typing import Any

from spyless.attest.interface import (
    PAYLOAD_TYPE_INTOTO,
    Envelope,
    EnvelopeError,
    Signature,
    SignatureError,
    Signer,
    Verifier,
)

#: Envelopes larger than this are refused before parsing.
MAX_ENVELOPE_SIZE = 16 << 20

_BASE64 = re.compile(r"[A-Za-z0-9+/\-_]*={0,2}")


def pae(payload_type: str, payload: bytes) -> bytes:
    """The Pre-Authentication Encoding of ``protocol.md``."""
    type_bytes = payload_type.encode("utf-8")
    return b"DSSEv1 %d %s %d %s" % (len(type_bytes), type_bytes, len(payload), payload)


def b64decode_any(text: str, what: str) -> bytes:
    """Standard or URL-safe base64, padded or not; anything else is an EnvelopeError."""
    if not _BASE64.fullmatch(text):
        raise EnvelopeError(f"{what} is not base64")
    unpadded = text.rstrip("=")
    try:
        return base64.urlsafe_b64decode(
            unpadded.replace("+", "-").replace("/", "_") + "=" * (-len(unpadded) % 4))
    except (binascii.Error, ValueError) as e:
        raise EnvelopeError(f"{what} is not base64") from e


def envelope_to_dict(envelope: Envelope) -> dict[str, Any]:
    return {
        "payloadType": envelope.payload_type,
        "payload": base64.b64encode(envelope.payload).decode("ascii"),
        "signatures": [{"keyid": s.keyid, "sig": base64.b64encode(s.sig).decode("ascii")}
                       for s in envelope.signatures],
    }


def envelope_to_json(envelope: Envelope) -> str:
    return json.dumps(envelope_to_dict(envelope), indent=1) + "\n"


def envelope_from_dict(data: object) -> Envelope:
    if not isinstance(data, dict):
        raise EnvelopeError("a DSSE envelope is a JSON object")
    payload, payload_type, signatures = (data.get("payload"), data.get("payloadType"),
                                         data.get("signatures"))
    if not isinstance(payload, str) or not isinstance(payload_type, str):
        raise EnvelopeError("a DSSE envelope needs string 'payload' and 'payloadType'")
    if not isinstance(signatures, list) or not signatures:
        raise EnvelopeError("a DSSE envelope needs a non-empty 'signatures' list")
    parsed = []
    for position, item in enumerate(signatures):
        if not isinstance(item, dict) or not isinstance(item.get("sig"), str):
            raise EnvelopeError(f"signature {position} has no string 'sig'")
        keyid = item.get("keyid", "")
        if not isinstance(keyid, str):
            raise EnvelopeError(f"signature {position} has a non-string 'keyid'")
        parsed.append(Signature(keyid, b64decode_any(item["sig"], f"signature {position}")))
    return Envelope(b64decode_any(payload, "payload"), payload_type, tuple(parsed))


def envelope_from_json(text: str | bytes) -> Envelope:
    if len(text) > MAX_ENVELOPE_SIZE:
        raise EnvelopeError(f"envelope is larger than {MAX_ENVELOPE_SIZE} bytes")
    try:
        data = json.loads(text)
    except (json.JSONDecodeError, UnicodeDecodeError, RecursionError) as e:
        raise EnvelopeError(f"envelope is not JSON: {e}") from e
    return envelope_from_dict(data)


def sign_envelope(payload: bytes, payload_type: str, signers: Sequence[Signer]) -> Envelope:
    if not signers:
        raise SignatureError("at least one signing key is needed")
    message = pae(payload_type, payload)
    return Envelope(payload, payload_type,
                    tuple(Signature(s.keyid, s.sign(message)) for s in signers))


def verify_envelope(envelope: Envelope, verifiers: Sequence[Verifier], threshold: int = 1,
                    payload_types: Sequence[str] = (PAYLOAD_TYPE_INTOTO,)) -> bytes:
    """Return the payload if at least ``threshold`` distinct trusted keys signed it."""
    if threshold < 1:
        raise SignatureError("the signature threshold must be at least 1")
    if envelope.payload_type not in payload_types:
        raise SignatureError(f"payload type {envelope.payload_type!r} is not accepted "
                             f"(expected {', '.join(payload_types)})")
    message = pae(envelope.payload_type, envelope.payload)
    accepted: set[int] = set()
    for signature in envelope.signatures:
        # keyid is an unauthenticated hint: every trusted key is tried.
        for position, verifier in enumerate(verifiers):
            if position not in accepted and verifier.verify(message, signature.sig):
                accepted.add(position)
                break
    if len(accepted) < threshold:
        trusted = ", ".join(v.keyid[:16] for v in verifiers) or "none"
        raise SignatureError(f"{len(accepted)} of {threshold} required signatures by trusted "
                             f"keys verify (trusted keys: {trusted})")
    return envelope.payload
