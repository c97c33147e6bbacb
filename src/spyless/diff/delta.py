"""The release-to-release security delta: :func:`compute_delta` over two reports (and,
when both images were unpacked, their files), and :func:`diff_images`, the library call
behind ``spyless diff``.

Findings are matched by id and location path, not offset, so a rebuilt binary whose
strings moved keeps its findings; a finding at the same id and path whose excerpt changed
is "changed", not new. Components are matched by name and their versions compared with
the product's own ordering (:mod:`spyless.vulndb.versions`).
"""

from __future__ import annotations

import re
import shutil
import tempfile
from collections import defaultdict
from pathlib import Path

from spyless.audit import Auditor
from spyless.diff import similarity
from spyless.diff.facts import fact_changes, where
from spyless.diff.interface import (
    Change,
    ComponentChange,
    Delta,
    FileChange,
    FindingChange,
    HardeningChange,
    ImageRef,
    VulnerabilityChange,
)
from spyless.diff.pairing import index_image
from spyless.errors import UsageError
from spyless.model.facts import Hardening
from spyless.model.findings import Finding, Location
from spyless.report.json_format import load_report
from spyless.report.model import Report
from spyless.unpack.engine import UnpackResult
from spyless.unpack.interface import Limits
from spyless.unpack.manifest import write_manifest
from spyless.vulndb.versions import compare, scheme_for

_RELRO = {"none": 0, "partial": 1, "full": 2}
_SPACE = re.compile(r"\s+")


def diff_images(
    old: Path | None, new: Path | None, *, old_report: Path | None = None,
    new_report: Path | None = None, jobs: int | None = None, limits: Limits | None = None,
) -> Delta:
    """Scan (or read the reports of) two images and compare them.

    A side given by its report alone has no files: the file comparison needs both images.
    """
    if (old is None and old_report is None) or (new is None and new_report is None):
        raise UsageError("each side needs an image or a report (--old-report/--new-report)")
    auditor = Auditor(limits=limits, jobs=jobs)
    with tempfile.TemporaryDirectory(prefix="spyless-diff-") as tmp:
        try:
            report_a, unpacked_a = _side(auditor, old, old_report, Path(tmp) / "old")
            report_b, unpacked_b = _side(auditor, new, new_report, Path(tmp) / "new")
            return compute_delta(report_a, report_b, unpacked_a, unpacked_b)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)


def _side(auditor: Auditor, image: Path | None, report: Path | None, out: Path
          ) -> tuple[Report, UnpackResult | None]:
    if image is None:
        if report is None:
            raise UsageError("a side needs an image or a report")
        return load_report(report), None
    unpacked = auditor.unpacker.unpack(image, out)
    if report is not None:
        return load_report(report), unpacked
    write_manifest(unpacked)
    return auditor.analyze(unpacked), unpacked


def compute_delta(old: Report, new: Report, old_files: UnpackResult | None = None,
                  new_files: UnpackResult | None = None) -> Delta:
    notes = []
    files: list[FileChange] = []
    unchanged = 0
    if old_files is not None and new_files is not None:
        files, unchanged = file_changes(old_files, new_files)
        if not similarity.METHOD:
            notes.append("no similarity distances: the py-tlsh package is not installed")
    else:
        notes.append("files not compared: a side was given as a report only")
    findings, same = finding_changes(old, new)
    return Delta(
        old=_ref(old), new=_ref(new), facts=tuple(fact_changes(old, new)),
        components=tuple(component_changes(old, new)),
        vulnerabilities=tuple(vulnerability_changes(old, new)),
        hardening=tuple(hardening_changes(old, new)), findings=tuple(findings),
        unchanged_findings=same, files=tuple(files),
        files_compared=old_files is not None and new_files is not None,
        unchanged_files=unchanged, similarity_method=similarity.METHOD, notes=tuple(notes))


def _ref(report: Report) -> ImageRef:
    return ImageRef(report.image.name, report.image.size, report.image.sha256)


# components and vulnerabilities ----------------------------------------------------------


def component_changes(old: Report, new: Report) -> list[ComponentChange]:
    before, after = _versions(old), _versions(new)
    vulns_old, vulns_new = _vulns_by_component(old), _vulns_by_component(new)
    out = []
    for name in sorted(before.keys() | after.keys()):
        was, now = before.get(name, {}), after.get(name, {})
        if set(was) == set(now):
            continue
        fixed = tuple(sorted(vulns_old.get(name, set()) - vulns_new.get(name, set())))
        introduced = tuple(sorted(vulns_new.get(name, set()) - vulns_old.get(name, set())))
        gone, came = sorted(set(was) - set(now)), sorted(set(now) - set(was))
        if len(gone) == 1 and len(came) == 1:
            change = _direction(name, gone[0], came[0])
            out.append(ComponentChange(name, change, gone[0] or None, came[0] or None,
                                       now[came[0]], fixed, introduced))
            continue
        for version in gone:
            out.append(ComponentChange(name, "removed", version or None, None, was[version],
                                       fixed, ()))
            fixed = ()
        for version in came:
            out.append(ComponentChange(name, "added", None, version or None, now[version], (),
                                       introduced))
            introduced = ()
    return out


def _versions(report: Report) -> dict[str, dict[str, Location | None]]:
    found: dict[str, dict[str, Location | None]] = defaultdict(dict)
    for component in report.components:
        found[component.name].setdefault(
            component.version or "", component.locations[0] if component.locations else None)
    return found


def _direction(name: str, old: str, new: str) -> str:
    if not old or not new:
        return "changed"
    try:
        order = compare(new, old, scheme_for(name))
    except ValueError:
        return "changed"
    return {1: "upgraded", -1: "downgraded"}.get(order, "changed")


def _vulns_by_component(report: Report) -> dict[str, set[str]]:
    found: dict[str, set[str]] = defaultdict(set)
    for vuln in report.vulnerabilities:
        found[vuln.component].add(vuln.id)
    return found


def vulnerability_changes(old: Report, new: Report) -> list[VulnerabilityChange]:
    before = {(v.id, v.component): v for v in old.vulnerabilities}
    after = {(v.id, v.component): v for v in new.vulnerabilities}
    out = [VulnerabilityChange(v.id, v.component, "new", v.version, v.severity, v.cvss_score,
                               v.summary) for k, v in sorted(after.items()) if k not in before]
    out += [VulnerabilityChange(v.id, v.component, "fixed", v.version, v.severity,
                                v.cvss_score, v.summary)
            for k, v in sorted(before.items()) if k not in after]
    return out


# hardening --------------------------------------------------------------------------------


def _protections(h: Hardening) -> set[str]:
    have = {name for name, on in (("NX", h.nx), ("PIE", h.pie), ("stack canary", h.canary),
                                  ("FORTIFY_SOURCE", h.fortify)) if on}
    if _RELRO.get(h.relro, 0) >= 1:
        have.add("partial RELRO")
    if _RELRO.get(h.relro, 0) >= 2:
        have.add("full RELRO")
    if not h.rwx_segments:
        have.add("no RWX segment")
    if not h.rpath and not h.runpath:
        have.add("no RPATH/RUNPATH")
    return have


def hardening_changes(old: Report, new: Report) -> list[HardeningChange]:
    """Per binary path: protections lost (a regression) or gained; an unsafe function
    newly imported counts as a lost "no f()"."""
    before = {where(h.location, old.image.name): h for h in old.hardening}
    out = []
    for h in new.hardening:
        path = where(h.location, new.image.name)
        previous = before.get(path)
        if previous is None:
            continue
        had, has = _protections(previous), _protections(h)
        unsafe_before, unsafe_now = set(previous.unsafe_functions), set(h.unsafe_functions)
        lost = sorted(had - has) + [f"no {f}()" for f in sorted(unsafe_now - unsafe_before)]
        gained = sorted(has - had) + [f"no {f}()" for f in sorted(unsafe_before - unsafe_now)]
        if lost or gained:
            out.append(HardeningChange(path, h.location, tuple(lost), tuple(gained)))
    return sorted(out, key=lambda c: (not c.lost, c.path))


# findings ---------------------------------------------------------------------------------


def _finding_keys(finding: Finding, image: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    path = where(finding.location, image)
    excerpt = _SPACE.sub(" ", finding.evidence[0].excerpt.strip()) if finding.evidence else ""
    return (finding.id, path, excerpt), (finding.id, path)


def finding_changes(old: Report, new: Report) -> tuple[list[FindingChange], int]:
    """New, resolved and changed findings, and how many stayed as they were."""
    pending_old: dict[tuple[str, ...], list[Finding]] = defaultdict(list)
    for finding in old.findings:
        pending_old[_finding_keys(finding, old.image.name)[0]].append(finding)
    unmatched_new: list[Finding] = []
    same = 0
    for finding in new.findings:
        exact = pending_old.get(_finding_keys(finding, new.image.name)[0])
        if exact:
            exact.pop(0)
            same += 1
        else:
            unmatched_new.append(finding)
    by_place: dict[tuple[str, ...], list[Finding]] = defaultdict(list)
    for findings in pending_old.values():
        for finding in findings:
            by_place[_finding_keys(finding, old.image.name)[1]].append(finding)
    out: list[FindingChange] = []
    for finding in unmatched_new:
        previous = by_place.get(_finding_keys(finding, new.image.name)[1])
        if previous:
            out.append(FindingChange("changed", finding, previous.pop(0)))
        else:
            out.append(FindingChange("new", finding))
    out += [FindingChange("resolved", f) for findings in by_place.values() for f in findings]
    order = {"new": 0, "changed": 1, "resolved": 2}
    out.sort(key=lambda c: (order[c.change], -c.finding.severity.rank, c.finding.id))
    return out, same


# files ------------------------------------------------------------------------------------


def file_changes(old: UnpackResult, new: UnpackResult) -> tuple[list[FileChange], int]:
    """Regular files added, removed and changed, with a TLSH distance for changed ones."""
    index_a, index_b = index_image(old), index_image(new)
    files_a = {k: e for k, e in index_a.entries.items() if e.is_file and k}
    files_b = {k: e for k, e in index_b.entries.items() if e.is_file and k}
    out: list[FileChange] = []
    unchanged = 0
    for key in sorted(files_a.keys() | files_b.keys()):
        a, b = files_a.get(key), files_b.get(key)
        if a is not None and b is not None:
            if a.artifact.sha256 == b.artifact.sha256:
                unchanged += 1
                continue
            value = _distance(a.disk, b.disk)
            out.append(FileChange(key, Change.CHANGED, b.artifact.kind.value, a.artifact.size,
                                  b.artifact.size, a.artifact.sha256, b.artifact.sha256,
                                  value, similarity.label(value)))
        elif b is not None:
            out.append(FileChange(key, Change.ADDED, b.artifact.kind.value, None,
                                  b.artifact.size, None, b.artifact.sha256))
        elif a is not None:
            out.append(FileChange(key, Change.REMOVED, a.artifact.kind.value, a.artifact.size,
                                  None, a.artifact.sha256, None))
    return out, unchanged


def _distance(a: Path | None, b: Path | None) -> int | None:
    if a is None or b is None or not similarity.METHOD:
        return None
    try:
        if max(a.stat().st_size, b.stat().st_size) > similarity.MAX_HASHED:
            return None
        return similarity.distance(a.read_bytes(), b.read_bytes())
    except OSError:
        return None
