"""Stop a plain ``jupyter-book build .`` before it overwrites the book with an empty one.

The chapters quote numbers glued by the executed analyses, which only ``make book`` runs and
stages into ``_build/stage`` (with a marker file). Built from the repository root, Jupyter Book
would write pages with blank numbers over the good ones, so the build stops at ``config-inited``,
before Sphinx reads or writes a page. ``LIVINGREVIEW_PLAIN_BUILD=1`` lets a plain build through
(the benchmark times Jupyter Book on its own).
"""

from __future__ import annotations

import os
from pathlib import Path

from sphinx.errors import ExtensionError

STAGE_MARKER = ".livingreview-staged"  # written by livingreview.book.build.stage
PLAIN_BUILD_ENV = "LIVINGREVIEW_PLAIN_BUILD"
MESSAGE = (
    "this book is built with `make book` (or `livingreview book`), which runs the analyses "
    "whose numbers the chapters quote and then calls Jupyter Book on _build/stage; "
    "`jupyter-book build` on the sources alone would give pages with blank numbers, "
    "so nothing was built (set {env}=1 to build anyway)"
)


def require_staged_sources(app, config) -> None:
    if os.environ.get(PLAIN_BUILD_ENV):
        return
    if not (Path(app.srcdir) / STAGE_MARKER).is_file():
        # Jupyter Book and Sphinx have already made the (empty) output folders: leave no trace.
        for folder in (Path(app.outdir), Path(app.outdir).parent):
            if folder.is_dir() and not any(folder.iterdir()):
                folder.rmdir()
        raise ExtensionError(MESSAGE.format(env=PLAIN_BUILD_ENV))


def register(app) -> None:
    # Before every other handler: nothing is read or written when the sources are not staged.
    app.connect("config-inited", require_staged_sources, priority=0)
