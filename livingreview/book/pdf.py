"""PDFs of the built book: one per chapter and one for the whole book, offline.

Headless Chromium (Debian's, driven by Playwright) prints each page of ``_build/html`` after
its charts have drawn, so figures, citations and the bibliography appear as on screen.
pypdf joins the chapters into the book with one bookmark per chapter, numbered as the
exercises are ("4. Clinical evidence" holds Exercise 4.1). Each "Reproduce this" box is
printed open, so a printed chapter carries its commands. Afterwards each page's placeholder
becomes links to its PDF, so the HTML never links to a PDF that does not exist.
"""

from __future__ import annotations

import html
import shutil
from collections.abc import Callable
from pathlib import Path

from livingreview.book.serve import serve_folder
from livingreview.book.sphinx.exercises import chapter_numbers
from livingreview.book.sphinx.pdf_links import PDF_MARKER
from livingreview.data.editions import EDITIONS, SOURCE, Edition
from livingreview.data.files import write_atomic
from livingreview.data.identity import identity
from livingreview.data.project import Project
from livingreview.errors import LivingReviewError

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


class PdfFailed(LivingReviewError):
    pass


def chromium_path() -> str:
    path = shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(path).exists():
        raise PdfFailed("PDFs need Debian's chromium: apt-get install chromium")
    return path


def chapter_pages(project: Project) -> list[tuple[str, str]]:
    """(docname, name) of every page under chapters/, in table-of-contents order."""
    docs = project.toc_documents()
    return [(doc, doc.split("/")[-1]) for doc in docs if doc.startswith("chapters/")]


def _footer(title: str) -> str:
    pages = "<span class='pageNumber'></span>/<span class='totalPages'></span>"
    return (
        '<div style="font-size:8px;width:100%;text-align:center;">'
        f"{html.escape(title)} · {pages}</div>"
    )


# An answer key is the chapter printed with its solutions open; the handout hides them.
REVEAL_SOLUTIONS = (
    "@media print { .solution, .solution.dropdown { display: block !important; }"
    " .solution .toggle-button { display: none !important; } }"
)
REVEAL_SCRIPT = (
    "() => document.querySelectorAll('.solution, .solution *').forEach("
    "e => e.classList.remove('toggle-hidden'))"
)
# Folded on screen under one line; on paper its commands are the point of it.
OPEN_REPRODUCE_BOXES = (
    "() => document.querySelectorAll('details.reproduce-box').forEach(d => d.open = true)"
)


def _print(page, target: Path, title: str) -> None:
    page.pdf(
        path=str(target),
        format="A4",
        print_background=True,
        margin={"top": "18mm", "bottom": "18mm", "left": "16mm", "right": "16mm"},
        display_header_footer=True,
        header_template="<span></span>",
        footer_template=_footer(title),
    )


def _join(printed: list[tuple[str, Path]], target: Path, title: str, author: str) -> None:
    from pypdf import PdfWriter

    book = PdfWriter()
    for name, path in printed:
        start = len(book.pages)
        book.append(str(path))
        book.add_outline_item(name, start)
    book.add_metadata({"/Title": title, "/Author": author})
    with open(target, "wb") as handle:
        book.write(handle)


def build_pdfs(project: Project, report: Callable[[str], None] = print) -> Path:
    """Print every chapter to ``_build/pdf/<name>.pdf`` and join them into ``book.pdf``; the
    Chinese edition likewise into ``_build/pdf/zh`` (its CJK glyphs come from Debian's
    fonts-noto-cjk, installed with chromium by the set-up and CI, never fetched)."""
    if not (project.html_dir / "index.html").is_file():
        raise PdfFailed("no book in _build/html: run `make book` first")
    book_path = None
    for edition in EDITIONS:  # in the site and under _build/pdf, each in its folder
        folder, words = edition.folder, edition.pdf_words
        html_root = project.html_dir / folder
        if not (html_root / "index.html").is_file():
            continue
        out = project.build_dir / "pdf" / folder
        path = _print_edition(project, html_root, out, edition, report)
        publish_pdfs(project, [name for _, name in chapter_pages(project)], folder, words)
        book_path = book_path or path
    return book_path


def _print_edition(
    project: Project, book_html: Path, out: Path, edition: Edition, report: Callable[[str], None]
) -> Path:
    from playwright.sync_api import sync_playwright

    # Chapters with exercises also get an answer key, answers/<name>.pdf, with the solutions
    # shown, joined into answers/book.pdf: for teachers, never copied into the published book.
    answers_dir = out / "answers"
    answers_dir.mkdir(parents=True, exist_ok=True)
    for stale in answers_dir.glob("*.pdf"):  # a chapter may have lost its exercises
        stale.unlink()
    server, base = serve_folder(book_html)
    printed: list[tuple[str, Path]] = []
    answers: list[tuple[str, Path]] = []
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
            page = browser.new_page()
            # nothing may come from another host, in print as on screen
            page.route(
                "**/*",
                lambda route: (
                    route.continue_() if route.request.url.startswith(base) else route.abort()
                ),
            )
            numbers = chapter_numbers(project)
            for doc, name in chapter_pages(project):
                page.goto(f"{base}/{doc}.html", wait_until="load")
                for index in range(page.locator(".vega-chart").count()):
                    page.locator(".vega-chart").nth(index).locator("svg").first.wait_for()
                page.emulate_media(media="print")
                page.evaluate(OPEN_REPRODUCE_BOXES)
                title = page.title().split(" — ")[0].strip()
                target = out / f"{name}.pdf"
                _print(page, target, title)
                bookmark = f"{numbers[doc]}. {title}" if doc in numbers else title
                printed.append((bookmark, target))
                report(f"pdf   {target.relative_to(project.root)}")
                if page.locator(".solution").count():
                    page.add_style_tag(content=REVEAL_SOLUTIONS)
                    page.evaluate(REVEAL_SCRIPT)
                    key = answers_dir / f"{name}.pdf"
                    _print(page, key, edition.answer_key.format(title=title))
                    answers.append((bookmark, key))
                    report(f"pdf   {key.relative_to(project.root)} (answer key)")
            browser.close()
    finally:
        server.shutdown()

    me = identity(project)
    book_path = out / "book.pdf"
    _join(printed, book_path, me.title, me.author)
    report(f"pdf   {book_path.relative_to(project.root)}")
    if answers:
        key = answers_dir / "book.pdf"
        _join(answers, key, edition.answer_key.format(title=me.title), me.author)
        report(f"pdf   {key.relative_to(project.root)} (answer key)")
    return book_path


def publish_pdfs(
    project: Project,
    names: list[str],
    folder: str = "",
    words: tuple[str, str, str] = SOURCE.pdf_words,
) -> None:
    """Copy an edition's PDFs into it and turn each page's placeholder into links."""
    site = project.html_dir / folder
    target = site / "_pdf"
    target.mkdir(exist_ok=True)
    for pdf in (project.build_dir / "pdf" / folder).glob("*.pdf"):
        shutil.copy2(pdf, target / pdf.name)
    lead, chapter, book = (html.escape(w) for w in words)
    for name in names:
        page = site / "chapters" / f"{name}.html"
        text = page.read_text(encoding="utf-8")
        if PDF_MARKER not in text:
            continue
        links = (
            f'<p class="pdf-links">{lead}'
            f'<a href="../_pdf/{name}.pdf">{chapter}</a> · '
            f'<a href="../_pdf/book.pdf">{book}</a></p>'
        )
        write_atomic(page, text.replace(PDF_MARKER, links, 1), durable=False)
