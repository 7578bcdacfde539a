"""Stylesheet links do not depend on the build's history.

Sphinx adds ``?v=<checksum>`` to a stylesheet link only if the file is already in ``_static``
when the page is written. myst-nb and sphinx-exercise copy theirs at ``build-finished``, after
the pages: a clean build linked them without a checksum, a rebuild with one. Copying them when
the environment is ready (before any page is written) gives every build the same bytes.
"""

from __future__ import annotations

from pathlib import Path


def copy_extension_stylesheets(app, env) -> list[str]:
    if app.builder is None or app.builder.format != "html":
        return []
    from myst_nb.sphinx_ext import add_global_html_resources
    from sphinx_exercise import copy_asset_files

    Path(app.outdir, "_static").mkdir(parents=True, exist_ok=True)  # not made yet on a clean build
    add_global_html_resources(app, None)
    copy_asset_files(app, None)
    return []


def register(app) -> None:
    app.connect("env-updated", copy_extension_stylesheets)
