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

Titles in the translated editions: an exercise's title ("What each design can show") is a
subtitle node the directive builds without a source, which Sphinx's gettext builder and its
Locale transform skip; and sphinx-exercise rebuilds the exercise and solution titles after
reading from a copy of the exercise it kept before translation. The subtitle is given its
page's source, so the Locale transform translates it while reading; the kept copy is replaced
by the translated exercise once the page is read; and for the gettext builder, which collects
messages after sphinx-exercise has rebuilt the titles, each title is also left as a paragraph
of its own, so it reaches the page's catalog.
"""

from __future__ import annotations

import re
from pathlib import Path
from uuid import uuid4

from docutils import nodes

from livingreview.data.project import Project
from sphinx.transforms import SphinxTransform
from sphinx.transforms.post_transforms import SphinxPostTransform

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


class TranslatableExerciseTitles(SphinxTransform):
    """An exercise's own title (the directive's argument) as a message of its page."""

    default_priority = 15  # before sphinx.transforms.i18n.Locale (20)

    def apply(self, **kwargs) -> None:
        from sphinx_exercise.nodes import exercise_subtitle

        for node in self.document.findall(exercise_subtitle):
            if not node.source:
                node.source = self.document["source"]
                node.line = node.line or getattr(node.parent, "line", None)
            if not node.rawsource:
                node.rawsource = node.astext()  # Sphinx's message; titles are plain text


class ExerciseTitlesForCatalogs(SphinxPostTransform):
    """Gettext builder only: each exercise title as a message of its page (sphinx-exercise's
    title rebuild, at priority 20, leaves no node Sphinx would collect)."""

    builders = ("gettext",)
    default_priority = 10

    def run(self, **kwargs) -> None:
        from sphinx_exercise.nodes import exercise_subtitle

        for node in list(self.document.findall(exercise_subtitle)):
            if node.rawsource and node.source:
                message = nodes.paragraph(node.rawsource, node.rawsource)
                message.source, message.line = node.source, node.line
                # the builder takes only nodes with a uid (Sphinx's versioning sets them)
                message.uid = getattr(node, "uid", None) or uuid4().hex
                node.parent.parent.append(message)  # into the exercise, after its title


def keep_translated_exercises(app, doctree) -> None:
    """sphinx-exercise builds solution titles and references from the exercise it kept while
    reading; after translation, keep the translated one."""
    from sphinx_exercise.nodes import exercise_enumerable_node, exercise_node

    registry = getattr(app.env, "sphinx_exercise_registry", {})
    for node in doctree.findall(lambda n: isinstance(n, exercise_node | exercise_enumerable_node)):
        entry = registry.get(node.get("label"))
        if entry is not None and entry.get("docname") == app.env.docname:
            entry["node"] = node.deepcopy()


# sphinx-exercise writes "Exercise 4.2 (Title)" with half-width brackets; Chinese sets a title
# in full-width ones, tight to the number: "练习 4.2（标题）"
_TITLE_BRACKETS = re.compile(r"(练习 [\d.]+)\s*(</span>)?\s*\(([^()<]*)\)")


def full_width_titles(app, pagename, templatename, context, doctree) -> None:
    if (app.config.language or "").startswith("zh") and "body" in context:
        context["body"] = _TITLE_BRACKETS.sub(
            lambda m: f"{m.group(1)}{m.group(2) or ''}（{m.group(3).strip()}）", context["body"]
        )


def register(app) -> None:
    app.connect("html-page-context", full_width_titles)
    app.add_transform(TranslatableExerciseTitles)
    app.add_post_transform(ExerciseTitlesForCatalogs)
    app.connect("doctree-read", keep_translated_exercises)
    # Sphinx's toctree collector assigns the numbers at the default priority (500).
    app.connect("env-get-updated", _restore_global, priority=400)
    app.connect("env-get-updated", renumber_by_chapter, priority=900)
