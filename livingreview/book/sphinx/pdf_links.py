"""Where ``livingreview pdf`` later puts the links to a chapter's PDF, once the PDF exists."""

from __future__ import annotations

from docutils import nodes

# ``livingreview pdf`` replaces this comment in the built page by the links.
PDF_MARKER = "<!-- livingreview:pdf-links -->"


def add_pdf_placeholder(app, doctree, docname: str) -> None:
    if docname.startswith("chapters/") and app.builder.format == "html":
        doctree += nodes.raw("", PDF_MARKER, format="html")


def register(app) -> None:
    app.connect("doctree-resolved", add_pdf_placeholder)
