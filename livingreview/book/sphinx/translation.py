"""The Chinese edition: the extension's own words, the language switcher, coverage notes.

- The extension's words (evidence stamp, reproduce box, citation box, marker legends) come
  from its catalog ``locale/<lang>/LC_MESSAGES/livingreview.po``, compiled to ``.mo`` in the
  build folder (none is committed) and read with ``sphinx.locale.get_translation``.
- Every page links to the same page in the other edition: English at the site root, Chinese
  in ``zh/``; the links are relative, so they work from ``file://`` and from a server.
- Coverage: translated (non-fuzzy) messages / all messages of each page's catalog under
  ``locales/<lang>/LC_MESSAGES``; a page below 100% says so at its top, in the edition's
  language. The build prints the coverage of every page.
"""

from __future__ import annotations

import html
from pathlib import Path

from docutils import nodes

from livingreview.book.editions import (  # noqa: F401 - the extension's view of the editions
    EXTENSION_LOCALE_DIR as LOCALE_DIR,
)
from livingreview.book.editions import coverage_note, page_coverage
from livingreview.data.editions import (
    LANGUAGES,
    SOURCE_LANGUAGE,
    edition,
    read_po,
    switcher_target,
)
from sphinx.locale import get_translation
from sphinx.transforms import SphinxTransform

CATALOG = "livingreview"


class SourceForNestedTables(SphinxTransform):
    """Give the cells of a table inside a directive (a solution's table) their table's source.

    MyST parses directive content without setting ``source`` on table cells, and Sphinx's
    gettext builder and its Locale transform skip text without one: such a table would stay
    English in a translated edition, though it appears in no catalog.
    """

    default_priority = 15  # before sphinx.transforms.i18n.Locale (20)

    def apply(self, **kwargs) -> None:
        for table in self.document.findall(nodes.table):
            if not table.source:
                continue
            for node in table.findall(nodes.TextElement):
                if not node.source:
                    node.source, node.line = table.source, table.line


_gettext = get_translation(CATALOG)


def _(message: str) -> str:
    """The edition's words for ``message`` (a plain str: docutils nodes and format need one)."""
    return str(_gettext(message))


def _compile_catalog(app) -> None:
    """Compile the extension's .po into the build folder, then register it with Sphinx."""
    from babel.messages.mofile import write_mo

    target = Path(app.doctreedir).parent / "livingreview-locale"
    for po in LOCALE_DIR.glob("*/LC_MESSAGES/*.po"):
        mo = target / po.relative_to(LOCALE_DIR).with_suffix(".mo")
        if mo.is_file() and mo.stat().st_mtime >= po.stat().st_mtime:
            continue
        mo.parent.mkdir(parents=True, exist_ok=True)
        catalog = read_po(po)
        with mo.open("wb") as handle:
            write_mo(handle, catalog)
    app.add_message_catalog(CATALOG, str(target))


def _translate_title(app, config) -> None:
    _compile_catalog(app)  # registered in every edition: English gets its own words back
    if config.language and config.language != SOURCE_LANGUAGE:
        if config.html_title:
            config.html_title = _(config.html_title)


def add_coverage_note(app, doctree) -> None:
    """Under the page's title (chapters and notebooks alike), after Sphinx has translated it."""
    from docutils import nodes

    language = app.config.language or SOURCE_LANGUAGE
    if language == SOURCE_LANGUAGE:
        return
    # read once per build (on the app: the environment is pickled between builds)
    table = getattr(app, "livingreview_coverage", None)
    if table is None:
        table = page_coverage(Path(app.srcdir), language)
        app.livingreview_coverage = table
    coverage = table.get(app.env.docname)
    if coverage is None or coverage.percent >= 100:
        return
    section = next(iter(doctree.findall(nodes.section)), None)
    if section is None or not section.children:
        return
    note = nodes.note(classes=["translation-coverage"])
    note += nodes.paragraph(text=coverage_note(language, coverage))
    section.insert(1, note)


def translate_toc_captions(app, doctree) -> None:
    """The part captions of ``_toc.yml`` ("The review", "Analyses"…) in the edition's words."""
    from sphinx import addnodes

    if (app.config.language or SOURCE_LANGUAGE) == SOURCE_LANGUAGE:
        return
    for toctree in doctree.findall(addnodes.toctree):
        if toctree.get("caption"):
            toctree["caption"] = _(toctree["caption"])


def other_edition(pagename: str, language: str) -> tuple[str, str, str, str]:
    """(href, label, hreflang, language) of the same page in the other edition."""
    up = "../" * pagename.count("/")
    here, target = edition(language), switcher_target(language)
    if here.translated:  # up out of the edition's folder to the site root
        up += "../" * here.folder.count("/") + "../"
    href = f"{up}{target.folder}/{pagename}.html" if target.folder else f"{up}{pagename}.html"
    return href, target.label, target.html_lang, target.language


def add_switcher(app, pagename: str, templatename: str, context: dict, doctree) -> None:
    language = app.config.language or SOURCE_LANGUAGE
    if language not in LANGUAGES or doctree is None:
        return
    href, label, hreflang, target = other_edition(pagename, language)
    title = edition(target).switch_title
    switch = (
        f'<nav class="language-switcher" aria-label="{html.escape(_("Language"))}">'
        f'<a class="language-switcher-link" href="{html.escape(href)}" hreflang="{hreflang}" '
        f'lang="{hreflang}" title="{title}">{label}</a></nav>'
    )
    context["body"] = switch + context.get("body", "")
    context["metatags"] = (
        context.get("metatags", "")
        + f'\n<link rel="alternate" hreflang="{hreflang}" href="{html.escape(href)}" />'
    )


def drop_message_documents(app, doctree) -> None:
    """Let translated nodes belong to their page again.

    Sphinx parses each translation as a small document of its own and moves its nodes into
    the page; they keep a reference to that document, which is pickled with the page: the
    Chinese doctrees were ten times the English ones, and reading them back (once per page
    written, once per numbered reference) was most of the Chinese edition's build time.
    """
    for node in doctree.findall():
        if node is not doctree and node.__dict__.get("_document") is not None:
            node.document = None  # the page's document, through the parent


def register(app) -> None:
    app.add_transform(SourceForNestedTables)
    app.connect("doctree-read", drop_message_documents, priority=900)
    app.connect("config-inited", _translate_title)
    app.connect("doctree-read", add_coverage_note)
    app.connect("doctree-read", translate_toc_captions)
    app.connect("html-page-context", add_switcher)
