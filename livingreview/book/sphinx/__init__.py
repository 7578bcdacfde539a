"""The book's Sphinx extension: one module per feature, each with a ``register(app)``.

- ``guard``: a plain ``jupyter-book build .`` stops and points to ``make book``;
- ``figures``: ``analysis-figure``, pasted figures and tables with a "Reproduce this" box;
- ``stamps``: the review chapters' evidence stamp; pages depend on the notebooks they quote;
- ``citation``: ``book-citation``, BibTeX for the book and its chapters;
- ``bibstyle``: author-year labels in the bibliography, matching the citations and tables;
- ``offline``: no remote script or stylesheet on any page;
- ``pdf_links``: where ``livingreview pdf`` links each chapter's PDF;
- ``theme``: theme defaults;
- ``assets``: extension stylesheets linked with their checksum on every build;
- ``exercises``: exercises numbered by chapter ("Exercise 4.2");
- ``code_folds``: analysis pages show each result first, its code folded below it;
- ``unique_ids``: no id repeated on a page (exercises, translated citations);
- ``translation``: the Chinese edition's switcher, coverage notes, the extension's words, and
  translatable cells in tables inside directives;
- ``typography``: the Chinese edition's CJK–Latin spacing and full-width punctuation.

Moved pages are redirected by sphinx-reredirects (``redirects`` in ``_config.yml``).
"""

from __future__ import annotations

from livingreview.book.sphinx import (
    assets,
    bibstyle,
    citation,
    code_folds,
    exercises,
    figures,
    guard,
    offline,
    pdf_links,
    stamps,
    theme,
    translation,
    typography,
    unique_ids,
)


def setup(app):
    for feature in (
        guard,
        figures,
        stamps,
        citation,
        bibstyle,
        offline,
        pdf_links,
        theme,
        assets,
        exercises,
        code_folds,
        unique_ids,
        translation,
        typography,
    ):
        feature.register(app)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
