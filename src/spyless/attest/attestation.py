"""Making and checking verdict attestations: statement building, signing, verification.

``attest`` turns the JSON of a report and its verdict into a signed DSSE envelope whose
in-toto statement names the image (name and sha256) as subject and carries the verdict
predicate. ``verify_attestation`` checks the signatures and then the policy.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from spyless.attest.dsse import sign_envelope, verify_envelope
from spyless.attest.interface import (
    PAYLOAD_TYPE_INTOTO,
    VERDICT_PREDICATE_TYPE,
    AttestError,
    Envelope,
    Signer,
    Statement,
    Subject,
    Verifier,
)
from spyless.attest.policy import Policy
from spyless.attest.predicate import predicate_from_check
from spyless.attest.statement import statement_from_payload, statement_to_payload


def split_check_output(data: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """(report, verdict) from ``spyless check`` output, or (report, None) for a bare report."""
    report, verdict = data.get("report"), data.get("verdict")
    if isinstance(report, dict):
        return report, verdict if isinstance(verdict, dict) else None
    rest = {k: v for k, v in data.items() if k != "verdict"}
    return rest, verdict if isinstance(verdict, dict) else None


def verdict_statement(report: Mapping[str, Any], verdict: Mapping[str, Any],
                      sbom_sha256: str | None = None,
                      now: dt.datetime | None = None) -> Statement:
    image = report.get("image")
    if not isinstance(image, dict) or not isinstance(image.get("sha256"), str):
        raise AttestError("the report does not give the image's sha256 ('image.sha256')")
    name = image.get("name") if isinstance(image.get("name"), str) else "image"
    predicate = predicate_from_check(report, verdict, sbom_sha256, now)
    return Statement(
        subjects=(Subject(str(name), {"sha256": image["sha256"].lower()}),),
        predicate_type=VERDICT_PREDICATE_TYPE,
        predicate=predicate.model_dump(mode="json", exclude_none=True),
    )


def attest(statement: Statement, signers: Sequence[Signer]) -> Envelope:
    return sign_envelope(statement_to_payload(statement), PAYLOAD_TYPE_INTOTO, signers)


def verify_attestation(envelope: Envelope, verifiers: Sequence[Verifier], policy: Policy,
                       threshold: int = 1) -> Statement:
    """Verify signatures, parse the statement, apply the policy; return the statement."""
    payload = verify_envelope(envelope, verifiers, threshold)
    statement = statement_from_payload(payload)
    policy.check(statement)
    return statement
