"""``analysis-figure``: a captioned, numbered figure or table pasted from another notebook's glue.

myst-nb's ``glue:figure`` only reads the current document's glue; ``glue:any`` reads other
documents but has no caption or label. ``analysis-figure`` combines the two:

    ```{analysis-figure} ../analyses/pooled_effects.ipynb::pooled_effects_chart
    :name: fig-pooled-effects

    Caption.
    ```

A ``:name:`` starting with ``tbl-`` numbers it as a table. Under each one a "Reproduce this"
box, folded under one line, gives the command and the files behind it.
"""

from __future__ import annotations

import html
from pathlib import Path

from docutils import nodes
from docutils.parsers.rst import directives
from myst_nb.ext.glue.utils import PendingGlueReferenceError, create_pending_glue_ref

from livingreview.book.reproduce import BUILT_FROM, BuiltFrom, reproduce_commands
from livingreview.book.sphinx.manifest import manifest_runs
from livingreview.book.sphinx.translation import _
from livingreview.data.identity import identity
from livingreview.data.project import Project
from sphinx import addnodes
from sphinx.util.docutils import SphinxDirective


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
        run = manifest_runs(env.srcdir).get(rel_notebook)
        if run is None:
            return []
        # Folded by default: the commands are for readers who want them, and a clinician
        # reading the chapter sees one line under each figure instead of a shell session.
        summary = f"<strong>{html.escape(_('Reproduce this'))}</strong>" + html.escape(
            _(
                " from a fresh clone (Python 3.11+ and make; the last line re-runs it, says "
                "where its output is and whether its numbers match the book's):"
            )
        )
        opening = nodes.raw(
            "", f'<details class="reproduce-box"><summary>{summary}</summary>', format="html"
        )
        box = nodes.container(classes=["reproduce-body"])
        # the release this page was built from (livingreview.book.reproduce): a new tag
        # re-renders the page
        built_path = Path(env.srcdir) / BUILT_FROM
        env.note_dependency(str(built_path))
        built = BuiltFrom.read(built_path)
        me = identity(Project(Path(env.srcdir)))
        commands = reproduce_commands(me.repository_url, me.clone_folder, run["name"], built)
        box += nodes.literal_block(commands, commands, language="bash")
        if built.tag:
            pinned = _("Built from version {version}: the commands check out its tag {tag}.")
        elif built.version:
            pinned = _(
                "Built from sources not yet released (after version {version}): the commands "
                "clone the newest sources, which may differ from this page."
            )
        else:
            pinned = _("Built from sources not yet released: the commands clone the newest.")
        box += nodes.paragraph(text=pinned.format(version=built.version, tag=built.tag))
        para = nodes.paragraph()
        para += nodes.Text(_("Download: "))
        files = [rel_notebook, *run.get("inputs", [])]
        for index, target in enumerate(files):
            if index:
                para += nodes.Text(", ")
            label = _("executed notebook") if index == 0 else Path(target).name
            ref = addnodes.download_reference(
                "", "", reftarget="/" + target, refdoc=env.docname, refexplicit=True
            )
            ref += nodes.literal(text=label)
            para += ref
        box += para
        return [opening, box, nodes.raw("", "</details>", format="html")]


def _caption_text(node) -> str:
    captions = [child for child in node.children if isinstance(child, nodes.caption)]
    return captions[0].astext() if captions else ""


def register(app) -> None:
    app.add_directive("analysis-figure", AnalysisFigure)
    app.add_enumerable_node(
        analysis_table,
        "table",
        _caption_text,
        html=(_visit_analysis_table, _depart_analysis_table),
        latex=(_visit_analysis_table, _depart_analysis_table),
        text=(_visit_analysis_table, _depart_analysis_table),
    )
