"""The bibliography, ``data/references.bib``: its keys, its entries and their author-year labels.

Entries are parsed with pybtex. The author-year label (``Ou 2022``, ``Ou and Li 2022``,
``Ou et al. 2022``) is computed here once: the evidence tables link with it and the book's
bibliography style (``livingreview.book.sphinx.bibstyle``) prints it.
"""

from __future__ import annotations

import functools
import re
from typing import TYPE_CHECKING

from livingreview.data.project import Project, find_project
from livingreview.errors import LivingReviewError

if TYPE_CHECKING:
    from pybtex.database import BibliographyData, Entry, Person

# An entry's key as BibTeX writes it: @type{key, ...
ENTRY_KEY = re.compile(r"@\w+\s*\{\s*([^,\s]+)\s*,")


class UnknownReference(LivingReviewError):
    """A key that data/references.bib does not define."""


def entry_keys(text: str) -> list[str]:
    """Every entry key in file order, repeats included (validation reports them)."""
    return ENTRY_KEY.findall(text)


def parse_bibtex(text: str) -> BibliographyData:
    """Entries of BibTeX text (pybtex raises ``PybtexError`` on text it cannot read)."""
    from pybtex.database import parse_string

    return parse_string(text, "bibtex")


def read_references(project: Project | None = None) -> BibliographyData:
    project = project or find_project()
    return parse_bibtex(project.bibliography.read_text(encoding="utf-8"))


def _is_others(person: Person) -> bool:
    return str(person).strip().lower() == "others"


@functools.cache
def _plain_text():
    """pybtex's plain-text backend, looked up once (each lookup scans the installed packages)."""
    from pybtex.plugin import find_plugin

    return find_plugin("pybtex.backends", "text")()


def family_name(person: Person) -> str:
    """The name a citation shows: particles and last names, LaTeX rendered as plain text."""
    parts = [*person.rich_prelast_names, *person.rich_last_names]
    return " ".join(part.render(_plain_text()) for part in parts)


def author_year(entry: Entry) -> str:
    """``Ou 2022``, ``Ou and Li 2022`` or ``Ou et al. 2022`` (authors, else editors)."""
    persons = entry.persons.get("author") or entry.persons.get("editor") or []
    names = [family_name(p) for p in persons if not _is_others(p)]
    more = len(names) > 2 or any(_is_others(p) for p in persons)
    if not names:
        who = entry.fields.get("title", entry.key)
    elif more:
        who = f"{names[0]} et al."
    else:
        who = " and ".join(names)
    year = entry.fields.get("year", "").strip() or "n.d."
    return f"{who} {year}"


def citation_labels(project: Project | None = None) -> dict[str, str]:
    """Every entry key and its author-year label."""
    return {key: author_year(entry) for key, entry in read_references(project).entries.items()}


def anchor(key: str) -> str:
    """The id of ``key``'s entry on the bibliography page (``bibtex_cite_id: "cite-{key}"``).

    Sphinx normalises ids with docutils' ``make_id``; so does this.
    """
    from docutils.nodes import make_id

    return make_id(f"cite-{key}")


def require_label(labels: dict[str, str], key: str, where: str = "") -> str:
    """The label of ``key``; a key missing from the bibliography is an error, never shown raw."""
    if key not in labels:
        place = f" ({where})" if where else ""
        raise UnknownReference(
            f"data/references.bib has no entry '{key}'{place}; add the entry or fix the key"
        )
    return labels[key]
