"""The extension's code folds: each analysis cell's result first, its folded source after it."""

from __future__ import annotations

from docutils import nodes
from myst_nb.sphinx_ import HideCodeCellNode

from livingreview.book.sphinx.code_folds import fold_below_output


def code_cell(with_output: bool) -> nodes.container:
    """A cell as myst-nb's HideInputCells leaves a ``hide-input`` cell: its source folded
    in a details node above its output."""
    source = nodes.container(nb_element="cell_code_source")
    fold = HideCodeCellNode(prompt_show="Show code cell source", prompt_hide="Hide")
    fold["classes"].append("above-input")
    fold.append(source)
    cell = nodes.container(nb_element="cell_code")
    cell.append(fold)
    if with_output:
        cell.append(nodes.container(nb_element="cell_code_output"))
    return cell


def test_the_folded_source_moves_below_the_output():
    cell = code_cell(with_output=True)
    fold_below_output(cell)
    output, fold = cell.children
    assert output["nb_element"] == "cell_code_output"
    assert isinstance(fold, HideCodeCellNode) and "below-output" in fold["classes"]
    assert "above-input" not in fold["classes"]
    assert fold["prompt_show"] == "Show code" and fold["prompt_hide"] == "Hide code"


def test_a_cell_without_output_keeps_its_fold_and_an_unfolded_cell_is_untouched():
    cell = code_cell(with_output=False)
    fold_below_output(cell)
    assert len(cell.children) == 1 and "above-input" in cell.children[0]["classes"]
    plain = nodes.container(nb_element="cell_code")
    plain += [nodes.container(nb_element="cell_code_source")]
    plain += [nodes.container(nb_element="cell_code_output")]
    fold_below_output(plain)
    assert [c["nb_element"] for c in plain.children] == ["cell_code_source", "cell_code_output"]
