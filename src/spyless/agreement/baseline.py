"""Baseline comparison: which findings were already in a previous report.

A team gives the report of an earlier scan (``--baseline report.json``); findings present
there are marked "baseline" and do not fail clauses, so that only what is new counts.
Findings are matched by id, the path inside the image (the image name and container
offsets may change between releases) and the evidence excerpt, with secrets masked the
way the JSON report masks them and numbers in messages ignored.
"""

from __future__ import annotations

import re

from spyless.model.findings import Finding, mask_secret

_OFFSET = re.compile(r"@0x[0-9a-fA-F]+")
_NUMBER = re.compile(r"\d+")

FindingKey = tuple[str, str, str]


def _where(finding: Finding) -> str:
    location = finding.location
    if location.path:
        return location.path
    _, _, rest = location.chain.partition("!")
    return _OFFSET.sub("", rest or location.chain)


def _masked(text: str, finding: Finding) -> str:
    for evidence in finding.evidence:
        if evidence.secret:
            text = text.replace(evidence.secret, mask_secret(evidence.secret))
    return text


def finding_key(finding: Finding) -> FindingKey:
    excerpt = finding.evidence[0].excerpt.strip() if finding.evidence else ""
    detail = _masked(excerpt, finding) or _NUMBER.sub("#", _masked(finding.message, finding))
    return finding.id, _where(finding), detail


def baseline_keys(findings: list[Finding]) -> frozenset[FindingKey]:
    return frozenset(finding_key(f) for f in findings)
