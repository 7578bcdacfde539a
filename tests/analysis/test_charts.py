"""Charts with in-page controls compute in Vega what the analyses compute in Python.

vl-convert renders with the same Vega and Vega-Lite the book serves, so a static rendering
at a parameter value shows what a reader sees after moving the control to it.
"""

from __future__ import annotations

import re
from collections import Counter

import pytest

from livingreview.analysis import charts, evidence, pooled
from livingreview.analysis.display import ChartHTML


def rendered_texts(spec: dict) -> list[str]:
    import vl_convert

    svg = vl_convert.vegalite_to_svg(spec)
    return [re.sub(r"<[^>]+>", "", t) for t in re.findall(r"<text[^>]*>(.*?)</text>", svg)]


def with_param(spec: dict, name: str, value) -> dict:
    for param in spec["params"]:
        if param["name"] == name:
            param["value"] = value
    return spec


@pytest.mark.parametrize("risk", [0.5, 0.2, 0.85])
def test_absolute_effects_chart_recomputes_the_table_at_any_baseline_risk(risk):
    effects = pooled.load_pooled_effects()
    assert set(effects["measure"]) >= {"OR", "HR"}  # both conversions are exercised
    spec = with_param(charts.absolute_effects_chart(effects, 0.5).to_dict(), "baseline_risk", risk)
    table = pooled.absolute_effects(effects, risk)
    texts = rendered_texts(spec)
    assert Counter(table["Risk with MSCs per 1,000 (95% CI)"]) <= Counter(texts)


def test_absolute_effects_slider_starts_at_the_notebook_default():
    spec = charts.absolute_effects_chart(pooled.load_pooled_effects(), 0.37).to_dict()
    (param,) = spec["params"]
    assert param["value"] == 0.37 and param["bind"]["input"] == "range"
    assert param["bind"]["name"].strip()  # the input's visible label


@pytest.mark.parametrize(
    ("rows", "columns"), [("cell_source", "organ"), ("product", "kind"), ("route", "year")]
)
def test_evidence_map_menus_count_what_the_analysis_counts(rows, columns):
    studies = evidence.studies_for_map()
    spec = charts.evidence_map_explorer(studies, "cell_source", "organ", evidence.MAP_DIMENSIONS)
    spec = with_param(with_param(spec.to_dict(), "map_rows", rows), "map_columns", columns)
    cells = evidence.evidence_map_cells(studies, rows, columns)
    texts = rendered_texts(spec)
    for name in (rows, columns):
        assert name.replace("_", " ") in " ".join(texts)  # the title follows the menus
    for value in set(cells[rows]) | set(cells[columns]):
        assert value in texts  # every category labels an axis
    numbers = Counter(t for t in texts if t.isdigit())
    assert Counter(str(n) for n in cells["n"]) <= numbers


def test_bound_inputs_sit_outside_the_chart_image_and_any_form():
    effects = pooled.load_pooled_effects()
    html = ChartHTML(charts.absolute_effects_chart(effects, 0.5), "chart")._repr_html_()
    controls = html.index('class="vega-chart-controls"')
    assert controls < html.index('role="img"')
    assert "bind: document.getElementById(" in html and "<form" not in html
    plain = ChartHTML(charts.forest_plot(effects), "chart")._repr_html_()
    assert "vega-chart-controls" not in plain
    assert "bind: document.createElement('div')" in plain  # no empty form for Vega's inputs
