"""The report and verdict as SARIF 2.1.0, for code-scanning dashboards.

Choices (documented here because SARIF leaves them open):

- One run; ``tool.driver.rules`` are the finding ids that occur, with the catalogue's title
  (``shortDescription``), description (``fullDescription``), remediation and references
  (``help``, text and markdown), the default level, and properties ``tags`` (``security``,
  ``CWE-n``, ``external/cwe/cwe-n``), ``security-severity`` (GitHub's scale: critical 9.5,
  high 8.0, medium 5.5, low 3.0, from the most severe result of the rule) and ``precision``.
- Results are every finding of the report plus those the verdict derived (undeclared
  accounts, services, endpoints, undeclared critical vulnerabilities). ``level``: critical
  and high are ``error``, medium ``warning``, low and info ``note``.
- Locations are paths inside the image: ``uri`` is the provenance chain without the image
  name (``squashfs@0x10000/etc/shadow``), relative to the ``uriBaseId`` ``IMAGEROOT`` that
  ``originalUriBaseIds`` describes (the image's name and sha256). A line gives
  ``region.startLine``, a byte offset without a line ``region.byteOffset``; the excerpt is
  the region's snippet. Further evidence goes to ``relatedLocations``.
- ``partialFingerprints["spyless/v1"]`` is the sha256 of finding id, path and line (in a
  binary, where there are no lines: the string found instead of its offset): stable across
  rebuilds that move a filesystem or a string inside the image.
- The verdict: ``invocations[0]`` carries the exit code (0 conforms, 1 does not) and the
  verdict's notes; ``runs[0].properties.verdict`` has ``conforms``, counts per status, the
  agreement and one entry per clause (status, summary, mappings, and the indexes of the
  results that are its evidence); each result's ``properties.clauses`` names the clauses it
  weighs on. Evidence that a valid waiver or a declaration covers everywhere is a result
  with a ``suppressions`` entry; with a baseline, ``baselineState`` is ``new`` or
  ``unchanged``. Evidence taken from the agreement itself (``agreement:…``, no place in the
  image) is in the clause entries only.
- Secrets are masked unless the caller asks to see them.
"""

from __future__ import annotations

import hashlib
import json
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from spyless._version import __version__
from spyless.agreement.interface import EvidenceState, Verdict
from spyless.analyzers.registry import catalogue
from spyless.model.findings import Evidence, Finding, FindingSpec, Location, Severity
from spyless.report.model import Report
from spyless.report.view import (
    ClauseRef,
    all_findings,
    clause_refs,
    excerpt,
    finding_key,
    finding_message,
    is_agreement_rule,
    item_message,
    utf8_safe,
)

if TYPE_CHECKING:
    from spyless.report.formats import RenderOptions

SARIF_SCHEMA = ("https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/"
                "sarif-schema-2.1.0.json")
ROOT_ID = "IMAGEROOT"
SECURITY_SEVERITY = {Severity.CRITICAL: "9.5", Severity.HIGH: "8.0", Severity.MEDIUM: "5.5",
                     Severity.LOW: "3.0"}
LEVEL = {Severity.CRITICAL: "error", Severity.HIGH: "error", Severity.MEDIUM: "warning",
         Severity.LOW: "note", Severity.INFO: "note"}
_PRECISION = {"high": "high", "medium": "medium", "low": "low"}
# Characters kept as they are in a URI path: the chain's "!" and "@" read better unquoted.
_URI_SAFE = "/!@$&'()*+,;=-._~"


def image_uri(chain: str, image_name: str) -> str:
    """The chain as a URI reference relative to IMAGEROOT (``squashfs@0x10000/etc/shadow``)."""
    inner = chain.removeprefix(image_name + "!")
    return quote(inner.lstrip("/") or image_name, safe=_URI_SAFE)


def fingerprint(finding: Finding) -> str:
    """Finding id, path and line; in a binary (no line) the string found there (the excerpt,
    else the message) instead of the offset, which moves with every rebuild."""
    loc = finding.location
    place = str(loc.line) if loc.line is not None else (finding.evidence[0].excerpt
                                                        or finding.message)
    text = "\x00".join((finding.id, loc.path or loc.chain, place))
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def _region(location: Location, snippet: str) -> dict[str, Any] | None:
    region: dict[str, Any] = {}
    if location.line is not None and location.line >= 1:
        region["startLine"] = location.line
    elif location.offset is not None and location.offset >= 0:
        region["byteOffset"] = location.offset
    else:
        return None
    if snippet:
        region["snippet"] = {"text": snippet}
    return region


class _Artifacts:
    """The run's ``artifacts``: one entry per file that a result points into."""

    def __init__(self, image_name: str) -> None:
        self.image_name = image_name
        self.entries: list[dict[str, Any]] = []
        self.index: dict[str, int] = {}

    def location(self, evidence: Evidence, show: bool) -> dict[str, Any]:
        loc = evidence.location
        uri = image_uri(loc.chain, self.image_name)
        if uri not in self.index:
            self.index[uri] = len(self.entries)
            entry: dict[str, Any] = {"location": {"uri": uri, "uriBaseId": ROOT_ID}}
            if loc.sha256:
                entry["hashes"] = {"sha-256": loc.sha256}
            self.entries.append(entry)
        physical: dict[str, Any] = {"artifactLocation": {
            "uri": uri, "uriBaseId": ROOT_ID, "index": self.index[uri]}}
        region = _region(loc, excerpt(evidence, show))
        if region is not None:
            physical["region"] = region
        return {"physicalLocation": physical}


def _rule(spec: FindingSpec | None, finding: Finding, worst: Severity) -> dict[str, Any]:
    title = spec.title if spec else finding.title
    description = spec.description if spec else finding.title
    remediation = spec.remediation if spec else finding.remediation
    references = spec.references if spec else ()
    cwe = spec.cwe if spec else finding.cwe
    tags = ["security"] + ([f"CWE-{cwe}", f"external/cwe/cwe-{cwe}"] if cwe else [])
    markdown = [f"**{title}**", "", description, "", f"**How to fix:** {remediation}"]
    if references:
        markdown += ["", "References:", *(f"- <{ref}>" for ref in references)]
    text = f"{description}\n\nHow to fix: {remediation}"
    if references:
        text += "\n\nReferences: " + ", ".join(references)
    properties: dict[str, Any] = {"tags": tags, "precision": _PRECISION[finding.confidence]}
    if worst in SECURITY_SEVERITY:
        properties["security-severity"] = SECURITY_SEVERITY[worst]
    return {"id": finding.id, "shortDescription": {"text": title}, "fullDescription": {"text": description},
            "help": {"text": text, "markdown": "\n".join(markdown)},
            "defaultConfiguration": {"level": LEVEL[spec.severity if spec else worst]},
            "properties": properties}


def _suppressions(refs: list[ClauseRef], verdict: Verdict | None) -> list[dict[str, Any]]:
    states = {r.state for r in refs}
    if not refs or EvidenceState.COUNTS in states:
        return []
    if EvidenceState.WAIVED in states:
        return [{"kind": "external", "status": "accepted",
                 "justification": "covered by a valid waiver of the agreement"}]
    if EvidenceState.DECLARED in states:
        name = verdict.agreement.name if verdict else "the agreement"
        return [{"kind": "external", "status": "accepted",
                 "justification": f"declared in {name}"}]
    return []


def _result(finding: Finding, rule_index: int, artifacts: _Artifacts, refs: list[ClauseRef],
            verdict: Verdict | None, show: bool) -> dict[str, Any]:
    first, *rest = finding.evidence
    result: dict[str, Any] = {
        "ruleId": finding.id, "ruleIndex": rule_index, "level": LEVEL[finding.severity],
        "message": {"text": finding_message(finding, show) or finding.title},
        "locations": [artifacts.location(first, show)],
        "partialFingerprints": {"spyless/v1": fingerprint(finding)},
        "properties": {"severity": finding.severity.value,
                       "confidence": finding.confidence.value,
                       "analyzer": finding.analyzer, "chain": finding.location.chain,
                       "clauses": [{"id": r.clause, "status": r.status.value,
                                    "evidence": r.state.value} for r in refs]},
    }
    if finding.severity in SECURITY_SEVERITY:
        result["properties"]["security-severity"] = SECURITY_SEVERITY[finding.severity]
    if rest:
        result["relatedLocations"] = [{"id": n, **artifacts.location(e, show)}
                                      for n, e in enumerate(rest, start=1)]
    suppressions = _suppressions(refs, verdict)
    if suppressions:
        result["suppressions"] = suppressions
    if verdict is not None and verdict.baseline is not None:
        in_baseline = any(r.state is EvidenceState.BASELINE for r in refs)
        result["baselineState"] = "unchanged" if in_baseline else "new"
    return result


def _verdict_properties(verdict: Verdict, result_index: dict[tuple[str, str, int | None,
                                                                  int | None, str], int],
                        show: bool) -> dict[str, Any]:
    clauses = []
    for clause in verdict.clauses:
        indexes = sorted({result_index[finding_key(i.finding)] for i in clause.evidence
                          if i.finding is not None and finding_key(i.finding) in result_index})
        agreement_items = [{"rule": i.rule, "message": item_message(i, show),
                            "severity": i.severity.value, "state": i.state.value}
                           for i in clause.evidence if is_agreement_rule(i)]
        entry: dict[str, Any] = {
            "id": clause.clause.id, "status": clause.status.value, "summary": clause.summary,
            "text": clause.clause.text, "mappings": [str(m) for m in clause.clause.mappings],
            "results": indexes, "counted": len(clause.counted)}
        if agreement_items:
            entry["agreementEvidence"] = agreement_items
        if clause.evaluated is not None:
            entry["evaluated"] = clause.evaluated.value
        clauses.append(entry)
    return {"conforms": verdict.conforms, "exitCode": verdict.exit_code,
            "evaluatedOn": verdict.evaluated_on, "schemaVersion": verdict.schema_version,
            "counts": {s.value: n for s, n in verdict.counts().items()},
            "agreement": {"name": verdict.agreement.name, "source": verdict.agreement.source,
                          "sha256": verdict.agreement.sha256},
            "clauses": clauses}


def sarif_dict(report: Report, verdict: Verdict | None, show: bool = False) -> dict[str, Any]:
    specs = catalogue()
    findings = all_findings(report, verdict)
    refs = clause_refs(verdict)
    worst: dict[str, Severity] = {}
    for finding in findings:
        known = worst.get(finding.id)
        if known is None or finding.severity.rank > known.rank:
            worst[finding.id] = finding.severity
    rule_ids = sorted(worst)
    firsts = {f.id: f for f in reversed(findings)}
    rules = [_rule(specs.get(i), firsts[i], worst[i]) for i in rule_ids]
    rule_index = {rule_id: n for n, rule_id in enumerate(rule_ids)}
    artifacts = _Artifacts(report.image.name)
    results = [_result(f, rule_index[f.id], artifacts, refs.get(finding_key(f), []), verdict,
                       show) for f in findings]
    invocation: dict[str, Any] = {"executionSuccessful": True}
    notes: list[str] = [f"analyzer {e.analyzer} failed on {e.chain}: {e.message}"
                        for e in report.errors]
    if verdict is not None:
        invocation["exitCode"] = verdict.exit_code
        invocation["exitCodeDescription"] = ("the image conforms" if verdict.conforms
                                             else "the image does not conform")
        notes = list(verdict.notes) + notes
    if notes:
        invocation["toolExecutionNotifications"] = [
            {"level": "warning", "message": {"text": note}} for note in notes]
    run: dict[str, Any] = {
        "tool": {"driver": {"name": "spyless", "version": __version__,
                            "semanticVersion": __version__,
                            "rules": rules}},
        "invocations": [invocation],
        "originalUriBaseIds": {ROOT_ID: {"description": {
            "text": f"inside the image {report.image.name} (sha256 {report.image.sha256})"}}},
        "artifacts": artifacts.entries,
        "results": results,
        "columnKind": "unicodeCodePoints",
        "properties": {"image": {"name": report.image.name, "sha256": report.image.sha256,
                                 "size": report.image.size},
                       "reportSchemaVersion": report.schema_version,
                       "secretsShown": show},
    }
    if verdict is not None:
        index = {finding_key(f): n for n, f in enumerate(findings)}
        run["properties"]["verdict"] = _verdict_properties(verdict, index, show)
    return {"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": [run]}


def render_sarif(report: Report, verdict: Verdict | None, options: RenderOptions) -> str:
    data = sarif_dict(report, verdict, options.show_secrets)
    return utf8_safe(json.dumps(data, indent=1, ensure_ascii=False)) + "\n"
