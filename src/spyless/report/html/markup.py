"""Building HTML safely: every string is escaped unless it is already :class:`Html`.

Firmware strings are hostile (a file name or banner may hold ``<script>``); renderers build
markup only through :func:`el`, so text from the image can never become markup. Control
characters are shown as ``\\xNN``.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Sequence

from spyless.report.view import visible

_CVE = re.compile(r"^CVE-\d{4}-\d{4,7}$")
_OSV = re.compile(r"^(GHSA|OSV|PYSEC|GO|RUSTSEC|DSA|DLA|USN|ALSA|RHSA)-[A-Za-z0-9._:-]{1,60}$")

class Html(str):
    """Markup that is safe as it is (built by :func:`el` or :func:`esc`)."""

    __slots__ = ()


def esc(text: object) -> Html:
    if isinstance(text, Html):
        return text
    return Html(html.escape(visible(str(text)), quote=True))


def _children(children: Iterable[object]) -> Iterable[str]:
    for child in children:
        if child is None or child is False:
            continue
        if isinstance(child, str | int | float):
            yield esc(child)
        elif isinstance(child, Iterable):
            yield from _children(child)
        else:
            yield esc(child)


def join(*children: object) -> Html:
    return Html("".join(_children(children)))


_VOID = frozenset({"br", "hr", "meta", "col", "img", "input"})


def el(tag: str, *children: object, **attrs: object) -> Html:
    """``<tag attrs>children</tag>``; ``class_`` is ``class``, ``data_x`` is ``data-x``;
    attributes that are None or False are left out, True ones are written bare."""
    parts = [tag]
    for name, value in attrs.items():
        if value is None or value is False:
            continue
        key = name.rstrip("_").replace("_", "-")
        parts.append(key if value is True else f'{key}="{esc(value)}"')
    opening = "<" + " ".join(parts) + ">"
    if tag in _VOID:
        return Html(opening)
    return Html(opening + join(*children) + f"</{tag}>")


def vuln_link(vuln_id: str) -> Html:
    """A CVE id as a plain link to NVD (an OSV-style id to osv.dev); anything else as text.
    Links are only made from ids that match the id grammar, never from URLs in the image."""
    if _CVE.match(vuln_id):
        return el("a", vuln_id, href=f"https://nvd.nist.gov/vuln/detail/{vuln_id}",
                  rel="noreferrer noopener", target="_blank")
    if _OSV.match(vuln_id):
        return el("a", vuln_id, href=f"https://osv.dev/vulnerability/{vuln_id}",
                  rel="noreferrer noopener", target="_blank")
    return esc(vuln_id)


def truncate(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit - 1] + "…"


def table(headers: Sequence[str], rows: Sequence[Sequence[object]], *,
          cap: int | None = None, what: str = "rows", table_id: str | None = None,
          sortable: bool = True, row_attrs: Sequence[dict[str, object]] | None = None) -> Html:
    """A table whose rows are cells (strings are escaped); beyond ``cap`` rows the rest are
    counted, not shown. Sortable tables sort on a click on their header (report.js)."""
    shown = rows if cap is None else rows[:cap]
    attrs = row_attrs or [{} for _ in shown]
    body = [el("tr", *(c if isinstance(c, Html) and c.startswith("<td") else el("td", c)
                       for c in row), **extra) for row, extra in zip(shown, attrs, strict=False)]
    out = el("table", el("thead", el("tr", *(el("th", h) for h in headers))),
             el("tbody", *body), id=table_id, class_="sortable" if sortable else None)
    note = None
    if cap is not None and len(rows) > cap:
        note = el("p", f"Showing {cap:,} of {len(rows):,} {what}; the JSON report has them all.",
                  class_="capped")
    return join(el("div", out, class_="table-wrap"), note)


def td(content: object, *, sort: object = None, cls: str | None = None) -> Html:
    """A cell with its own sort key or class."""
    return el("td", content, data_sort=sort, class_=cls)


def badge(text: str, css: str) -> Html:
    return el("span", text, class_=f"badge {css}")


def section(section_id: str, title: str, *body: object, lead: object = None) -> Html:
    return el("section", el("h2", title), el("p", lead, class_="lead") if lead else None,
              *body, id=section_id)


def details(summary: object, *body: object, is_open: bool = False,
            **attrs: object) -> Html:
    return el("details", el("summary", summary), el("div", *body, class_="details-body"),
              open=is_open, **attrs)
