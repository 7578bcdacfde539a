"""The bibliography's style: author-year labels, as the citations in the text and the tables.

``bibtex_default_style: author_year_labels`` (``_config.yml``) selects a pybtex formatting
style that formats entries as pybtex's ``plain`` does, labels them ``[Ou et al. 2022]`` with
the label the evidence tables link with (``livingreview.data.bib.author_year``), and sorts
them by author, then year. The in-text reference style ``author_year_book`` prints the same
label: no comma between author and year.
"""

from __future__ import annotations

from dataclasses import dataclass

import pybtex.plugin
import sphinxcontrib.bibtex.plugin
from pybtex.style.formatting.plain import Style as PlainStyle
from pybtex.style.labels import BaseLabelStyle
from pybtex.style.sorting.author_year_title import SortingStyle as AuthorYearTitleSorting
from sphinxcontrib.bibtex.style.referencing.author_year import AuthorYearReferenceStyle

from livingreview.data.bib import author_year

STYLE = "author_year_labels"
REFERENCE_STYLE = "author_year_book"


class AuthorYearLabels(BaseLabelStyle):
    def format_labels(self, sorted_entries):
        for entry in sorted_entries:
            yield author_year(entry)


class AuthorYearStyle(PlainStyle):
    default_label_style = AuthorYearLabels
    default_sorting_style = AuthorYearTitleSorting


@dataclass
class AuthorYearBookReferenceStyle(AuthorYearReferenceStyle):
    author_year_sep: str = " "


def register(app) -> None:
    pybtex.plugin.register_plugin("pybtex.style.formatting", STYLE, AuthorYearStyle)
    sphinxcontrib.bibtex.plugin.register_plugin(
        "sphinxcontrib.bibtex.style.referencing", REFERENCE_STYLE, AuthorYearBookReferenceStyle
    )
