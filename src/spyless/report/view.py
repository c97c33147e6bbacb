"""What the SARIF, HTML and Markdown renderers share: masked text, location labels, the
findings of a report and its verdict together, and which clauses each finding weighs on.

Secrets are masked here, once, the way the JSON report masks them (``mask_secret`` on every
evidence secret found in a message or excerpt), so that no renderer can forget to.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from spyless.agreement.interface import ClauseVerdict, EvidenceItem, EvidenceState, Status, Verdict
from spyless.model.findings import Evidence, Finding, Location, Severity, mask_secret
from spyless.report.model import Report

STATUS_LABEL = {Status.PASS: "PASS", Status.FAIL: "FAIL", Status.WAIVED: "WAIVED",
                Status.NOT_EVALUATED: "NOT EVALUATED",
                Status.DECLARATION_ONLY: "DECLARATION ONLY", Status.DISABLED: "DISABLED"}
SEVERITIES = tuple(Severity)  # most severe first

_BOLD = re.compile(r"\*\*(.+?)\*\*")


@dataclass(frozen=True, slots=True)
class ClauseRef:
    """One clause a finding is evidence for, and how it was counted there."""

    clause: str
    status: Status
    state: EvidenceState


def _secrets(evidence: Iterable[Evidence]) -> list[str]:
    # Longest first, so that a secret containing another is masked whole.
    return sorted({e.secret for e in evidence if e.secret}, key=len, reverse=True)


def mask_in(text: str, evidence: Iterable[Evidence], show: bool) -> str:
    if show:
        return text
    for secret in _secrets(evidence):
        text = text.replace(secret, mask_secret(secret))
    return text


def finding_message(finding: Finding, show: bool) -> str:
    return mask_in(finding.message, finding.evidence, show)


def item_message(item: EvidenceItem, show: bool) -> str:
    return mask_in(item.message, item.finding.evidence if item.finding else (), show)


def excerpt(evidence: Evidence, show: bool) -> str:
    if show or not evidence.secret:
        return evidence.excerpt
    return evidence.excerpt.replace(evidence.secret, mask_secret(evidence.secret))


def where(location: Location | None) -> str:
    """``/etc/shadow:3``, ``/bin/busybox@0x1f0211``, or the chain when there is no path."""
    if location is None:
        return "-"
    place = location.path or location.chain
    if location.line is not None:
        return f"{place}:{location.line}"
    if location.offset is not None:
        return f"{place}@0x{location.offset:x}"
    return place


def inner_chain(chain: str, image_name: str) -> str:
    """The chain without the image's own name: ``squashfs@0x10000/etc/shadow``."""
    prefix = image_name + "!"
    if chain.startswith(prefix):
        return chain[len(prefix):]
    return "" if chain == image_name else chain


def plain(text: str) -> str:
    """Clause text without its markdown bold markers."""
    return _BOLD.sub(r"\1", text)


def bold_spans(text: str) -> list[tuple[str, bool]]:
    """Clause text cut into (part, is_bold) pieces, for renderers that style bold."""
    parts: list[tuple[str, bool]] = []
    last = 0
    for match in _BOLD.finditer(text):
        if match.start() > last:
            parts.append((text[last:match.start()], False))
        parts.append((match.group(1), True))
        last = match.end()
    if last < len(text):
        parts.append((text[last:], False))
    return parts


def finding_key(finding: Finding) -> tuple[str, str, int | None, int | None, str]:
    loc = finding.location
    return (finding.id, loc.chain, loc.offset, loc.line, finding.message)


def is_agreement_rule(item: EvidenceItem) -> bool:
    """Evidence taken from the agreement itself (``agreement:no-sbom``): no place in the
    image, so it is shown with its clause, not among the findings."""
    return item.finding is None or item.rule.startswith("agreement:")


def all_findings(report: Report, verdict: Verdict | None) -> list[Finding]:
    """The report's findings, then those the verdict derived (undeclared items, …)."""
    seen = {finding_key(f) for f in report.findings}
    found = list(report.findings)
    if verdict is None:
        return found
    extra = [item.finding for clause in verdict.clauses for item in clause.evidence
             if item.finding is not None and not is_agreement_rule(item)]
    for finding in (*extra, *verdict.unassigned):
        key = finding_key(finding)
        if key not in seen:
            seen.add(key)
            found.append(finding)
    found.sort(key=lambda f: (-f.severity.rank, f.id, f.location.chain,
                              f.location.offset or 0))
    return found


def clause_refs(verdict: Verdict | None) -> dict[tuple[str, str, int | None, int | None, str],
                                                  list[ClauseRef]]:
    """For each finding (by :func:`finding_key`), the clauses that list it as evidence."""
    refs: dict[tuple[str, str, int | None, int | None, str], list[ClauseRef]] = {}
    if verdict is None:
        return refs
    for clause in verdict.clauses:
        for item in clause.evidence:
            if item.finding is None:
                continue
            known = refs.setdefault(finding_key(item.finding), [])
            if all(r.clause != clause.clause.id for r in known):
                known.append(ClauseRef(clause.clause.id, clause.status, item.state))
    return refs


def severity_counts(items: Iterable[Severity]) -> dict[Severity, int]:
    counts = Counter(items)
    return {s: counts[s] for s in SEVERITIES}


def counted_by_severity(clause: ClauseVerdict) -> dict[Severity, int]:
    """Severities of the evidence that counts against a clause."""
    return severity_counts(item.severity for item in clause.counted)


def shown_status(clause: ClauseVerdict) -> str:
    """``FAIL``, or ``DISABLED (would be FAIL)`` so that disabling is never silent."""
    label = STATUS_LABEL[clause.status]
    if clause.status is Status.DISABLED and clause.evaluated is not None:
        return f"{label} (would be {STATUS_LABEL[clause.evaluated]})"
    return label


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def visible(text: str) -> str:
    """Control characters from the image as ``\\xNN``: a terminal escape stays inert text."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


def utf8_safe(text: str) -> str:
    """Lone surrogates (undecodable bytes of file names and strings) as ``\\xNN``, so the
    output can be written as UTF-8."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        try:
            return text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
        except UnicodeEncodeError:
            return text.encode("utf-8", "backslashreplace").decode("utf-8")
    return text


@dataclass(frozen=True, slots=True)
class ComponentVulns:
    """A component with the known vulnerabilities matched to it, counted by severity."""

    name: str
    version: str
    total: int
    by_severity: dict[str, int]  # critical, high, medium, low, unscored
    known_exploited: int
    max_cvss: float | None


VULN_SEVERITIES = ("critical", "high", "medium", "low", "unscored")


def vulnerability_counts(report: Report) -> list[ComponentVulns]:
    """Every component with its vulnerability counts, most vulnerable first."""
    groups: dict[tuple[str, str], list[tuple[str, bool, float | None]]] = {}
    for component in report.components:
        groups.setdefault((component.name, component.version or ""), [])
    for vuln in report.vulnerabilities:
        severity = vuln.severity if vuln.severity in VULN_SEVERITIES else "unscored"
        groups.setdefault((vuln.component, vuln.version), []).append(
            (severity, vuln.known_exploited, vuln.cvss_score))
    rows = []
    for (name, version), vulns in groups.items():
        counts = Counter(s for s, _, _ in vulns)
        scores = [c for _, _, c in vulns if c is not None]
        rows.append(ComponentVulns(name, version, len(vulns),
                                   {s: counts[s] for s in VULN_SEVERITIES},
                                   sum(1 for _, k, _ in vulns if k),
                                   max(scores) if scores else None))
    rows.sort(key=lambda r: (-r.known_exploited, -r.by_severity["critical"], -r.total, r.name))
    return rows
