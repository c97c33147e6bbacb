"""Comparisons over what the image contains and what the agreement states about it:
vendor SBOM against components (TR-2), critical CVEs against declared remediations
(SE-1), development and capture tools (NS-5, SE-7), the support period (TR-4), channel
terms (NS-4, TR-7), and release notes against the changes since the previous report
(TR-5).
"""

from __future__ import annotations

import datetime as dt
import posixpath
import re
from collections import defaultdict

from spyless.agreement.compare import (
    agreement_location,
    countable,
    finding,
    listening,
    login_capable,
)
from spyless.agreement.document import Agreement, DeclaredComponent
from spyless.agreement.specs import AGREEMENT_RULES, SPY690, SPY691, SPY693, SPY694, SPY695
from spyless.model.facts import Component
from spyless.model.findings import Confidence, Evidence, Finding, Location, Severity
from spyless.report.model import Report

_CAPTURE = frozenset({"tcpdump", "libpcap", "tshark", "wireshark", "dumpcap"})
_DEVTOOLS = frozenset({"gdb", "gdbserver", "strace", "ltrace", "gcc", "tcc", "valgrind",
                       "binutils"})
_NOT_NAME = re.compile(r"[^a-z0-9]")


def _norm(name: str) -> str:
    return _NOT_NAME.sub("", name.lower().removeprefix("lib"))


def _component_where(component: Component) -> Location:
    return component.locations[0] if component.locations else Location(chain=component.name)


def rule_finding(rule: str, message: str, where: Location,
                 severity: Severity | None = None) -> Finding:
    title, default = AGREEMENT_RULES[rule]
    return Finding(id=rule, title=title, severity=severity or default,
                   confidence=Confidence.HIGH, cwe=None, message=message,
                   evidence=(Evidence(where),), remediation="Complete or correct the "
                   "agreement (see docs/agreement.md).", analyzer="agreement")


def sbom(report: Report, agreement: Agreement) -> list[Finding]:
    d = agreement.declarations
    if not d.has_sbom:
        return [rule_finding("agreement:no-sbom", "the agreement supplies no vendor SBOM "
                             "([sbom] file or [[components]])",
                             agreement_location(agreement, None))]
    declared: dict[str, list[DeclaredComponent]] = defaultdict(list)
    for item in (*agreement.sbom_components, *d.components):
        declared[_norm(item.name)].append(item)
    out: list[Finding] = []
    found_names = set()
    for component in report.components:
        key = _norm(component.name)
        found_names.add(key)
        listed = declared.get(key, [])
        if any(c.version in (None, component.version) for c in listed):
            continue
        why = ("is listed with version " + ", ".join(sorted({c.version or "?" for c in listed}))
               if listed else "is not listed")
        out.append(finding(SPY690, f"{component.name} {component.version or ''} found in the "
                           f"image {why} in the vendor SBOM", _component_where(component),
                           tags=(f"component:{component.name}",)))
    for key, items in sorted(declared.items()):
        if key not in found_names:
            out.append(finding(SPY691, f"{items[0].name} {items[0].version or ''} is in the "
                               "vendor SBOM but was not identified in the image",
                               agreement_location(agreement, d.sbom_line),
                               tags=(f"component:{items[0].name}",)))
    return out


def vulnerabilities(report: Report, agreement: Agreement) -> list[Finding]:
    declared = {v.id for v in agreement.declarations.vulnerabilities}
    open_ids: dict[tuple[str, str], list[str]] = defaultdict(list)
    for vuln in report.vulnerabilities:
        critical = vuln.severity == "critical" or (vuln.cvss_score or 0.0) >= 9.0
        if not critical or vuln.known_exploited:  # exploited ones fail on their own
            continue
        if vuln.id.upper() in declared or any(a.upper() in declared for a in vuln.aliases):
            continue
        open_ids[(vuln.component, vuln.version)].append(vuln.id)
    where = {(c.name, c.version or ""): c for c in report.components}
    out = []
    for (name, version), ids in sorted(open_ids.items()):
        component = where.get((name, version))
        location = _component_where(component) if component else Location(chain=name)
        shown = ", ".join(sorted(ids)[:10]) + (f" and {len(ids) - 10} more" if len(ids) > 10
                                              else "")
        out.append(finding(SPY693, f"{name} {version}: {len(ids)} critical vulnerabilities "
                           f"not declared with remediation: {shown}", location,
                           tags=tuple(sorted(ids)[:10])))
    return out


def tools(report: Report) -> list[Finding]:
    out = []
    for component in report.components:
        key = component.name.lower()
        spec = SPY694 if key in _CAPTURE else SPY695 if key in _DEVTOOLS else None
        if spec is not None:
            out.append(finding(spec, f"{component.name} {component.version or ''} is in the "
                               "image", _component_where(component),
                               tags=(f"component:{component.name}",)))
    return out


def declarations(agreement: Agreement, today: dt.date) -> list[Finding]:
    """Evidence from the agreement's own statements (NS-4, TR-4, TR-7)."""
    d = agreement.declarations
    out: list[Finding] = []
    if d.support_until and dt.date.fromisoformat(d.support_until) < today:
        out.append(rule_finding("agreement:support-ended", f"security updates were declared "
                                f"until {d.support_until}",
                                agreement_location(agreement, d.support_line)))
    for channel in d.channels:
        where = agreement_location(agreement, channel.line)
        problems = []
        if channel.operator_controllable is not True:
            problems.append("is not operator-controllable" if channel.operator_controllable
                            is False else "does not state that the operator controls it")
        if channel.kind == "management" and channel.mutual_authentication is not True:
            problems.append("does not use mutual authentication" if channel.mutual_authentication
                            is False else "does not state mutual authentication")
        if problems:
            explicit = (channel.operator_controllable is False
                        or channel.mutual_authentication is False)
            out.append(rule_finding("agreement:channel-terms", f"{channel.kind} channel "
                                    f"{channel.name} " + " and ".join(problems), where,
                                    None if explicit else Severity.LOW))
        missing = [k for k, v in (("what", channel.data), ("to whom", channel.recipient),
                                  ("why", channel.purpose)) if not v]
        if channel.kind == "telemetry" and missing:
            out.append(rule_finding("agreement:telemetry-undescribed", f"telemetry channel "
                                    f"{channel.name} does not say {', '.join(missing)}", where))
    return out


def _inventory(report: Report) -> dict[tuple[str, str], Location]:
    """Security-relevant items of a report, (kind, name) -> where."""
    items: dict[tuple[str, str], Location] = {}
    for account in report.accounts:
        if login_capable(account):
            items.setdefault(("account", account.name), account.location)
    for service in report.services:
        if listening(service):
            items.setdefault(("service", service.name), service.started_by)
    for endpoint in report.endpoints:
        if countable(endpoint) and endpoint.locations:
            items.setdefault(("endpoint", (endpoint.host or endpoint.value).lower()),
                             endpoint.locations[0])
    for key in report.keys:
        if key.kind in ("private-key", "host-key", "authorized-key"):
            items.setdefault(("key", key.location.path or key.location.chain), key.location)
    for component in report.components:
        items.setdefault(("component", f"{component.name} {component.version or ''}".strip()),
                         _component_where(component))
    return items


def release_changes(report: Report, previous: Report, agreement: Agreement) -> list[Finding]:
    before = _inventory(previous)
    notes = agreement.declarations.release_changes
    out = []
    for (kind, name), where in sorted(_inventory(report).items()):
        if (kind, name) in before:
            continue
        base = name.split()[0].lower()
        if any(n.kind == kind and n.item.lower() in (name.lower(), base,
                                                     posixpath.basename(name).lower())
               for n in notes):
            continue
        out.append(rule_finding("agreement:undeclared-change", f"new {kind} {name} since "
                                f"{previous.image.name} is not in the release notes", where))
    return out
