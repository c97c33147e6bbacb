"""The verdict as JSON data (schema version ``VERDICT_SCHEMA_VERSION``).

Shape: ``conforms``, ``exit_code``, ``counts`` per status, ``agreement``, ``clauses`` (each
with the clause text, evidence rule, mappings, settings, status, summary, checks and
evidence items with their full finding), ``waivers``, ``baseline``, ``capture``,
``unassigned`` findings and ``notes``. Secrets are masked as in the report unless asked.
"""

from __future__ import annotations

from typing import Any

from spyless.agreement.interface import ClauseVerdict, EvidenceItem, Verdict
from spyless.model.findings import mask_secret
from spyless.report.json_format import to_jsonable


def _masked_message(item: EvidenceItem, show: bool) -> str:
    message = item.message
    if not show and item.finding is not None:
        for evidence in item.finding.evidence:
            if evidence.secret:
                message = message.replace(evidence.secret, mask_secret(evidence.secret))
    return message


def _item(item: EvidenceItem, show: bool) -> dict[str, Any]:
    return {
        "rule": item.rule, "title": item.title, "message": _masked_message(item, show),
        "severity": item.severity.value, "confidence": item.confidence.value,
        "state": item.state.value, "check": item.check,
        "location": to_jsonable(item.location) if item.location else None,
        "note": item.note, "waiver": to_jsonable(item.waiver) if item.waiver else None,
        "waiver_expired": item.waiver_expired,
        "finding": to_jsonable(item.finding, show) if item.finding else None,
    }


def clause_dict(verdict: ClauseVerdict, show: bool = False) -> dict[str, Any]:
    clause = verdict.clause
    return {
        "id": clause.id, "group": clause.group, "text": clause.text, "kind": clause.kind,
        "evidence_rule": clause.evidence, "maps_to": clause.maps_to,
        "mappings": [to_jsonable(m) for m in clause.mappings],
        "status": verdict.status.value, "summary": verdict.summary,
        "evaluated": verdict.evaluated.value if verdict.evaluated else None,
        "declared": verdict.declared,
        "settings": {"threshold": verdict.settings.threshold.value,
                     "min_confidence": verdict.settings.min_confidence.value,
                     "enabled": verdict.settings.enabled, "reason": verdict.settings.reason,
                     "changed": verdict.settings.changed, "line": verdict.settings.line},
        "checks": [to_jsonable(c) for c in verdict.checks],
        "evidence": [_item(i, show) for i in verdict.evidence],
    }


def verdict_dict(verdict: Verdict, show_secrets: bool = False) -> dict[str, Any]:
    return {
        "schema_version": verdict.schema_version,
        "conforms": verdict.conforms,
        "exit_code": verdict.exit_code,
        "evaluated_on": verdict.evaluated_on,
        "counts": {status.value: n for status, n in verdict.counts().items()},
        "agreement": to_jsonable(verdict.agreement),
        "clauses": [clause_dict(c, show_secrets) for c in verdict.clauses],
        "waivers": [{**to_jsonable(u.waiver), "state": u.state, "matched": u.matched}
                    for u in verdict.waivers],
        "baseline": to_jsonable(verdict.baseline) if verdict.baseline else None,
        "capture": verdict.capture,
        "unassigned": to_jsonable(list(verdict.unassigned), show_secrets),
        "notes": list(verdict.notes),
    }
