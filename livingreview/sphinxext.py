"""Sphinx extension: captioned, numbered figures pasted from another notebook's glue.

myst-nb's ``glue:figure`` only reads the current document's glue; ``glue:any`` reads other
documents but has no caption or label. ``analysis-figure`` combines the two:

    ```{analysis-figure} ../analyses/pooled_effects.ipynb::pooled_effects_chart
    :name: fig-pooled-effects

    Caption.
    ```
"""

from __future__ import annotations

import re
from pathlib import Path

import yaml
from docutils import nodes
from docutils.parsers.rst import directives
from myst_nb.ext.glue.utils import PendingGlueReferenceError, create_pending_glue_ref
from sphinx import addnodes
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective

logger = logging.getLogger(__name__)


class AnalysisFigure(SphinxDirective):
    required_arguments = 1
    final_argument_whitespace = False
    has_content = True
    option_spec = {"name": directives.unchanged, "figclass": directives.class_option}

    def run(self) -> list[nodes.Node]:
        target = self.arguments[0]
        if "::" not in target:
            raise self.error(f"expected <notebook path>::<glue key>, got {target!r}")
        doc, key = target.split("::", 1)
        try:
            pending = create_pending_glue_ref(
                self.state.document, self.get_source_info()[0], self.lineno, doc, key
            )
        except PendingGlueReferenceError as exc:
            raise self.error(str(exc)) from exc
        figure = nodes.figure(
            "", pending, classes=["analysis-figure", *self.options.get("figclass", [])]
        )
        self.set_source_info(figure)
        self.add_name(figure)
        if self.content:
            holder = nodes.Element()
            self.state.nested_parse(self.content, self.content_offset, holder)
            first = holder[0]
            if not isinstance(first, nodes.paragraph):
                raise self.error("the caption must be a paragraph")
            caption = nodes.caption(first.rawsource, "", *first.children)
            caption.source, caption.line = first.source, first.line
            figure += caption
            if len(holder) > 1:
                figure += nodes.legend("", *holder[1:])
        return [figure, *self.reproduce_box(doc)]

    def reproduce_box(self, doc: str) -> list[nodes.Node]:
        """'Reproduce this': the command, the executed notebook and the data behind the figure."""
        env = self.env
        notebook = (Path(env.doc2path(env.docname)).parent / doc).resolve()
        try:
            rel_notebook = notebook.relative_to(Path(env.srcdir).resolve()).as_posix()
        except ValueError:
            return []
        run = _manifest_runs(env.srcdir).get(rel_notebook)
        if run is None:
            return []
        box = nodes.container(classes=["reproduce-box"])
        para = nodes.paragraph()
        para += nodes.strong(text="Reproduce this: ")
        para += nodes.literal(text=f"livingreview run {run['name']}")
        para += nodes.Text(" · Download: ")
        files = [rel_notebook, *run.get("inputs", [])]
        for index, target in enumerate(files):
            if index:
                para += nodes.Text(", ")
            label = "executed notebook" if index == 0 else Path(target).name
            ref = addnodes.download_reference(
                "", "", reftarget="/" + target, refdoc=env.docname, refexplicit=True
            )
            ref += nodes.literal(text=label)
            para += ref
        box += para
        return [box]


def _manifest_runs(srcdir: str) -> dict[str, dict]:
    """Manifest runs keyed by the staged notebook path they produce (analyses/<name>.ipynb)."""
    manifest = Path(srcdir) / "analyses" / "manifest.yml"
    if not manifest.is_file():
        return {}
    runs = yaml.safe_load(manifest.read_text(encoding="utf-8")).get("runs", [])
    return {f"analyses/{run['name']}.ipynb": run for run in runs}


def _is_remote(url: str) -> bool:
    return url.startswith(("http://", "https://", "//"))


def keep_book_offline(app, pagename, templatename, context, doctree) -> None:
    """Drop thebe (live kernels need a server we do not have) and refuse remote assets.

    Jupyter Book always loads sphinx-thebe, which points at a CDN; the book must read offline.
    """
    scripts = context.get("script_files", [])
    kept = []
    for script in scripts:
        filename = getattr(script, "filename", str(script)) or ""
        body = getattr(script, "attributes", {}).get("body", "")
        if "sphinx-thebe" in filename or "THEBE_JS_URL" in body:
            continue
        if _is_remote(filename):
            logger.warning(
                f"page {pagename} would load a remote script {filename}; the book must work offline"
            )
            continue
        kept.append(script)
    scripts[:] = kept
    for css in context.get("css_files", []):
        filename = getattr(css, "filename", str(css)) or ""
        if _is_remote(filename):
            logger.warning(f"page {pagename} would load a remote stylesheet {filename}")


GLUE_SOURCE = re.compile(r"([\w./-]+\.ipynb)::")


def note_glue_sources(app, docname: str, source: list[str]) -> None:
    """Make a page depend on the notebooks it pastes from.

    Sphinx re-reads a page only when its own file changes; without this, a chapter would
    keep showing old numbers after its analysis re-ran.
    """
    env = app.env
    here = Path(env.doc2path(docname)).parent
    for rel in sorted(set(GLUE_SOURCE.findall(source[0]))):
        notebook = (here / rel).resolve()
        if notebook.is_file():
            env.note_dependency(str(notebook))


def add_pdf_placeholder(app, doctree, docname: str) -> None:
    """Mark where ``livingreview pdf`` puts the links to a chapter's PDF, once they exist."""
    if docname.startswith("chapters/") and app.builder.format == "html":
        doctree += nodes.raw("", "<!-- livingreview:pdf-links -->", format="html")


def set_theme_defaults(app, config) -> None:
    # Without a default mode the theme logs a console error on every first visit.
    config.html_context.setdefault("default_mode", "auto")


def setup(app):
    app.add_directive("analysis-figure", AnalysisFigure)
    app.connect("config-inited", set_theme_defaults)
    app.connect("source-read", note_glue_sources)
    app.connect("doctree-resolved", add_pdf_placeholder)
    app.connect("html-page-context", keep_book_offline)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
