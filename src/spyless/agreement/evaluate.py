"""Judging a report against an agreement: every clause in force gets a status.

``evaluate(report, agreement, capture=..., previous=..., coverage=..., today=...)``
gathers the evidence (the report's findings, the capture's findings, the declared-versus-
found comparisons), routes each finding to the checks that read it (exact ids and tags
first, then the id's family, plus ``clause:XX-n`` tags), judges each item (context,
declared, below threshold, baseline, waived, or counts) and turns the checks into a
status as ``interface.py`` describes. Pure and fast: no I/O.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from spyless.agreement import compare, inventory
from spyless.agreement.baseline import FindingKey, baseline_keys, finding_key
from spyless.agreement.coverage import Coverage, coverage_of
from spyless.agreement.document import Agreement
from spyless.agreement.interface import (
    AgreementInfo,
    BaselineInfo,
    Check,
    CheckResult,
    Clause,
    ClauseSettings,
    ClauseVerdict,
    EvidenceItem,
    EvidenceState,
    Status,
    Verdict,
    Waiver,
    WaiverUse,
)
from spyless.agreement.loader import builtin_agreement, settings_for
from spyless.agreement.standard import CLAUSES, UNASSIGNED, clauses_by_id, family_check
from spyless.agreement.subjects import Subjects
from spyless.agreement.waivers import covering, is_active
from spyless.model.findings import Confidence, Finding
from spyless.report.model import Report
from spyless.traffic.interface import TrafficReport

_CONFIDENCE_RANK = {Confidence.HIGH: 3, Confidence.MEDIUM: 2, Confidence.LOW: 1}
Routes = dict[str, dict[Check, list[Finding]]]


def gather(report: Report, agreement: Agreement, capture: TrafficReport | None,
           previous: Report | None, today: dt.date) -> list[Finding]:
    """Every finding the clauses read: analyzers', the capture's and the comparisons'."""
    findings = list(report.findings)
    if capture is not None:
        findings += capture.findings
    findings += compare.accounts(report, agreement)
    findings += compare.services(report, agreement)
    findings += compare.service_facts(report)
    findings += compare.endpoints(report, agreement, capture)
    findings += compare.channels(report, agreement)
    findings += inventory.sbom(report, agreement)
    findings += inventory.vulnerabilities(report, agreement)
    findings += inventory.tools(report)
    findings += inventory.declarations(agreement, today)
    if previous is not None:
        findings += inventory.release_changes(report, previous, agreement)
    return findings


def route(findings: list[Finding]) -> Routes:
    """Clause id -> check -> the findings it reads."""
    by_id: dict[str, list[tuple[str, Check]]] = defaultdict(list)
    for clause in CLAUSES:
        for check in clause.checks:
            for finding_id in check.ids:
                by_id[finding_id].append((clause.id, check))
    routes: Routes = defaultdict(lambda: defaultdict(list))
    for finding in findings:
        targets = [(c, k) for c, k in by_id.get(finding.id, ()) if k.reads(finding)]
        if finding.id not in by_id and finding.id not in UNASSIGNED:
            fallback = family_check(finding.id)
            if fallback is not None:
                targets.append(fallback)
        for tag in finding.tags:
            clause_id = tag.removeprefix("clause:")
            if tag.startswith("clause:") and clause_id in clauses_by_id() and all(
                    c != clause_id for c, _ in targets):
                targets.append((clause_id, Check("routed by the finding's tag", "family",
                                                 (finding.id,), required=False)))
        for clause_id, check in targets:
            routes[clause_id][check].append(finding)
    return routes


class _Judge:
    def __init__(self, agreement: Agreement, subjects: Subjects, baseline: frozenset[FindingKey],
                 today: dt.date) -> None:
        self.agreement = agreement
        self.subjects = subjects
        self.baseline = baseline
        self.today = today
        self.waiver_hits: dict[Waiver, int] = defaultdict(int)
        self.baseline_hits = 0

    def item(self, finding: Finding, check: Check, clause: Clause,
             settings: ClauseSettings) -> EvidenceItem:
        state, note = EvidenceState.COUNTS, ""
        waiver, expired = None, False
        if check.context:
            state = EvidenceState.CONTEXT
        elif check.declarable and (declared := self.subjects.declared(finding, check.declarable)):
            state, note = EvidenceState.DECLARED, declared
        elif finding.severity.rank < settings.threshold.rank or (
                _CONFIDENCE_RANK[finding.confidence] < _CONFIDENCE_RANK[settings.min_confidence]):
            state = EvidenceState.BELOW_THRESHOLD
            note = (f"{finding.severity.value}/{finding.confidence.value} confidence is below "
                    f"the clause's {settings.threshold.value}/{settings.min_confidence.value}")
        elif finding_key(finding) in self.baseline:
            state, note = EvidenceState.BASELINE, "present in the baseline report"
            self.baseline_hits += 1
        else:
            waiver, expired = covering(self.agreement.waivers, finding.id, clause.id,
                                       tuple(e.location for e in finding.evidence), self.today)
            if waiver is not None:
                self.waiver_hits[waiver] += 1
                if expired:
                    note = f"waiver expired on {waiver.expires}"
                else:
                    state, note = EvidenceState.WAIVED, f"waived: {waiver.reason}"
        return EvidenceItem(
            rule=finding.id, title=finding.title, message=finding.message,
            severity=finding.severity, confidence=finding.confidence,
            location=finding.location if finding.evidence else None, state=state,
            check=check.name, finding=finding, waiver=waiver, waiver_expired=expired, note=note)


def _declaration(clause: Clause, agreement: Agreement) -> tuple[bool, str]:
    d = agreement.declarations
    if clause.declaration == "vulnerability_disclosure":
        parts = [d.vulnerability_contact, d.disclosure_policy,
                 f"first response within {d.response_days} days" if d.response_days else None]
        text = "; ".join(p for p in parts if p)
        return bool(d.vulnerability_contact), text
    if clause.declaration == "support":
        text = (f"security updates until {d.support_until}" if d.support_until else
                f"security updates for {d.support_years} years" if d.support_years else "")
        return bool(text), text
    if clause.declaration == "legal":
        obligations = f" (obligations: {', '.join(d.legal_obligations)})" \
            if d.legal_obligations else ""
        return bool(d.legal_statement), (d.legal_statement or "") + obligations
    return False, ""


def _status(clause: Clause, items: list[EvidenceItem], checks: list[CheckResult],
            agreement: Agreement) -> tuple[Status, str, bool | None]:
    counted = [i for i in items if i.state is EvidenceState.COUNTS]
    if counted:
        ids = sorted({i.rule for i in counted})
        return Status.FAIL, (f"{len(counted)} item{'s' if len(counted) > 1 else ''} of "
                             f"evidence: {', '.join(ids[:6])}"), None
    if clause.declaration is not None:
        declared, text = _declaration(clause, agreement)
        return Status.DECLARATION_ONLY, (f"declared: {text}" if declared else
                                         "not declared"), declared
    missing = [c for c in checks if c.required and not c.ran]
    if missing:
        return Status.NOT_EVALUATED, "not evaluated: " + "; ".join(
            f"{c.name}: {c.reason}" for c in missing), None
    waived = [i for i in items if i.state is EvidenceState.WAIVED]
    if waived:
        return Status.WAIVED, f"{len(waived)} item(s) of evidence waived", None
    ran = [c for c in checks if c.ran and c.source != "family"]
    baseline = sum(1 for i in items if i.state is EvidenceState.BASELINE)
    tail = f"; {baseline} item(s) already in the baseline not counted" if baseline else ""
    return Status.PASS, f"no contradicting evidence from {len(ran)} check(s){tail}", None


def _clause_verdict(clause: Clause, settings: ClauseSettings, routes: Routes, judge: _Judge,
                    coverage: Coverage) -> ClauseVerdict:
    items: list[EvidenceItem] = []
    results: list[CheckResult] = []
    own = list(clause.checks)
    own += [c for c in routes.get(clause.id, {}) if c not in own]
    for check in own:
        found = routes.get(clause.id, {}).get(check, [])
        made = [judge.item(f, check, clause, settings) for f in found]
        ran = coverage.covers(check.source) or bool(found)
        items += made
        results.append(CheckResult(
            check.name, check.source, ran, check.required,
            "" if ran else coverage.reason(check.source),
            sum(1 for i in made if i.state is EvidenceState.COUNTS), len(made)))
    status, summary, declared = _status(clause, items, results, judge.agreement)
    evaluated = None
    if not settings.enabled:
        evaluated = status
        summary = f"switched off by the agreement: {settings.reason} (would be {status.value})"
        status = Status.DISABLED
    order = list(EvidenceState)
    items.sort(key=lambda i: (order.index(i.state), -i.severity.rank, i.rule))
    return ClauseVerdict(clause, status, summary, settings, tuple(items), tuple(results),
                         declared, evaluated)


def evaluate(report: Report, agreement: Agreement | None = None, *,
             capture: TrafficReport | None = None, previous: Report | None = None,
             coverage: Coverage | None = None, today: dt.date | None = None,
             previous_source: str | None = None) -> Verdict:
    """The verdict of ``report`` against ``agreement`` (default: the baseline alone)."""
    agreement = agreement or builtin_agreement()
    today = today or dt.date.today()
    coverage = coverage or coverage_of(report, scanned_now=False, capture=capture is not None,
                                       previous=previous is not None)
    findings = gather(report, agreement, capture, previous, today)
    keys = frozenset[FindingKey]()
    if previous is not None:
        keys = baseline_keys(gather(previous, agreement, None, None, today))
    routes = route(findings)
    judge = _Judge(agreement, Subjects(report, agreement), keys, today)
    verdicts = []
    for clause in CLAUSES:
        settings = settings_for(agreement, clause.id)
        if settings is not None:
            verdicts.append(_clause_verdict(clause, settings, routes, judge, coverage))
    routed = {id(f) for checks in routes.values() for fs in checks.values() for f in fs}
    uses = tuple(WaiverUse(w, "active" if is_active(w, today) and judge.waiver_hits[w] else
                           "expired" if not is_active(w, today) else "unused",
                           judge.waiver_hits[w]) for w in agreement.waivers)
    baseline = None
    if previous is not None:
        baseline = BaselineInfo(previous_source or previous.image.name, previous.image.name,
                                previous.created, len(previous.findings), judge.baseline_hits)
    return Verdict(
        conforms=not any(v.status is Status.FAIL for v in verdicts),
        agreement=AgreementInfo(agreement.name, agreement.source, agreement.sha256,
                                agreement.schema_version, agreement.extends),
        clauses=tuple(verdicts), evaluated_on=today.isoformat(), waivers=uses,
        baseline=baseline, capture=capture.capture.file if capture else None,
        unassigned=tuple(f for f in findings if id(f) not in routed),
        notes=tuple(_notes(report, agreement, previous)))


def _notes(report: Report, agreement: Agreement, previous: Report | None) -> list[str]:
    from spyless._version import __version__  # noqa: PLC0415 - only for this note

    notes = []
    if agreement.is_builtin:
        notes.append("no agreement given: judged against the baseline standard with nothing "
                     "declared, so every account, service and endpoint found is undeclared")
    if previous is not None:
        notes.append("findings present in the baseline report are marked 'baseline' and do "
                     "not fail clauses; only new findings count")
    if report.tool_version != __version__:
        notes.append(f"the report was made by spyless {report.tool_version}; this is "
                     f"{__version__}: checks are limited to the analyzers named in its timings")
    errors: dict[str, int] = defaultdict(int)
    for error in report.errors:
        errors[error.analyzer] += 1
    notes += [f"analyzer {name} failed on {count} file(s): its checks may be incomplete"
              for name, count in sorted(errors.items())]
    return notes
