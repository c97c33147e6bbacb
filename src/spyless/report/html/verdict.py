"""The verdict part of the HTML report: the banner at the top, the clause table with the
mappings, the severity-by-clause chart, and the evidence and checks behind each clause."""

from __future__ import annotations

from collections import defaultdict

from spyless.agreement.interface import (
    ClauseVerdict,
    EvidenceItem,
    EvidenceState,
    Mapping,
    Status,
    Verdict,
)
from spyless.model.findings import Severity
from spyless.report.html.charts import Bar, Segment, stacked_bars, strip
from spyless.report.html.markup import Html, badge, details, el, join, section, table
from spyless.report.view import (
    SEVERITIES,
    STATUS_LABEL,
    bold_spans,
    counted_by_severity,
    excerpt,
    item_message,
    plain,
    shown_status,
    where,
)

ITEMS_PER_CLAUSE = 40
EXCERPTS_PER_ITEM = 3
_STATUS_ORDER = (Status.FAIL, Status.WAIVED, Status.NOT_EVALUATED, Status.DISABLED,
                 Status.DECLARATION_ONLY, Status.PASS)
_STATE_LABEL = {EvidenceState.COUNTS: "counts", EvidenceState.WAIVED: "waived",
                EvidenceState.BASELINE: "in baseline", EvidenceState.DECLARED: "declared",
                EvidenceState.BELOW_THRESHOLD: "below threshold",
                EvidenceState.CONTEXT: "context"}


def status_badge(status: Status, text: str | None = None) -> Html:
    return badge(text or STATUS_LABEL[status], f"st-{status.value}")


def severity_badge(severity: Severity | str) -> Html:
    value = severity.value if isinstance(severity, Severity) else severity
    return badge(value, f"sev-{value}")


def _top_evidence(verdict: Verdict, limit: int = 6) -> Html:
    """The most severe evidence that counts, once per finding, with its clauses."""
    seen: dict[tuple[str, str, str], tuple[EvidenceItem, list[str]]] = {}
    for clause in verdict.clauses:
        for item in clause.counted:
            key = (item.rule, where(item.location), item.message)
            entry = seen.setdefault(key, (item, []))
            entry[1].append(clause.clause.id)
    if not seen:
        return Html("")
    ranked = sorted(seen.values(), key=lambda e: (-e[0].severity.rank, e[0].rule))
    rows = [el("li", el("div", severity_badge(item.severity), " ",
                        join(*(el("a", c, href=f"#ev-{c}", class_="clause-link")
                               for c in clauses)),
                        el("span", item.title, class_="item-title"), class_="top-line"),
               el("div", el("code", item.rule), " · ", where(item.location),
                  class_="top-where mono"))
            for item, clauses in ranked[:limit]]
    more = len(ranked) - limit
    return el("div", el("div", "Most serious evidence", class_="tiles-title"),
              el("ul", *rows, class_="top-list"),
              el("p", f"… and {more} more items of evidence below.", class_="fine")
              if more > 0 else None, class_="top-evidence")


def banner(verdict: Verdict, findings_by_severity: dict[Severity, int]) -> Html:
    counts = verdict.counts()
    total = len(verdict.clauses)
    failing = counts[Status.FAIL]
    word = "Conforms" if verdict.conforms else "Does not conform"
    sub = (f"{failing} of {total} clauses fail" if failing else
           f"no clause fails ({counts[Status.PASS]} pass, "
           f"{counts[Status.NOT_EVALUATED]} not evaluated)")
    pills = [el("button", el("b", counts[s]), " ", STATUS_LABEL[s].lower(), type="button",
                class_=f"pill st-{s.value}", data_filter=s.value)
             for s in _STATUS_ORDER if counts[s]]
    segments = [Segment(counts[s], f"st-{s.value}", f"{counts[s]} {STATUS_LABEL[s].lower()}")
                for s in _STATUS_ORDER]
    tiles = [el("div", el("span", findings_by_severity[s], class_="tile-n"),
                el("span", s.value, class_="tile-l"), class_=f"tile sev-{s.value}")
             for s in SEVERITIES]
    agreement = verdict.agreement
    source = el("span", f" ({agreement.source})", class_="mono") if agreement.source else None
    notes = [el("p", el("b", "Note: "), note, class_="note") for note in verdict.notes]
    return el(
        "section",
        el("div",
           el("div", word, class_="verdict-word", id="verdict-word"),
           el("div", sub, " against ", el("b", agreement.name), source,
              f", evaluated on {verdict.evaluated_on}", class_="verdict-sub"),
           class_="verdict-head"),
        strip(f"Clause statuses: {sub}", segments, height=10),
        el("div", *pills, class_="pills", role="group", aria_label="filter clauses by status"),
        el("div",
           el("div",
              el("div", el("div", "Findings by severity", class_="tiles-title"), *tiles,
                 class_="tiles"),
              *notes,
              el("p", "A FAIL is evidence that contradicts the clause and that a lab can "
                 "reproduce; a PASS means the checks listed found no contradicting evidence, "
                 "nothing more. NOT EVALUATED clauses are never counted as PASS.",
                 class_="fine")),
           _top_evidence(verdict), class_="verdict-grid"),
        id="verdict", class_="verdict " + ("ok" if verdict.conforms else "bad"))


def _mappings(mappings: tuple[Mapping, ...]) -> Html:
    by_standard: dict[str, list[Mapping]] = defaultdict(list)
    for m in mappings:
        by_standard[m.standard].append(m)
    chips = []
    for standard, refs in by_standard.items():
        parts = []
        for n, m in enumerate(refs):
            parts.append(join(", " if n else "",
                              el("b", "⊕", class_="direct", title="evidence stands in directly")
                              if m.direct else None, m.ref,
                              el("sup", "[R]", class_="recalled", title="recalled, to confirm")
                              if m.recalled else None))
        chips.append(el("span", el("span", standard, class_="std"), " ", *parts, class_="map"))
    return join(*chips)


def rich_text(text: str) -> Html:
    """Clause text with its **bold** and `code` spans (the standard is written in Markdown)."""
    out = []
    for part, bold in bold_spans(text):
        pieces = part.split("`")
        if len(pieces) % 2 == 0:  # an unmatched backtick: keep the text as it is
            pieces = [part]
        spans = join(*(el("code", p) if n % 2 else p for n, p in enumerate(pieces)))
        out.append(el("strong", spans) if bold else spans)
    return join(*out)


def _severity_dots(clause: ClauseVerdict) -> Html:
    counts = counted_by_severity(clause)
    return join(*(el("span", n, class_=f"dot sev-{s.value}", title=f"{n} {s.value}")
                  for s, n in counts.items() if n))


def clause_table(verdict: Verdict) -> Html:
    rows: list[list[object]] = []
    attrs: list[dict[str, object]] = []
    for clause in verdict.clauses:
        cid = clause.clause.id
        rows.append([
            el("td", el("a", cid, href=f"#ev-{cid}"), class_="cid", data_sort=cid),
            el("td", status_badge(clause.status, shown_status(clause)),
               data_sort=_STATUS_ORDER.index(clause.status)),
            el("td", rich_text(clause.clause.text), class_="req"),
            el("td", _severity_dots(clause), " ", clause.summary, class_="why"),
            el("td", _mappings(clause.clause.mappings), class_="maps"),
        ])
        attrs.append({"id": f"clause-{cid}", "data_status": clause.status.value})
    legend = el("p", el("b", "⊕", class_="direct"), " spyless's evidence stands in directly for "
                "the requirement's test; ", el("sup", "[R]", class_="recalled"),
                " recalled, to be confirmed before citing. Standards as abbreviated in the "
                "agreement reference (33.117: 3GPP TS 33.117; EN: ETSI EN 303 645; …).",
                class_="fine")
    return join(table(["Clause", "Status", "Requirement", "Evidence", "Maps to"], rows,
                      table_id="clause-table", row_attrs=attrs), legend)


def severity_chart(verdict: Verdict) -> Html:
    bars = []
    for clause in verdict.clauses:
        counts = counted_by_severity(clause)
        if sum(counts.values()):
            bars.append(Bar(clause.clause.id,
                            tuple(Segment(n, f"sev-{s.value}", f"{n} {s.value}")
                                  for s, n in counts.items()), href=f"#ev-{clause.clause.id}"))
    if not bars:
        return Html("")
    return el("figure", stacked_bars("Evidence that counts, by clause and severity", bars,
                                     label_width=70, unit=(" item", " items")),
              el("figcaption", "Evidence that counts against each failing clause, by "
                 "severity (click a clause for its evidence)."), class_="chart-box")


def _item(item: EvidenceItem, show: bool) -> Html:
    finding = item.finding
    head = el("div", severity_badge(item.severity), " ", el("code", item.rule), " ",
              el("span", item.title, class_="item-title"),
              el("span", _STATE_LABEL[item.state], class_=f"state state-{item.state.value}"),
              el("span", f"confidence {item.confidence.value}", class_="conf"),
              class_="item-head")
    excerpts = []
    if finding is not None:
        for ev in finding.evidence[:EXCERPTS_PER_ITEM]:
            text = excerpt(ev, show)
            excerpts.append(el("div", el("span", where(ev.location), class_="mono path"),
                               el("span", ev.location.chain, class_="chain"), class_="loc"))
            if text:
                excerpts.append(el("pre", text, class_="excerpt"))
        if len(finding.evidence) > EXCERPTS_PER_ITEM:
            excerpts.append(el("p", f"… {len(finding.evidence) - EXCERPTS_PER_ITEM} more "
                               "places", class_="fine"))
    elif item.location is not None:
        excerpts.append(el("div", el("span", where(item.location), class_="mono path"),
                           class_="loc"))
    extra = []
    if item.note:
        extra.append(el("p", item.note, class_="fine"))
    if item.waiver is not None:
        w = item.waiver
        state = "expired on" if item.waiver_expired else "valid until"
        extra.append(el("p", el("b", "Waiver: "), f"{w.reason} (approved by {w.approver}; "
                        f"{state} {w.expires})", class_="waiver" +
                        (" expired" if item.waiver_expired else "")))
    return el("div", head, el("p", item_message(item, show), class_="msg"), *excerpts, *extra,
              class_=f"item state-{item.state.value}")


def _checks(clause: ClauseVerdict) -> Html:
    if not clause.checks:
        return Html("")
    rows = [[el("td", "✓" if c.ran else "✗", class_="ran" if c.ran else "notran"), c.name,
             c.source, "required" if c.required else "optional", f"{c.counted}/{c.seen}",
             c.reason or ("" if c.ran else "did not run")] for c in clause.checks]
    return table(["", "Check", "Source", "", "Counts/seen", "Why not run"], rows,
                 sortable=False)


def _clause_details(clause: ClauseVerdict, show: bool) -> Html:
    cid = clause.clause.id
    items = sorted(clause.evidence, key=lambda i: (i.state is not EvidenceState.COUNTS,
                                                   -i.severity.rank))
    settings = clause.settings
    facts = [f"threshold {settings.threshold.value}",
             f"minimum confidence {settings.min_confidence.value}",
             f"kind {clause.clause.kind}"]
    if settings.changed:
        facts.append("changed by the agreement" + (f": {settings.reason}" if settings.reason
                                                   else ""))
    if not settings.enabled:
        facts.append(f"disabled: {settings.reason or 'no reason given'}")
    body = [el("p", rich_text(clause.clause.text), class_="clause-text"),
            el("p", el("b", "Evidence rule: "), rich_text(clause.clause.evidence),
               class_="fine"),
            el("p", "; ".join(facts), class_="fine"),
            el("p", el("b", "Why: "), clause.summary), _checks(clause),
            *(_item(i, show) for i in items[:ITEMS_PER_CLAUSE])]
    if len(items) > ITEMS_PER_CLAUSE:
        body.append(el("p", f"… {len(items) - ITEMS_PER_CLAUSE} more items of evidence in the "
                       "JSON report.", class_="capped"))
    summary = join(el("span", cid, class_="cid"), status_badge(clause.status,
                                                                shown_status(clause)),
                   el("span", plain(clause.clause.text), class_="sum-text"),
                   el("span", f"{len(clause.counted)}/{len(clause.evidence)}",
                      class_="sum-count", title="items that count / items shown"))
    return details(summary, *body, is_open=clause.status is Status.FAIL, id=f"ev-{cid}",
                   data_status=clause.status.value, class_="clause")


def evidence_section(verdict: Verdict, show: bool) -> Html:
    ordered = sorted(verdict.clauses, key=lambda c: _STATUS_ORDER.index(c.status))
    return section("evidence", "Evidence and checks, clause by clause",
                   *(_clause_details(c, show) for c in ordered),
                   lead="Failing clauses first, open; every clause lists the checks that "
                        "decided it. Excerpts are from the files inside the image; secrets "
                        "are masked unless the report was made with --show-secrets.")


def clauses_section(verdict: Verdict) -> Html:
    return section("clauses", "Clauses of the agreement", clause_table(verdict),
                   severity_chart(verdict),
                   lead=join(f"{len(verdict.clauses)} clauses of ", el("b",
                             verdict.agreement.name), ". Click a status above to filter; "
                             "click a column header to sort."))
