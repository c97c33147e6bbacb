"""Components, known vulnerabilities, hardening and extraction sections of the HTML report.

A kernel matches thousands of CVE records: each component's list is sorted (known
exploited first, then by CVSS score) and capped, the rest counted, so that the page stays
small and readable.
"""

from __future__ import annotations

from typing import Any

from spyless.analyzers.hardening import hardening_summary
from spyless.model.facts import Vulnerability
from spyless.report.html.charts import Bar, Segment, share_bars, stacked_bars
from spyless.report.html.markup import (
    Html,
    badge,
    details,
    el,
    join,
    section,
    table,
    td,
    truncate,
    vuln_link,
)
from spyless.report.model import Report
from spyless.report.view import VULN_SEVERITIES, vulnerability_counts, where

VULNS_PER_COMPONENT = 100
BINARIES_SHOWN = 300


def _anchor(name: str, version: str) -> str:
    return "comp-" + "".join(c if c.isalnum() else "-" for c in f"{name}-{version}")[:80]


def _vuln_key(v: Vulnerability) -> tuple[bool, float, str]:
    return (not v.known_exploited, -(v.cvss_score or 0.0), v.id)


def _vuln_rows(vulns: list[Vulnerability]) -> list[list[object]]:
    rows: list[list[object]] = []
    for v in vulns:
        severity = v.severity or "unscored"
        rows.append([
            td(vuln_link(v.id), sort=v.id, cls="nw"),
            td(badge(severity, f"sev-{severity}") if severity in VULN_SEVERITIES
               else severity, sort=VULN_SEVERITIES.index(severity)
               if severity in VULN_SEVERITIES else 9),
            td(f"{v.cvss_score:.1f}" if v.cvss_score is not None else "—",
               sort=-(v.cvss_score or 0.0)),
            el("td", "known exploited", class_="bad-text") if v.known_exploited else "",
            (v.published or "")[:10],
            ", ".join(v.fixed_versions[:3]),
            truncate(v.summary, 220),
        ])
    return rows


def _component_table(report: Report) -> Html:
    counts = {(c.name, c.version): c for c in vulnerability_counts(report)}
    rows = []
    for comp in report.components:
        version = comp.version or ""
        c = counts.get((comp.name, version))
        total = c.total if c else 0
        name = el("a", comp.name, href=f"#{_anchor(comp.name, version)}") if total else comp.name
        sev = c.by_severity if c else dict.fromkeys(VULN_SEVERITIES, 0)
        places = ", ".join(where(loc) for loc in comp.locations[:2])
        if len(comp.locations) > 2:
            places += f" (+{len(comp.locations) - 2})"
        rows.append([el("td", name, class_="mono"), td(version or "?", cls="mono"),
                     comp.source, td(total, sort=total),
                     *(td(sev[s] or "", sort=sev[s]) for s in VULN_SEVERITIES),
                     td(c.known_exploited if c and c.known_exploited else "",
                        cls="bad-text"),
                     td(truncate(places, 200), cls="mono")])
    return table(["Component", "Version", "Found by", "Known vulns", "Critical", "High",
                  "Medium", "Low", "Unscored", "Exploited", "Where"], rows, cap=500,
                 what="components")


def components_section(report: Report) -> Html:
    by_component: dict[tuple[str, str], list[Vulnerability]] = {}
    for v in report.vulnerabilities:
        by_component.setdefault((v.component, v.version), []).append(v)
    counts = [c for c in vulnerability_counts(report) if c.total]
    bars = [Bar(f"{c.name} {c.version}".strip(),
                tuple(Segment(c.by_severity[s], f"sev-{s}", f"{c.by_severity[s]} {s}")
                      for s in VULN_SEVERITIES), href=f"#{_anchor(c.name, c.version)}")
            for c in counts[:25]]
    chart = el("figure", stacked_bars("Known vulnerabilities per component", bars, log=True,
                                      label_width=190),
               el("figcaption", "Known vulnerabilities matched per component, by severity; "
                  "bar length on a logarithmic scale, the number is the count."),
               class_="chart-box") if bars else None
    lists = []
    for c in counts:
        vulns = sorted(by_component.get((c.name, c.version), []), key=_vuln_key)
        more = len(vulns) - VULNS_PER_COMPONENT
        summary = join(el("span", f"{c.name} {c.version}", class_="sum-text mono"),
                       el("span", f"{c.total:,} known", class_="sum-count"),
                       el("span", f"{c.known_exploited} exploited", class_="sum-count bad")
                       if c.known_exploited else None)
        body = [table(["Id", "Severity", "CVSS", "", "Published", "Fixed in", "Summary"],
                      _vuln_rows(vulns[:VULNS_PER_COMPONENT]))]
        if more > 0:
            body.append(el("p", f"Showing the {VULNS_PER_COMPONENT} most serious of "
                           f"{len(vulns):,}; the JSON report lists all {len(vulns):,}.",
                           class_="capped"))
        lists.append(details(summary, *body, id=_anchor(c.name, c.version), class_="facts"))
    total = len(report.vulnerabilities)
    lead = (f"{len(report.components)} components identified; {total:,} known "
            "vulnerabilities matched by version. Links go to the NVD (or OSV) record and "
            "are only followed when clicked.")
    return section("components", "Components and known vulnerabilities",
                   _component_table(report) if report.components else el(
                       "p", "No components identified."), chart, *lists, lead=lead)


def _shares(summary: dict[str, Any]) -> list[tuple[str, int, int]]:
    total, execs = summary["binaries"], summary["executables"]
    relro = summary["relro"]
    return [("NX (no exec stack)", summary["nx"]["yes"], total),
            ("PIE (executables)", summary["pie"]["yes"], execs),
            ("Full RELRO", relro["full"], total),
            ("Any RELRO", relro["full"] + relro["partial"], total),
            ("Stack canary", summary["canary"]["yes"], total),
            ("FORTIFY_SOURCE", summary["fortify"]["yes"], total),
            ("No RWX segment", total - summary["rwx_segments"], total)]


def _flag(value: bool | None) -> Html:
    if value is None:
        return el("td", "?", class_="muted", data_sort=1)
    return el("td", "yes" if value else "no", class_="good-text" if value else "bad-text",
              data_sort=0 if value else 2)


def hardening_section(report: Report) -> Html:
    summary = hardening_summary(report)
    if not summary["binaries"]:
        return section("hardening", "Hardening", el("p", "No ELF binaries were analyzed."))
    chart = el("figure", share_bars("Share of ELF binaries with each protection",
                                    _shares(summary), label_width=170),
               el("figcaption", "Share of ELF binaries with each protection (unknown counts "
                  "as not proven)."), class_="chart-box")
    rows = [[td(where(h.location), cls="mono"), h.elf_type, f"{h.arch} {h.bits}",
             _flag(h.nx), _flag(h.pie), el("td", h.relro, class_="good-text" if h.relro ==
                                            "full" else "bad-text" if h.relro == "none"
                                            else None),
             _flag(h.canary), _flag(h.fortify), "yes" if h.rwx_segments else "",
             truncate(", ".join(h.unsafe_functions), 120)]
            for h in report.hardening]
    unsafe = summary["unsafe_functions"]
    unsafe_line = el("p", el("b", "Unsafe functions imported: "), ", ".join(
        f"{name} ({n})" for name, n in list(unsafe.items())[:20])) if unsafe else None
    archs = ", ".join(f"{n} {a}" for a, n in summary["architectures"].items())
    lead = (f"{summary['binaries']} ELF binaries ({summary['executables']} executables, "
            f"{summary['libraries']} libraries; {archs}).")
    return section("hardening", "Hardening", chart, unsafe_line,
                   details(join(el("span", "Per binary", class_="sum-text"),
                                el("span", len(report.hardening), class_="sum-count")),
                           table(["Binary", "Type", "Arch", "NX", "PIE", "RELRO", "Canary",
                                  "FORTIFY", "RWX", "Unsafe functions"], rows,
                                 cap=BINARIES_SHOWN, what="binaries"), class_="facts"),
                   lead=lead)


def extraction_section(report: Report) -> Html:
    ex = report.extraction
    containers = ex.get("containers")
    found = [c for c in containers if isinstance(c, dict)] if isinstance(
        containers, list) else []
    rows = [[td(c.get("chain", ""), cls="mono"), c.get("format", ""),
             td(f"0x{c['offset']:x}" if isinstance(c.get("offset"), int) else "",
                sort=c.get("offset")),
             td(f"{c['size']:,}" if isinstance(c.get("size"), int) else "",
                sort=c.get("size")), c.get("result", "")] for c in found]
    events = ex.get("events")
    event_line = ", ".join(f"{k}: {v}" for k, v in events.items()) if isinstance(
        events, dict) else ""
    anomalies = [f for f in report.findings if f.id.startswith("SPY8")]
    facts = []
    for key, label in (("artifacts", "artifacts"), ("files", "files"),
                       ("bytes_written", "bytes written")):
        value = ex.get(key)
        if isinstance(value, int):
            facts.append(f"{value:,} {label}")
    body: list[object] = [el("p", "; ".join(facts) + (f". Events: {event_line}." if
                                                      event_line else ""))]
    if rows:
        body.append(table(["Found in", "Format", "Offset", "Size", "Result"], rows,
                          cap=300, what="containers"))
    body.append(el("p", el("b", "Extraction anomalies: "),
                   f"{len(anomalies)} (" + ", ".join(sorted({f.id for f in anomalies}))
                   + "), listed with the findings." if anomalies else "none."))
    if report.errors:
        body.append(details(join(el("span", "Analyzer errors", class_="sum-text"),
                                 el("span", len(report.errors), class_="sum-count bad")),
                            table(["Analyzer", "File", "Error"],
                                  [[e.analyzer, td(e.chain, cls="mono"),
                                    truncate(e.message, 300)] for e in report.errors],
                                  cap=200, what="errors"), class_="facts"))
    unpack, analyze = report.timings.get("unpack"), report.timings.get("analyze")
    if unpack is not None and analyze is not None:
        body.append(el("p", f"Unpacked in {unpack:.2f} s, analyzed in {analyze:.2f} s.",
                       class_="fine"))
    return section("extraction", "Extraction", *body,
                   lead="How the image was taken apart: the containers found, in order.")
