"""Unique ids on exercise pages.

sphinx-exercise gives the body of every exercise and solution the same id (``exercise-content``,
``solution-content``); a page with two exercises then repeats an id, which HTML forbids and
screen readers trip over. Nothing links to these ids (the admonitions carry their own labels),
so they are dropped before the page is written.
"""

from __future__ import annotations

from docutils import nodes

SHARED_IDS = frozenset({"exercise-content", "solution-content"})


def drop_shared_ids(app, doctree, docname) -> None:
    for section in doctree.findall(nodes.section):
        if SHARED_IDS.intersection(section["ids"]):
            section["ids"] = [i for i in section["ids"] if i not in SHARED_IDS]


def register(app) -> None:
    app.connect("doctree-resolved", drop_shared_ids)
