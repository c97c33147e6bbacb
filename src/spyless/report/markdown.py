"""The report and verdict as Markdown, for tickets and release notes: the verdict, the
clause table, the evidence behind each failure, the top findings with their locations,
and the components with their vulnerability counts.

Every string from the image is escaped (no HTML, links, emphasis or table breaks can be
smuggled into a ticket through a file name or a banner) and secrets are masked unless asked.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from spyless.agreement.interface import Status, Verdict
from spyless.analyzers.hardening import hardening_summary
from spyless.analyzers.hardening.summary import percent
from spyless.model.findings import Severity
from spyless.report.model import Report
from spyless.report.view import (
    STATUS_LABEL,
    all_findings,
    finding_message,
    item_message,
    plain,
    severity_counts,
    shown_status,
    utf8_safe,
    visible,
    vulnerability_counts,
    where,
)

if TYPE_CHECKING:
    from spyless.report.formats import RenderOptions

TOP_FINDINGS = 25
EVIDENCE_PER_CLAUSE = 6
COMPONENTS = 30
_SPECIAL = re.compile(r"([\\`*_\[\]|~])")
_CELL = 160


def md(text: str, limit: int | None = None) -> str:
    """Text from the image as inert Markdown: one line, special characters escaped."""
    text = " ".join(visible(text).split())
    if limit is not None and len(text) > limit:
        text = text[:limit - 1] + "…"
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _SPECIAL.sub(r"\\\1", text)


def _verdict_lines(verdict: Verdict) -> list[str]:
    counts = verdict.counts()
    head = "CONFORMS" if verdict.conforms else "DOES NOT CONFORM"
    source = f" ({md(verdict.agreement.source)})" if verdict.agreement.source else ""
    lines = [f"**Verdict: {head}** to {md(verdict.agreement.name)}{source}, "
             f"evaluated on {verdict.evaluated_on}.", "",
             " · ".join(f"{counts[s]} {STATUS_LABEL[s].lower()}" for s in Status if counts[s]),
             ""]
    lines += [f"> note: {md(note)}" for note in verdict.notes]
    if verdict.notes:
        lines.append("")
    lines += ["## Clauses", "", "| clause | status | requirement | why | maps to |",
              "|---|---|---|---|---|"]
    for clause in verdict.clauses:
        status = shown_status(clause)
        if clause.status is Status.FAIL:
            status = f"**{status}**"
        maps = ", ".join(md(str(m)) for m in clause.clause.mappings)
        lines.append(f"| {clause.clause.id} | {status} | {md(plain(clause.clause.text), 110)} "
                     f"| {md(clause.summary, _CELL)} | {maps} |")
    lines += ["", "⊕: spyless's evidence stands in directly for the requirement's test; "
              "[R]: recalled, to be confirmed before citing. A PASS means the checks listed "
              "found no contradicting evidence, nothing more.", ""]
    return lines


def _evidence_lines(verdict: Verdict, show: bool) -> list[str]:
    failing = [c for c in verdict.clauses if c.counted]
    if not failing:
        return []
    lines = ["## Evidence behind the failures", ""]
    for clause in failing:
        counted = clause.counted
        lines.append(f"### {clause.clause.id}: {shown_status(clause)}")
        lines += ["", md(plain(clause.clause.text)), ""]
        for item in counted[:EVIDENCE_PER_CLAUSE]:
            expired = (f" (waiver expired {md(item.waiver.expires)})"
                       if item.waiver_expired and item.waiver else "")
            lines.append(f"- **{md(item.rule)}** {item.severity.value}, "
                         f"{md(where(item.location))}: {md(item_message(item, show), 300)}"
                         f"{expired}")
        if len(counted) > EVIDENCE_PER_CLAUSE:
            lines.append(f"- … and {len(counted) - EVIDENCE_PER_CLAUSE} more (see the JSON "
                         "or HTML report)")
        lines.append("")
    return lines


def _findings_lines(report: Report, verdict: Verdict | None, show: bool) -> list[str]:
    findings = all_findings(report, verdict)
    counts = severity_counts(f.severity for f in findings)
    lines = ["## Top findings", "",
             f"{len(findings)} findings: " + ", ".join(f"{counts[s]} {s.value}"
                                                         for s in Severity if counts[s]), ""]
    if not findings:
        return lines
    lines += ["| id | severity | confidence | where | finding |", "|---|---|---|---|---|"]
    for finding in findings[:TOP_FINDINGS]:
        lines.append(f"| {finding.id} | {finding.severity.value} | "
                     f"{finding.confidence.value} | {md(where(finding.location), 80)} | "
                     f"{md(finding_message(finding, show), 240)} |")
    if len(findings) > TOP_FINDINGS:
        lines.append(f"\n… and {len(findings) - TOP_FINDINGS} more findings in the report.")
    lines.append("")
    return lines


def _component_lines(report: Report) -> list[str]:
    rows = vulnerability_counts(report)
    if not rows:
        return []
    lines = ["## Components", "",
             "| component | version | known vulnerabilities | critical | high | medium | low "
             "| unscored | known exploited |", "|---|---|--:|--:|--:|--:|--:|--:|--:|"]
    for row in rows[:COMPONENTS]:
        n = row.by_severity
        lines.append(f"| {md(row.name, 60)} | {md(row.version or '?', 40)} | {row.total} | "
                     f"{n['critical']} | {n['high']} | {n['medium']} | {n['low']} | "
                     f"{n['unscored']} | {row.known_exploited} |")
    if len(rows) > COMPONENTS:
        lines.append(f"\n… and {len(rows) - COMPONENTS} more components in the report.")
    lines.append("")
    return lines


def _hardening_lines(report: Report) -> list[str]:
    summary = hardening_summary(report)
    total, execs = summary["binaries"], summary["executables"]
    if not total:
        return []
    relro = summary["relro"]
    cells = [("NX", summary["nx"]["yes"], total), ("PIE", summary["pie"]["yes"], execs),
             ("full RELRO", relro["full"], total), ("stack canary", summary["canary"]["yes"],
                                                    total),
             ("FORTIFY", summary["fortify"]["yes"], total)]
    return ["## Hardening", "",
            f"{total} ELF binaries ({execs} executables). "
            + "; ".join(f"{name} {yes}/{of} ({percent(yes, of)})" for name, yes, of in cells)
            + ".", ""]


def render_markdown(report: Report, verdict: Verdict | None, options: RenderOptions) -> str:
    show = options.show_secrets
    image = report.image
    lines = [f"# spyless report: {md(image.name)}", "",
             f"sha256 `{image.sha256}`, {image.size:,} bytes; scanned {md(report.created)} "
             f"by spyless {md(report.tool_version)}"
             + (" (secrets shown in full)" if show else "") + ".", ""]
    if verdict is not None:
        lines += _verdict_lines(verdict)
        lines += _evidence_lines(verdict, show)
    lines += _findings_lines(report, verdict, show)
    lines += _component_lines(report)
    lines += _hardening_lines(report)
    if report.errors:
        lines += [f"{len(report.errors)} analyzer error(s); see the JSON report.", ""]
    return utf8_safe("\n".join(lines).rstrip() + "\n")
