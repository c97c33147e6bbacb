"""Markdown for tickets: the verdict, the clause table, evidence, top findings and
components; text from the image cannot become markup; secrets are masked."""

from __future__ import annotations

from spyless.report.formats import RenderOptions
from spyless.report.markdown import md, render_markdown
from tests.unit.report.samples import SECRET, clean, demo, hostile


def test_demo_has_verdict_clauses_findings_and_components() -> None:
    report, verdict = demo()
    text = render_markdown(report, verdict, RenderOptions())
    assert "**Verdict: DOES NOT CONFORM** to spyless baseline (nothing declared)" in text
    rows = [line for line in text.splitlines() if line.startswith("| ") and "-" in line[2:7]]
    assert len([r for r in rows if r[2:4] in ("NB", "NS", "SE", "TR")]) == len(verdict.clauses)
    assert "| NB-2 | **FAIL** |" in text
    assert "33.117 ⊕4.2.3.4.2.3" in text
    assert "### NB-4: FAIL" in text
    assert "- **SPY301** critical, /etc/init.d/rcS:9: telnetd" in text
    assert "| SPY103 | critical | high | /etc/shadow:1 |" in text
    assert "| linux\\_kernel | 5.10.176 |" in text
    assert "'admin'" not in text
    assert "'a\\*\\*\\*\\*'" in text
    assert "## Hardening" in text


def test_clean_tree_conforms() -> None:
    report, verdict = clean()
    text = render_markdown(report, verdict, RenderOptions())
    assert "**Verdict: CONFORMS**" in text
    assert "## Evidence behind the failures" not in text


def test_without_a_verdict_the_findings_remain() -> None:
    report, _ = demo()
    text = render_markdown(report, None, RenderOptions())
    assert "Verdict" not in text
    assert "## Top findings" in text


def test_hostile_text_is_inert() -> None:
    report, verdict = hostile()
    text = render_markdown(report, verdict, RenderOptions())
    assert "<script>" not in text
    assert "&lt;script&gt;document.body.dataset.pwned = 1&lt;/script&gt;" in text
    assert "<img" not in text
    assert "[link](http" not in text
    assert "\\|pipe\\|" in text
    assert "\x1b" not in text
    assert SECRET not in text
    assert SECRET in render_markdown(report, verdict, RenderOptions(show_secrets=True))


def test_md_escapes_one_cell() -> None:
    assert md("a|b\nc *d* `e` [f](g) <h> & _i_") == (
        "a\\|b c \\*d\\* \\`e\\` \\[f\\](g) &lt;h&gt; &amp; \\_i\\_")
    assert md("x" * 50, 10) == "x" * 9 + "…"
