"""The bibliography's entries: volumes kept, authors listed in full up to six, then "et al."."""

from __future__ import annotations

from conftest import REPO
from pybtex.database import Entry, Person, parse_file

from livingreview.book.sphinx.bibstyle import MAX_NAMES, AuthorYearStyle


def render(entries) -> list[str]:
    return [e.text.render_as("text") for e in AuthorYearStyle().format_entries(entries)]


def test_every_article_shows_its_journal_volume_and_doi():
    entries = parse_file(REPO / "data" / "references.bib").entries
    for key, entry in entries.items():
        (text,) = render([entry])
        if entry.type == "article" and "volume" in entry.fields:
            volume = entry.fields["volume"]
            assert f", {volume}:" in text or f", {volume}," in text or f"{volume}(" in text, text
        if "doi" in entry.fields:
            assert entry.fields["doi"] in text, key
        assert "others" not in text, key


def authors(n: int) -> Entry:
    entry = Entry(
        "article",
        fields={"title": "T", "journal": "J", "year": "2020", "volume": "3"},
    )
    for i in range(n):
        entry.add_person(Person(f"Name{i}, A."), "author")
    return entry


def test_short_author_lists_are_given_in_full_long_ones_cut_after_six():
    (six,) = render([authors(MAX_NAMES)])
    assert "et al." not in six and f"and A. Name{MAX_NAMES - 1}." in six
    (seven,) = render([authors(MAX_NAMES + 1)])
    assert f"A. Name{MAX_NAMES - 1}, et al." in seven and f"Name{MAX_NAMES}" not in seven
    cut = authors(3)
    cut.add_person(Person("others"), "author")
    (marked,) = render([cut])
    assert "A. Name2, et al." in marked
    assert "J, 3, 2020." in marked  # the volume of an article without pages


def test_an_article_number_is_called_one_not_a_page():
    entry = Entry("article", fields={"title": "T", "journal": "J", "year": "2022", "eid": "792098"})
    entry.add_person(Person("Name, A."), "author")
    (alone,) = render([entry])
    assert "J, article 792098, 2022." in alone and "pages" not in alone
    entry.fields["volume"] = "12"
    (with_volume,) = render([entry])
    assert "J, 12:792098, 2022." in with_volume
