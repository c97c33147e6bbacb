"""Inline SVG charts for the HTML report: no script, no external asset, colours from the
page's stylesheet (classes), every label escaped. Each chart has a text title for screen
readers and the numbers written next to the bars."""

from __future__ import annotations

import math
from dataclasses import dataclass

from spyless.report.html.markup import Html, el, join

_ROW = 22
_BAR = 14


@dataclass(frozen=True, slots=True)
class Segment:
    value: int
    css: str  # class giving the fill colour, e.g. "sev-critical"
    label: str  # for the tooltip: "3 critical"


@dataclass(frozen=True, slots=True)
class Bar:
    label: str
    segments: tuple[Segment, ...]
    href: str | None = None  # an anchor in the page

    @property
    def total(self) -> int:
        return sum(s.value for s in self.segments)


def _svg(title: str, width: int, height: int, *body: Html, fluid: bool = False) -> Html:
    """``fluid`` charts stretch to the page; the others keep their drawn size (text stays
    the size of the page's text) and only shrink on narrow screens."""
    return el("svg", el("title", title), *body, xmlns="http://www.w3.org/2000/svg",
              viewBox=f"0 0 {width} {height}", width="100%" if fluid else width,
              height=None if fluid else height, role="img", aria_label=title,
              class_="chart", preserveAspectRatio="xMinYMin meet")


def strip(title: str, segments: list[Segment], width: int = 600, height: int = 12) -> Html:
    """One horizontal bar split into segments (the clause statuses at a glance)."""
    total = sum(s.value for s in segments) or 1
    x = 0.0
    parts = []
    for seg in segments:
        if seg.value <= 0:
            continue
        w = width * seg.value / total
        parts.append(el("rect", el("title", seg.label), x=f"{x:.1f}", y=0, width=f"{w:.1f}",
                        height=height, class_=seg.css))
        x += w
    return _svg(title, width, height, *parts, fluid=True)


def stacked_bars(title: str, bars: list[Bar], *, width: int = 760, label_width: int = 150,
                 log: bool = False, unit: tuple[str, str] = ("", "")) -> Html:
    """Horizontal stacked bars, one per row, total written after each bar. With ``log``
    the bar length is log10(1 + total) (segments keep their shares inside it): one
    component with thousands of matches must not flatten the others to nothing."""
    if not bars:
        return Html("")
    span = width - label_width - 70

    def length(n: int) -> float:
        return math.log10(1 + n) if log else float(n)

    most = max(length(b.total) for b in bars) or 1.0
    rows = []
    for i, bar in enumerate(bars):
        y = i * _ROW + 4
        label = el("text", bar.label, x=label_width - 8, y=y + _BAR - 3, class_="chart-label",
                   text_anchor="end")
        if bar.href:
            label = el("a", label, href=bar.href)
        full = span * length(bar.total) / most
        x = float(label_width)
        segs = []
        for seg in bar.segments:
            if seg.value <= 0 or bar.total == 0:
                continue
            w = full * seg.value / bar.total
            segs.append(el("rect", el("title", f"{bar.label}: {seg.label}"), x=f"{x:.1f}",
                           y=y, width=f"{max(w, 1.0):.1f}", height=_BAR, class_=seg.css))
            x += w
        noun = unit[0] if bar.total == 1 else unit[1]
        total = el("text", f"{bar.total:,}{noun}", x=f"{label_width + full + 6:.1f}",
                   y=y + _BAR - 3, class_="chart-value")
        rows.append(join(label, *segs, total))
    return _svg(title, width, len(bars) * _ROW + 6, *rows)


def share_bars(title: str, rows: list[tuple[str, int, int]], *, width: int = 760,
               label_width: int = 150) -> Html:
    """One bar per protection: the share of binaries that have it, with "yes/of (n%)"."""
    if not rows:
        return Html("")
    span = width - label_width - 120
    parts = []
    for i, (label, yes, of) in enumerate(rows):
        y = i * _ROW + 4
        share = yes / of if of else 0.0
        css = "share-good" if share >= 0.9 else "share-mid" if share >= 0.5 else "share-bad"
        text = f"{yes}/{of} ({share:.0%})" if of else "n/a"
        parts.append(join(
            el("text", label, x=label_width - 8, y=y + _BAR - 3, class_="chart-label",
               text_anchor="end"),
            el("rect", x=label_width, y=y, width=span, height=_BAR, class_="share-track"),
            el("rect", el("title", f"{label}: {text}"), x=label_width, y=y,
               width=f"{span * share:.1f}", height=_BAR, class_=css),
            el("text", text, x=label_width + span + 8, y=y + _BAR - 3, class_="chart-value")))
    return _svg(title, width, len(rows) * _ROW + 6, *parts)
