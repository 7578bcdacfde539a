"""The Chinese edition's evidence pages read in Chinese, tables included.

A run of six or more consecutive English words on a zh page is text a Chinese reader meets
untranslated. Names, citation labels, identifiers and product names are not words here:
citation links are left out, and a token with a digit (NCT04445220, SBI-101, Cx611) or in
capitals (ARDS, MSC, RUMCESS) is neither a word nor a break. Code, scripts and styles are
not reader text. Table cells, paragraphs and list items are separate: a run never crosses
one of their boundaries. An English label quoted with its Chinese gloss (“Absolute effects
…”（对照组风险下的绝对效应）) names what the reader's own run prints, in English.
"""

from __future__ import annotations

import re

import pytest

PAGES = (
    "chapters/clinical",
    "chapters/preclinical",
    "chapters/organ_injury",
    "analyses/trial_surveillance",
)
LONGEST = 5  # a run of six English words or more is reported
NOT_READER_TEXT = ("pre", "code", "script", "style", "svg", "math", "template")
BLOCKS = (
    "p li td th caption dt dd h1 h2 h3 h4 h5 h6 figcaption summary div section "
    "blockquote label option button nav header footer aside title"
).split()
BREAK = "\u2029"  # inserted at each block's end
CJK = "\u3000-\u303f\u3400-\u9fff\uff00-\uffef"
GLOSSED = re.compile(r"“[^”]*”\s*（[^）]*[\u4e00-\u9fff][^）]*）")
TOKEN = re.compile(rf"[{CJK}{BREAK}]+|[^\s{CJK}{BREAK}]+")
WORD = re.compile(r"^[(\[“\"']*[A-Za-z][a-z'’]*(?:-[A-Za-z][a-z'’]*)*[)\]”\"',.;:!?]*$")


def english_runs(markup: str) -> list[str]:
    """Every run of more than ``LONGEST`` consecutive English words in a page's reader text."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(markup, "html.parser")
    for node in soup(list(NOT_READER_TEXT)):
        node.decompose()
    for node in soup.select("div.cell_input, div.highlight, .headerlink"):
        node.decompose()
    # a citation label is a name: Galstyan et al., 2018
    for node in soup.select('a[href*="bibliography.html#cite-"]'):
        node.replace_with(" ")
    for node in soup.find_all(BLOCKS):
        node.append(f" {BREAK} ")
    runs, current = [], []
    for token in TOKEN.findall(GLOSSED.sub(" ", soup.get_text(" "))):
        if re.match(rf"[{CJK}{BREAK}]", token):  # Chinese text or a block's end
            if len(current) > LONGEST:
                runs.append(" ".join(current))
            current = []
        elif WORD.match(token) and not re.fullmatch(r"\W*[A-Z]{2,}s?\W*", token):
            current.append(token)
        # anything else is a number, an identifier, a product or an acronym: passed over
    if len(current) > LONGEST:
        runs.append(" ".join(current))
    return runs


def test_a_run_of_six_english_words_is_found_and_names_are_not():
    page = """<html><body><p>关于安全性：none of the predefined adverse events occurred。</p>
    <table><tr><td>not reported in source</td><td>not assessed as an outcome</td></tr></table>
    <p>试验 NCT04445220（SBI-101）和 RUMCESS ARDS MSC MSC-EVs 均未报告结果。</p>
    <p>见 <a href="bibliography.html#cite-aliniay2024">Aliniay-Sharafshadehi et al., 2024</a>。</p>
    <pre>for study in studies: print(the study as it reads)</pre>
    <p>28-day mortality 30% with MSCs and 15% with placebo, not significantly different</p>
    <p>找到标题为“Absolute effects at a control risk of 20%”（对照组风险下的绝对效应）的表格。</p>
    </body></html>"""
    assert english_runs(page) == [
        "none of the predefined adverse events occurred",
        "mortality with and with placebo, not significantly different",
    ]


def test_a_chinese_page_with_names_only_has_no_run():
    page = """<p>MSC 组 30%，安慰剂组 15%（Matthay et al. 2019，START），差异无统计学意义。</p>
    <table><tr><td>脓毒症休克</td><td>Ⅰ期</td><td>SBI-101 [unconfirmed]</td></tr></table>"""
    assert english_runs(page) == []


@pytest.mark.parametrize("page", PAGES)
def test_zh_evidence_pages_have_no_run_of_six_english_words(built_book, page):
    html = built_book / "_build" / "html"
    english = english_runs((html / f"{page}.html").read_text(encoding="utf-8"))
    assert len(english) > 3  # the check sees the English edition's text
    chinese = english_runs((html / "zh" / f"{page}.html").read_text(encoding="utf-8"))
    assert chinese == [], f"zh/{page}.html: " + " | ".join(chinese)


def test_exercise_and_solution_titles_are_in_chinese(built_book):
    """Every exercise's and solution's title, its own words included, reads in Chinese on the
    zh page (sphinx-exercise rebuilds them after reading; the book hooks both paths)."""
    from bs4 import BeautifulSoup

    def titles(page) -> list[str]:
        soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
        found = soup.select("div.exercise p.admonition-title, div.solution p.admonition-title")
        return [p.get_text(" ", strip=True) for p in found]

    html = built_book / "_build" / "html"
    checked = 0
    for page in sorted((html / "chapters").glob("*.html")):
        english, chinese = titles(page), titles(html / "zh" / "chapters" / page.name)
        assert len(english) == len(chinese), page.name
        for en, zh in zip(english, chinese, strict=True):
            own = re.search(r"[(（](.*)[)）]", zh)  # the exercise's own title, in brackets
            assert own and re.search(r"[\u4e00-\u9fff]", own.group(1)), (page.name, en, zh)
            assert not re.search(r"[A-Za-z]{3,} [A-Za-z]{3,}", zh), (page.name, zh)
            checked += 1
    assert checked >= 2 * 20  # every chapter's exercises and solutions were seen
