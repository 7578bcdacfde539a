"""The Chinese edition's style sheet and typography (locales/zh_CN/STYLE.md, terms.yml).

Unit tests give the normaliser and the checker small texts, doctrees and pages of their own;
the rest read the session's build of the book (``built_book``).
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from docutils import nodes

from livingreview.book.sphinx.typography import (
    normalise_block,
    normalise_html_table,
    normalise_text,
    space_around_code,
)
from livingreview.book.zh_style import check_edition, forbidden_variants, load_terms

ROOT = Path(__file__).resolve().parents[2]
CJK = "\u3400-\u4dbf\u4e00-\u9fff"


@pytest.mark.parametrize(
    ("typed", "shown"),
    [
        ("表5涵盖6项临床研究", "表 5 涵盖 6 项临床研究"),
        ("28 d病死率见Figure 1", "28 d 病死率见 Figure 1"),
        ("研究已完成。 然后分析", "研究已完成。然后分析"),  # no space after a full stop
        ("肾, 肺, 肌肉", "肾，肺，肌肉"),  # half-width commas in Chinese text
        ("关于安全性: 未见", "关于安全性：未见"),
        ("进入 Ⅱ期与Ⅰb期试验", "进入Ⅱ期与Ⅰb 期试验"),  # phases as Chinese journals write them
        ("血管生成素-2与2,3-双加氧酶", "血管生成素-2 与 2,3-双加氧酶"),  # names stay whole
        ("见 https://example.org/a,b 页", "见 https://example.org/a,b 页"),  # a URL stays whole
        ("HR 0.5, 95% CI 0.3 to 0.8", "HR 0.5, 95% CI 0.3 to 0.8"),  # English stays English
    ],
)
def test_normalise_text_spaces_latin_and_sets_punctuation(typed, shown):
    assert normalise_text(typed) == shown
    assert normalise_text(shown) == shown  # idempotent: a rebuild changes nothing


def test_inserted_numbers_and_links_are_spaced_outside_the_link_and_code_is_left_alone():
    paragraph = nodes.paragraph()
    paragraph += nodes.Text("表")
    link = nodes.reference(refuri="#tbl-clinical")
    link += nodes.Text("5")
    paragraph += link
    paragraph += nodes.Text("涵盖")
    glued = nodes.inline(classes=["pasted-text"])
    glued += nodes.Text("6")
    paragraph += glued
    paragraph += nodes.Text("项研究。 见")
    paragraph += nodes.literal(text="data/x.csv,其")
    paragraph += nodes.math(text="a,b")
    normalise_block(paragraph)
    assert paragraph.astext() == "表 5 涵盖 6 项研究。见data/x.csv,其a,b"
    assert link.astext() == "5"  # the space went outside the link's underline
    assert glued.astext() == "6"


def test_inline_code_touching_chinese_is_spaced_and_left_unchanged():
    paragraph = nodes.paragraph()
    paragraph += nodes.Text("根据")
    code = nodes.literal(text="data/x.csv")
    paragraph += code
    paragraph += nodes.Text("生成；（")
    paragraph += nodes.literal(text="value_used")
    paragraph += nodes.Text("列）")
    space_around_code(paragraph)
    assert paragraph.astext() == "根据 data/x.csv 生成；（value_used 列）"
    assert code.astext() == "data/x.csv"


def test_pasted_html_tables_are_normalised_cell_by_cell_and_tags_are_untouched():
    table = (
        '<table><tr><th title="a,b">给药时间</th></tr>'
        "<tr><td>术后6 h, 共30例</td><td>P &lt; 0.05的</td><td>Ⅰ期</td></tr></table>"
    )
    assert normalise_html_table(table) == (
        '<table><tr><th title="a,b">给药时间</th></tr>'
        "<tr><td>术后 6 h，共 30 例</td><td>P &lt; 0.05 的</td><td>Ⅰ期</td></tr></table>"
    )


def _page(body: str) -> str:
    head = "<head><title>活体综述</title></head>"  # not visible text
    return f"<html>{head}<body>{body}<pre>活体综述</pre></body></html>"


def test_checker_names_page_and_text_of_a_forbidden_variant_but_ignores_code():
    terms = load_terms(ROOT)
    clean = _page("<p>本动态系统评价的 28 d 病死率，见Ⅰ期试验。</p>")
    assert forbidden_variants("chapters/a.html", clean, terms) == []
    found = forbidden_variants(
        "chapters/a.html", _page("<p>本活体综述报告的 28 天死亡率。</p>"), terms
    )
    assert sorted(v.found for v in found) == ["28 天死亡率", "死亡率", "活体综述"]
    message = str(found[0])
    assert message.startswith("chapters/a.html: ") and "本活体综述报告" in message


def test_each_terms_own_rendering_passes_its_forbidden_patterns():
    for term in load_terms(ROOT):
        for rendering in re.split(r"[;,] ", term.zh):
            assert not [p.pattern for p in term.forbidden if p.search(rendering)], term.en


# ---- the built book ---------------------------------------------------------------------


def test_no_built_chinese_page_uses_a_forbidden_variant(built_book):
    found = check_edition(built_book / "_build" / "html" / "zh", load_terms(built_book))
    assert [str(v) for v in found] == []


def test_the_check_fails_on_a_copy_where_one_page_uses_a_forbidden_variant(built_book, tmp_path):
    edition = built_book / "_build" / "html" / "zh"
    copy = tmp_path / "zh"
    shutil.copytree(edition / "chapters", copy / "chapters")
    page = copy / "chapters" / "clinical.html"
    text = page.read_text(encoding="utf-8")
    assert "<p>" in text
    page.write_text(text.replace("<p>", "<p>一项试点随机试验。", 1), encoding="utf-8")
    found = check_edition(copy, load_terms(built_book))
    assert [(v.page, v.found) for v in found] == [("chapters/clinical.html", "试点随机")]


def test_chinese_running_text_has_no_chinese_character_touching_a_latin_one(built_book):
    """Spacing is set at build time, inserted numbers and links included ("表 5 涵盖")."""
    from bs4 import BeautifulSoup

    touching = re.compile(rf"[{CJK}][A-Za-z0-9]|[A-Za-z0-9%][{CJK}]")
    found = {}
    for path in sorted((built_book / "_build" / "html" / "zh" / "chapters").glob("*.html")):
        soup = BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")
        main = soup.select_one("main") or soup
        for node in main(["pre", "code", "script", "style", "math", "table"]):
            node.decompose()
        for node in main.select(".cell_output, .math, mjx-container"):
            node.decompose()
        for block in main(["p", "li", "h1", "h2", "h3", "dt", "dd"]):
            text = block.get_text()
            hits = [text[max(0, m.start() - 8) : m.end() + 8] for m in touching.finditer(text)]
            if hits:
                found.setdefault(path.name, []).extend(hits)
    assert found == {}
