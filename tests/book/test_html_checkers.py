"""Every built page passes the Nu HTML checker and pa11y (HTML_CodeSniffer, WCAG 2 AA).

Both come from npm (package.json; `make test` installs them with `npm ci --ignore-scripts`, so
no browser or Java is downloaded): the Nu checker runs on Java (Debian's default-jre-headless),
pa11y on Debian's Chromium. They read the built files and a local server: no network at test
time. Locally a missing tool skips these tests with the reason; on CI it fails them.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import REPO

from livingreview.book.serve import serve_folder

NODE_MODULES = REPO / "node_modules"
VNU_JAR = NODE_MODULES / "vnu-jar" / "build" / "dist" / "vnu.jar"
PA11Y_SCRIPT = Path(__file__).with_name("pa11y_pages.mjs")
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"

# pa11y findings that come from Sphinx or the theme, not from the book; each says why.
PA11Y_ALLOWED = {
    # Sphinx's generated index page has no title, so the theme's print-only header is an empty
    # <h1>; the book has no index entries and links the page nowhere. Each edition has one.
    (f"{folder}genindex.html", "WCAG2AA.Principle1.Guideline1_3.1_3_1.H42.2")
    for folder in ("", "zh/")
}


def require(ok: bool, reason: str) -> None:
    if ok:
        return
    if os.environ.get("CI"):
        raise RuntimeError(f"CI must run the HTML checkers: {reason}")
    pytest.skip(reason)


def pages(html: Path) -> list[Path]:
    # _static holds the theme's template fragments (webpack-macros.html), not pages.
    return sorted(p for p in html.rglob("*.html") if "_static" not in p.relative_to(html).parts)


def test_every_page_passes_the_nu_html_checker(built_book):
    java = shutil.which("java")
    require(java is not None, "java is not installed (apt-get install default-jre-headless)")
    require(VNU_JAR.is_file(), "the Nu HTML checker is not installed (npm ci)")
    html = built_book / "_build" / "html"
    files = pages(html)
    assert len(files) > 10
    proc = subprocess.run(
        [java, "-jar", str(VNU_JAR), "--errors-only", "--format", "json", *map(str, files)],
        capture_output=True,
        text=True,
    )
    messages = json.loads(proc.stderr)["messages"]  # vnu writes its report to stderr
    errors = [
        f"{m['url'].split('/html/')[-1]}:{m.get('lastLine')}: {m['message']}" for m in messages
    ]
    assert errors == [], "\n".join(errors)
    assert proc.returncode == 0


def test_the_nu_html_checker_finds_an_invalid_page(tmp_path):
    java = shutil.which("java")
    require(java is not None, "java is not installed (apt-get install default-jre-headless)")
    require(VNU_JAR.is_file(), "the Nu HTML checker is not installed (npm ci)")
    page = tmp_path / "bad.html"
    page.write_text(
        "<!DOCTYPE html><html lang=en><head><title>t</title></head><body>"
        "<figure><p>f</p><figcaption>c</figcaption><script>1</script></figure>"
        '<p id="x"></p><p id="x"></p>'
        "</body></html>"
    )
    proc = subprocess.run(
        [java, "-jar", str(VNU_JAR), "--errors-only", "--format", "json", str(page)],
        capture_output=True,
        text=True,
    )
    messages = [m["message"] for m in json.loads(proc.stderr)["messages"]]
    assert any("Duplicate ID" in m for m in messages), messages
    assert any("“script” not allowed as child of element “figure”" in m for m in messages)
    assert proc.returncode != 0


@pytest.fixture(scope="module")
def pa11y_report(built_book) -> dict[str, list[dict]]:
    node = shutil.which("node")
    require(node is not None, "node is not installed (apt-get install nodejs npm)")
    require((NODE_MODULES / "pa11y").is_dir(), "pa11y is not installed (npm ci)")
    require(Path(CHROMIUM).exists(), "chromium is not installed (apt-get install chromium)")
    html = built_book / "_build" / "html"
    httpd, base = serve_folder(html)
    try:
        urls = [f"{base}/{p.relative_to(html).as_posix()}" for p in pages(html)]
        proc = subprocess.run(
            [node, str(PA11Y_SCRIPT), *urls],
            capture_output=True,
            text=True,
            cwd=REPO,
            env={**os.environ, "CHROMIUM": CHROMIUM},
            timeout=900,
        )
    finally:
        httpd.shutdown()
    assert proc.returncode == 0, proc.stderr[-3000:]
    return {url.removeprefix(base + "/"): issues for url, issues in json.loads(proc.stdout).items()}


def test_every_page_passes_pa11y_wcag2aa(pa11y_report):
    assert len(pa11y_report) > 10
    found = [
        f"{page}: {issue['code']} at {issue['selector']}: {issue['message']}"
        for page, issues in pa11y_report.items()
        for issue in issues
        if (page, issue["code"]) not in PA11Y_ALLOWED
    ]
    assert found == [], "\n".join(found)


def test_pa11y_allow_list_is_still_needed(pa11y_report):
    found = {(page, issue["code"]) for page, issues in pa11y_report.items() for issue in issues}
    assert PA11Y_ALLOWED <= found, "an allowed finding is gone: drop it from PA11Y_ALLOWED"
