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
from dataclasses import dataclass
from pathlib import Path

from sphinx.locale import get_translation

CATALOG = "livingreview"
LOCALE_DIR = Path(__file__).resolve().parent / "locale"
_gettext = get_translation(CATALOG)


def _(message: str) -> str:
    """The edition's words for ``message`` (a plain str: docutils nodes and format need one)."""
    return str(_gettext(message))


# Where each edition lives relative to the English root, and how its switcher link reads.
FOLDERS = {"en": "", "zh_CN": "zh"}
NAMES = {"en": ("English", "en"), "zh_CN": ("中文", "zh-CN")}
# Catalogs that are not pages: the analyses' words and Sphinx's own overrides.
NOT_PAGES = {"analysis", "sphinx"}


@dataclass(frozen=True)
class Coverage:
    docname: str
    translated: int
    total: int

    @property
    def percent(self) -> int:
        return 100 if not self.total else int(100 * self.translated / self.total)


def page_coverage(locale_root: Path, language: str) -> dict[str, Coverage]:
    """Coverage of each page catalog (``chapters/introduction`` -> Coverage) from the .po files."""
    from babel.messages.pofile import read_po

    folder = Path(locale_root) / language / "LC_MESSAGES"
    found: dict[str, Coverage] = {}
    for path in sorted(folder.rglob("*.po")):
        docname = path.relative_to(folder).with_suffix("").as_posix()
        if docname in NOT_PAGES:
            continue
        with path.open("rb") as handle:
            catalog = read_po(handle)
        messages = [m for m in catalog if m.id]
        done = sum(1 for m in messages if m.string and not m.fuzzy)
        found[docname] = Coverage(docname, done, len(messages))
    return found


def coverage_note(language: str, coverage: Coverage) -> str:
    if language == "zh_CN":
        return f"本章尚有 {100 - coverage.percent}% 未翻译，未翻译段落以英文显示。"
    return f"{100 - coverage.percent}% of this page is not yet translated."


def _compile_catalog(app) -> None:
    """Compile the extension's .po into the build folder, then register it with Sphinx."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    target = Path(app.doctreedir).parent / "livingreview-locale"
    for po in LOCALE_DIR.glob("*/LC_MESSAGES/*.po"):
        mo = target / po.relative_to(LOCALE_DIR).with_suffix(".mo")
        if mo.is_file() and mo.stat().st_mtime >= po.stat().st_mtime:
            continue
        mo.parent.mkdir(parents=True, exist_ok=True)
        with po.open("rb") as handle:
            catalog = read_po(handle)
        with mo.open("wb") as handle:
            write_mo(handle, catalog)
    app.add_message_catalog(CATALOG, str(target))


def _translate_title(app, config) -> None:
    _compile_catalog(app)  # registered in every edition: English gets its own words back
    if config.language and config.language != "en":
        if config.html_title:
            config.html_title = _(config.html_title)


def add_coverage_note(app, doctree) -> None:
    """Under the page's title (chapters and notebooks alike), after Sphinx has translated it."""
    from docutils import nodes

    language = app.config.language or "en"
    if language == "en":
        return
    # read once per build (on the app: the environment is pickled between builds)
    table = getattr(app, "livingreview_coverage", None)
    if table is None:
        table = page_coverage(Path(app.srcdir) / "locales", language)
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


def other_edition(pagename: str, language: str) -> tuple[str, str, str, str]:
    """(href, label, hreflang, language) of the same page in the other edition."""
    depth = pagename.count("/")
    up = "../" * depth
    if language == "en":
        target = "zh_CN"
        href = f"{up}{FOLDERS[target]}/{pagename}.html"
    else:
        target = "en"
        href = f"{up}{'../' * FOLDERS[language].count('/')}../{pagename}.html"
    label, hreflang = NAMES[target]
    return href, label, hreflang, target


def add_switcher(app, pagename: str, templatename: str, context: dict, doctree) -> None:
    language = app.config.language or "en"
    if language not in FOLDERS or doctree is None:
        return
    href, label, hreflang, _target = other_edition(pagename, language)
    title = "Read this page in English" if language != "en" else "阅读本页中文版"
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


def register(app) -> None:
    app.connect("config-inited", _translate_title)
    app.connect("doctree-read", add_coverage_note)
    app.connect("html-page-context", add_switcher)


def report_coverage(project, language: str, report) -> dict[str, Coverage]:
    """Print each page's translation coverage for ``language`` (the build calls this)."""
    table = page_coverage(project.root / "locales", language)
    total = sum(c.total for c in table.values())
    done = sum(c.translated for c in table.values())
    report(
        f"translation {language}: {done}/{total} messages"
        f" ({100 * done // total if total else 100}%)"
    )
    for coverage in table.values():
        report(
            f"  {coverage.docname}: {coverage.percent}% ({coverage.translated}/{coverage.total})"
        )
    return table
