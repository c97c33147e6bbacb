"""CycloneDX 1.6 JSON with vulnerabilities as VEX, written through cyclonedx-python-lib.

The image is the BOM's main component (type firmware, with its SHA-256); every component
found in it is a component of the BOM with its purl, CPE, occurrences (where it was
found, with the matched text) and, when it is exactly one file, that file's SHA-256.

VEX analysis state: spyless matches vulnerabilities by component version only; it does not
check whether the vulnerable code is built in or reachable. So every entry is
``in_triage`` (affected by version, exploitability not established), never "exploitable".
"""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal, InvalidOperation

from cyclonedx.model import HashAlgorithm, HashType, Property, XsUri
from cyclonedx.model.bom import Bom, BomMetaData
from cyclonedx.model.component import Component, ComponentType
from cyclonedx.model.component_evidence import ComponentEvidence, Occurrence
from cyclonedx.model.impact_analysis import ImpactAnalysisAffectedStatus, ImpactAnalysisState
from cyclonedx.model.vulnerability import (
    BomTarget,
    BomTargetVersionRange,
    Vulnerability,
    VulnerabilityAdvisory,
    VulnerabilityAnalysis,
    VulnerabilityRating,
    VulnerabilityReference,
    VulnerabilityScoreSource,
    VulnerabilitySeverity,
    VulnerabilitySource,
)
from cyclonedx.output.json import JsonV1Dot6
from packageurl import PackageURL

from spyless.model.facts import Vulnerability as VulnerabilityFact
from spyless.sbom.inventory import Entry, Inventory, describe_location

_IMAGE_REF = "image"
_TYPES = {"linux": ComponentType.OPERATING_SYSTEM, "linux_kernel": ComponentType.OPERATING_SYSTEM,
          "linux-kernel": ComponentType.OPERATING_SYSTEM, "u-boot": ComponentType.FIRMWARE}
_SOURCES = {
    "nvd": ("NVD", "https://nvd.nist.gov/vuln/detail/{id}"),
    "osv": ("OSV", "https://osv.dev/vulnerability/{id}"),
    "cve5": ("CVE", "https://www.cve.org/CVERecord?id={id}"),
}
_SEVERITIES = {s.value: s for s in VulnerabilitySeverity}


def _timestamp(text: str) -> dt.datetime | None:
    try:
        return dt.datetime.fromisoformat(text)
    except ValueError:
        return None


def _purl(text: str | None) -> PackageURL | None:
    if not text:
        return None
    try:
        return PackageURL.from_string(text)
    except ValueError:
        return None


def _component(entry: Entry) -> Component:
    occurrences = []
    for index, loc in enumerate(entry.locations):
        context = [f"found in {describe_location(loc)}"]
        if loc.sha256:
            context.append(f"file sha256 {loc.sha256}")
        # The library orders occurrences by bom-ref; a fixed one keeps the output stable.
        occurrences.append(Occurrence(
            bom_ref=f"{entry.ref}-occurrence-{index:04}", location=loc.path or loc.chain,
            offset=loc.offset, line=loc.line, additional_context="; ".join(context)))
    properties = [Property(name="spyless:source", value=s) for s in entry.sources]
    properties += [Property(name="spyless:evidence", value=e) for e in entry.evidence]
    if entry.purl and _purl(entry.purl) is None:
        properties.append(Property(name="spyless:unparsed-purl", value=entry.purl))
    sha = entry.file_sha256
    return Component(
        name=entry.name, version=entry.version, bom_ref=entry.ref,
        type=_TYPES.get(entry.name.lower(), ComponentType.LIBRARY),
        purl=_purl(entry.purl), cpe=entry.cpe,
        hashes=[HashType(alg=HashAlgorithm.SHA_256, content=sha)] if sha else None,
        evidence=ComponentEvidence(occurrences=occurrences) if occurrences else None,
        properties=properties,
    )


def _source(vuln: VulnerabilityFact, alias: str | None = None) -> VulnerabilitySource:
    """Where to read about ``vuln`` (or about one of its aliases, by the alias' own kind)."""
    ident = alias or vuln.id
    key = "nvd" if alias is not None and alias.startswith("CVE-") else vuln.source.lower()
    name, url = _SOURCES.get(key, (vuln.source or "unknown", ""))
    if ident.startswith("CVE-") and not url:
        name, url = _SOURCES["nvd"]
    return VulnerabilitySource(name=name, url=XsUri(url.format(id=ident)) if url else None)


def _rating(vuln: VulnerabilityFact) -> VulnerabilityRating | None:
    if vuln.cvss_score is None and vuln.severity is None:
        return None
    vector = vuln.cvss_vector or ""
    method = (VulnerabilityScoreSource.CVSS_V4 if vector.startswith("CVSS:4")
              else VulnerabilityScoreSource.CVSS_V3_1 if vector.startswith("CVSS:3.1")
              else VulnerabilityScoreSource.CVSS_V3 if vector.startswith("CVSS:3")
              else VulnerabilityScoreSource.CVSS_V2 if vector else None)
    try:
        score = None if vuln.cvss_score is None else Decimal(str(vuln.cvss_score))
    except InvalidOperation:
        score = None
    return VulnerabilityRating(
        source=_source(vuln), score=score, method=method, vector=vector or None,
        severity=_SEVERITIES.get((vuln.severity or "").lower(), VulnerabilitySeverity.UNKNOWN))


def _cwes(vuln: VulnerabilityFact) -> list[int]:
    found = []
    for cwe in vuln.cwes:
        digits = cwe.upper().removeprefix("CWE-")
        if digits.isdigit():
            found.append(int(digits))
    return found


def _vulnerability(vuln: VulnerabilityFact, refs: tuple[str, ...]) -> Vulnerability:
    detail = (f"Matched by version: {vuln.component} {vuln.version}"
              + (f" ({vuln.matched_by})" if vuln.matched_by else "")
              + ". Whether the vulnerable code is present and reachable was not analysed.")
    if vuln.known_exploited:
        detail += " Listed as known exploited in the wild."
    rating = _rating(vuln)
    return Vulnerability(
        bom_ref=f"vulnerability-{vuln.id}", id=vuln.id, source=_source(vuln),
        references=[VulnerabilityReference(id=alias, source=_source(vuln, alias))
                    for alias in vuln.aliases if alias != vuln.id],
        ratings=[rating] if rating else None, cwes=_cwes(vuln),
        description=vuln.summary or None,
        recommendation=("Upgrade to " + " or ".join(vuln.fixed_versions) + " or later."
                        if vuln.fixed_versions else None),
        advisories=[VulnerabilityAdvisory(url=XsUri(r)) for r in vuln.references],
        published=_timestamp(vuln.published) if vuln.published else None,
        analysis=VulnerabilityAnalysis(state=ImpactAnalysisState.IN_TRIAGE, detail=detail),
        affects=[BomTarget(ref=ref, versions=[BomTargetVersionRange(
            version=vuln.version, status=ImpactAnalysisAffectedStatus.AFFECTED)])
            for ref in refs] if vuln.version else [BomTarget(ref=ref) for ref in refs],
        properties=[Property(name="spyless:known-exploited", value="true")]
        if vuln.known_exploited else None,
    )


def render_cyclonedx(inventory: Inventory) -> str:
    """The inventory as a CycloneDX 1.6 JSON document."""
    image = Component(
        name=inventory.image_name, type=ComponentType.FIRMWARE, bom_ref=_IMAGE_REF,
        hashes=[HashType(alg=HashAlgorithm.SHA_256, content=inventory.image_sha256)],
        properties=[Property(name="spyless:size", value=str(inventory.image_size))],
    )
    tool = Component(name="spyless", version=inventory.tool_version,
                     type=ComponentType.APPLICATION)
    metadata = BomMetaData(component=image, timestamp=_timestamp(inventory.created))
    metadata.tools.components.add(tool)
    # The same report always gives the same serial number.
    serial = uuid.uuid5(uuid.NAMESPACE_URL, f"spyless:{inventory.image_sha256}:"
                                            f"{inventory.created}")
    components = [_component(e) for e in inventory.entries]
    bom = Bom(components=components, metadata=metadata, serial_number=serial,
              vulnerabilities=[_vulnerability(v, refs) for v, refs in inventory.vulnerabilities])
    bom.register_dependency(image, components)
    return JsonV1Dot6(bom).output_as_string(indent=2)
