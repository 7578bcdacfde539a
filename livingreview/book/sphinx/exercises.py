"""Exercises numbered by chapter: "Exercise 4.2" is the second exercise of chapter 4.

sphinx-exercise numbers exercises through the whole book (Sphinx's numfig without section
numbers: the chapters are not numbered), so a one-chapter handout would start at
"Exercise 7", and renumbering each page from 1 gave the book PDF nine "Exercise 1". After
Sphinx assigns its numbers, each page's exercises are renumbered (chapter, n) in page order:
unique in the whole book, and each chapter's handout starts at its chapter's ".1". The
solutions' "Solution to Exercise 4.2" titles and references read the same table, so they
follow (sphinx-exercise joins the parts with a dot).

A chapter's number is its place in the printed book (``chapter_numbers``): the pages under
``chapters/`` in table-of-contents order, the root page (the title page) left out. The PDFs'
bookmarks carry the same numbers.

Sphinx compares the new book-wide numbers with the stored ones to decide which pages to
rewrite. The stored ones are put back before that comparison, so an unchanged page is not
rewritten on every build.
"""

from __future__ import annotations

from pathlib import Path

from livingreview.data.project import Project

FIGTYPE = "exercise"  # sphinx-exercise's enumerable node type


def chapter_numbers(project: Project) -> dict[str, int]:
    """{docname: chapter number} of the printed chapters, 1 for the first after the title page."""
    docs = [d for d in project.toc_documents()[1:] if d.startswith("chapters/")]
    return {doc: number for number, doc in enumerate(docs, 1)}


def _restore_global(app, env) -> list[str]:
    for docname, numbers in getattr(env, "livingreview_exercise_numbers", {}).items():
        if FIGTYPE in env.toc_fignumbers.get(docname, {}):
            env.toc_fignumbers[docname][FIGTYPE] = dict(numbers)
    return []


def renumber_by_chapter(app, env) -> list[str]:
    chapters = chapter_numbers(Project(Path(env.srcdir)))
    saved = {}
    for docname, types in env.toc_fignumbers.items():
        numbers = types.get(FIGTYPE)
        if not numbers:
            continue
        saved[docname] = dict(numbers)
        ordered = sorted(numbers, key=lambda node_id: numbers[node_id])
        # a page outside the printed chapters (a notebook) keeps page numbering from 1
        prefix = (chapters[docname],) if docname in chapters else ()
        types[FIGTYPE] = {node_id: (*prefix, index) for index, node_id in enumerate(ordered, 1)}
    env.livingreview_exercise_numbers = saved
    return []


def register(app) -> None:
    # Sphinx's toctree collector assigns the numbers at the default priority (500).
    app.connect("env-get-updated", _restore_global, priority=400)
    app.connect("env-get-updated", renumber_by_chapter, priority=900)
