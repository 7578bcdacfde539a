"""Keep the book offline: no page loads a script or stylesheet from another host.

Jupyter Book always loads sphinx-thebe, which points at a CDN; live kernels need a server the
book does not have, so thebe is dropped. Any other remote asset fails the build (-W).
"""

from __future__ import annotations

from sphinx.util import logging

logger = logging.getLogger(__name__)
VEGA_BUNDLE = "vega-bundle.js"  # staged into _static by the build


def _is_remote(url: str) -> bool:
    return url.startswith(("http://", "https://", "//"))


def keep_book_offline(app, pagename, templatename, context, doctree) -> None:
    """Drop thebe (live kernels need a server we do not have) and refuse remote assets.

    Jupyter Book always loads sphinx-thebe, which points at a CDN; the book must read offline.
    """
    scripts = context.get("script_files", [])
    # Vega's bundle (about 900 KB) loads only where a chart is drawn.
    draws_chart = "vegaEmbed" in context.get("body", "")
    kept = []
    for script in scripts:
        filename = getattr(script, "filename", str(script)) or ""
        body = getattr(script, "attributes", {}).get("body", "")
        if "sphinx-thebe" in filename or "THEBE_JS_URL" in body:
            continue
        if filename.endswith(VEGA_BUNDLE) and not draws_chart:
            continue
        if _is_remote(filename):
            logger.warning(
                f"page {pagename} would load a remote script {filename}; the book must work offline"
            )
            continue
        kept.append(script)
    scripts[:] = kept
    # docutils marks the bibliography as an ARIA list whose entries are not list items;
    # assistive technology then announces a broken list. It reads fine as plain entries.
    if "body" in context:
        context["body"] = context["body"].replace(
            '<div role="list" class="citation-list">', '<div class="citation-list">'
        )
    for css in context.get("css_files", []):
        filename = getattr(css, "filename", str(css)) or ""
        if _is_remote(filename):
            logger.warning(f"page {pagename} would load a remote stylesheet {filename}")


def register(app) -> None:
    app.connect("html-page-context", keep_book_offline)
