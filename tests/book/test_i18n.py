"""The Chinese edition: same numbers as the English one, translated words, switcher, search.

Unit tests build small catalogs of their own; the rest read one clean build of a copy of the
book (``built_book``) and derive what to expect from its data and its catalogs.
"""

from __future__ import annotations

import html
import json
import re
import shutil
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import write_po
from conftest import cli, seeded_copy

from livingreview.analysis import i18n
from livingreview.book.editions import COVERAGE_FILE, built_coverage, page_coverage
from livingreview.book.sphinx.translation import other_edition
from livingreview.data.releases import read_glue

CJK = re.compile(r"[\u4e00-\u9fff]")


def write_catalog(path: Path, messages: dict[str, str], fuzzy: set[str] = frozenset()) -> None:
    catalog = Catalog(locale="zh_CN")
    for msgid, msgstr in messages.items():
        catalog.add(msgid, msgstr, flags=("fuzzy",) if msgid in fuzzy else ())
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as handle:
        write_po(handle, catalog)


@pytest.fixture
def zh_catalog(tmp_path):
    i18n.read_catalog.cache_clear()
    write_catalog(
        i18n.catalog_path(tmp_path, "zh_CN"),
        {
            "Studies": "研究",
            "Old words": "旧译",
            "Missing": "",
            "kidney": "肾",
            "{n} studies": "{n} 项研究",
        },
        fuzzy={"Old words"},
    )
    yield tmp_path
    i18n.read_catalog.cache_clear()
    i18n.use("en")


def test_translator_uses_translated_entries_and_falls_back_to_english(zh_catalog):
    tr = i18n.translator("zh_CN", zh_catalog)
    assert tr("Studies") == "研究"
    assert tr("Old words") == "Old words"  # fuzzy: the English changed since
    assert tr("Missing") == "Missing"
    assert tr("Never seen") == "Never seen"
    assert tr.format("{n} studies", n=1266) == "1266 项研究"
    assert i18n.translator("en", zh_catalog)("Studies") == "Studies"


def test_unknown_language_is_a_user_error(zh_catalog):
    from livingreview.errors import LivingReviewError

    with pytest.raises(LivingReviewError, match="zh_CN"):
        i18n.translator("fr", zh_catalog)


def test_english_runs_record_the_messages_they_show(tmp_path, monkeypatch):
    record = tmp_path / "run.msgids"
    monkeypatch.setenv(i18n.MSGIDS_ENV, str(record))
    tr = i18n.translator("en", tmp_path)
    tr("Risk ratio")
    sentence = tr.format("Records screened\n{n}", n=12)
    tr(sentence)  # a built sentence is not a message: its template is
    tr.lookup("a data value")  # data values are looked up, never recorded
    lines = [json.loads(line) for line in record.read_text(encoding="utf-8").splitlines()]
    assert lines == ["Records screened\n{n}", "Risk ratio"]


def test_chart_spec_translates_words_and_categories_but_not_field_names(zh_catalog, monkeypatch):
    monkeypatch.setenv("LIVINGREVIEW_ROOT", str(zh_catalog))
    i18n.use("zh_CN")
    spec = {
        "title": "Studies",
        "encoding": {"y": {"field": "Studies", "type": "nominal", "title": "Studies"}},
        "datasets": {"d1": [{"organ": "kidney", "title": "Studies", "n": 3}]},
        "transform": [{"filter": "datum.organ == 'kidney' && datum.n >= 3"}],
    }
    out = i18n.translate_spec(spec)
    assert out["title"] == "研究"
    assert out["encoding"]["y"] == {"field": "Studies", "type": "nominal", "title": "研究"}
    # data rows: categories the catalog knows are translated, nothing else
    assert out["datasets"]["d1"] == [{"organ": "肾", "title": "研究", "n": 3}]
    # a filter on a translated value follows the data, or the layer would draw nothing
    assert out["transform"] == [{"filter": "datum.organ == '肾' && datum.n >= 3"}]


def test_table_headers_and_categories_translated_and_english_cells_marked(zh_catalog, monkeypatch):
    import pandas as pd

    from livingreview.analysis.display import TableHTML

    monkeypatch.setenv("LIVINGREVIEW_ROOT", str(zh_catalog))
    tr = i18n.use("zh_CN")
    frame = pd.DataFrame({"Studies": ["kidney"], "Note": ["free text from the data"]})
    table = TableHTML(frame, caption="Studies")
    markup = table._repr_html_()
    assert "<th>研究</th>" in markup and "<td>肾</td>" in markup
    assert i18n.english_cells_note("zh_CN") not in markup  # no data cell left untranslated
    tr.cell("free text from the data", "table/note")  # a data cell the catalog lacks
    markup = TableHTML(frame, caption="Studies")._repr_html_()
    assert "free text from the data" in markup  # shown in English, and the table says so
    assert i18n.english_cells_note("zh_CN") in markup
    i18n.use("en")
    english = TableHTML(frame, caption="Studies")._repr_html_()
    assert "<th>Studies</th>" in english and i18n.english_cells_note("zh_CN") not in english


def test_coverage_counts_translated_non_fuzzy_messages_per_page(tmp_path):
    folder = tmp_path / "locales" / "zh_CN" / "LC_MESSAGES"
    write_catalog(folder / "chapters" / "a.po", {"One": "一", "Two": "", "Three": "三"}, {"Three"})
    write_catalog(folder / "chapters" / "b.po", {"One": "一"})
    write_catalog(folder / "analysis.po", {"One": ""})  # the analyses' words: not a page
    table = page_coverage(tmp_path, "zh_CN")
    assert set(table) == {"chapters/a", "chapters/b"}
    assert (table["chapters/a"].translated, table["chapters/a"].total) == (1, 3)
    assert table["chapters/a"].percent == 33 and table["chapters/b"].percent == 100


def test_a_translation_that_drops_a_glued_number_or_a_citation_is_refused(tmp_path):
    from types import SimpleNamespace

    from livingreview.book.editions import catalog_problems

    glued = "Its table lists {glue:text}`../analyses/x.ipynb::n:.0f` trials {cite:p}`niu2025`."
    write_catalog(
        tmp_path / "locales" / "zh_CN" / "LC_MESSAGES" / "chapters" / "a.po",
        {
            glued: "其表格列出了五项试验{cite:p}`niu2025`。",  # the number typed: refused
            "See {cite:p}`a2020`.": "见{cite:p}`b2020`。",  # another source: refused
            "Fine {cite:t}`a2020`.": "好{cite:t}`a2020`。",
            "Old {cite:p}`a2020`.": "旧",  # fuzzy: not used, not checked
        },
        fuzzy={"Old {cite:p}`a2020`."},
    )
    project = SimpleNamespace(root=tmp_path, build_dir=tmp_path / "_build")
    problems = catalog_problems(project, "zh_CN")
    assert len(problems) == 2
    assert problems[0].startswith("locales/zh_CN/LC_MESSAGES/chapters/a.po, line ")
    assert "lacks {glue:text}`../analyses/x.ipynb::n:.0f`" in problems[0]
    assert "lacks {cite:p}`a2020`" in problems[1] and "{cite:p}`b2020`" in problems[1]


def test_the_books_translations_keep_every_glue_and_citation(tmp_path):
    from types import SimpleNamespace

    from livingreview.book.editions import catalog_problems

    root = Path(__file__).resolve().parents[2]
    project = SimpleNamespace(root=root, build_dir=tmp_path)
    assert catalog_problems(project, "zh_CN") == []


@pytest.mark.parametrize(
    ("page", "language", "href"),
    [
        ("index", "en", "zh/index.html"),
        ("chapters/about", "en", "../zh/chapters/about.html"),
        ("index", "zh_CN", "../index.html"),
        ("chapters/about", "zh_CN", "../../chapters/about.html"),
    ],
)
def test_switcher_links_are_relative(page, language, href):
    assert other_edition(page, language)[0] == href


def test_a_new_translation_changes_only_the_translated_runs_fingerprint(mini_project):
    from livingreview.book.manifest import edition_runs, load_manifest
    from livingreview.book.runner import code_fingerprint, fingerprint, output_path
    from livingreview.data.project import Project

    project = Project(mini_project)
    runs = load_manifest(project)
    catalog = i18n.catalog_path(mini_project, "zh_CN")
    write_catalog(catalog, {"x": "叉"})
    zh = edition_runs(project, runs, "zh_CN")
    assert all(r.parameters["language"] == "zh_CN" and catalog in r.inputs for r in zh)
    assert {output_path(project, r).parent.name for r in zh} == {"zh_CN"}
    code = code_fingerprint(project)
    before = [fingerprint(project, r, code) for r in [*runs, *zh]]
    write_catalog(catalog, {"x": "叉", "y": "乙"})
    after = [fingerprint(project, r, code) for r in [*runs, *zh]]
    assert before[: len(runs)] == after[: len(runs)]  # English: nothing to re-run
    assert all(b != a for b, a in zip(before[len(runs) :], after[len(runs) :], strict=True))


# ---- the built book ---------------------------------------------------------------------


def _glue(notebook: Path) -> dict[str, str]:
    """name -> text/plain, or for a table the text of its cells (the HTML's element ids derive
    from its content)."""
    found = read_glue(notebook)
    for name, markup in read_glue(notebook, "text/html").items():
        cells = " ".join(re.findall(r"<td>(.*?)</td>", markup, flags=re.S))
        # the text a reader sees: tags out, entities (&#x27; is an apostrophe, not 27) read
        found[name] = html.unescape(re.sub(r"<[^>]+>", "", cells))
    return found


def _numbers(text: str) -> list[str]:
    """The numbers of a glued value, as the data catalog's number check reads them (a phase
    written Ⅰ期 is the data's 1, 160×10⁶ its "160 million")."""
    from livingreview.analysis.data_catalog import numbers

    return sorted(numbers(text).elements())


def test_glued_values_are_identical_in_both_editions(built_book):
    from livingreview.book.manifest import load_manifest
    from livingreview.data.project import Project

    project = Project(built_book)
    compared = 0
    for run in load_manifest(project):
        english = _glue(project.executed_dir / f"{run.name}.ipynb")
        chinese = _glue(project.executed_dir / "zh_CN" / f"{run.name}.ipynb")
        assert english.keys() == chinese.keys(), run.name
        for key, text in english.items():
            # the same numbers, in whatever order the sentence needs (tables: every cell)
            assert _numbers(chinese[key]) == _numbers(text), (run.name, key)
            compared += 1
    assert compared > 50


def test_analyses_show_chinese_words_in_the_chinese_edition(built_book):
    from livingreview.analysis.i18n import catalog_path, read_catalog

    translated = read_catalog(catalog_path(built_book, "zh_CN").resolve())
    page = (built_book / "_build" / "html" / "zh" / "analyses" / "pooled_effects.html").read_text(
        encoding="utf-8"
    )
    english = (built_book / "_build" / "html" / "analyses" / "pooled_effects.html").read_text(
        encoding="utf-8"
    )
    title = "Pooled effects of MSC therapy in animal models of sepsis"
    assert title in english
    assert json.dumps(translated[title])[1:-1] in page  # inside the chart's JSON spec


def _switcher(page: Path) -> str | None:
    match = re.search(r'class="language-switcher-link" href="([^"]+)"', page.read_text("utf-8"))
    return match.group(1) if match else None


def test_every_page_links_to_the_same_page_in_the_other_edition(built_book):
    html = built_book / "_build" / "html"
    pages = [
        p
        for p in html.rglob("*.html")
        if not {"_static", "_sources", "_pdf"} & set(p.parts)
        and p.name not in {"genindex.html", "search.html"}
        and "http-equiv" not in p.read_text("utf-8")[:2000]  # redirect stubs
    ]
    english = [p for p in pages if p.relative_to(html).parts[0] != "zh"]
    assert len(english) > 20 and len(pages) == 2 * len(english)
    for page in pages:
        href = _switcher(page)
        assert href, page
        target = (page.parent / href).resolve()
        assert target.is_file(), (page, href)
        other = target.relative_to(html.resolve()).as_posix().removeprefix("zh/")
        assert other == page.relative_to(html).as_posix().removeprefix("zh/")
        assert (target.parent / _switcher(target)).resolve() == page.resolve()


def zh_coverage(book: Path) -> dict:
    """The coverage the Chinese build counted, page by page."""
    table = built_coverage(book / "_build" / "sphinx-zh_CN" / "_build" / COVERAGE_FILE)
    assert table is not None
    return table


def test_pages_below_full_coverage_say_so_in_chinese(built_book):
    html = built_book / "_build" / "html" / "zh"
    table = zh_coverage(built_book)
    # every page with a catalog is counted, as is every page without one
    assert set(page_coverage(built_book, "zh_CN")) <= set(table)
    for docname, coverage in table.items():
        page = (html / f"{docname}.html").read_text(encoding="utf-8")
        assert ("translation-coverage" in page) == (coverage.percent < 100), docname
        if coverage.percent < 100:
            assert f"本章尚有 {100 - coverage.percent}% 未翻译" in page


def test_coverage_is_counted_against_the_current_english(built_book, tmp_path):
    """Acceptance (issue 26): one English sentence of a translated chapter changes and the
    catalogs are not refreshed: the page is no longer fully translated, and says so."""
    before = zh_coverage(built_book)
    docname, sentence = _translated_line(built_book, before)
    root = seeded_copy(built_book, tmp_path / "repo")
    source = root / f"{docname}.md"
    text = source.read_text(encoding="utf-8")
    edited = sentence.rstrip() + " This sentence was revised."
    source.write_text(text.replace(sentence, edited, 1), encoding="utf-8")
    built = cli(root, "book", check=True).stdout
    was = before[docname]
    after = zh_coverage(root)[docname]
    # the old msgid is gone from the page, the new one has no translation
    assert (after.translated, after.total) == (was.translated - 1, was.total), after
    line = f"  {docname}: {after.percent}% ({after.translated}/{after.total})"
    assert after.percent < 100 and line in built.splitlines(), built
    page = (root / "_build" / "html" / "zh" / f"{docname}.html").read_text(encoding="utf-8")
    assert "translation-coverage" in page and f"本章尚有 {100 - after.percent}% 未翻译" in page
    # the rest of the book is counted as before
    others = {d: c for d, c in zh_coverage(root).items() if d != docname}
    assert others == {d: c for d, c in before.items() if d != docname}


def _translated_line(book: Path, coverage: dict) -> tuple[str, str]:
    """A fully translated chapter and one of its one-line paragraphs of plain prose whose
    translation the catalog holds."""
    from livingreview.analysis.i18n import read_catalog

    for docname, counted in sorted(coverage.items()):
        path = book / f"{docname}.md"
        if not docname.startswith("chapters/") or counted.percent < 100 or not path.is_file():
            continue
        translated = read_catalog(book / "locales/zh_CN/LC_MESSAGES" / f"{docname}.po")
        lines = path.read_text(encoding="utf-8").splitlines()
        for index, line in enumerate(lines):
            alone = (index == 0 or not lines[index - 1].strip()) and (
                index + 1 == len(lines) or not lines[index + 1].strip()
            )
            plain = re.fullmatch(r"[A-Z][\w ,;:()'-]{30,}\.", line)
            if alone and plain and translated.get(line):
                return docname, line
    raise AssertionError("no fully translated chapter with a plain one-line paragraph")


def test_chinese_search_index_holds_the_books_terms(built_book):
    """Every dictionary term that a Chinese page uses is a search term of its own (jieba)."""
    html = built_book / "_build" / "html" / "zh"
    text = "".join(p.read_text("utf-8") for p in (html / "chapters").glob("*.html"))
    index = (html / "searchindex.js").read_text(encoding="utf-8")
    terms = json.loads(index[index.index("(") + 1 : index.rindex(")")])["terms"]
    words = [
        line.split()[0]
        for line in (built_book / "locales" / "zh_CN" / "search-dictionary.txt")
        .read_text(encoding="utf-8")
        .splitlines()
        if line.strip()
    ]
    used = [w for w in words if w in text]
    assert {"血管生成素", "间充质"} <= set(used)
    assert [w for w in used if w not in terms] == []


def test_citations_and_bibliography_are_the_same_in_both_editions(built_book):
    html = built_book / "_build" / "html"

    def labels(path: Path) -> list[str]:
        page = path.read_text(encoding="utf-8")
        # the label's text, whether or not Sphinx made it a back-link (it does not when a
        # translated paragraph re-registers the citation, giving two back-references)
        found = re.findall(
            r'<span class="label"><span class="fn-bracket">\[</span>(.*?)<span', page
        )
        return [re.sub(r"<[^>]+>", "", label) for label in found]

    english = labels(html / "chapters" / "bibliography.html")
    assert english and labels(html / "zh" / "chapters" / "bibliography.html") == english

    def cites(path: Path) -> list[str]:
        return re.findall(r'href="bibliography.html#(cite-[^"]+)"', path.read_text("utf-8"))

    page = "chapters/about.html"
    assert cites(html / page) and cites(html / "zh" / page) == cites(html / page)


@pytest.mark.skipif(not shutil.which("chromium"), reason="needs Debian's chromium")
def test_chinese_page_in_a_browser(built_book):
    """Offline: no console error, the chart draws with Chinese labels, the switcher lands on
    the English page, axe finds nothing serious."""
    import axe_playwright_python
    from playwright.sync_api import sync_playwright

    from livingreview.book.pdf import CHROMIUM_ARGS
    from livingreview.book.serve import serve_folder

    httpd, base = serve_folder(built_book / "_build" / "html")
    axe = (Path(axe_playwright_python.__file__).parent / "axe.min.js").read_text(encoding="utf-8")
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(
                executable_path=shutil.which("chromium"), args=CHROMIUM_ARGS
            )
            page = browser.new_page()
            errors: list[str] = []
            page.on("console", lambda m: m.type == "error" and errors.append(m.text))
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.on("response", lambda r: r.status >= 400 and errors.append(f"{r.status} {r.url}"))
            page.route(
                "**/*",
                lambda route: (
                    route.continue_() if route.request.url.startswith(base) else route.abort()
                ),
            )
            page.goto(f"{base}/zh/analyses/pooled_effects.html", wait_until="load")
            chart = page.locator(".vega-chart svg").first
            chart.wait_for(timeout=10_000)
            assert CJK.search(chart.inner_html())  # title and axis in Chinese
            assert page.locator("html").get_attribute("lang").startswith("zh")
            assert errors == []
            # axe fetches @import-ed stylesheets relative to the page (not the sheet), which
            # 404s; what it reports is checked, its own requests are not the page's errors
            page.add_script_tag(content=axe)
            serious = page.evaluate(
                """async () => (await axe.run(document, {resultTypes: ['violations']})).violations
                    .filter(v => v.impact === 'serious' || v.impact === 'critical')
                    .map(v => v.id)"""
            )
            assert serious == []
            errors.clear()
            page.locator("a.language-switcher-link").click()
            page.wait_for_load_state("load")
            assert page.url == f"{base}/analyses/pooled_effects.html"
            assert page.locator("h1").first.inner_text().startswith("Pooled effects")
            page.goto(f"{base}/zh/search.html?q=血管生成素", wait_until="load")
            # the glossary entry 血管生成素-2 (angiopoietin-2) is among the results (their order
            # follows the pages' wording, which a release note can change)
            found = page.locator('#search-results ul.search li a[href*="glossary"]').first
            found.wait_for(timeout=10_000)
            assert errors == []
            browser.close()
    finally:
        httpd.shutdown()


def test_part_captions_and_edition_parameter_are_in_the_chinese_edition_words(built_book):
    """The sidebar's part captions come from the extension's catalog; the cell papermill adds
    to set the edition's language is not on the page."""
    import yaml
    from babel.messages.pofile import read_po

    from livingreview.book.sphinx.translation import LOCALE_DIR

    with (LOCALE_DIR / "zh_CN" / "LC_MESSAGES" / "livingreview.po").open("rb") as handle:
        words = {m.id: m.string for m in read_po(handle) if m.id and m.string}
    captions = [
        part["caption"] for part in yaml.safe_load((built_book / "_toc.yml").read_text())["parts"]
    ]
    zh = (built_book / "_build" / "html" / "zh" / "analyses" / "pooled_effects.html").read_text(
        encoding="utf-8"
    )
    for caption in captions:
        assert f">{words[caption]}<" in zh and f">{caption}<" not in zh, caption
    assert 'language = "zh_CN"' not in zh


def test_no_chinese_page_shows_markdown_asterisks(built_book):
    """CommonMark does not close `**` after full-width punctuation followed by a Chinese
    character (`**要点。**这些`): the translation must put the punctuation outside."""
    from bs4 import BeautifulSoup

    shown = {}
    for page in sorted((built_book / "_build" / "html" / "zh").rglob("*.html")):
        soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
        for node in soup(["pre", "code", "script", "style"]):
            node.decompose()
        if "**" in soup.get_text(" "):
            shown[page.name] = soup.get_text(" ").count("**")
    assert shown == {}


def test_tables_inside_solutions_are_translated(built_book):
    """A table inside a directive (a solution's table) reaches the catalogs and the edition."""
    from bs4 import BeautifulSoup

    def headers(page: Path) -> list[list[str]]:
        soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
        return [
            [th.get_text(" ", strip=True) for th in table.find_all("th")]
            for solution in soup.select("div.solution")
            for table in solution.find_all("table")
        ]

    html = built_book / "_build" / "html"
    checked = 0
    for page in sorted((html / "chapters").glob("*.html")):
        english = headers(page)
        chinese = headers(html / "zh" / "chapters" / page.name)
        assert len(english) == len(chinese), page.name
        for en, zh in zip(english, chinese, strict=True):
            checked += 1
            assert en != zh, (page.name, en)  # the header row was translated
    assert checked
