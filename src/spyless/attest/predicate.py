"""The verdict predicate ``https://spyless.dev/attestation/verdict/v1`` (pydantic model).

Plain values only (ids, status strings, digests), so it can be checked without spyless's
internal types. :func:`predicate_from_check` builds it from the JSON of a report and of a
verdict; it accepts the verdict shapes spyless has used (``conforms`` or a status string,
clauses as a list or a mapping) and names the field it could not find. The JSON schema in
``docs/attestation-predicate.schema.json`` is generated from this model.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from spyless.attest.interface import AttestError

_HEX64 = r"^[0-9a-f]{64}$"


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class AgreementRef(_Frozen):
    id: str = Field(min_length=1, description="Agreement name or id.")
    digest: dict[str, str] = Field(
        description="Digests of the agreement file, e.g. {'sha256': hex}; empty when the "
                    "verdict used only the built-in baseline of this tool version.")


class ClauseResult(_Frozen):
    id: str = Field(min_length=1, description="Clause id, e.g. 'NB-1'.")
    status: str = Field(min_length=1, description="pass, fail, waived, not-evaluated, "
                                                  "declaration-only or disabled.")


class ToolRef(_Frozen):
    name: str = "spyless"
    version: str = Field(min_length=1)


class VerdictPredicate(_Frozen):
    """What was judged, against which agreement, with which result."""

    agreement: AgreementRef
    verdict: str = Field(pattern=r"^(pass|fail)$",
                         description="Overall: pass when the image conforms to the agreement.")
    clauses: list[ClauseResult] = Field(description="Per-clause verdicts, in agreement order.")
    report: dict[str, str] = Field(description="Digest of the report: {'sha256': hex of the "
                                               "canonical JSON (sorted keys, no spaces)}.")
    sbom: dict[str, str] | None = Field(default=None,
                                        description="Digest of the SBOM file, if one was given.")
    tool: ToolRef
    time: dt.datetime = Field(description="When the attestation was made (RFC 3339, UTC).")


def canonical_digest(data: object) -> str:
    """SHA-256 (hex) of the canonical JSON of ``data``."""
    text = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _first(data: Mapping[str, Any], *names: str) -> Any:
    for name in names:
        if data.get(name) is not None:
            return data[name]
    return None


def _digest(value: Any) -> dict[str, str]:
    if isinstance(value, dict):
        return {str(k): str(v).lower() for k, v in value.items() if v}
    if isinstance(value, str) and value:
        algorithm, sep, hexdigest = value.partition(":")
        return {algorithm: hexdigest.lower()} if sep else {"sha256": value.lower()}
    return {}


def _overall(verdict: Mapping[str, Any]) -> str:
    conforms = _first(verdict, "conforms", "passed", "pass")
    if isinstance(conforms, bool):
        return "pass" if conforms else "fail"
    status = _first(verdict, "verdict", "overall", "status", "outcome", "result")
    if isinstance(status, dict):
        status = _first(status, "status", "verdict", "outcome")
    if isinstance(status, str) and status.lower() in {"pass", "passed", "conforms", "fail",
                                                      "failed", "does-not-conform"}:
        return "pass" if status.lower() in {"pass", "passed", "conforms"} else "fail"
    raise AttestError("the verdict has no overall result ('conforms' or 'verdict')")


def _clauses(verdict: Mapping[str, Any]) -> list[ClauseResult]:
    raw = _first(verdict, "clauses", "clause_verdicts", "results")
    items: list[tuple[Any, Any]] = []
    if isinstance(raw, dict):
        items = [(k, v.get("status") if isinstance(v, dict) else v) for k, v in raw.items()]
    elif isinstance(raw, list):
        for entry in raw:
            if not isinstance(entry, dict):
                raise AttestError("a clause verdict is not an object")
            clause = _first(entry, "id", "clause_id", "clause")
            if isinstance(clause, dict):
                clause = clause.get("id")
            items.append((clause, _first(entry, "status", "verdict", "outcome")))
    else:
        raise AttestError("the verdict has no per-clause results ('clauses')")
    results = []
    for clause, status in items:
        if not isinstance(clause, str) or not isinstance(status, str):
            raise AttestError("a clause verdict lacks a clause id or a status")
        results.append(ClauseResult(id=clause, status=status.lower()))
    return results


def predicate_from_check(report: Mapping[str, Any], verdict: Mapping[str, Any],
                         sbom_sha256: str | None = None,
                         now: dt.datetime | None = None) -> VerdictPredicate:
    """The predicate for a report (``spyless scan`` JSON) and its verdict (``spyless check``)."""
    agreement = verdict.get("agreement")
    if isinstance(agreement, dict):
        agreement_id = _first(agreement, "id", "name")
        agreement_digest = _digest(_first(agreement, "digest", "sha256"))
    else:
        agreement_id = agreement if isinstance(agreement, str) else verdict.get("agreement_id")
        agreement_digest = _digest(_first(verdict, "agreement_digest", "agreement_sha256"))
    if not isinstance(agreement_id, str) or not agreement_id:
        raise AttestError("the verdict does not name its agreement ('agreement.name')")
    tool = report.get("tool")
    version = _first(tool, "version") if isinstance(tool, dict) else report.get("tool_version")
    if not isinstance(version, str):
        raise AttestError("the report does not give the tool version ('tool.version')")
    try:
        return VerdictPredicate(
            agreement=AgreementRef(id=agreement_id, digest=agreement_digest),
            verdict=_overall(verdict),
            clauses=_clauses(verdict),
            report={"sha256": canonical_digest(report)},
            sbom={"sha256": sbom_sha256} if sbom_sha256 else None,
            tool=ToolRef(version=version),
            time=(now or dt.datetime.now(dt.UTC)).replace(microsecond=0),
        )
    except ValidationError as e:
        raise AttestError(f"the verdict predicate would be invalid: {e.errors()[0]['msg']}"
                          ) from e


def parse_predicate(data: Mapping[str, Any]) -> VerdictPredicate:
    try:
        return VerdictPredicate.model_validate(dict(data))
    except ValidationError as e:
        first = e.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise AttestError(f"verdict predicate: {where}: {first['msg']}") from e


def predicate_json_schema() -> str:
    """The JSON schema of the predicate, for docs/ (checked for drift by the tests)."""
    schema = VerdictPredicate.model_json_schema()
    schema["$id"] = "https://spyless.dev/attestation/verdict/v1"
    schema["title"] = "spyless verdict predicate v1"
    return json.dumps(schema, indent=1, sort_keys=True) + "\n"
