"""Tables: data cells are escaped; link cells render only the links the analysis built."""

from __future__ import annotations

import pandas as pd

from livingreview.analysis.display import Links, TableHTML


def test_link_cells_render_as_anchors_and_data_cells_stay_escaped():
    frame = pd.DataFrame(
        {
            "Reference": [Links((("Ou <b> et al. 2022", "../x.html#cite-ou2022"),))],
            "Finding": ["<script>alert(1)</script>"],
        }
    )
    html = TableHTML(frame)._repr_html_()
    assert '<a class="reference internal" href="../x.html#cite-ou2022">' in html
    assert "Ou &lt;b&gt; et al. 2022</a>" in html
    assert "&lt;script&gt;" in html and "<script>" not in html
    assert "Ou <b> et al. 2022" in repr(TableHTML(frame))


def test_several_links_in_one_cell_and_a_quote_in_an_href():
    cell = Links((("A 2020", 'a.html#"x'), ("B 2021", "b.html")))
    html = TableHTML(pd.DataFrame({"R": [cell, Links(())]}))._repr_html_()
    assert 'href="a.html#&quot;x">A 2020</a>; <a' in html
    assert str(cell) == "A 2020; B 2021"


def test_missing_values_show_as_blank_cells_whatever_their_dtype():
    frame = pd.DataFrame(
        {"hits": pd.array([3, None], dtype="Int64"), "query": pd.array(["a", None], dtype="string")}
    )
    html = TableHTML(frame)._repr_html_()
    assert "&lt;NA&gt;" not in html and "<NA>" not in html and "NaN" not in html
    assert "<td>3</td>" in html and "<td></td>" in html
