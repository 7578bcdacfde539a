"""No id repeated on a page: HTML forbids it and screen readers trip over it.

- sphinx-exercise gives the body of every exercise and solution the same id
  (``exercise-content``, ``solution-content``). Nothing links to these ids (the admonitions
  carry their own labels), so they are dropped.
- In a translated edition, Sphinx gives the citations of one translated paragraph the id of
  the first citation it replaces, so several carry the same id. A repeat gets a fresh id; links
  (the bibliography's back-references) keep pointing at the first.
"""

from __future__ import annotations

from docutils import nodes

SHARED_IDS = frozenset({"exercise-content", "solution-content"})


def make_ids_unique(app, doctree, docname) -> None:
    seen: set[str] = set()
    for node in doctree.findall(nodes.Element):
        ids = [i for i in node.get("ids", []) if i not in SHARED_IDS]
        unique = []
        for old in ids:
            new, n = old, 1
            while new in seen:
                n += 1
                new = f"{old}-{n}"
            seen.add(new)
            unique.append(new)
        if "ids" in node.attributes:
            node["ids"] = unique


def register(app) -> None:
    app.connect("doctree-resolved", make_ids_unique)
