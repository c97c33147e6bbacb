"""The HTML report without a browser: self-contained (nothing to fetch, scripts and styles
pinned by the Content-Security-Policy), hostile strings inert, secrets masked, long lists
capped, and the demo's page of a reasonable size. ``tests/integration/
test_report_html_browser.py`` renders it in Chromium."""

from __future__ import annotations

import base64
import hashlib
import html
import re

from spyless.report.formats import RenderOptions
from spyless.report.html import render_html
from spyless.report.html.markup import el, esc, vuln_link
from spyless.report.html.page import asset
from tests.unit.report.samples import SECRET, clean, demo, hostile, many_vulnerabilities

_CSP = re.compile(r'<meta http-equiv="Content-Security-Policy" content="([^"]+)">')


def _hash(text: str) -> str:
    return "sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode()


def test_the_page_loads_nothing_and_pins_its_inline_code() -> None:
    report, verdict = demo()
    page = render_html(report, verdict, RenderOptions())
    match = _CSP.search(page)
    assert match is not None
    policy = html.unescape(match.group(1))
    assert "default-src 'none'" in policy
    assert f"script-src '{_hash(asset('report.js'))}'" in policy
    assert f"style-src '{_hash(asset('report.css'))}'" in policy
    assert page.count("<script>") == 1
    assert f"<script>{asset('report.js')}</script>" in page
    assert f"<style>{asset('report.css')}</style>" in page
    assert not re.search(r"\s(src|srcset|poster|data)=", page.replace("data-", "x-"))
    assert "@import" not in page
    assert "url(" not in asset("report.css")
    hrefs = set(re.findall(r'href="([^"#][^"]*)"', page))
    assert hrefs
    assert all(h.startswith("https://nvd.nist.gov/vuln/detail/CVE-") for h in hrefs), hrefs
    assert "</script" not in asset("report.js")
    assert "</style" not in asset("report.css")


def test_demo_shows_verdict_clauses_and_evidence() -> None:
    report, verdict = demo()
    page = render_html(report, verdict, RenderOptions())
    assert '<div class="verdict-word" id="verdict-word">Does not conform</div>' in page
    assert len(re.findall(r'<tr id="clause-[A-Z]{2}-\d+" data-status="', page)) == len(
        verdict.clauses)
    assert '<tr id="clause-NB-2" data-status="fail">' in page
    assert '<details open id="ev-NB-2" data-status="fail" class="clause">' in page
    assert "<b class=\"direct\" title=\"evidence stands in directly\">⊕</b>4.2.3.4.2.3" in page
    assert "/etc/init.d/rcS:9" in page
    assert "telnetd -l /bin/sh" in page  # the excerpt
    assert "&#x27;a****&#x27;" in page
    assert "&#x27;admin&#x27;" not in page
    assert 'href="https://nvd.nist.gov/vuln/detail/CVE-2022-48174"' in page
    per_component: dict[str, int] = {}
    for vuln in report.vulnerabilities:
        per_component[vuln.component] = per_component.get(vuln.component, 0) + 1
    largest = max(per_component.values())
    assert largest > 100  # the demo kernel matches thousands
    assert f"Showing the 100 most serious of {largest:,}" in page
    assert "<svg" in page
    # a big report stays a reasonable page: ~7,500 CVE records in the demo
    assert len(page.encode()) < 400_000


def test_clean_tree_conforms() -> None:
    report, verdict = clean()
    page = render_html(report, verdict, RenderOptions())
    assert '<div class="verdict-word" id="verdict-word">Conforms</div>' in page
    assert "verdict ok" in page


def test_without_a_verdict_the_report_is_still_a_page() -> None:
    report, _ = demo()
    page = render_html(report, None, RenderOptions())
    assert 'id="verdict-word"' not in page
    assert 'id="findings"' in page
    assert 'href="#verdict"' not in page


def test_hostile_strings_are_inert() -> None:
    report, verdict = hostile()
    page = render_html(report, verdict, RenderOptions())
    assert page.count("<script") == 1  # ours
    assert "<img" not in page
    assert "&lt;script&gt;document.body.dataset.pwned = 1&lt;/script&gt;" in page
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in page
    assert "\x1b" not in page
    assert "\x00" not in page
    assert "\\x1b[31mred\\x00" in page
    assert 'href="http://evil.example' not in page
    # a made-up vulnerability id is not a link
    assert "&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert page.count('href="https://nvd.nist.gov/') == 1
    assert SECRET not in page
    assert SECRET in render_html(report, verdict, RenderOptions(show_secrets=True))


def test_thousands_of_vulnerabilities_are_capped() -> None:
    report = many_vulnerabilities(10_000)
    page = render_html(report, None, RenderOptions())
    assert "Showing the 100 most serious of 10,000; the JSON report lists all 10,000." in page
    assert page.count('href="https://nvd.nist.gov/') == 100
    assert len(page.encode()) < 200_000
    ranked = re.findall(r"<td data-sort=\"-([0-9.]+)\">", page)
    assert ranked
    assert ranked[0] == "9.8"  # the most severe first


def test_markup_helpers() -> None:
    assert esc("<a href='x'>&") == "&lt;a href=&#x27;x&#x27;&gt;&amp;"
    assert el("td", "<b>", class_="x", data_sort=3, hidden=True, title=None) == (
        '<td class="x" data-sort="3" hidden>&lt;b&gt;</td>')
    assert el("p", el("b", "ok"), " & ", ["a", None, 1]) == "<p><b>ok</b> &amp; a1</p>"
    assert vuln_link("GHSA-abcd-1234-efgh").startswith(
        '<a href="https://osv.dev/vulnerability/GHSA-abcd-1234-efgh"')
    assert vuln_link("javascript:alert(1)") == "javascript:alert(1)"
