"""Tables: data cells are escaped; link cells render only the links the analysis built."""

from __future__ import annotations

import pandas as pd
from conftest import REPO

from livingreview.analysis.display import Links, TableHTML, header


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


def test_an_unconfirmed_value_shows_one_symbol_per_cell_and_the_legend_explains_it():
    from livingreview.analysis.confirmation import MARKER
    from livingreview.analysis.display import SYMBOL

    frame = pd.DataFrame(
        {
            "status": [f"recruiting [{MARKER}]", "completed"],
            "Study": [Links(((f"Alp et al. 2022 [{MARKER}]", "b.html#cite-alp2022"),)), ""],
        }
    )
    html = TableHTML(frame)._repr_html_()
    assert f"[{MARKER}]" not in html
    assert html.count(f">{SYMBOL}</abbr>") == 2  # the status cell and the linked label
    assert "<td>recruiting<abbr" in html and "<td>completed</td>" in html
    assert f'<p class="table-legend">{SYMBOL} not yet confirmed' in html
    assert "recruiting †" in repr(TableHTML(frame))
    # a table with nothing unconfirmed has no legend
    assert "table-legend" not in TableHTML(frame.iloc[[1]])._repr_html_()


def reading(frame, **options) -> str:
    from livingreview.analysis.display import ReadingTable

    return ReadingTable(frame, "A caption", **options)._repr_html_()


def test_a_reading_table_folds_each_rows_details_under_it_and_carries_its_filter_values():
    import re

    frame = pd.DataFrame(
        {"registry_id": ["T1", "T2"], "Year": [2020, 2018]}, index=[4, 7]
    )  # a data frame's own index, not 0..n
    details = pd.DataFrame({"notes": ["first <b>", None]}, index=[4, 7])
    html = reading(
        frame, details=details, filters={"Status": pd.Series(["open", "closed"], index=[4, 7])}
    )
    rows = re.findall(r'<tr class="(row-main|row-details)"', html)
    assert rows == ["row-main", "row-details", "row-main"]  # T2 has no details: no empty line
    assert '<th scope="col">Registry id</th>' in html  # a field name becomes words
    assert '<tr class="row-main" data-filter-0="open"><td>T1</td>' in html
    assert "<dt>Notes</dt><dd>first &lt;b&gt;</dd>" in html  # details are escaped too
    assert 'data-filters="[&quot;Status&quot;]"' in html


def test_each_line_of_a_reading_table_cell_that_carries_the_marker_shows_the_symbol():
    """A cell of several findings marks each unconfirmed one where it stands (a safety finding
    read only in copies must not look confirmed because the efficacy line holds the symbol)."""
    from livingreview.analysis.confirmation import MARKER
    from livingreview.analysis.display import SYMBOL

    cell = (f"Efficacy: a [{MARKER}]", "Dose: c", f"Safety: b [{MARKER}]")
    html = reading(pd.DataFrame({"Main result": [cell]}))
    assert html.count(SYMBOL) == 3  # two marked lines and the legend
    assert '<span class="cell-line">Efficacy: a<abbr' in html
    assert '<span class="cell-line">Safety: b<abbr' in html
    assert '<span class="cell-line">Dose: c</span>' in html
    assert f"[{MARKER}]" not in html


def test_a_reading_table_sorts_numbers_as_numbers_and_sizes_its_columns():
    html = reading(
        pd.DataFrame({"Study": ["a"], "n": [3]}), numeric=("n",), widths={"Study": 3, "n": 1}
    )
    assert '<th scope="col" data-sort="number">n</th>' in html
    assert '<col style="width: 75.0%"><col style="width: 25.0%">' in html


def test_the_log_id_column_is_not_headed_search_when_the_log_holds_look_ups():
    """Log rows are mostly look-ups; a 'Search id' header would call them searches."""
    log = pd.read_csv(REPO / "data" / "surveillance_log.csv")
    assert log["kind"].str.contains("look-up").any()
    html = TableHTML(log[["search_id", "kind"]])._repr_html_()
    assert "<th>Log entry</th>" in html and "Search" not in html.split("<tbody>")[0]
    assert header("registry_id") == "Registry id"
