"""What both SBOM writers describe: the image and its components, merged and referenced.

A report may name the same component (name and version) several times, once per way it
was found (a binary banner, a package database); an SBOM lists it once with every
location. Identifiers (CycloneDX bom-ref, SPDX SPDXID) are derived from name and version
so two exports of the same report are identical.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from spyless.model.facts import Component, Vulnerability
from spyless.model.findings import Location
from spyless.report.model import Report

_ID_UNSAFE = re.compile(r"[^A-Za-z0-9.-]+")


@dataclass(frozen=True, slots=True)
class Entry:
    """One component of the SBOM."""

    ref: str  # unique within the document; valid as a bom-ref and after "SPDXRef-"
    name: str
    version: str | None
    purl: str | None
    cpe: str | None
    sources: tuple[str, ...]  # "binary", "package-db", ...
    evidence: tuple[str, ...]  # the matched texts
    locations: tuple[Location, ...]

    @property
    def file_sha256(self) -> str | None:
        """The hash of the one file the component is, when it lives in exactly one file."""
        hashes = {loc.sha256 for loc in self.locations if loc.sha256}
        paths = {(loc.chain.rsplit("!", 1)[0], loc.path) for loc in self.locations}
        return next(iter(hashes)) if len(hashes) == 1 and len(paths) == 1 else None


@dataclass(frozen=True, slots=True)
class Inventory:
    image_name: str
    image_sha256: str
    image_size: int
    created: str  # ISO 8601 with offset, from the report
    tool_version: str
    entries: tuple[Entry, ...]
    vulnerabilities: tuple[tuple[Vulnerability, tuple[str, ...]], ...]  # with affected refs


def _safe_id(text: str) -> str:
    return _ID_UNSAFE.sub("-", text).strip("-") or "x"


def _merge(components: list[Component]) -> list[Entry]:
    groups: dict[tuple[str, str | None], list[Component]] = {}
    for component in components:
        groups.setdefault((component.name, component.version), []).append(component)
    entries: list[Entry] = []
    used: set[str] = set()
    for (name, version), group in sorted(groups.items(), key=lambda kv: (kv[0][0],
                                                                         kv[0][1] or "")):
        base = _safe_id(f"{name}-{version}" if version else name)
        ref, n = base, 2
        while ref in used:
            ref, n = f"{base}-{n}", n + 1
        used.add(ref)
        locations: dict[tuple[str, str | None, int | None, int | None], Location] = {}
        for component in group:
            for loc in component.locations:
                locations.setdefault((loc.chain, loc.path, loc.offset, loc.line), loc)
        entries.append(Entry(
            ref=ref, name=name, version=version,
            purl=next((c.purl for c in group if c.purl), None),
            cpe=next((c.cpe for c in group if c.cpe), None),
            sources=tuple(sorted({c.source for c in group})),
            evidence=tuple(dict.fromkeys(c.evidence for c in group if c.evidence)),
            locations=tuple(locations[k] for k in sorted(locations, key=lambda k: (
                k[0], k[1] or "", k[2] or 0, k[3] or 0))),
        ))
    return entries


def build_inventory(report: Report) -> Inventory:
    entries = _merge(report.components)
    by_name: dict[str, list[Entry]] = {}
    for entry in entries:
        by_name.setdefault(entry.name, []).append(entry)
    # One entry per advisory id, affecting every component version it was matched to.
    grouped: dict[str, tuple[Vulnerability, list[str]]] = {}
    for vuln in sorted(report.vulnerabilities, key=lambda v: (v.id, v.component, v.version)):
        candidates = by_name.get(vuln.component, [])
        refs = [e.ref for e in candidates if e.version == vuln.version] or [
            e.ref for e in candidates]
        _first, affected = grouped.setdefault(vuln.id, (vuln, []))
        affected.extend(r for r in refs if r not in affected)
    vulnerabilities = tuple((v, tuple(refs)) for v, refs in grouped.values())
    return Inventory(
        image_name=report.image.name, image_sha256=report.image.sha256,
        image_size=report.image.size, created=report.created,
        tool_version=report.tool_version, entries=tuple(entries),
        vulnerabilities=tuple(vulnerabilities),
    )


def describe_location(location: Location) -> str:
    """``fw.bin!squashfs@0x10000/usr/sbin/dropbear`` with the offset or line when known."""
    where = location.chain
    if location.offset is not None:
        where += f" @0x{location.offset:x}"
    elif location.line is not None:
        where += f" line {location.line}"
    return where
