"""Analysis pages lead with their results: each cell's code folds below what it produced.

The notebooks tag their code cells ``hide-input``; myst-nb then wraps each cell's source in a
``<details>`` above its output. Readers of a review come for the result, so the fold moves
below the output (in the page's order, not by CSS, so screen readers and keyboards meet the
result first), and its summary reads "Show code" in the edition's words. Printed pages
leave the folds out (``_static/book.css``).
"""

from __future__ import annotations

from docutils import nodes

from livingreview.book.sphinx.translation import _
from sphinx.transforms.post_transforms import SphinxPostTransform

# myst-nb's HideInputCells runs at 199
PRIORITY = 250


class CodeAfterResults(SphinxPostTransform):
    default_priority = PRIORITY
    formats = ("html",)

    def run(self, **kwargs) -> None:
        for cell in list(self.document.findall(nodes.container)):
            fold_below_output(cell)


def fold_below_output(cell: nodes.Element) -> None:
    """Move a code cell's folded source (myst-nb's ``hide-input``) after its output."""
    from myst_nb.sphinx_ import HideCodeCellNode

    if cell.get("nb_element") != "cell_code" or not cell.children:
        return
    fold = cell.children[0]
    if not isinstance(fold, HideCodeCellNode) or "above-input" not in fold["classes"]:
        return
    fold["prompt_show"] = _("Show code")
    fold["prompt_hide"] = _("Hide code")
    if len(cell.children) > 1:  # an output to show first
        cell.remove(fold)
        cell.append(fold)
        fold["classes"] = [c for c in fold["classes"] if c != "above-input"] + ["below-output"]


def visit_fold(self, node) -> None:
    """myst-nb's fold, with the two labels as <span>: a <summary> holds phrasing content only,
    and myst-nb's <p> labels make every analysis page invalid HTML (Nu HTML checker)."""
    from html import escape

    classes = " ".join(node["classes"])
    self.body.append(f'<details class="admonition hide {classes}">\n')
    self.body.append('<summary aria-label="Toggle hidden content">\n')
    for state, prompt in (("collapsed", "prompt_show"), ("expanded", "prompt_hide")):
        self.body.append(f'<span class="{state} admonition-title">{escape(node[prompt])}</span>\n')
    self.body.append("</summary>\n")


def _override_fold_markup(app) -> None:
    # after every extension's setup, so that myst-nb's own registration is the one replaced
    from myst_nb.sphinx_ import HideCodeCellNode, depart_HideCellInput

    app.add_node(HideCodeCellNode, override=True, html=(visit_fold, depart_HideCellInput))


def register(app) -> None:
    app.add_post_transform(CodeAfterResults)
    app.connect("builder-inited", _override_fold_markup)
