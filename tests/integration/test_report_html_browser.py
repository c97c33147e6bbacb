"""The HTML report in a real browser: headless Chromium (Debian packages ``chromium`` and
``chromium-driver``) loads the page from file://, runs its script under its own
Content-Security-Policy, and the test checks the rendered DOM, the console (no message at
all) and the network log (no request made by the page). The tests skip when Chromium is
absent.

``SPYLESS_UPDATE_SCREENSHOT=1`` rewrites ``docs/images/report.png`` from the demo image.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from spyless.report.formats import RenderOptions
from spyless.report.html import render_html
from tests.conftest import ROOT
from tests.unit.report.samples import clean, demo, hostile

CHROMIUM = next((p for p in (shutil.which(n) for n in ("chromium", "chromium-browser"))
                 if p), None)
SCREENSHOT = ROOT / "docs" / "images" / "report.png"
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run",
         "--disable-default-apps", "--disable-extensions", "--hide-scrollbars",
         # nothing the browser might try can resolve a name: the page has no way out either
         "--host-resolver-rules=MAP * ~NOTFOUND")

pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed "
                                "(apt-get install chromium chromium-driver)")


@dataclass(frozen=True)
class Rendered:
    dom: str
    console: list[str]  # every console message the page produced
    requests: list[str]  # URLs the page (not the browser itself) asked the network for


def _page_requests(netlog: Path) -> list[str]:
    """Requests started on behalf of a page: the browser's own background requests carry
    the initiator "not an origin", a file:// page's carry "null"."""
    data: dict[str, Any] = json.loads(netlog.read_text(encoding="utf-8"))
    start = data["constants"]["logEventTypes"]["URL_REQUEST_START_JOB"]
    urls = []
    for event in data.get("events", []):
        params = event.get("params", {})
        if (event.get("type") == start and "url" in params
                and params.get("initiator") != "not an origin"
                and not params["url"].startswith("file:")):
            urls.append(params["url"])
    return urls


def chromium(tmp_path: Path, url: str, *args: str) -> tuple[str, list[str], list[str]]:
    assert CHROMIUM is not None
    netlog = tmp_path / "netlog.json"
    proc = subprocess.run(
        [CHROMIUM, *FLAGS, f"--user-data-dir={tmp_path / 'profile'}", "--enable-logging=stderr",
         "--v=0", f"--log-net-log={netlog}", *args, url],
        capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr[-2000:]
    console = [line for line in proc.stderr.splitlines() if ":CONSOLE" in line]
    return proc.stdout, console, _page_requests(netlog)


def load(tmp_path: Path, page: str, fragment: str = "") -> Rendered:
    path = tmp_path / "report.html"
    path.write_text(page, encoding="utf-8")
    dom, console, requests = chromium(tmp_path, path.as_uri() + fragment,
                                      "--virtual-time-budget=3000", "--dump-dom")
    return Rendered(dom, console, requests)


def test_the_checks_catch_a_page_that_leaks(tmp_path: Path) -> None:
    page = ('<!DOCTYPE html><html><body><img src="http://198.51.100.7/pixel.png">'
            '<script>console.error("oops")</script></body></html>')
    rendered = load(tmp_path, page)
    assert rendered.requests == ["http://198.51.100.7/pixel.png"]
    assert any('"oops"' in line for line in rendered.console)


def test_demo_report_renders_with_no_errors_and_no_requests(tmp_path: Path) -> None:
    report, verdict = demo()
    rendered = load(tmp_path, render_html(report, verdict, RenderOptions()))
    assert rendered.console == []
    assert rendered.requests == []
    assert re.search(r'<html lang="en" data-js="ready">', rendered.dom), "script did not run"
    word = re.search(r'<div class="verdict-word" id="verdict-word">([^<]*)</div>', rendered.dom)
    assert word is not None
    assert word.group(1) == "Does not conform"
    rows = re.findall(r'<tr id="clause-([A-Z]{2}-\d+)" data-status="([a-z-]+)"', rendered.dom)
    assert len(rows) == len(verdict.clauses) == 30
    assert dict(rows)["NB-2"] == "fail"
    assert "17 of 30 clauses fail" in rendered.dom


def test_a_link_to_a_closed_section_opens_it(tmp_path: Path) -> None:
    report, verdict = demo()
    anchor = "comp-linux-kernel-5-10-176"
    rendered = load(tmp_path, render_html(report, verdict, RenderOptions()), "#" + anchor)
    assert rendered.console == []
    assert re.search(rf'<details id="{anchor}" class="facts" open="">', rendered.dom)


def test_clean_tree_conforms(tmp_path: Path) -> None:
    report, verdict = clean()
    rendered = load(tmp_path, render_html(report, verdict, RenderOptions()))
    assert rendered.console == []
    assert '<div class="verdict-word" id="verdict-word">Conforms</div>' in rendered.dom


def test_hostile_strings_stay_text(tmp_path: Path) -> None:
    report, verdict = hostile()
    rendered = load(tmp_path, render_html(report, verdict, RenderOptions()))
    assert rendered.console == []  # no script ran, none was even refused
    assert rendered.requests == []
    assert "data-pwned" not in rendered.dom
    assert rendered.dom.count("<script>") == 1
    assert "<img" not in rendered.dom
    assert "&lt;script&gt;document.body.dataset.pwned = 1&lt;/script&gt;" in rendered.dom


def test_screenshot_of_the_demo_report(tmp_path: Path) -> None:
    report, verdict = demo()
    page = tmp_path / "report.html"
    page.write_text(render_html(report, verdict, RenderOptions()), encoding="utf-8")
    shot = tmp_path / "report.png"
    _, console, requests = chromium(tmp_path, page.as_uri(), "--window-size=1280,1800",
                                    f"--screenshot={shot}")
    assert console == []
    assert requests == []
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert (int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")) == (
        1280, 1800)
    if os.environ.get("SPYLESS_UPDATE_SCREENSHOT"):
        SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
        SCREENSHOT.write_bytes(data)
    assert SCREENSHOT.is_file(), "run with SPYLESS_UPDATE_SCREENSHOT=1 to make it"
    assert SCREENSHOT.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert SCREENSHOT.stat().st_size < 400_000
