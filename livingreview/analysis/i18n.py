"""The words the analyses show readers, in the edition being built.

Each analysis takes a ``language`` parameter (an edition's code, ``livingreview.data.editions``)
and calls ``use(language)`` first. Chart titles, axis and legend titles, tooltips, table
headers and captions, and categorical values (a product or route name) then go through the
catalog ``locales/<language>/LC_MESSAGES/analysis.po``; numbers never do, so both editions glue the
same values. A string the catalog lacks (or marks fuzzy) stays English, as Sphinx does for
pages. The catalog is read with babel (a Sphinx dependency); no compiled ``.mo`` is needed.

English runs record every string they looked up in ``<notebook>.msgids`` (one JSON string a
line) beside the executed notebook (``LIVINGREVIEW_MSGIDS``), so ``livingreview catalogs``
can list what to translate.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Iterable
from functools import lru_cache
from pathlib import Path

from livingreview.data.editions import SOURCE_LANGUAGE, edition, read_po

DEFAULT = SOURCE_LANGUAGE
CATALOG = "analysis"
MSGIDS_ENV = "LIVINGREVIEW_MSGIDS"


def catalog_path(root: Path, language: str) -> Path:
    return edition(language).catalog(root, CATALOG)


def english_cells_note(language: str) -> str | None:
    """Shown under a table in a translated edition when some cells keep the data's English."""
    return edition(language).english_cells_note


def _root() -> Path:
    return Path(os.environ.get("LIVINGREVIEW_ROOT", "."))


@lru_cache(maxsize=8)
def read_catalog(path: Path) -> dict[str, str]:
    """msgid -> msgstr for every translated, non-fuzzy message of a .po file."""
    if not path.is_file():
        return {}
    catalog = read_po(path)
    return {
        str(m.id): str(m.string)
        for m in catalog
        if m.id and isinstance(m.id, str) and m.string and not m.fuzzy
    }


class Translator:
    """``translator(text)`` gives the edition's words for ``text`` (itself when untranslated)."""

    def __init__(
        self,
        language: str,
        messages: dict[str, str],
        record: Path | None = None,
        data: dict[tuple[str, str], str] | None = None,
    ):
        self.language = language
        self.messages = messages
        self.record = record
        self.seen: set[str] = set()
        self.built: set[str] = set()  # sentences made by format(): their template is the message
        # the data's words (data.po): (context, English) -> translation
        self.data = data or {}
        # data cells this edition shows in English for want of a translation (tables say so)
        self.untranslated: set[str] = set()

    def __call__(self, text: str) -> str:
        if text in self.built:
            return text
        self.note(text)
        return self.messages.get(text, text)

    def format(self, template: str, /, **values: object) -> str:
        """``template`` translated, then filled with ``values`` (numbers, names) — a sentence
        built around data keeps one message however the data change."""
        text = self(template).format(**values)
        self.built.add(text)
        return text

    def note(self, text: str) -> None:
        """Record ``text`` as a message to translate (English runs with a record file)."""
        if self.record is not None and text and text not in self.seen:
            self.seen.add(text)
            lines = [json.dumps(text, ensure_ascii=False) for text in sorted(self.seen)]
            self.record.write_text("\n".join(lines) + "\n", encoding="utf-8")

    def lookup(self, text: str) -> str:
        """A data value: translated when the catalog has it (a category of the data's
        vocabulary, or a value the analyses wrote), never recorded."""
        from livingreview.analysis.data_catalog import VOCABULARY, unmarked

        words, marker = unmarked(text)
        found = self.data.get((VOCABULARY, words))
        if found is not None:
            return found + marker
        return self.messages.get(text, text)

    def cell(self, text: str, context: str) -> str:
        """A data cell of a reader-facing column (``context``: ``vocabulary`` or
        ``table/column``) in the edition's words; the marker stays outside the message. An
        untranslated cell stays English and is remembered, so its table can say so."""
        from livingreview.analysis.data_catalog import unmarked

        words, marker = unmarked(text)
        if not self.translates or not words.strip():
            return text
        found = self.data.get((context, words))
        if found is None:
            self.untranslated.add(words)
            return text
        return found + marker

    @property
    def translates(self) -> bool:
        return self.language != DEFAULT


def translator(language: str = DEFAULT, root: Path | None = None) -> Translator:
    edition(language)  # an unknown language: UnknownLanguage, naming the known ones
    if language == DEFAULT:
        record = os.environ.get(MSGIDS_ENV)
        return Translator(language, {}, Path(record) if record else None)
    from livingreview.analysis import data_catalog

    root = root or _root()
    return Translator(
        language,
        read_catalog(catalog_path(root, language).resolve()),
        data=data_catalog.read_catalog(data_catalog.catalog_path(root, language).resolve()),
    )


_active = Translator(DEFAULT, {})

# Messages a run shows only under parameters other than its defaults (another effect measure,
# say): the English runs never record them, so the code declares them for the catalog.
_DECLARED: list[Callable[[], Iterable[str]]] = []


def declare(messages: Callable[[], Iterable[str]]) -> Callable[[], Iterable[str]]:
    """Register a function listing such messages (called only when catalogs are made)."""
    _DECLARED.append(messages)
    return messages


def declared() -> set[str]:
    return {text for messages in _DECLARED for text in messages()}


def use(language: str = DEFAULT) -> Translator:
    """Make ``language`` the edition of this analysis; returns its translator (``_``)."""
    global _active
    _active = translator(language)
    return _active


def active() -> Translator:
    return _active


def gettext(text: str) -> str:
    return _active(text)


def format(template: str, /, **values: object) -> str:  # noqa: A001 - mirrors str.format
    return _active.format(template, **values)


def translate_cells(frame, table: str, columns: dict[str, str] | None = None, project=None):
    """``frame`` with the reader-facing cells of data table ``table`` in the active edition's
    words (the one function that translates data for display).

    ``columns`` maps a frame column to the table's column whose words it holds (default: the
    frame's columns named as the table's). Only columns the Data Package declares with
    ``x-translate`` change; a cell carrying the unconfirmed marker is translated without it
    and keeps it; an untranslated cell stays English and is remembered by the translator.
    """
    from livingreview.analysis import data_catalog

    tr = _active
    if not tr.translates:
        return frame
    kinds = data_catalog.declared(project, [table]).get(table, {})
    pairs = columns if columns is not None else {c: c for c in frame.columns if c in kinds}
    out = frame.copy()
    for shown, column in pairs.items():
        kind = kinds.get(column)
        if kind is None or shown not in out.columns:
            continue
        ctxt = data_catalog.context(table, column, kind)
        out[shown] = out[shown].map(
            lambda value, ctxt=ctxt: tr.cell(value, ctxt) if isinstance(value, str) else value
        )
    return out


def translate_spec(spec: object, _: Callable[[str], str] | None = None) -> object:
    """A Vega-Lite spec with its titles, descriptions and categorical data values translated."""
    tr = _active if _ is None else _

    def walk(node: object, key: str = "", data: bool = False) -> object:
        if isinstance(node, dict):
            return {k: walk(v, k, data or k in _DATA_KEYS) for k, v in node.items()}
        if isinstance(node, list):
            return [walk(v, key, data) for v in node]
        if isinstance(node, str) and key in _EXPRESSION_KEYS:
            # an expression compares data values: its quoted literals follow the data
            return _QUOTED.sub(lambda m: _quoted(m, tr), node)
        if isinstance(node, str) and data:
            return tr.lookup(node) if isinstance(tr, Translator) else node
        if isinstance(node, str):
            if key in ("title", "text", "description", "subtitle"):
                return tr(node)
            if key in _SPEC_KEYS_KEPT:
                return node
            return tr.lookup(node) if isinstance(tr, Translator) else node
        return node

    return walk(spec)


_EXPRESSION_KEYS = frozenset({"filter", "test", "expr", "calculate"})
_QUOTED = re.compile(r"'([^'\\]*)'|\"([^\"\\]*)\"")


def _quoted(match: re.Match, tr) -> str:
    quote = "'" if match.group(1) is not None else '"'
    text = match.group(1) if match.group(1) is not None else match.group(2)
    out = tr.lookup(text) if isinstance(tr, Translator) else text
    return quote + out.replace(quote, "\\" + quote) + quote


# Inline data and sort orders: values are looked up (categorical), never recorded.
_DATA_KEYS = frozenset({"datasets", "data", "values", "sort", "domain"})
# Keys whose string values are names or syntax, never reader-facing words.
# options and value of a bound menu are field names the chart reads: never translated
_SPEC_KEYS_KEPT = frozenset(
    "$schema field type name format formatType scheme mark aggregate timeUnit expr "
    "labelExpr filter calculate as op orient align baseline anchor fontWeight fontStyle "
    "font interpolate shape strokeCap renderer options value".split()
)
