"""Keys, the verdict predicate, statements and policies."""

from __future__ import annotations

import datetime as dt
import json
import os
import stat
from pathlib import Path
from typing import Any

import pytest

from spyless.attest.attestation import (
    attest,
    split_check_output,
    verdict_statement,
    verify_attestation,
)
from spyless.attest.dsse import envelope_from_json, envelope_to_json
from spyless.attest.interface import (
    PAYLOAD_TYPE_INTOTO,
    VERDICT_PREDICATE_TYPE,
    AttestError,
    EnvelopeError,
    KeyFileError,
    PolicyError,
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
    public_pem,
    write_private_key,
)
from spyless.attest.policy import AllOf, PredicateType, SubjectDigest, VerdictIs
from spyless.attest.predicate import predicate_from_check, predicate_json_schema
from spyless.attest.statement import statement_from_payload

SHA = "ab" * 32
NOW = dt.datetime(2026, 11, 27, 12, 0, tzinfo=dt.UTC)


def report(sha: str = SHA) -> dict[str, Any]:
    return {"schema_version": "1.0", "tool": {"name": "spyless", "version": "0.3.0"},
            "image": {"name": "fw.bin", "path": "/x/fw.bin", "size": 3, "sha256": sha},
            "findings": []}


def verdict(conforms: bool = True) -> dict[str, Any]:
    return {"schema_version": "1.0", "conforms": conforms,
            "agreement": {"name": "acme-2026", "source": "a.toml", "sha256": "cd" * 32},
            "clauses": [{"id": "NB-1", "status": "pass"},
                        {"id": "NB-2", "status": "pass" if conforms else "fail"}]}


@pytest.mark.parametrize("kind", list(KeyType))
def test_keys_are_0600_encrypted_and_sign(tmp_path: Path, kind: KeyType) -> None:
    key = generate_private_key(kind)
    path = tmp_path / "k.pem"
    old = os.umask(0)
    try:
        write_private_key(path, key, b"correct horse")
    finally:
        os.umask(old)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert b"ENCRYPTED" in path.read_bytes()
    with pytest.raises(KeyFileError, match="encrypted"):
        load_private_key(path)
    with pytest.raises(KeyFileError, match="passphrase is wrong"):
        load_private_key(path, b"wrong")
    with pytest.raises(KeyFileError, match="already exists"):
        write_private_key(path, key, None)
    loaded = load_private_key(path, b"correct horse")
    (tmp_path / "k.pub").write_bytes(public_pem(key.public_key()))
    verifier = KeyVerifier(load_public_key(tmp_path / "k.pub"))
    signature = KeySigner(loaded).sign(b"data")
    assert verifier.verify(b"data", signature)
    assert not verifier.verify(b"date", signature)
    assert verifier.keyid == KeySigner(loaded).keyid
    assert "PRIVATE" not in repr(KeySigner(loaded))


def test_predicate_from_check_output_and_its_shapes() -> None:
    predicate = predicate_from_check(report(), verdict(), "ef" * 32, NOW)
    data = predicate.model_dump(mode="json")
    assert data == {
        "agreement": {"id": "acme-2026", "digest": {"sha256": "cd" * 32}},
        "verdict": "pass",
        "clauses": [{"id": "NB-1", "status": "pass"}, {"id": "NB-2", "status": "pass"}],
        "report": {"sha256": predicate.report["sha256"]},
        "sbom": {"sha256": "ef" * 32},
        "tool": {"name": "spyless", "version": "0.3.0"},
        "time": "2026-11-27T12:00:00Z",
    }
    other_shape = {"agreement_id": "acme", "agreement_digest": "sha256:" + "cd" * 32,
                   "verdict": "FAIL", "clauses": {"NB-1": {"status": "fail"}}}
    alt = predicate_from_check(report(), other_shape, now=NOW)
    assert (alt.verdict, alt.clauses[0].status, alt.agreement.digest) == (
        "fail", "fail", {"sha256": "cd" * 32})
    with pytest.raises(AttestError, match="agreement"):
        predicate_from_check(report(), {"conforms": True, "clauses": []})
    with pytest.raises(AttestError, match="overall"):
        predicate_from_check(report(), {"agreement": "a", "clauses": []})
    with pytest.raises(AttestError, match="tool version"):
        predicate_from_check({}, verdict())
    assert split_check_output({"report": report(), "verdict": verdict()}) == (report(),
                                                                              verdict())
    assert split_check_output({**report(), "verdict": verdict()}) == (report(), verdict())
    assert json.loads(predicate_json_schema())["$id"] == VERDICT_PREDICATE_TYPE


def test_attestation_round_trip_and_policies() -> None:
    signer = KeySigner(generate_private_key())
    statement = verdict_statement(report(), verdict(), now=NOW)
    envelope = envelope_from_json(envelope_to_json(attest(statement, [signer])))
    assert envelope.payload_type == PAYLOAD_TYPE_INTOTO
    policy = AllOf((PredicateType(VERDICT_PREDICATE_TYPE), SubjectDigest(SHA), VerdictIs()))
    got = verify_attestation(envelope, [signer.verifier()], policy)
    assert got.subjects == (Subject("fw.bin", {"sha256": SHA}),)
    payload = json.loads(envelope.payload)
    assert payload["_type"] == "https://in-toto.io/Statement/v1"
    assert payload["subject"] == [{"name": "fw.bin", "digest": {"sha256": SHA}}]
    with pytest.raises(PolicyError, match="not about this image"):
        verify_attestation(envelope, [signer.verifier()], SubjectDigest("00" * 32))
    with pytest.raises(SignatureError, match="0 of 1"):
        verify_attestation(envelope, [KeySigner(generate_private_key()).verifier()], policy)
    failing = attest(verdict_statement(report(), verdict(False), now=NOW), [signer])
    with pytest.raises(PolicyError, match="failing clauses: NB-2"):
        verify_attestation(failing, [signer.verifier()], policy)
    verify_attestation(failing, [signer.verifier()], VerdictIs(("pass", "fail")))
    odd = attest(Statement((Subject("x", {"sha256": SHA}),), "https://example/other"), [signer])
    with pytest.raises(PolicyError, match="predicate type"):
        verify_attestation(odd, [signer.verifier()], policy)
    with pytest.raises(PolicyError, match="verdict predicate"):
        verify_attestation(odd, [signer.verifier()], VerdictIs())


@pytest.mark.parametrize("payload", [
    b"", b"[]", b'{"_type": "https://in-toto.io/Statement/v0.1"}',
    b'{"_type": "https://in-toto.io/Statement/v1", "subject": [], "predicateType": "x"}',
    b'{"_type": "https://in-toto.io/Statement/v1", "subject": [{"name": "a", "digest": '
    b'{"sha256": "ABC"}}], "predicateType": "x"}',
    b'{"_type": "https://in-toto.io/Statement/v1", "subject": [{"name": "a", "digest": '
    b'{"sha256": "' + b"ab" * 32 + b'"}}], "predicateType": "x", "predicate": []}',
])
def test_malformed_statements_raise(payload: bytes) -> None:
    with pytest.raises(EnvelopeError):
        statement_from_payload(payload)
