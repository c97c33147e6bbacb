"""The HTML report: one self-contained page (inline CSS, SVG charts and a small script).

``page.py`` assembles it; ``verdict.py``, ``inventory.py`` and ``components.py`` build the
sections; ``charts.py`` draws; ``markup.py`` escapes. ``report.css`` and ``report.js`` are
package data, inlined into every page.
"""

from spyless.report.html.page import render_html

__all__ = ["render_html"]
