"""The findings and the facts of the HTML report: every finding with where it is and the
clauses it weighs on, then accounts, services, endpoints, keys and credentials."""

from __future__ import annotations

from collections.abc import Callable

from spyless.agreement.interface import Verdict
from spyless.model.findings import Finding, mask_secret
from spyless.report.html.markup import Html, details, el, join, section, table, td, truncate
from spyless.report.html.verdict import severity_badge
from spyless.report.model import Report
from spyless.report.view import all_findings, clause_refs, finding_key, finding_message, where

FINDINGS_SHOWN = 500
FACTS_SHOWN = 300


def _finding_row(finding: Finding, clauses: list[str], show: bool) -> list[object]:
    links = join(*(el("a", c, href=f"#ev-{c}", class_="clause-link") for c in clauses))
    loc = finding.location
    return [
        td(el("code", finding.id), sort=finding.id, cls="nw"),
        td(severity_badge(finding.severity), sort=4 - finding.severity.rank),
        td(finding.confidence.value, sort={"high": 0, "medium": 1, "low": 2}[
            finding.confidence.value]),
        td(join(el("div", finding.title, class_="item-title"),
                el("div", truncate(finding_message(finding, show), 400))),
           sort=finding.title),
        el("td", where(loc), class_="mono where", title=loc.chain, data_sort=loc.path or
           loc.chain),
        td(links or "—", sort=" ".join(clauses)),
    ]


def findings_section(report: Report, verdict: Verdict | None, show: bool) -> Html:
    findings = all_findings(report, verdict)
    refs = clause_refs(verdict)
    rows = []
    attrs: list[dict[str, object]] = []
    for finding in findings:
        clauses = [r.clause for r in refs.get(finding_key(finding), [])]
        rows.append(_finding_row(finding, clauses, show))
        attrs.append({"data_severity": finding.severity.value})
    controls = el("div",
                  el("label", "Severity ",
                     el("select", el("option", "all", value=""),
                        *(el("option", f"{s} and above", value=s)
                          for s in ("critical", "high", "medium", "low")),
                        id="sev-filter")),
                  el("label", "Search ", el("input", type="search", id="finding-search",
                                            placeholder="id, path, text…")),
                  class_="controls")
    lead = (f"{len(findings)} findings" + (", including those the verdict derived from the "
                                           "agreement (undeclared items)" if verdict else "")
            + ". Sorted by severity.")
    return section("findings", "Findings", controls if findings else None,
                   table(["Id", "Severity", "Confidence", "Finding", "Where", "Clauses"], rows, cap=FINDINGS_SHOWN, what="findings",
                         table_id="findings-table", row_attrs=attrs)
                   if findings else el("p", "No findings."), lead=lead)


def _accounts(report: Report, show: bool) -> Html:
    rows = []
    for a in report.accounts:
        state = a.password_state + (f" ({a.hash_type})" if a.hash_type else "")
        cracked = None
        if a.cracked is not None:
            cracked = el("span", "cracked: ", a.cracked if show else mask_secret(a.cracked),
                         f" ({a.cracked_from})" if a.cracked_from else "", class_="bad-text")
        rows.append([el("td", a.name, class_="mono"), td(a.uid if a.uid is not None else "?",
                                                          sort=a.uid if a.uid is not None
                                                          else -1),
                     a.shell or "", "yes" if a.login_shell else "no", join(state, " ", cracked),
                     td(where(a.location), cls="mono")])
    return table(["Account", "Uid", "Shell", "Login", "Password", "Where"], rows,
                 cap=FACTS_SHOWN, what="accounts")


def _services(report: Report) -> Html:
    rows = []
    for s in report.services:
        port = f"{s.protocol or ''}/{s.port}" if s.port is not None else "—"
        rows.append([el("td", s.name, class_="mono"), td(s.binary or "?", cls="mono"),
                     td(port, sort=s.port if s.port is not None else -1), s.listen or "any",
                     el("td", s.auth, class_="bad-text" if s.auth in ("none", "hardcoded")
                        else None), s.user or "?", s.manager,
                     td(where(s.started_by), cls="mono"),
                     "" if s.enabled else "disabled"])
    return table(["Service", "Binary", "Port", "Bind", "Auth", "User", "Started by", "Where",
                  ""], rows, cap=FACTS_SHOWN, what="services")


def _endpoints(report: Report) -> Html:
    rows = []
    for e in report.endpoints:
        places = ", ".join(where(loc) for loc in e.locations[:3])
        if len(e.locations) > 3:
            places += f" (+{len(e.locations) - 3})"
        rows.append([e.kind, el("td", truncate(e.value, 200), class_="mono"),
                     e.category or "", "yes" if e.used_at_boot else "", e.ip_class or "",
                     e.confidence, td(truncate(places, 300), cls="mono"),
                     truncate(e.context, 200)])
    return table(["Kind", "Value", "Category", "At boot", "IP class", "Confidence", "Where",
                  "Context"], rows, cap=FACTS_SHOWN, what="endpoints")


def _keys(report: Report) -> Html:
    rows = []
    for k in report.keys:
        size = f"{k.algorithm} {k.bits}" if k.bits else k.algorithm
        rows.append([k.kind, size, "yes" if k.encrypted else "no",
                     td((k.fingerprint or "")[:16], cls="mono"),
                     truncate(k.comment or k.subject or "", 120), k.not_after or "",
                     td(where(k.location), cls="mono")])
    return table(["Kind", "Algorithm", "Encrypted", "Fingerprint", "Comment / subject",
                  "Expires", "Where"], rows, cap=FACTS_SHOWN, what="keys")


def _credentials(report: Report, show: bool) -> Html:
    rows = [[c.kind, c.username or "", el("td", c.secret if show else mask_secret(c.secret),
                                          class_="mono"), c.service or "",
             truncate(c.context, 160), td(where(c.location), cls="mono")]
            for c in report.credentials]
    return table(["Kind", "User", "Secret", "Service", "Context", "Where"], rows,
                 cap=FACTS_SHOWN, what="credentials")


def facts_section(report: Report, show: bool) -> Html:
    parts = []
    blocks: tuple[tuple[str, int, Callable[[], Html]], ...] = (
            ("Accounts", len(report.accounts), lambda: _accounts(report, show)),
            ("Services started at boot", len(report.services), lambda: _services(report)),
            ("Endpoints", len(report.endpoints), lambda: _endpoints(report)),
            ("Keys and certificates", len(report.keys), lambda: _keys(report)),
            ("Credentials", len(report.credentials), lambda: _credentials(report, show)))
    for title, count, body in blocks:
        summary = join(el("span", title, class_="sum-text"), el("span", count,
                                                                  class_="sum-count"))
        parts.append(details(summary, body() if count else el("p", "None found."),
                             is_open=0 < count <= 40, class_="facts"))
    return section("inventory", "What is in the image", *parts,
                   lead="The facts the analyzers established; findings judge them.")
