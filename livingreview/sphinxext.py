"""Sphinx extension: captioned, numbered figures pasted from another notebook's glue.

myst-nb's ``glue:figure`` only reads the current document's glue; ``glue:any`` reads other
documents but has no caption or label. ``analysis-figure`` combines the two:

    ```{analysis-figure} ../analyses/pooled_effects.ipynb::pooled_effects_chart
    :name: fig-pooled-effects

    Caption.
    ```
"""

from __future__ import annotations

import hashlib
import json
import os
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


class analysis_table(nodes.figure):  # noqa: N801 (docutils names nodes in lower case)
    """A pasted table: rendered like a figure, numbered in the tables' sequence."""


def _visit_analysis_table(self, node):
    self.visit_figure(node)


def _depart_analysis_table(self, node):
    self.depart_figure(node)


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
        # A name starting with tbl- makes it a numbered table ("Table 3"), not a figure.
        kind = analysis_table if self.options.get("name", "").startswith("tbl-") else nodes.figure
        figure = kind("", pending, classes=["analysis-figure", *self.options.get("figclass", [])])
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


GLUE_SOURCE = re.compile(r"([\w./-]+\.ipynb)::")


def note_glue_sources(app, docname: str, source: list[str]) -> None:
    """Make a page depend on the notebooks it pastes from.

    Sphinx re-reads a page only when its own file changes; without this, a chapter would
    keep showing old numbers after its analysis re-ran.
    """
    env = app.env
    here = Path(env.doc2path(docname)).parent
    srcdir = Path(env.srcdir).resolve()
    inputs: set[str] = set()
    runs = _manifest_runs(env.srcdir)
    for rel in sorted(set(GLUE_SOURCE.findall(source[0]))):
        notebook = (here / rel).resolve()
        if notebook.is_file():
            env.note_dependency(str(notebook))
            run = runs.get(notebook.relative_to(srcdir).as_posix(), {})
            inputs.update(run.get("inputs", []))
    if docname.startswith("chapters/"):
        source[0] = _with_stamp(source[0], chapter_stamp(srcdir, sorted(inputs)))
        for name in ("data/releases.csv", "data/datapackage.json"):
            if (srcdir / name).is_file():
                env.note_dependency(str(srcdir / name))


def _with_stamp(text: str, stamp: str) -> str:
    """Put the stamp right under the page's first heading."""
    lines = text.split("\n")
    for index, line in enumerate(lines):
        if line.startswith("# "):
            lines.insert(index + 1, f"\n{stamp}\n")
            break
    return "\n".join(lines)


def chapter_stamp(srcdir: Path, inputs: list[str]) -> str:
    """'Evidence current to …; version …; the data behind this page last changed in …'.

    A page's data last changed in the earliest release from which the bytes of every data
    file it uses stayed the same; a difference from the latest release means unreleased edits.
    """
    descriptor = json.loads((srcdir / "data" / "datapackage.json").read_text(encoding="utf-8"))
    parts = [f"Evidence current to {descriptor.get('x-evidence-current-to', 'unknown')}"]
    releases = _releases(srcdir)
    if releases:
        parts.append(f"book version {releases[-1]['version']}")
    if inputs and releases:
        current = {p: _sha256(srcdir / p) for p in inputs}
        if any(releases[-1]["data"].get(p) != digest for p, digest in current.items()):
            parts.append("the data behind this page changed after the latest release")
        else:
            since = releases[-1]
            for release in reversed(releases[:-1]):
                if any(release["data"].get(p) != current[p] for p in inputs):
                    break
                since = release
            parts.append(
                f"data behind this page last changed in version {since['version']} "
                f"({since['date']})"
            )
    return "*" + "; ".join(parts) + ".*"


def _releases(srcdir: Path) -> list[dict]:
    folder = srcdir / "releases"
    found = [json.loads(p.read_text(encoding="utf-8")) for p in folder.glob("*.json")]
    return sorted(found, key=lambda r: tuple(int(x) for x in r["version"].split(".")))


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else ""


def add_pdf_placeholder(app, doctree, docname: str) -> None:
    """Mark where ``livingreview pdf`` puts the links to a chapter's PDF, once they exist."""
    if docname.startswith("chapters/") and app.builder.format == "html":
        doctree += nodes.raw("", "<!-- livingreview:pdf-links -->", format="html")


NOT_REVIEW_CHAPTERS = {
    "index", "bibliography", "glossary", "about", "data", "whats_new", "teaching_guide",
}  # fmt: skip


class BookCitation(SphinxDirective):
    """BibTeX for the book (latest release) and, with ``:chapters:``, for each chapter."""

    option_spec = {"chapters": directives.flag}

    def run(self) -> list[nodes.Node]:
        srcdir = Path(self.env.srcdir)
        self.env.note_dependency(str(srcdir / "data" / "releases.csv"))
        releases = _releases(srcdir)
        version = releases[-1]["version"] if releases else "unreleased"
        year = releases[-1]["date"][:4] if releases else ""
        title = self.config.html_title or self.config.project
        entries = [
            "@book{msc_sepsis_living_review,\n"
            f"  title     = {{{title}}},\n"
            "  author    = {{The living review team}},\n"
            f"  year      = {{{year}}},\n"
            f"  edition   = {{Version {version}}},\n"
            "  note      = {Based on Niu X, Sun Z, Xie M, Li S. Basic \\& Clinical Medicine 2025, "
            "doi:10.16352/j.issn.1001-6325.2025.09.1234}\n}"
        ]
        if "chapters" in self.options:
            for path in sorted((srcdir / "chapters").glob("*.md")):
                name, docname = path.stem, f"chapters/{path.stem}"
                if name in NOT_REVIEW_CHAPTERS:
                    continue
                heading = next(
                    (
                        ln[2:]
                        for ln in path.read_text(encoding="utf-8").splitlines()
                        if ln.startswith("# ")
                    ),
                    name,
                )
                chapter_title = heading.strip()
                entries.append(
                    f"@incollection{{msc_sepsis_{name},\n"
                    f"  title     = {{{chapter_title}}},\n"
                    f"  booktitle = {{{title}}},\n"
                    "  author    = {{The living review team}},\n"
                    f"  year      = {{{year}}},\n"
                    f"  edition   = {{Version {version}}},\n"
                    f"  note      = {{Chapter {docname}.html}}\n}}"
                )
        text = "\n\n".join(entries)
        block = nodes.literal_block(text, text, language="bibtex")
        self.set_source_info(block)
        return [block]


def write_redirects(app, exception) -> None:
    """Old page addresses keep working: each moved page leaves a redirect behind."""
    if exception or app.builder.format != "html":
        return
    for old, new in app.config.livingreview_redirects.items():
        target = Path(app.outdir) / f"{old}.html"
        if target.exists():
            continue  # a real page wins over a redirect
        target.parent.mkdir(parents=True, exist_ok=True)
        url = Path(os.path.relpath(Path(app.outdir) / f"{new}.html", target.parent)).as_posix()
        target.write_text(
            '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
            f'<title>Moved</title><meta http-equiv="refresh" content="0; url={url}">'
            f'<link rel="canonical" href="{url}"></head>'
            f'<body><p>This page has moved to <a href="{url}">{url}</a>.</p></body></html>\n',
            encoding="utf-8",
        )


def set_theme_defaults(app, config) -> None:
    # Without a default mode the theme logs a console error on every first visit.
    config.html_context.setdefault("default_mode", "auto")


def _caption_text(node) -> str:
    captions = [child for child in node.children if isinstance(child, nodes.caption)]
    return captions[0].astext() if captions else ""


def setup(app):
    app.add_directive("analysis-figure", AnalysisFigure)
    app.add_enumerable_node(
        analysis_table,
        "table",
        _caption_text,
        html=(_visit_analysis_table, _depart_analysis_table),
        latex=(_visit_analysis_table, _depart_analysis_table),
        text=(_visit_analysis_table, _depart_analysis_table),
    )
    app.connect("config-inited", set_theme_defaults)
    app.connect("source-read", note_glue_sources)
    app.connect("doctree-resolved", add_pdf_placeholder)
    app.add_directive("book-citation", BookCitation)
    app.add_config_value("livingreview_redirects", {}, "html")
    app.connect("build-finished", write_redirects)
    app.connect("html-page-context", keep_book_offline)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
