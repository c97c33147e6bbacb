"""The image's component inventory: per-file detections folded into one entry per version.

Owns folding (one Component per (name, version) with every file it lives in), the choice of
the best evidence and identifiers among the sources, and the lifecycle findings over the
inventory: several versions of one product (SPY601), one library version compiled into
several files (SPY602).
"""

from __future__ import annotations

from collections import defaultdict

from spyless.analyzers.components.catalog import PRODUCTS
from spyless.analyzers.image import ImageView
from spyless.analyzers.interface import ImageAnalyzer, Output
from spyless.model.facts import Component
from spyless.model.findings import Confidence, Evidence, FindingSpec, Location, Severity

SPY601 = FindingSpec(
    "SPY601", "Several versions of the same component in one image", Severity.MEDIUM, 1104,
    "One product is present in more than one version (for example zlib 1.1.4 compiled into "
    "a web server beside zlib 1.2.3 as a shared library, or package metadata that disagrees "
    "with the binary). Each copy has to be tracked and patched on its own, and old copies are "
    "how fixed vulnerabilities survive in products.",
    "Build every program against one shared copy of each library, at a supported version; "
    "remove stale copies and make package metadata match what is installed.",
    ("https://cwe.mitre.org/data/definitions/1104.html",),
)
SPY602 = FindingSpec(
    "SPY602", "The same library version compiled into several files", Severity.LOW, 1104,
    "A library's own version banner occurs in several files: it was linked statically into "
    "each of them instead of being shared. A fix to the library needs every one of those "
    "programs rebuilt.",
    "Link the library dynamically, or track every program that embeds it.",
    ("https://cwe.mitre.org/data/definitions/1104.html",),
)

#: Which source names a component best, most authoritative first.
_SOURCE_RANK = {s: i for i, s in enumerate((
    "package-db", "elf-note", "banner", "binary", "pkg-config", "filename", "kernel-module",
    "os-release"))}
_EVIDENCE_SHOWN = 3
#: Sources that say the library's code itself is in the file.
_EMBEDDED = frozenset({"binary", "banner"})


def _rank(component: Component) -> int:
    return _SOURCE_RANK.get(component.source, len(_SOURCE_RANK))


def fold(parts: list[Component]) -> Component:
    """One component from the per-file detections of the same (name, version)."""
    parts = sorted(parts, key=lambda c: (_rank(c), c.locations[0].chain))
    best = parts[0]
    # Modules' vermagic only backs up a kernel banner; list them when there is no banner.
    if best.name == "linux_kernel" and best.source != "kernel-module":
        modules = [p for p in parts if p.source == "kernel-module"]
        parts = [p for p in parts if p.source != "kernel-module"]
    else:
        modules = []
    seen: dict[str, Location] = {}
    for part in parts:
        for location in part.locations:
            seen.setdefault(location.chain, location)
    evidence = [p.evidence for p in parts[:_EVIDENCE_SHOWN]]
    if len(parts) > _EVIDENCE_SHOWN:
        evidence.append(f"and {len(parts) - _EVIDENCE_SHOWN} more")
    if modules:
        evidence.append(f"{len(modules)} kernel modules with vermagic {best.version}")
    return Component(
        name=best.name, version=best.version,
        locations=tuple(sorted(seen.values(), key=lambda loc: loc.chain)),
        evidence="; ".join(evidence), cpe=next((p.cpe for p in parts if p.cpe), None),
        purl=best.purl, source=best.source,
    )


class ComponentInventory(ImageAnalyzer):
    name = "components-inventory"
    description = ("Folds per-file component detections into one entry per product version "
                   "and reports several versions or statically linked copies of a library.")
    findings = (SPY601, SPY602)
    references = ("https://cwe.mitre.org/data/definitions/1104.html",)

    def analyze(self, image: ImageView, out: Output) -> None:
        groups: dict[tuple[str, str | None], list[Component]] = defaultdict(list)
        for fact in image.facts:
            if isinstance(fact, Component):
                groups[(fact.name, fact.version)].append(fact)
        if not groups:
            return
        # The per-file facts are replaced by the folded ones, not kept beside them: a report
        # lists each component version once.
        for fact in image.facts_of(Component):
            out.retract(fact)
        folded = [fold(parts) for _, parts in sorted(groups.items(),
                                                     key=lambda kv: (kv[0][0], kv[0][1] or ""))]
        for component in folded:
            out.add(component)
        self._versions(folded, out)
        for key, parts in sorted(groups.items(), key=lambda kv: (kv[0][0], kv[0][1] or "")):
            self._copies(key, parts, out)

    def _versions(self, folded: list[Component], out: Output) -> None:
        by_name: dict[str, list[Component]] = defaultdict(list)
        for component in folded:
            if component.version and component.source != "os-release":
                by_name[component.name].append(component)
        for name, versions in sorted(by_name.items()):
            if len(versions) < 2:
                continue
            listed = ", ".join(f"{c.version} ({len(c.locations)} files)" for c in versions)
            out.finding(
                SPY601, f"{name} is present in {len(versions)} versions: {listed}",
                tuple(Evidence(c.locations[0], c.evidence[:200]) for c in versions),
                confidence=Confidence.HIGH, tags=(f"component:{name}",),
            )

    def _copies(self, key: tuple[str, str | None], parts: list[Component], out: Output) -> None:
        name, version = key
        product = PRODUCTS.get(name)
        if product is None or not product.library:
            return
        embedded = {p.locations[0].chain: p for p in parts if p.source in _EMBEDDED}
        if len(embedded) < 2:
            return
        paths = sorted(p.locations[0].path or p.locations[0].chain for p in embedded.values())
        out.finding(
            SPY602, f"{name} {version} is compiled into {len(embedded)} files: "
            f"{', '.join(paths[:10])}" + (" ..." if len(paths) > 10 else ""),
            tuple(Evidence(p.locations[0], p.evidence[:200]) for p in embedded.values())[:10],
            confidence=Confidence.MEDIUM, tags=(f"component:{name}",),
        )
