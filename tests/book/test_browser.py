"""The built book in a real browser (Debian's Chromium, driven by Playwright) with no network.

Every request to a host other than the local preview server is blocked and counted as a
failure, so these tests also prove the book reads offline.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from livingreview.analysis.confirmation import MARKER
from livingreview.book.pdf import CHROMIUM_ARGS
from livingreview.book.serve import serve_folder
from livingreview.data.releases import read_glue

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
# Vega's SVG marks: bars and cells (rect), points (symbol), CI lines and rules (rule)
MARKS = "svg .mark-rect path, svg .mark-symbol path, svg .mark-rule line"

if not Path(CHROMIUM).exists():
    if os.environ.get("CI"):
        raise RuntimeError(
            "CI needs Debian's chromium for the browser tests (apt-get install chromium)"
        )
    pytest.skip("chromium is not installed (apt-get install chromium)", allow_module_level=True)


@pytest.fixture(scope="module")
def server(built_book):
    html = built_book / "_build" / "html"
    httpd, base = serve_folder(html)
    yield base, html
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

    def __init__(self, browser, base: str, path: str, viewport: dict | None = None):
        self.errors: list[str] = []
        self.failed: list[str] = []
        self.page = browser.new_page(viewport=viewport) if viewport else browser.new_page()
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


AXE_SERIOUS = """async () => (await axe.run(document, {resultTypes: ['violations']})).violations
    .filter(v => v.impact === 'serious' || v.impact === 'critical')
    .map(v => v.id + ': ' + v.nodes.map(n => n.target.join(' ')).join(', '))"""


# The first result (table or chart) of an analysis page, and the code a reader sees before it.
RESULTS_FIRST = """() => {
    const main = document.querySelector('main') || document.body;
    const result = main.querySelector('.cell_output table, .cell_output .vega-chart');
    const code = [...main.querySelectorAll('div.cell_input')].filter(e => e.checkVisibility());
    const before = result ? code.filter(
        c => c.compareDocumentPosition(result) & Node.DOCUMENT_POSITION_FOLLOWING) : code;
    return {result: result !== null, code_before: before.length};
}"""


def fold_problems(page) -> list[str]:
    """What is wrong with an analysis page's code folds at 1280 px, on screen and in print."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    problems = []
    shown = page.evaluate(RESULTS_FIRST)
    if not shown["result"]:
        problems.append("no table or chart")
    if shown["code_before"]:
        problems.append(f"{shown['code_before']} code cells visible before the first result")
    folds = page.locator("div.cell details.hide")
    if folds.count() == 0:
        return [*problems, "no folded code"]
    fold = folds.first
    code = fold.locator("div.cell_input")
    if code.is_visible():
        problems.append("folded code visible before the toggle is clicked")
    fold.locator("summary").click()
    try:
        code.wait_for(state="visible", timeout=5_000)
    except PlaywrightTimeout:
        problems.append("code stays hidden after one click on its toggle")
    fold.locator("summary").click()  # closed again for the checks that follow
    page.emulate_media(media="print")
    if fold.is_visible():
        problems.append("the code fold prints")
    if not page.locator(".cell_output table, .cell_output .vega-chart").first.is_visible():
        problems.append("the results do not print")
    page.emulate_media(media="screen")
    return problems


# Tables wider than the text column at the page's width (a table may scroll inside its own
# box only on a narrow screen): the table's right edge past the article's, or a box that scrolls.
WIDE_TABLES = """() => {
    const article = document.querySelector('article.bd-article') || document.querySelector('main');
    if (!article) return [];
    const right = article.getBoundingClientRect().right;
    return [...article.querySelectorAll('table')].filter(t => t.checkVisibility())
        .filter(t => {
            const box = t.closest('.evidence-table-wrapper, .pst-scrollable-table-container');
            return t.getBoundingClientRect().right > right + 1
                || (box && box.scrollWidth > box.clientWidth + 1);
        })
        .map(t => (t.caption ? t.caption.textContent : t.id || 'table').trim().slice(0, 60)
            + ': ' + Math.round(t.getBoundingClientRect().width) + ' px');
}"""


def is_redirect_stub(text: str) -> bool:
    """A moved page's stub: checking it races its meta refresh (its target is checked)."""
    return 'http-equiv="refresh"' in text.lower()


@pytest.fixture(scope="module")
def sweep(server, browser, built_book) -> dict[str, dict[str, list]]:
    """One visit per page of both editions, recording what each check below needs: console
    errors and failed requests, axe's serious violations, the repository link, the marks each
    chart drew, the page's width at 360 px, table headers that are raw field names, and on
    analysis pages the results before the folded code. One sweep instead of one per check."""
    import axe_playwright_python

    from livingreview.data.identity import identity
    from livingreview.data.project import Project

    axe = (Path(axe_playwright_python.__file__).parent / "axe.min.js").read_text(encoding="utf-8")
    url = identity(Project(built_book)).repository_url
    base, html = server
    found: dict[str, dict[str, list]] = {
        key: {}
        for key in (
            "problems",
            "serious",
            "no_repository_link",
            "charts",
            "wide",
            "field_name_headers",
            "code_first",
            "wide_tables",
            "marker_words",
        )
    }
    analysis_pages = []
    for path in [*all_pages(html), "search.html"]:
        text = (html / path).read_text(encoding="utf-8")
        visit = PageVisit(browser, base, path)
        if visit.errors or visit.failed:
            found["problems"][path] = visit.errors + visit.failed
        if 'class="vega-chart"' in text:
            found["charts"][path] = [
                (marks, visit.page.locator(".vega-chart").nth(i).get_attribute("aria-label"))
                for i, marks in enumerate(visit.chart_marks())
            ]
        if not is_redirect_stub(text):
            headers = visit.page.eval_on_selector_all(
                "th", "els => els.map(e => e.textContent.trim())"
            )
            if [h for h in headers if "_" in h]:
                found["field_name_headers"][path] = [h for h in headers if "_" in h]
            if wide := visit.page.evaluate(WIDE_TABLES):
                found["wide_tables"][path] = wide
            cells = visit.page.eval_on_selector_all(
                "table td", "els => els.map(e => e.textContent)"
            )
            if marked := [c for c in cells if f"[{MARKER}]" in c]:
                found["marker_words"][path] = marked[:3]
            if path.removeprefix("zh/").startswith("analyses/"):
                analysis_pages.append(path)
                if problems := fold_problems(visit.page):
                    found["code_first"][path] = problems
            if visit.page.locator(f'a[href="{url}"]').count() == 0:
                found["no_repository_link"][path] = [url]
            visit.page.set_viewport_size({"width": 360, "height": 800})
            visit.page.wait_for_timeout(100)
            width = visit.page.evaluate("document.documentElement.scrollWidth")
            if width > 360:
                found["wide"][path] = [width]
            visit.page.set_viewport_size({"width": 1280, "height": 720})
        visit.page.add_script_tag(content=axe)
        violations = visit.page.evaluate(AXE_SERIOUS)
        if violations:
            found["serious"][path] = violations
        visit.page.close()
    found["pages"] = dict.fromkeys(all_pages(html), [])
    found["analysis_pages"] = dict.fromkeys(analysis_pages, [])
    return found


def test_every_page_loads_offline_without_errors(sweep):
    assert len(sweep["pages"]) >= 15
    assert sweep["problems"] == {}


def test_every_chart_draws(sweep):
    charts = sweep["charts"]
    assert {"chapters/preclinical.html", "analyses/pooled_effects.html"} <= set(charts)
    for path, drawn in charts.items():
        assert drawn and all(marks > 0 for marks, _ in drawn), (path, drawn)
        assert drawn[0][1], path  # the first chart's text alternative


def test_search_works_offline(server, browser):
    base, _ = server
    visit = PageVisit(browser, base, "search.html?q=angiopoietin")
    results = visit.page.locator("#search-results ul.search li")
    results.first.wait_for(timeout=15_000)
    assert results.count() >= 1
    assert "organ" in visit.page.locator("#search-results").inner_text().lower()
    assert visit.errors == [] and visit.failed == []


# ---------------------------------------------------------------------------------------------
# Hostile data: rejected by validation; if it slips past validation, rendered inert.

PAYLOADS = [
    '<script>window.__pwned = "script"</script>',
    '<img id="injected" src="x" onerror="window.__pwned = \'img\'">',
    '"><svg id="injected" onload="window.__pwned = \'svg\'">',
    "</script><script>window.__pwned = 'breakout'</script>",
    '<a id="injected" href="javascript:window.__pwned=1">click</a>',
]
TEXT_COLUMNS = [
    "species",
    "sepsis_model",
    "organ",
    "cell_source",
    "route",
    "timing",
    "mechanism",
    "main_finding",
    "notes",
]


def hostile_row(template: dict[str, str], payloads: list[str]) -> dict[str, str]:
    """A row built on one of the data's own rows (so it is valid but for the payloads)."""
    row = dict(template)
    row.update(study_id="hostile2026", year="2026")
    row.update(in_source_table1="false", verification="unverified")
    for index, column in enumerate(TEXT_COLUMNS):
        row[column] = payloads[index % len(payloads)]
    return row


def append_row(path: Path, row: dict[str, str]) -> None:
    import csv
    import io

    out = io.StringIO()
    csv.DictWriter(out, fieldnames=list(row), lineterminator="\n").writerow(row)
    path.write_text(path.read_text(encoding="utf-8") + out.getvalue(), encoding="utf-8")


def test_hostile_row_is_rejected_and_renders_inert(browser, built_book, tmp_path):
    import csv

    from conftest import cli, screen_new_study, seeded_copy

    root = seeded_copy(built_book, tmp_path / "repo")
    data = root / "data" / "preclinical_studies.csv"
    header = next(csv.DictReader(data.open(encoding="utf-8")))  # the first data row
    row = hostile_row(header, PAYLOADS)
    row["study_id"] = "=HYPERLINK(1)"
    row["notes"] = "x" * 100_000
    append_row(data, row)
    original = data.read_bytes()
    result = cli(root, "validate", "--json")
    assert result.returncode == 1
    problems = {(p["column"], p["rule"]) for p in json.loads(result.stdout)}
    for column in TEXT_COLUMNS[:-1]:
        assert (column, "markup") in problems, column
    assert ("study_id", "formula-injection") in problems
    assert ("notes", "too-long") in problems
    assert data.read_bytes() == original

    # Legitimate right-to-left and CJK text passes validation.
    data.write_bytes(original.rsplit(b"\n", 2)[0] + b"\n")
    legit = hostile_row(header, ["脓毒症小鼠模型", "تعفن الدم", "אלח דם"])
    legit["study_id"] = "unicode2026"
    screen_new_study(root, "unicode2026")  # its screening decision comes first
    append_row(data, legit)
    assert cli(root, "validate").returncode == 0

    # Markup that slipped past validation is escaped: run and build without validating.
    append_row(data, hostile_row(header, PAYLOADS))
    cli(root, "run", check=True)
    cli(root, "build", check=True)
    httpd, base = serve_folder(root / "_build" / "html")
    try:
        for path in (
            "chapters/preclinical.html",
            "analyses/evidence_tables.html",
            "chapters/outlook.html",
        ):
            visit = PageVisit(browser, base, path)
            page = visit.page
            assert page.evaluate("typeof window.__pwned") == "undefined", path
            assert page.locator("#injected").count() == 0, path
            if "preclinical" in path:
                assert page.get_by_text("脓毒症小鼠模型").count() >= 1
                assert (
                    page.get_by_text('<img id="injected"', exact=False).count() >= 1
                )  # shown as text
            assert [e for e in visit.errors if "pwned" in e] == [], path
            page.close()
    finally:
        httpd.shutdown()


def test_exercise_solutions_are_hidden_until_asked(server, browser):
    base, _ = server
    visit = PageVisit(browser, base, "chapters/preclinical.html")
    solution = visit.page.locator("div.solution.dropdown").first
    body = solution.locator("section").first
    assert visit.page.locator("div.exercise").count() >= 3
    assert not body.is_visible()
    solution.locator(".admonition-title").first.click()
    body.wait_for(state="visible", timeout=5_000)
    assert "deaths per 1,000" in body.inner_text()
    assert visit.errors == []


def chart_texts(visit: PageVisit, chart) -> list[str]:
    chart.locator("svg").first.wait_for(timeout=10_000)
    return chart.locator("svg .mark-text text").all_text_contents()


def test_baseline_risk_slider_recomputes_absolute_effects(server, browser, built_book):
    from livingreview.analysis.pooled import risk_with_ratio

    base, _ = server
    values = read_glue(built_book / "_build" / "executed" / "pooled_effects.ipynb")
    visit = PageVisit(browser, base, "analyses/pooled_effects.html")
    slider = visit.page.locator(".vega-chart-controls input[type=range]")
    assert slider.count() == 1
    assert visit.page.get_by_label("Control-group risk of death").count() == 1
    figure = visit.page.locator("figure.vega-chart-figure", has=slider)
    chart = figure.locator(".vega-chart")
    # at the default the chart shows the numbers the chapters glue
    default = float(values["sof_baseline_risk"].rstrip("%")) / 100
    assert float(slider.input_value()) == pytest.approx(default)
    assert visit.page.locator("form.vega-bindings").count() == 0  # no form without a submit
    assert values["sof_overall_risk"] in chart_texts(visit, chart)

    other = 0.2 if default != 0.2 else 0.3
    slider.fill(str(other))
    key = "sun2020_mortality_overall"
    per_1000 = [
        f"{1000 * risk_with_ratio(other, float(values[f'{key}_{q}']), 'OR'):.0f}"
        for q in ("estimate", "ci_low", "ci_high")
    ]
    expected = f"{per_1000[0]} ({per_1000[1]} to {per_1000[2]})"
    visit.page.wait_for_function(
        "([el, text]) => [...el.querySelectorAll('svg .mark-text text')]"
        ".some(t => t.textContent === text)",
        arg=[chart.element_handle(), expected],
        timeout=5_000,
    )
    assert values["sof_overall_risk"] not in chart_texts(visit, chart)
    assert visit.errors == []


def test_evidence_map_menus_change_its_dimensions(server, browser):
    base, _ = server
    visit = PageVisit(browser, base, "analyses/evidence_map.html")
    rows = visit.page.get_by_role("combobox", name="Rows")
    assert rows.count() == 1 and visit.page.get_by_role("combobox", name="Columns").count() == 1
    chart = visit.page.locator("figure.vega-chart-figure", has=rows).locator(".vega-chart")
    chart.locator("svg").first.wait_for(timeout=10_000)
    assert "clinical" not in chart.inner_text()
    rows.select_option("kind")
    visit.page.wait_for_function(
        "el => el.textContent.includes('clinical')", arg=chart.element_handle(), timeout=5_000
    )
    assert visit.errors == []


def test_analysis_pages_show_results_first_with_code_one_click_away(sweep, built_book):
    notebooks = {p.stem for p in (built_book / "analyses").glob("*.ipynb")}
    expected = {f"{edition}analyses/{name}.html" for name in notebooks for edition in ("", "zh/")}
    assert expected <= set(sweep["analysis_pages"])
    assert sweep["code_first"] == {}


def test_no_table_header_is_a_field_name(sweep):
    assert sweep["field_name_headers"] == {}


def test_every_page_passes_axe_without_serious_violations(sweep):
    assert sweep["serious"] == {}


def test_no_page_scrolls_sideways_at_360_px(sweep):
    assert sweep["wide"] == {}


def test_repository_link_is_on_every_page(sweep):
    assert sweep["no_repository_link"] == {}


def test_no_table_is_wider_than_its_column_at_1280_px(sweep):
    assert sweep["wide_tables"] == {}


def test_unconfirmed_values_show_a_symbol_not_the_word(sweep):
    assert sweep["marker_words"] == {}


# ---------------------------------------------------------------------------------------------
# The clinical reading table: filters and sorting offline, and whole without JavaScript.


def clinical_rows(built_book: Path):
    """The clinical studies as the data hold them (the table shows every report)."""
    from livingreview.data.package import load_table
    from livingreview.data.project import Project

    return load_table("clinical_studies", Project(built_book))


VISIBLE_YEARS = """table => [...table.querySelectorAll('tbody tr.row-main')]
    .filter(r => r.checkVisibility()).map(r => Number(r.cells[1].textContent))"""


def test_clinical_table_filters_by_design_and_sorts_by_year_offline(server, browser, built_book):
    studies = clinical_rows(built_book)
    design = studies["design"].value_counts().index[0]  # a design of the data, however many
    base, _ = server
    visit = PageVisit(browser, base, "chapters/clinical.html")
    page = visit.page
    table = page.locator("table.reading-table").first
    assert table.locator("tbody tr.row-main").count() == len(studies)
    page.get_by_label("Design", exact=True).select_option(design)
    shown = table.locator("tbody tr.row-main:visible")
    assert shown.count() == (studies["design"] == design).sum()
    assert table.locator("tbody tr.row-details:visible").count() == shown.count()
    assert page.locator(".table-count").first.inner_text().startswith(f"{shown.count()} of")
    page.get_by_label("Design", exact=True).select_option("")
    assert table.locator("tbody tr.row-main:visible").count() == len(studies)

    year = table.locator("thead th", has_text="Year").locator("button")
    year.click()
    ascending = sorted(int(y) for y in studies["year"])
    assert table.evaluate(VISIBLE_YEARS) == ascending
    assert table.locator("thead th", has_text="Year").get_attribute("aria-sort") == "ascending"
    year.click()
    assert table.evaluate(VISIBLE_YEARS) == ascending[::-1]
    # each row's details still follow it
    follows = table.evaluate(
        "t => [...t.querySelectorAll('tr.row-main')].every("
        "r => r.nextElementSibling && r.nextElementSibling.classList.contains('row-details'))"
    )
    assert follows
    details = table.locator("tr.row-details details").first
    assert not details.locator("dl").is_visible()
    details.locator("summary").click()
    assert details.locator("dl").is_visible()
    assert visit.errors == [] and visit.failed == []


def test_clinical_table_is_whole_without_javascript(server, browser, built_book):
    studies = clinical_rows(built_book)
    base, _ = server
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.route("**/*", lambda r: r.continue_() if r.request.url.startswith(base) else r.abort())
    page.goto(f"{base}/chapters/clinical.html", wait_until="load")
    table = page.locator("table.reading-table").first
    assert table.locator("tbody tr.row-main:visible").count() == len(studies)
    assert page.locator(".table-controls").count() == 0
    text = table.inner_text()
    for population in studies["population"]:
        assert population in text
    context.close()


def test_summary_page_is_first_and_lists_every_ongoing_trial(server, browser):
    from conftest import ongoing_trials

    from livingreview.data.project import Project

    base, html = server
    project = Project(html.parents[1])
    assert project.review_chapters()[0] == "chapters/what_we_know"
    ongoing = ongoing_trials(html.parents[1])
    values = read_glue(html.parents[1] / "_build" / "executed" / "what_we_know.ipynb")
    assert int(values["wwk_n_open_trials"]) == len(ongoing)
    for edition in ("", "zh/"):
        visit = PageVisit(browser, base, f"{edition}chapters/what_we_know.html")
        text = visit.page.locator("main").inner_text()
        assert all(trial in text for trial in ongoing), edition
        assert values["wwk_latest_version"] in text and values["wwk_evidence_current_to"] in text
        assert visit.errors == [] and visit.failed == []
        visit.page.close()
