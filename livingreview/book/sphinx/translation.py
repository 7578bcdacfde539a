"""The Chinese edition: the extension's own words, the language switcher, coverage notes.

- The extension's words (evidence stamp, reproduce box, citation box, marker legends) come
  from its catalog ``locale/<lang>/LC_MESSAGES/livingreview.po``, compiled to ``.mo`` in the
  build folder (none is committed) and read with ``sphinx.locale.get_translation``.
- Every page links to the same page in the other edition: English at the site root, Chinese
  in ``zh/``; the links are relative, so they work from ``file://`` and from a server.
- Coverage is counted against the current English text, not the catalog: the messages of a
  page as the English edition's build read it now (what the gettext builder would extract;
  the build stages them beside the translated sources), of which those with a non-fuzzy
  translation in the page's catalog count as translated. A paragraph whose
  English changed since it was translated (its msgid no longer in the source, or fuzzy)
  counts as untranslated, as it shows in English. A page below 100% says so at its top, in
  the edition's language; the counts are written next to the build
  (``editions.COVERAGE_FILE``), where the build's coverage lines read them.
"""

from __future__ import annotations

import html
from pathlib import Path

from docutils import nodes

from livingreview.book.editions import (
    COVERAGE_FILE,
    MESSAGES_FILE,
    Coverage,
    coverage_note,
    write_json,
)
from livingreview.book.editions import (  # noqa: F401 - the extension's view of the editions
    EXTENSION_LOCALE_DIR as LOCALE_DIR,
)
from livingreview.data.editions import (
    LANGUAGES,
    SOURCE_LANGUAGE,
    edition,
    read_po,
    switcher_target,
)
from sphinx.locale import get_translation
from sphinx.transforms import SphinxTransform
from sphinx.util.nodes import extract_messages

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


# Nodes whose words another catalog translates: sphinx-exercise's "Exercise" and "Solution to"
# titles (the exercise's own subtitle is a message of the page). The gettext builder leaves
# them out of the page's catalog.
OTHER_CATALOGS = {"exercise_title", "solution_title"}


def record_english_messages(app, doctree) -> None:
    """The English edition's messages of the page, as the gettext builder extracts them (from
    the doctree as read); the translated editions count their coverage against these."""
    if (app.config.language or SOURCE_LANGUAGE) != SOURCE_LANGUAGE:
        return
    if app.builder.name == "gettext":
        return
    env, docname = app.env, app.env.docname
    # the stamp is the extension's words, translated there: no page catalog holds it
    stamp = getattr(env, "livingreview_stamps", {}).get(docname, "")
    found = {
        msg
        for node, msg in extract_messages(doctree)
        if type(node).__name__ not in OTHER_CATALOGS
        and (not stamp or (msg != stamp and node.astext() != stamp.strip("*")))
    }
    if not hasattr(env, "livingreview_messages"):
        env.livingreview_messages = {}
    env.livingreview_messages[docname] = sorted(found)


def english_messages(app) -> dict[str, list[str]]:
    """The English edition's messages of every page (staged beside a translated edition's
    sources by the build), read once per build."""
    import json

    path = Path(app.srcdir) / MESSAGES_FILE
    stat = path.stat() if path.is_file() else None
    key = (stat.st_size, stat.st_mtime_ns) if stat else None
    cached = getattr(app, "livingreview_english_messages", None)
    if cached is None or cached[0] != key:
        table = json.loads(path.read_text(encoding="utf-8")) if stat else {}
        cached = app.livingreview_english_messages = (key, table)
    return cached[1]


def translated_messages(srcdir: Path, language: str, docname: str) -> set[str]:
    """The msgids of the page's catalog with a translation a reader sees (non-empty and
    non-fuzzy; one the same as the English, a name, counts: the translator kept it)."""
    path = edition(language).catalog(srcdir, docname)
    if not path.is_file():
        return set()
    return {
        m.id for m in read_po(path) if m.id and isinstance(m.id, str) and m.string and not m.fuzzy
    }


def add_coverage_note(app, doctree) -> None:
    """Count the page's coverage; note it under the title (chapters and notebooks alike) when
    below 100%, after Sphinx has translated it."""
    from docutils import nodes

    language = app.config.language or SOURCE_LANGUAGE
    if language == SOURCE_LANGUAGE or app.builder.name == "gettext":
        return
    env, docname = app.env, app.env.docname
    messages = set(english_messages(app).get(docname, []))
    done = messages & translated_messages(Path(app.srcdir), language, docname)
    coverage = Coverage(docname, len(done), len(messages))
    if not hasattr(env, "livingreview_coverage"):
        env.livingreview_coverage = {}
    env.livingreview_coverage[docname] = (coverage.translated, coverage.total)
    if coverage.percent >= 100:
        return
    section = next(iter(doctree.findall(nodes.section)), None)
    if section is None or not section.children:
        return
    note = nodes.note(classes=["translation-coverage"])
    note += nodes.paragraph(text=coverage_note(language, coverage))
    section.insert(1, note)


def _pages_without_counts(app, env, added, changed, removed) -> list[str]:
    """Re-read a page whose messages (English) or coverage (a translation) this environment has
    not recorded: one built before this code counted them."""
    if app.builder.name == "gettext":
        return []
    english = (app.config.language or SOURCE_LANGUAGE) == SOURCE_LANGUAGE
    known = getattr(env, "livingreview_messages" if english else "livingreview_coverage", {})
    return sorted(d for d in env.found_docs - set(added) - set(changed) if d not in known)


def _purge_coverage(app, env, docname: str) -> None:
    for name in ("livingreview_messages", "livingreview_coverage", "livingreview_stamps"):
        getattr(env, name, {}).pop(docname, None)


def _merge_coverage(app, env, docnames, other) -> None:
    for name in ("livingreview_messages", "livingreview_coverage", "livingreview_stamps"):
        theirs = getattr(other, name, {})
        if not hasattr(env, name):
            setattr(env, name, {})
        getattr(env, name).update({d: theirs[d] for d in docnames if d in theirs})


def _write_counts(app, exception) -> None:
    """The English edition writes each page's messages; a translated edition, each page's
    coverage (for the build's coverage lines)."""
    if exception or app.builder.name == "gettext":
        return
    if (app.config.language or SOURCE_LANGUAGE) == SOURCE_LANGUAGE:
        found = getattr(app.env, "livingreview_messages", {})
        table = {d: found[d] for d in sorted(app.env.found_docs) if d in found}
        write_json(Path(app.doctreedir).parent / MESSAGES_FILE, table)
    else:
        counts = getattr(app.env, "livingreview_coverage", {})
        table = {d: counts[d] for d in sorted(app.env.found_docs) if d in counts}
        write_json(Path(app.doctreedir).parent / COVERAGE_FILE, table)


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
    # after Sphinx's collectors (500): as the gettext builder sees the page
    app.connect("doctree-read", record_english_messages, priority=900)
    app.connect("doctree-read", add_coverage_note)
    app.connect("env-get-outdated", _pages_without_counts)
    app.connect("env-purge-doc", _purge_coverage)
    app.connect("env-merge-info", _merge_coverage)
    app.connect("build-finished", _write_counts)
    app.connect("doctree-read", translate_toc_captions)
    app.connect("html-page-context", add_switcher)
