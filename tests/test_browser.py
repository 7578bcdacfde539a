"""The built book in a real browser (Debian's Chromium, driven by Playwright) with no network.

Every request to a host other than the local preview server is blocked and counted as a
failure, so these tests also prove the book reads offline.
"""

from __future__ import annotations

import functools
import http.server
import os
import shutil
import threading
from pathlib import Path

import pytest

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
# Vega's SVG marks: bars and cells (rect), points (symbol), CI lines and rules (rule)
MARKS = "svg .mark-rect path, svg .mark-symbol path, svg .mark-rule line"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

if not Path(CHROMIUM).exists():
    if os.environ.get("CI"):
        raise RuntimeError(
            "CI needs Debian's chromium for the browser tests (apt-get install chromium)"
        )
    pytest.skip("chromium is not installed (apt-get install chromium)", allow_module_level=True)


@pytest.fixture(scope="module")
def server(built_book):
    html = built_book / "_build" / "html"
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(html))
    handler.log_message = lambda *args: None
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}", html
    httpd.shutdown()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


class PageVisit:
    """A page load with everything that went wrong recorded."""

    def __init__(self, browser, base: str, path: str):
        self.errors: list[str] = []
        self.failed: list[str] = []
        self.page = browser.new_page()
        self.page.on("console", lambda m: m.type == "error" and self.errors.append(m.text))
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("requestfailed", lambda r: self.failed.append(r.url))
        self.page.on(
            "response", lambda r: r.status >= 400 and self.failed.append(f"{r.status} {r.url}")
        )

        def gate(route):
            if route.request.url.startswith(base):
                route.continue_()
            else:
                self.failed.append(f"external request {route.request.url}")
                route.abort()

        self.page.route("**/*", gate)
        self.page.goto(f"{base}/{path}", wait_until="load")
        self.page.wait_for_timeout(300)

    def chart_marks(self) -> list[int]:
        charts = self.page.locator(".vega-chart")
        counts = []
        for index in range(charts.count()):
            chart = charts.nth(index)
            chart.locator("svg").first.wait_for(timeout=10_000)
            counts.append(chart.locator(MARKS).count())
        return counts


def all_pages(html: Path) -> list[str]:
    skip = {"genindex.html", "search.html"}
    return sorted(
        p.relative_to(html).as_posix()
        for p in html.rglob("*.html")
        if p.name not in skip and "_static" not in p.parts and "_sources" not in p.parts
    )


def test_every_page_loads_offline_without_errors(server, browser):
    base, html = server
    pages = all_pages(html)
    assert len(pages) >= 15
    problems = {}
    for path in pages:
        visit = PageVisit(browser, base, path)
        if visit.errors or visit.failed:
            problems[path] = visit.errors + visit.failed
        visit.page.close()
    assert problems == {}


def test_every_chart_draws(server, browser):
    base, html = server
    pages_with_charts = [
        p for p in all_pages(html) if 'class="vega-chart"' in (html / p).read_text()
    ]
    assert {"chapters/preclinical.html", "analyses/pooled_effects.html"} <= set(pages_with_charts)
    for path in pages_with_charts:
        visit = PageVisit(browser, base, path)
        marks = visit.chart_marks()
        assert marks and all(count > 0 for count in marks), (path, marks)
        assert visit.page.locator(".vega-chart").first.get_attribute("aria-label")
        visit.page.close()


def test_search_works_offline(server, browser):
    base, _ = server
    visit = PageVisit(browser, base, "search.html?q=angiopoietin")
    results = visit.page.locator("#search-results ul.search li")
    results.first.wait_for(timeout=15_000)
    assert results.count() >= 1
    assert "organ" in visit.page.locator("#search-results").inner_text().lower()
    assert visit.errors == [] and visit.failed == []
