"""The editions of the book: one entry per language, read by every room.

The English edition is the source: its pages are written, the others are translated from it
through gettext catalogs under ``locales/<language>/LC_MESSAGES`` and published in a subfolder
of the English site. Each analysis runs once per edition (papermill parameter ``language``).
Everything edition-specific lives here; a further edition is one more entry in ``EDITIONS``
(plus its catalogs).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from livingreview.errors import LivingReviewError

if TYPE_CHECKING:  # babel loads only when a catalog is read
    from babel.messages.catalog import Catalog

LOCALES = "locales"  # the translated editions' catalogs, below the project root


@dataclass(frozen=True)
class Edition:
    language: str  # gettext and Sphinx language code; the analyses' ``language`` parameter
    name: str  # in English, for the build's messages
    folder: str  # below _build/html and _build/pdf ("" for the source edition)
    label: str  # the switcher's link to this edition, in its own words
    html_lang: str  # BCP 47 tag of its pages (lang, hreflang)
    switch_title: str  # the switcher link's title, in this edition's words
    # ``{untranslated}`` (a percentage) under a page's title when part of it stays English
    coverage_note: str
    # under a table whose free-text cells keep the English of the data (None: never shown)
    english_cells_note: str | None
    pdf_words: tuple[str, str, str]  # "PDF: ", "this chapter", "the whole book"
    answer_key: str  # an answer key's footer and title: "{title}: answer key"

    @property
    def translated(self) -> bool:
        return self.language != SOURCE_LANGUAGE

    def catalog_dir(self, root: Path) -> Path:
        return Path(root) / LOCALES / self.language / "LC_MESSAGES"

    def catalog(self, root: Path, name: str) -> Path:
        """The catalog ``name`` (``analysis``, ``chapters/introduction``) of this edition."""
        return self.catalog_dir(root) / f"{name}.po"


SOURCE_LANGUAGE = "en"
EDITIONS: tuple[Edition, ...] = (
    Edition(
        language=SOURCE_LANGUAGE,
        name="English",
        folder="",
        label="English",
        html_lang="en",
        switch_title="Read this page in English",
        coverage_note="{untranslated}% of this page is not yet translated.",
        english_cells_note=None,
        pdf_words=("PDF: ", "this chapter", "the whole book"),
        answer_key="{title}: answer key",
    ),
    Edition(
        language="zh_CN",
        name="Chinese",
        folder="zh",
        label="中文",
        html_lang="zh-CN",
        switch_title="阅读本页中文版",
        coverage_note="本章尚有 {untranslated}% 未翻译，未翻译段落以英文显示。",
        english_cells_note="部分内容为英文原文（数据中的自由文本尚未翻译）。",
        pdf_words=("PDF：", "本章", "全书"),
        answer_key="{title}（参考答案）",
    ),
)
SOURCE = EDITIONS[0]
TRANSLATIONS: tuple[Edition, ...] = tuple(e for e in EDITIONS if e.translated)
LANGUAGES: tuple[str, ...] = tuple(e.language for e in EDITIONS)


class UnknownLanguage(LivingReviewError):
    pass


def edition(language: str) -> Edition:
    """The edition of ``language``; an unknown code is a user error naming the known ones."""
    for found in EDITIONS:
        if found.language == language:
            return found
    raise UnknownLanguage(f"language must be one of {', '.join(LANGUAGES)}; got {language!r}")


def switcher_target(language: str) -> Edition:
    """Where a page's language switcher leads: a translation to the source, the source to
    the first translation."""
    return TRANSLATIONS[0] if language == SOURCE_LANGUAGE else SOURCE


def read_po(path: Path) -> Catalog:
    """A gettext catalog (``.po``) as babel reads it: the one reader of the book's catalogs."""
    from babel.messages.pofile import read_po as babel_read_po

    with Path(path).open("rb") as handle:
        return babel_read_po(handle)
