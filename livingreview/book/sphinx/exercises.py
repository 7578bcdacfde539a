"""Exercises numbered within their chapter: "Exercise 1" is each chapter's first exercise.

sphinx-exercise numbers exercises through the whole book (Sphinx's numfig without section
numbers), so a one-chapter handout would start at "Exercise 7". After Sphinx assigns its
numbers, each page's exercises are renumbered from 1 in page order; the solutions'
"Solution to Exercise N" titles and references read the same table, so they follow.

Sphinx compares the new book-wide numbers with the stored ones to decide which pages to
rewrite. The stored ones are put back before that comparison, so an unchanged page is not
rewritten on every build.
"""

from __future__ import annotations

FIGTYPE = "exercise"  # sphinx-exercise's enumerable node type


def _restore_global(app, env) -> list[str]:
    for docname, numbers in getattr(env, "livingreview_exercise_numbers", {}).items():
        if FIGTYPE in env.toc_fignumbers.get(docname, {}):
            env.toc_fignumbers[docname][FIGTYPE] = dict(numbers)
    return []


def renumber_per_page(app, env) -> list[str]:
    saved = {}
    for docname, types in env.toc_fignumbers.items():
        numbers = types.get(FIGTYPE)
        if not numbers:
            continue
        saved[docname] = dict(numbers)
        ordered = sorted(numbers, key=lambda node_id: numbers[node_id])
        types[FIGTYPE] = {node_id: (index,) for index, node_id in enumerate(ordered, 1)}
    env.livingreview_exercise_numbers = saved
    return []


def register(app) -> None:
    # Sphinx's toctree collector assigns the numbers at the default priority (500).
    app.connect("env-get-updated", _restore_global, priority=400)
    app.connect("env-get-updated", renumber_per_page, priority=900)
