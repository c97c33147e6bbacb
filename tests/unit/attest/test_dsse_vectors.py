"""The 9 official DSSE vectors (secure-systems-lab/dsse), and DSSE edge cases."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from spyless.attest.dsse import (
    envelope_from_dict,
    envelope_from_json,
    envelope_to_json,
    pae,
    sign_envelope,
    verify_envelope,
)
from spyless.attest.interface import EnvelopeError, SignatureError
from tests.conftest import SHARED

VECTORS = SHARED / "vectors" / "dsse" / "vectors.json"


def _vectors() -> list[dict[str, Any]]:
    if not VECTORS.is_file():
        return []
    data = json.loads(VECTORS.read_text(encoding="utf-8"))
    keys = data["keys"]
    return [{**v, "_keys": keys} for v in data["vectors"]]


@dataclass(frozen=True)
class _VectorKey:
    keyid: str
    public: bytes

    def verify(self, data: bytes, signature: bytes) -> bool:
        try:
            Ed25519PublicKey.from_public_bytes(self.public).verify(signature, data)
        except InvalidSignature:
            return False
        return True


def test_all_9_vectors_are_present() -> None:
    if not VECTORS.is_file():
        pytest.skip(f"shared vectors not present: {VECTORS}")
    assert len(_vectors()) == 9


@pytest.mark.parametrize("vector", _vectors(), ids=lambda v: v["id"])
def test_dsse_vector(vector: dict[str, Any]) -> None:
    envelope = envelope_from_dict(vector["envelope"])
    assert pae(vector["supportedPayloadTypes"][0] if vector["id"] == "payload-type-swapped"
               else envelope.payload_type, envelope.payload).hex() == vector["pae"]
    trusted = [_VectorKey(k, bytes.fromhex(vector["_keys"][k]["public"]))
               for k in vector["trustedKeys"]]

    def verify() -> bytes:
        return verify_envelope(envelope, trusted, vector["threshold"],
                               vector["supportedPayloadTypes"])

    if vector["expect"] == "accept":
        assert verify() == envelope.payload
    else:
        with pytest.raises(SignatureError):
            verify()


def test_vector_signatures_are_reproduced_by_signing() -> None:
    vectors = _vectors()
    if not vectors:
        pytest.skip(f"shared vectors not present: {VECTORS}")
    first = vectors[0]
    seed = bytes.fromhex(first["_keys"]["A"]["seed"])

    @dataclass(frozen=True)
    class _Signer:
        keyid: str = "A"

        def sign(self, data: bytes) -> bytes:
            return Ed25519PrivateKey.from_private_bytes(seed).sign(data)

    envelope = envelope_from_dict(first["envelope"])
    signed = sign_envelope(envelope.payload, envelope.payload_type, [_Signer()])
    assert json.loads(envelope_to_json(signed))["signatures"] == first["envelope"]["signatures"]


def test_pae_is_exact() -> None:
    assert pae("http://example.com/HelloWorld", b"hello world") == (
        b"DSSEv1 29 http://example.com/HelloWorld 11 hello world")
    assert pae("", b"") == b"DSSEv1 0  0 "


@pytest.mark.parametrize("bad", [
    "", "[]", "{}", '{"payload": "", "payloadType": "t", "signatures": []}',
    '{"payload": "!!", "payloadType": "t", "signatures": [{"sig": "AA=="}]}',
    '{"payload": "", "payloadType": "t", "signatures": [{"sig": 5}]}',
    '{"payload": "", "payloadType": "t", "signatures": [{"sig": "AA==", "keyid": 1}]}',
    '{"payload": "", "payloadType": 7, "signatures": [{"sig": "AA=="}]}', "[" * 100000,
])
def test_malformed_envelopes_raise_envelope_errors(bad: str) -> None:
    with pytest.raises(EnvelopeError):
        envelope_from_json(bad)
