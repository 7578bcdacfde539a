"""PDFs of the chapters and the whole book, printed by Chromium from the built HTML."""

from __future__ import annotations

import html
import re
import shutil
import subprocess
import sys
import unicodedata

import pytest
from conftest import pooled_summary, table_rows

if not shutil.which("chromium"):
    pytest.skip("chromium is not installed (apt-get install chromium)", allow_module_level=True)


def test_pdfs_per_chapter_and_for_the_book(built_book, tmp_path):
    from pypdf import PdfReader

    from livingreview.book.pdf import chapter_pages
    from livingreview.book.sphinx.exercises import chapter_numbers
    from livingreview.data.identity import identity
    from livingreview.data.project import Project

    root = tmp_path / "book"
    shutil.copytree(built_book / "_build" / "html", root / "_build" / "html")
    for name in ("_toc.yml", "_config.yml"):  # the chapters and the book's identity
        shutil.copy(built_book / name, root / name)
    project = Project(root)
    # its own process: Playwright's sync API cannot nest inside another test's browser
    make_pdfs = "from pathlib import Path; from livingreview.book.pdf import build_pdfs; "
    make_pdfs += "from livingreview.data.project import Project; "
    make_pdfs += f"build_pdfs(Project(Path({str(root)!r})))"
    made = subprocess.run(
        [sys.executable, "-c", make_pdfs], check=True, capture_output=True, text=True
    )
    # quiet: one line per PDF written, no server access log
    assert made.stderr == "" and all(line.startswith("pdf   ") for line in made.stdout.splitlines())
    book = root / "_build" / "pdf" / "book.pdf"
    names = [name for _, name in chapter_pages(project)]
    assert {p.stem for p in (root / "_build" / "pdf").glob("*.pdf")} == {*names, "book"}
    reader = PdfReader(book)
    titles = [item.title for item in reader.outline]
    assert len(titles) == len(names)
    # the book's title, then the first chapter of its table of contents with its number
    page = chapter_pages(project)[1][0]
    first = (built_book / f"{page}.md").read_text(encoding="utf-8")
    heading = next(line[2:] for line in first.splitlines() if line.startswith("# "))
    numbers = chapter_numbers(project)  # the exercises' chapter numbers, in the bookmarks
    assert titles[:2] == [identity(Project(built_book)).title, f"{numbers[page]}. {heading}"]
    text = PdfReader(root / "_build" / "pdf" / "preclinical.pdf").pages
    preclinical = "\n".join(page.extract_text() for page in text)
    source = (built_book / "chapters" / "preclinical.md").read_text(encoding="utf-8")
    quoted = set(re.findall(r"pooled_effects\.ipynb::(\w+)_summary", source))
    rows = [r for r in table_rows(built_book, "pooled_effects") if r["effect_id"] in quoted]
    # PDF text breaks lines anywhere and sets ligatures ("unconﬁrmed")
    flat = unicodedata.normalize("NFKC", " ".join(preclinical.split()))
    assert rows and all(pooled_summary(row) in flat for row in rows)
    assert "Pooled effects of MSC therapy in animal models of sepsis" in preclinical  # chart title
    references = "\n".join(
        p.extract_text() for p in PdfReader(root / "_build" / "pdf" / "bibliography.pdf").pages
    )
    assert "Sepsis and septic shock" in " ".join(references.split())
    # each chapter page now links to its PDF, and the link resolves
    page = (root / "_build" / "html" / "chapters" / "preclinical.html").read_text(encoding="utf-8")
    assert 'href="../_pdf/preclinical.pdf"' in page
    assert (root / "_build" / "html" / "_pdf" / "preclinical.pdf").is_file()
    # answer keys: the chapters with exercises again, solutions shown; never published
    answers = root / "_build" / "pdf" / "answers"
    with_exercises = [
        n
        for n in names
        if "{exercise}" in (built_book / "chapters" / f"{n}.md").read_text(encoding="utf-8")
    ]
    assert with_exercises and {p.stem for p in answers.glob("*.pdf")} == {*with_exercises, "book"}
    assert not (root / "_build" / "html" / "_pdf" / "answers").exists()
    solution = solution_words(source, "ex-preclinical-2")
    key = pdf_text(answers / "preclinical.pdf")
    handout = " ".join(preclinical.split())
    preclinical_number = numbers["chapters/preclinical"]
    assert f"Solution to Exercise {preclinical_number}.1" in key and solution in key
    assert "Solution to" not in handout and solution not in handout
    assert solution in pdf_text(answers / "book.pdf")
    # an answer key's footer says what it is, in the edition's words
    assert "Preclinical evidence: answer key" in key
    # exercises are numbered by chapter: a chapter's handout runs N.1 .. N.count
    expected = []
    for name in with_exercises:
        count = (
            (built_book / "chapters" / f"{name}.md").read_text(encoding="utf-8").count("{exercise}")
        )
        chapter = numbers[f"chapters/{name}"]
        text = pdf_text(root / "_build" / "pdf" / f"{name}.pdf")
        found = re.findall(rf"\bExercise ({chapter}\.\d+) \(", text)
        assert found == [f"{chapter}.{n}" for n in range(1, count + 1)], name
        expected += found
    # the whole book: every exercise once, no two with the same number
    in_book = re.findall(r"\bExercise (\d+\.\d+) \(", pdf_text(book))
    assert sorted(in_book) == sorted(expected) and len(set(in_book)) == len(in_book)
    # every printed chapter with a figure carries its reproduce commands, not only the heading
    boxes = 0
    for name in names:
        page = (root / "_build" / "html" / "chapters" / f"{name}.html").read_text("utf-8")
        shown = html.unescape(re.sub(r"<[^>]+>", "", page))  # the commands are highlighted
        runs = re.findall(r"\.venv/bin/livingreview reproduce (\w+)", shown)
        if runs:
            # a printed line may wrap anywhere: compare without whitespace
            text = "".join(pdf_text(root / "_build" / "pdf" / f"{name}.pdf").split())
            assert "gitclone" in text and "makebook" in text, name
            assert all(f"livingreviewreproduce{run}" in text for run in runs), name
            boxes += 1
    assert boxes

    # The Chinese edition prints too, its glyphs from Debian's Noto CJK fonts (never fetched).
    from livingreview.analysis.i18n import read_catalog

    zh = root / "_build" / "pdf" / "zh"
    assert {p.stem for p in zh.glob("*.pdf")} == {*names, "book"}
    about = PdfReader(zh / "about.pdf")
    title = read_catalog(built_book / "locales/zh_CN/LC_MESSAGES/chapters/about.po")[
        "About this book"
    ]
    assert title in about.pages[0].extract_text()
    # Chromium embeds CJK glyphs as Type3 fonts: the family is named in their descriptor
    fonts = {
        str(descriptor.get("/FontFamily", ""))
        for page in about.pages
        for font in page["/Resources"].get("/Font", {}).values()
        if (descriptor := font.get_object().get("/FontDescriptor")) is not None
    }
    assert any("CJK" in name for name in fonts), fonts
    # the Chinese answer keys' footers are Chinese
    zh_title = read_catalog(built_book / "locales/zh_CN/LC_MESSAGES/chapters/preclinical.po")[
        "Preclinical evidence"
    ]
    zh_key = pdf_text(zh / "answers" / "preclinical.pdf")
    assert f"{zh_title}（参考答案）" in zh_key and "answer key" not in zh_key
    zh_page = root / "_build" / "html" / "zh" / "chapters" / "preclinical.html"
    assert 'href="../_pdf/preclinical.pdf"' in zh_page.read_text(encoding="utf-8")
    assert (root / "_build" / "html" / "zh" / "_pdf" / "book.pdf").is_file()


def pdf_text(path) -> str:
    from pypdf import PdfReader

    return " ".join(" ".join(page.extract_text() for page in PdfReader(path).pages).split())


def solution_words(source: str, label: str) -> str:
    """The first words of a plain-text line of the solution to ``label``, as a reader sees them."""
    body = source.split(f"{{solution}} {label}", 1)[1].split("\n:::", 1)[0]
    plain = [
        line for line in body.splitlines()[2:]
        if line.strip() and not re.search(r"[{}`*\[\]_]", line)
    ]  # fmt: skip
    words = re.split("[\"']", plain[-1])[0].split()[:6]  # print curls straight quotes
    assert len(words) >= 3, plain[-1]
    return " ".join(words)
