"""Known vulnerabilities and end-of-life versions of the components found in an image.

Reads the ``Component`` facts of the components analyzer, matches them offline against
the vulnerability database (spyless.vulndb: the user's copy, else the embedded snapshot),
adds one ``Vulnerability`` fact per (component, advisory), and judges per component:
SPY610 known vulnerabilities, SPY611 known to be exploited in the wild, SPY612 end of life.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime
from typing import ClassVar

from spyless.analyzers.image import ImageView
from spyless.analyzers.interface import ImageAnalyzer, Output
from spyless.model.facts import Component, Vulnerability
from spyless.model.findings import Confidence, Evidence, FindingSpec, Location, Severity
from spyless.vulndb.eol import end_of_life
from spyless.vulndb.matcher import ComponentMatch, Matcher, identify
from spyless.vulndb.products import product_table
from spyless.vulndb.snapshot import open_default
from spyless.vulndb.store import Store

SPY610 = FindingSpec(
    "SPY610", "Component with known vulnerabilities", Severity.HIGH, 1395,
    "A third-party component's version is in the affected range of published advisories "
    "(NVD, the product's own CNA, OSV). Severity is that of the worst advisory (CVSS v4, "
    "else v3.x, else v2, else the vendor's rating).",
    "Update the component to a fixed version (listed per advisory) or show, advisory by "
    "advisory, why the vulnerable code is not built or not reachable (a VEX statement).",
    ("https://nvd.nist.gov/", "https://cwe.mitre.org/data/definitions/1395.html"),
)
SPY611 = FindingSpec(
    "SPY611", "Component with a vulnerability known to be exploited", Severity.CRITICAL, 1395,
    "An advisory matching the component is in CISA's Known Exploited Vulnerabilities "
    "catalog: attackers use it in the wild.",
    "Update the component first; these advisories are actively exploited.",
    ("https://www.cisa.gov/known-exploited-vulnerabilities-catalog",),
)
SPY612 = FindingSpec(
    "SPY612", "Component version past its end of life", Severity.MEDIUM, 1104,
    "The component's release branch no longer receives security fixes from its maintainers "
    "(the date and its source are in the message); new vulnerabilities will not be fixed.",
    "Move to a maintained release branch, or document who supports this one.",
    ("https://cwe.mitre.org/data/definitions/1104.html", "https://endoflife.date/"),
)

_RANK = {"critical": 4, "high": 3, "medium": 2, "low": 1}
_SEVERITY = {4: Severity.CRITICAL, 3: Severity.HIGH, 2: Severity.MEDIUM, 1: Severity.LOW}
_TOP = 5
#: A kernel's advisories apply only when the affected subsystem is built in; that is unknown.
_CONFIG_DEPENDENT = frozenset({"linux_kernel", "u-boot"})


class VulnerabilityMatching(ImageAnalyzer):
    name = "vulnerabilities"
    description = ("Matches identified components against the offline vulnerability database "
                   "and flags known-exploited and end-of-life versions.")
    findings = (SPY610, SPY611, SPY612)
    references: ClassVar[tuple[str, ...]] = (
        "https://nvd.nist.gov/developers/vulnerabilities", "https://www.cve.org/",
        "https://ossf.github.io/osv-schema/")

    def __init__(self, store: Store | None = None, today: date | None = None) -> None:
        self._store = store
        self._today = today

    def analyze(self, image: ImageView, out: Output) -> None:
        components = [c for c in image.facts_of(Component) if isinstance(c, Component)]
        if not components:
            return
        store = self._store or open_default()
        today = self._today or datetime.now(UTC).date()
        for match in Matcher(store).match(components):
            for fact in match.vulnerabilities:
                out.add(fact)
            if match.vulnerabilities:
                _known(match, out)
        for component in components:
            _lifecycle(component, today, out)


def _evidence(component: Component) -> tuple[Evidence, ...]:
    excerpt = component.evidence[:120] or f"{component.name} {component.version}"
    locations = component.locations[:3] or (Location(chain=component.name),)
    return tuple(Evidence(loc, excerpt) for loc in locations)


def _label(component: Component) -> str:
    return f"{component.name} {component.version}" if component.version else component.name


def _known(match: ComponentMatch, out: Output) -> None:
    vulns = match.vulnerabilities
    component = match.component
    ranked = sorted(vulns, key=lambda v: (-_RANK.get(v.severity or "", 0),
                                          -(v.cvss_score or 0.0), v.id))
    worst = max((_RANK.get(v.severity or "", 0) for v in vulns), default=0)
    counts = Counter(v.severity or "unrated" for v in vulns)
    breakdown = ", ".join(f"{counts[s]} {s}" for s in ("critical", "high", "medium", "low",
                                                         "unrated") if counts[s])
    top = "; ".join(_describe(v) for v in ranked[:_TOP])
    ident = identify(component)
    product = ident.pairs[0][1] if ident else component.name
    by_name_only = not component.cpe
    unsure = by_name_only or product in _CONFIG_DEPENDENT or (
        match.platform_unknown and all(v.id in match.platform_unknown for v in vulns))
    note = ""
    if product in _CONFIG_DEPENDENT:
        note = " Whether each applies depends on the build configuration (drivers, subsystems)."
    out.finding(
        SPY610, f"{_label(component)}: {len(vulns)} known vulnerabilities ({breakdown}); "
        f"most severe: {top}.{note}", _evidence(component),
        confidence=Confidence.MEDIUM if unsure else Confidence.HIGH,
        severity=_SEVERITY.get(worst, Severity.MEDIUM), tags=tuple(v.id for v in ranked[:_TOP]))
    exploited = [v for v in ranked if v.known_exploited]
    if exploited:
        out.finding(SPY611, f"{_label(component)}: known exploited: "
                    + ", ".join(v.id for v in exploited[:10]), _evidence(component),
                    confidence=Confidence.MEDIUM if unsure else Confidence.HIGH,
                    tags=tuple(v.id for v in exploited[:10]))


def _describe(v: Vulnerability) -> str:
    score = f" CVSS {v.cvss_score:g}" if v.cvss_score is not None else ""
    fixed = f", fixed in {v.fixed_versions[0]}" if v.fixed_versions else ""
    return f"{v.id} ({v.severity or 'unrated'}{score}{fixed})"


def _lifecycle(component: Component, today: date, out: Output) -> None:
    ident = identify(component)
    if ident is None or not ident.version:
        return
    product = product_table().by_pair(*ident.pairs[0])
    key = product.key if product else ident.pairs[0][1]
    entry = end_of_life(key, ident.version, today)
    if entry is None:
        return
    when = f"since {entry.eol.isoformat()}" if entry.eol else "(no end date published)"
    out.finding(SPY612, f"{_label(component)}: the {entry.branch} branch is out of support "
                f"{when}. Source: {entry.source}", _evidence(component),
                confidence=Confidence.HIGH if component.cpe else Confidence.MEDIUM)
