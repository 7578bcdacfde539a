"""A full author update on a copy (the session's ``updated_book``): the update reaches the book.

The suite's read-only checks of the built book run on the updated copy too (the ``committed``
and ``updated`` parameters of ``checked_book`` and ``book_source`` in conftest), so an update
that would turn them red is caught here, without a nested test run. Nothing here names today's
evidence: every value is derived from the data.
"""

from __future__ import annotations

from conftest import UPDATE_KEY, journal, pooled_summary, table_rows

from livingreview.data.bib import citation_labels
from livingreview.data.project import Project
from livingreview.data.releases import past_releases


def test_the_update_reaches_the_book(updated_book):
    html = updated_book / "_build" / "html"
    chapter = (html / "chapters" / "preclinical.html").read_text(encoding="utf-8")
    changed = table_rows(updated_book, "pooled_effects")[0]
    assert pooled_summary(changed) in chapter
    assert f'href="../chapters/bibliography.html#cite-{UPDATE_KEY}"' in chapter  # cited
    bibliography = (html / "chapters" / "bibliography.html").read_text(encoding="utf-8")
    assert "A test study of stromal cells" in bibliography
    whats_new = (html / "chapters" / "whats_new.html").read_text(encoding="utf-8")
    assert past_releases(Project(updated_book))[-1]["version"] in whats_new
    # both editions show the moved estimate (the chart's data is the same in each)
    zh = (html / "zh" / "chapters" / "preclinical.html").read_text(encoding="utf-8")
    assert f'"estimate": {float(changed["estimate"])}' in zh


def test_the_update_re_ran_only_what_it_changed(updated_book):
    """Seeded from the session build, the update's release executes the analyses that read
    what changed and reuses the rest (meta_analysis reads only its example data); the book
    after the release executes nothing."""
    steps = journal(updated_book)
    assert "reuse meta_analysis: unchanged" in steps["release"]
    assert "all analyses up to date: no notebook executed" in steps["book"]


def test_the_release_names_the_new_study_by_its_citation_on_whats_new(updated_book):
    project = Project(updated_book)
    label = citation_labels(project)[UPDATE_KEY]
    summary = past_releases(project)[-1]["summary"]
    assert f"Added 1 animal study ({label}: " in summary
    assert UPDATE_KEY not in summary
    html = updated_book / "_build" / "html" / "chapters" / "whats_new.html"
    assert f"({label}: " in html.read_text(encoding="utf-8")
