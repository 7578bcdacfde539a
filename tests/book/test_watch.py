"""`serve --watch` rebuilds on a change to anything the book is built from."""

from __future__ import annotations

from livingreview.book.build import BOOK_DIRS, BOOK_FILES, LOCALES
from livingreview.book.watch import WATCHED


def test_every_source_the_build_stages_is_watched():
    # data/ and analyses/ hold the evidence and the notebooks; the rest is what build.stage copies
    staged = {"data", "analyses", LOCALES, *BOOK_DIRS, *BOOK_FILES}
    assert staged <= set(WATCHED), f"not watched: {sorted(staged - set(WATCHED))}"
