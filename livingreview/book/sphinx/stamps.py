"""Each review chapter's stamp, and pages that re-render when their analyses re-run.

Sphinx re-reads a page only when its own file changes; a chapter that pastes glue from a
notebook is made to depend on it, so a re-run analysis refreshes the chapters that quote it.
The stamp's wording and the files it reads belong to ``livingreview.data.releases``; a review
chapter depends on each of those files (``stamp_sources``), so a new release, evidence date or
search re-renders it.
"""

from __future__ import annotations

import re
from pathlib import Path

from livingreview.book.sphinx.manifest import manifest_runs
from livingreview.data.project import Project
from livingreview.data.releases import chapter_stamp, stamp_sources

GLUE_SOURCE = re.compile(r"([\w./-]+\.ipynb)::")


def note_glue_sources(app, docname: str, source: list[str]) -> None:
    """Make a page depend on the notebooks it pastes from; stamp the review chapters."""
    env = app.env
    here = Path(env.doc2path(docname)).parent
    srcdir = Path(env.srcdir).resolve()
    inputs: set[str] = set()
    runs = manifest_runs(env.srcdir)
    for rel in sorted(set(GLUE_SOURCE.findall(source[0]))):
        notebook = (here / rel).resolve()
        if notebook.is_file():
            env.note_dependency(str(notebook))
            run = runs.get(notebook.relative_to(srcdir).as_posix(), {})
            inputs.update(run.get("inputs", []))
    project = Project(srcdir)
    # Catalogs hold the pages' own words; the stamp is the extension's, translated there.
    if docname in project.review_chapters() and app.builder.name != "gettext":
        from livingreview.book.sphinx.translation import _
        from livingreview.data.editions import SOURCE_LANGUAGE

        translated = (app.config.language or SOURCE_LANGUAGE) != SOURCE_LANGUAGE
        words = _ if translated else (lambda text: text)
        stamp = chapter_stamp(project, sorted(inputs), words)
        source[0] = _with_stamp(source[0], stamp)
        # not a message of the page's catalog: translation coverage leaves it out
        if not hasattr(env, "livingreview_stamps"):
            env.livingreview_stamps = {}
        env.livingreview_stamps[docname] = stamp
        for path in stamp_sources(project):
            env.note_dependency(str(path))


def _with_stamp(text: str, stamp: str) -> str:
    """Put the stamp right under the page's first heading."""
    lines = text.split("\n")
    for index, line in enumerate(lines):
        if line.startswith("# "):
            lines.insert(index + 1, f"\n{stamp}\n")
            break
    return "\n".join(lines)


def register(app) -> None:
    app.connect("source-read", note_glue_sources)
