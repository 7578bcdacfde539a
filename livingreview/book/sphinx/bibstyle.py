"""The bibliography's style: author-year labels, as the citations in the text and the tables.

``bibtex_default_style: author_year_labels`` (``_config.yml``) selects a pybtex formatting
style that formats entries as pybtex's ``plain`` does, labels them ``[Ou et al. 2022]`` with
the label the evidence tables link with (``livingreview.data.bib.author_year``), and sorts
them by author, then year. The in-text reference style ``author_year_book`` prints the same
label: no comma between author and year.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import pybtex.plugin
import sphinxcontrib.bibtex.plugin
from pybtex.richtext import Text
from pybtex.style.formatting import toplevel
from pybtex.style.formatting.plain import Style as PlainStyle
from pybtex.style.formatting.unsrt import date, pages
from pybtex.style.labels import BaseLabelStyle
from pybtex.style.sorting.author_year_title import SortingStyle as AuthorYearTitleSorting
from pybtex.style.template import (
    FieldIsMissing,
    field,
    first_of,
    join,
    node,
    optional,
    optional_field,
    sentence,
    tag,
    words,
)
from sphinxcontrib.bibtex.style.referencing.author_year import AuthorYearReferenceStyle

from livingreview.data.bib import author_year

STYLE = "author_year_labels"
REFERENCE_STYLE = "author_year_book"


class AuthorYearLabels(BaseLabelStyle):
    def format_labels(self, sorted_entries):
        for entry in sorted_entries:
            yield author_year(entry)


MAX_NAMES = 6  # longer lists show the first six, then "et al."


@node
def names_et_al(children, context, role):
    """All names up to six, else the first six and "et al."; a list ending in ``others`` too."""
    assert not children
    try:
        persons = context["entry"].persons[role]
    except KeyError:
        raise FieldIsMissing(role, context["entry"]) from None
    style = context["style"]
    named = [p for p in persons if str(p) != "others"]
    shown = [style.format_name(p, style.abbreviate_names) for p in named[:MAX_NAMES]]
    if len(named) > MAX_NAMES or len(named) < len(persons):
        return join(sep=", ")[[*shown, Text("et al.")]].format_data(context)
    return join(sep=", ", sep2=" and ", last_sep=", and ")[shown].format_data(context)


class AuthorYearStyle(PlainStyle):
    default_label_style = AuthorYearLabels
    default_sorting_style = AuthorYearTitleSorting

    def format_names(self, role, as_sentence=True):
        formatted = names_et_al(role)
        return sentence[formatted] if as_sentence else formatted

    def get_article_template(self, e):
        volume = join[field("volume"), optional["(", field("number"), ")"]]
        volume_and_pages = first_of[
            optional[join[volume, ":", pages]],
            # an online journal's article number (BibLaTeX ``eid``) stands where pages would
            optional[join[volume, ":", field("eid")]],
            # pybtex's plain style drops the volume of an article without pages
            optional[volume],
            optional[words["article", field("eid")]],
            words["pages", pages],
        ]
        return toplevel[
            self.format_names("author"),
            self.format_title(e, "title"),
            sentence[tag("em")[field("journal")], optional[volume_and_pages], date],
            sentence[optional_field("note")],
            self.format_web_refs(e),
        ]


@dataclass
class AuthorYearBookReferenceStyle(AuthorYearReferenceStyle):
    author_year_sep: str = " "


@functools.cache
def _installed_entry_points(group: str, name: str):
    return _scan_entry_points(group=group, name=name)


_scan_entry_points = pybtex.plugin.entry_points


def register(app) -> None:
    # pybtex looks a plugin up by scanning every installed package's entry points, and
    # sphinxcontrib-bibtex asks once per citation (about 30 ms each, half a minute a clean
    # build of both editions); the installed packages do not change during a build.
    # Plugins registered at run time are still looked up first, by pybtex itself.
    if pybtex.plugin.entry_points is _scan_entry_points:
        pybtex.plugin.entry_points = _installed_entry_points
    pybtex.plugin.register_plugin("pybtex.style.formatting", STYLE, AuthorYearStyle)
    sphinxcontrib.bibtex.plugin.register_plugin(
        "sphinxcontrib.bibtex.style.referencing", REFERENCE_STYLE, AuthorYearBookReferenceStyle
    )
