"""Altair charts for the analyses. Colours come from the Okabe-Ito colour-blind-safe palette."""

from __future__ import annotations

import json
import re

import altair as alt
import pandas as pd

from livingreview.analysis import i18n

OKABE_ITO = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"]


def forest_plot(
    effects: pd.DataFrame,
    label: str = "label",
    colour: str = "meta_analysis",
    title: str = "Pooled effects of MSC therapy in animal models of sepsis",
) -> alt.LayerChart:
    """Point estimates with 95% CI bars on a log axis and a line of no effect at 1."""
    data = effects.copy()
    for column in ("estimate", "ci_low", "ci_high"):
        data[column] = data[column].astype(float)
    order = list(data[label])
    x_scale = alt.Scale(type="log", domain=[0.03, 2], nice=False)
    # every layer names the shared axis, so Vega never falls back to a field name
    x_title = "Odds or hazard ratio (log scale; < 1 favours MSCs)"
    y = alt.Y(f"{label}:N", sort=order, title=None, axis=alt.Axis(labelLimit=360))
    tooltip = [
        alt.Tooltip(f"{label}:N", title="Estimate"),
        alt.Tooltip("measure:N", title="Measure"),
        alt.Tooltip("estimate:Q", title="Point estimate", format=".2f"),
        alt.Tooltip("ci_low:Q", title="95% CI low", format=".2f"),
        alt.Tooltip("ci_high:Q", title="95% CI high", format=".2f"),
        alt.Tooltip("n_studies:Q", title="Studies"),
        alt.Tooltip("n_animals:Q", title="Animals"),
        alt.Tooltip(f"{colour}:N", title="Meta-analysis"),
    ]
    base = alt.Chart(data)
    colour_enc = alt.Color(f"{colour}:N", title="Meta-analysis", scale=alt.Scale(range=OKABE_ITO))
    bars = base.mark_rule(strokeWidth=2).encode(
        x=alt.X("ci_low:Q", scale=x_scale, title=x_title),
        x2="ci_high:Q",
        y=y,
        color=colour_enc,
        tooltip=tooltip,
    )
    points = base.mark_point(filled=True, size=80, shape="square").encode(
        x=alt.X("estimate:Q", scale=x_scale, title=x_title),
        y=y,
        color=colour_enc,
        tooltip=tooltip,
    )
    no_effect = (
        alt.Chart(pd.DataFrame({"x": [1.0]}))
        .mark_rule(strokeDash=[4, 4], color="#555555")
        .encode(x=alt.X("x:Q", scale=x_scale, title=x_title))
    )
    return (
        alt.layer(no_effect, bars, points)
        .properties(
            title=title,
            width=460,
            height=alt.Step(28),
            description=(
                "Forest plot: each row is one pooled estimate, a square at the point estimate "
                "and a line across its 95% confidence interval, on a log scale; the dashed "
                "line at 1 marks no effect."
            ),
        )
        .configure_axis(labelFontSize=12, titleFontSize=12)
    )


def _marker_in_words(labels: pd.Series) -> pd.Series:
    """Chart text has no legend for the table symbol: a translated edition shows the marker in
    its own words and brackets ('Laterre et al. 2024（未确认）')."""
    from livingreview.analysis.confirmation import MARKER

    word = i18n.gettext(MARKER)
    if word == MARKER:
        return labels
    return labels.astype("string").str.replace(f" [{MARKER}]", f"（{word}）", regex=False)


def evidence_map(cells: pd.DataFrame, rows: str, columns: str) -> alt.LayerChart:
    """A heatmap of study counts with the studies named in the tooltip."""
    cells = cells.assign(studies=_marker_in_words(cells["studies"]))
    title_case = {name: name.replace("_", " ").capitalize() for name in (rows, columns)}
    base = alt.Chart(cells).encode(
        x=alt.X(
            f"{columns}:N", title=title_case[columns], axis=alt.Axis(labelAngle=-40, labelLimit=200)
        ),
        y=alt.Y(f"{rows}:N", title=title_case[rows], axis=alt.Axis(labelLimit=260)),
    )
    heat = base.mark_rect(stroke="#ffffff").encode(
        color=alt.Color(
            "n:Q", title="Studies", scale=alt.Scale(scheme="blues"), legend=alt.Legend(format="d")
        ),
        tooltip=[
            alt.Tooltip(f"{rows}:N", title=title_case[rows]),
            alt.Tooltip(f"{columns}:N", title=title_case[columns]),
            alt.Tooltip("n:Q", title="Number of studies"),
            alt.Tooltip("studies:N", title="Studies"),
        ],
    )
    labels = base.mark_text(fontSize=12).encode(
        text="n:Q",
        color=alt.condition("datum.n >= 3", alt.value("#ffffff"), alt.value("#000000")),
    )
    return alt.layer(heat, labels).properties(
        title=i18n.format(
            "Evidence map: studies by {rows} and {columns}",
            rows=i18n.gettext(title_case[rows]).lower(),
            columns=i18n.gettext(title_case[columns]).lower(),
        ),
        description=i18n.format(
            "Heatmap counting animal and clinical studies by {rows} and {columns}; darker "
            "cells hold more studies.",
            rows=i18n.gettext(title_case[rows]).lower(),
            columns=i18n.gettext(title_case[columns]).lower(),
        ),
    )


def effect_axis_title(measure: str) -> str:
    """The effect axis's title: the measure, its scale and which side favours treatment."""
    from livingreview.analysis import meta

    name = meta.MEASURES[measure]
    if measure in ("OR", "RR"):  # ratios: 1 is no effect, shown on a log scale
        return f"{name} (log scale; < 1: fewer events with treatment)"
    return f"{name} (< 0: fewer events with treatment)"


@i18n.declare
def _every_effect_axis_title() -> list[str]:
    from livingreview.analysis import meta

    return [effect_axis_title(measure) for measure in meta.MEASURES]


def meta_forest_plot(studies: pd.DataFrame, result, measure: str) -> alt.LayerChart:
    """Study estimates sized by weight, with the pooled estimate as a diamond on its own row.

    ``studies`` is the output of :func:`livingreview.meta.effect_sizes` (the raw 2x2 frame is
    accepted too); ``result`` the :class:`livingreview.meta.MetaResult` of pooling them.
    OR and RR use a log axis with a line of no effect at 1, RD a linear axis with it at 0.
    """
    from livingreview.analysis import meta

    measure = meta.check_measure(measure)
    if "estimate" not in studies.columns:
        studies = meta.effect_sizes(studies, measure)
    ratio = measure in ("OR", "RR")
    used = studies[studies["included"]]
    method = result.method + (" + Hartung-Knapp" if result.hartung_knapp else "")
    pooled_label = i18n.format("Pooled estimate ({method})", method=method)
    for kind in ("Study", "Pooled estimate"):  # legend entries, translated with the data
        i18n.active().note(kind)
    rows = pd.DataFrame(
        {
            "label": used["study"].astype(str),
            "kind": "Study",
            "estimate": used["estimate"].astype(float),
            "ci_low": used["ci_low"].astype(float),
            "ci_high": used["ci_high"].astype(float),
            "weight": [result.weight_of(s) for s in used["study"]],
            "treatment": [
                f"{e}/{n}"
                for e, n in zip(used["events_treatment"], used["n_treatment"], strict=True)
            ],
            "control": [
                f"{e}/{n}" for e, n in zip(used["events_control"], used["n_control"], strict=True)
            ],
            "note": used["note"].astype(str),
        }
    )
    pooled = pd.DataFrame(
        {
            "label": [pooled_label],
            "kind": ["Pooled estimate"],
            "estimate": [result.pooled_estimate],
            "ci_low": [result.ci_low],
            "ci_high": [result.ci_high],
            "weight": [100.0],
            "treatment": [
                f"{int(used['events_treatment'].sum())}/{int(used['n_treatment'].sum())}"
            ],
            "control": [f"{int(used['events_control'].sum())}/{int(used['n_control'].sum())}"],
            "note": ["; ".join(result.notes)],
        }
    )
    data = pd.concat([rows, pooled], ignore_index=True)
    order = list(data["label"])
    low = min(float(data["ci_low"].min()), result.pi_low if result.pi_low is not None else 1e9)
    high = max(float(data["ci_high"].max()), result.pi_high if result.pi_high is not None else -1e9)
    no_effect = 1.0 if ratio else 0.0
    low, high = min(low, no_effect), max(high, no_effect)
    if ratio:
        scale = alt.Scale(type="log", domain=[low / 1.2, high * 1.2], nice=False)
    else:
        pad = 0.05 * (high - low or 1.0)
        scale = alt.Scale(domain=[low - pad, high + pad], nice=False, zero=False)
    name = meta.MEASURES[measure].lower()
    axis_title = effect_axis_title(measure)
    fmt = ".2f" if ratio else ".3f"
    y = alt.Y("label:N", sort=order, title=None, axis=alt.Axis(labelLimit=360))
    colour = alt.Color(
        "kind:N",
        title=None,
        scale=alt.Scale(domain=["Study", "Pooled estimate"], range=[OKABE_ITO[0], OKABE_ITO[5]]),
    )
    tooltip = [
        alt.Tooltip("label:N", title="Study"),
        alt.Tooltip("estimate:Q", title=measure, format=fmt),
        alt.Tooltip("ci_low:Q", title="95% CI low", format=fmt),
        alt.Tooltip("ci_high:Q", title="95% CI high", format=fmt),
        alt.Tooltip("weight:Q", title="Weight (%)", format=".1f"),
        alt.Tooltip("treatment:N", title="Treatment events/n"),
        alt.Tooltip("control:N", title="Control events/n"),
        alt.Tooltip("note:N", title="Note"),
    ]
    base = alt.Chart(data)
    x = alt.X("ci_low:Q", scale=scale, title=axis_title)
    point_x = alt.X("estimate:Q", scale=scale, title=axis_title)
    bars = base.mark_rule(strokeWidth=2).encode(
        x=x, x2="ci_high:Q", y=y, color=colour, tooltip=tooltip
    )
    squares = (
        base.transform_filter("datum.kind == 'Study'")
        .mark_point(filled=True, shape="square", opacity=1)
        .encode(
            x=point_x,
            y=y,
            size=alt.Size(
                "weight:Q",
                title="Weight (%)",
                scale=alt.Scale(domain=[0, 100], range=[20, 900]),
                legend=alt.Legend(
                    values=[5, 10, 25, 50], symbolType="square", symbolFillColor=OKABE_ITO[0]
                ),
            ),
            color=colour,
            tooltip=tooltip,
        )
    )
    diamond = (
        base.transform_filter("datum.kind == 'Pooled estimate'")
        .mark_point(filled=True, shape="diamond", size=400, opacity=1)
        .encode(x=point_x, y=y, color=colour, tooltip=tooltip)
    )
    layers = [
        alt.Chart(pd.DataFrame({"x": [no_effect]}))
        .mark_rule(strokeDash=[4, 4], color="#555555")
        .encode(x=alt.X("x:Q", scale=scale, title=axis_title)),
        bars,
        squares,
        diamond,
    ]
    pi_text = ""
    if result.pi_low is not None:
        layers.insert(
            1,
            alt.Chart(
                pd.DataFrame(
                    {
                        "label": [pooled_label],
                        "pi_low": [result.pi_low],
                        "pi_high": [result.pi_high],
                    }
                )
            )
            .mark_rule(strokeWidth=1, strokeDash=[2, 2], color=OKABE_ITO[5])
            .encode(
                x=alt.X("pi_low:Q", scale=scale, title=axis_title),
                x2="pi_high:Q",
                y=y,
                tooltip=[
                    alt.Tooltip("pi_low:Q", title="95% prediction interval low", format=fmt),
                    alt.Tooltip("pi_high:Q", title="95% prediction interval high", format=fmt),
                ],
            ),
        )
        pi_text = i18n.gettext(
            " A dotted line on the pooled row spans the 95% prediction interval."
        )
    description = i18n.format(
        "Forest plot of the {name} in {k} studies: each study is a square, sized by its "
        "weight in the meta-analysis, with a line across its 95% confidence interval; the "
        "pooled estimate ({method}) is the diamond on the last row.{pi_text} The dashed line "
        "at {no_effect:g} marks no effect{axis}",
        name=i18n.gettext(name),
        k=result.k,
        method=method,
        pi_text=pi_text,
        no_effect=no_effect,
        axis=i18n.gettext("; the axis is logarithmic." if ratio else "."),
    )
    return (
        alt.layer(*layers)
        .properties(
            title=i18n.format(
                "{measure} by study and pooled ({method})",
                measure=i18n.gettext(meta.MEASURES[measure]),
                method=method,
            ),
            width=460,
            height=alt.Step(24),
            description=description,
        )
        .configure_axis(labelFontSize=12, titleFontSize=12)
    )


# Vega expressions of pooled.risk_with_ratio, per 1,000: OR scales the odds, HR assumes
# proportional hazards over the same follow-up. The page recomputes them as the reader moves
# the baseline-risk slider; the notebook's table shows the parameter's default.
def _risk_expr(ratio: str) -> str:
    return (
        f"1000 * (datum.measure == 'OR' ? datum.{ratio} * baseline_risk / "
        f"(1 - baseline_risk + datum.{ratio} * baseline_risk) : "
        f"1 - pow(1 - baseline_risk, datum.{ratio}))"
    )


def absolute_effects_chart(effects: pd.DataFrame, baseline_risk: float) -> alt.LayerChart:
    """Deaths per 1,000 with MSCs (95% CI) at a control risk the reader sets with a slider.

    The slider starts at ``baseline_risk``, so the page first shows the numbers the chapters
    glue; each row's text repeats them in the table's format, 'point (low to high)'.
    """
    data = pd.DataFrame(
        {
            "label": effects["label"].astype(str),
            "measure": effects["measure"].astype(str),
            "estimate": effects["estimate"].astype(float),
            "ci_low": effects["ci_low"].astype(float),
            "ci_high": effects["ci_high"].astype(float),
        }
    )
    risk = alt.param(
        name="baseline_risk",
        value=float(baseline_risk),
        bind=alt.binding_range(
            min=0.01,
            max=0.99,
            step=0.01,
            name=i18n.gettext("Control-group risk of death (0 to 1): "),
        ),
    )
    order = list(data["label"])
    x_scale = alt.Scale(domain=[0, 1000], nice=False)
    y = alt.Y("label:N", sort=order, title=None, axis=alt.Axis(labelLimit=220))
    base = (
        alt.Chart(data)
        .transform_calculate(
            point=_risk_expr("estimate"),
            low=_risk_expr("ci_low"),
            high=_risk_expr("ci_high"),
            control="1000 * baseline_risk",
        )
        .transform_calculate(
            text=_interval_expr(i18n.gettext("{point:.0f} ({low:.0f} to {high:.0f})")),
            difference="datum.point - datum.control",
        )
    )
    tooltip = [
        alt.Tooltip("label:N", title="Estimate"),
        alt.Tooltip("control:Q", title="Control risk per 1,000", format=".0f"),
        alt.Tooltip("text:N", title="Risk with MSCs per 1,000 (95% CI)"),
        alt.Tooltip("difference:Q", title="Difference per 1,000", format="+.0f"),
    ]
    x_title = "Deaths per 1,000 with MSCs (dashed line: control group)"
    x = alt.X("low:Q", scale=x_scale, title=x_title)
    bars = base.mark_rule(strokeWidth=2, color=OKABE_ITO[0]).encode(
        x=x, x2="high:Q", y=y, tooltip=tooltip
    )
    points = base.mark_point(filled=True, size=70, shape="square", color=OKABE_ITO[0]).encode(
        x=alt.X("point:Q", scale=x_scale, title=x_title), y=y, tooltip=tooltip
    )
    control = (
        alt.Chart(pd.DataFrame({"c": [0]}))
        .transform_calculate(control="1000 * baseline_risk")
        .mark_rule(strokeDash=[4, 4], color="#555555")
        .encode(x=alt.X("control:Q", scale=x_scale, title=x_title))
    )
    numbers = base.mark_text(align="left", dx=8, fontSize=11).encode(
        x=alt.datum(1000, scale=x_scale, title=x_title), y=y, text="text:N"
    )
    return (
        alt.layer(control, bars, points, numbers)
        .add_params(risk)
        .properties(
            title="Absolute effects: deaths per 1,000 animals with MSCs (95% CI)",
            width=300,
            height=alt.Step(24),
            description=(
                "Dot plot of the risk of death per 1,000 animals with MSC therapy implied by "
                "each pooled ratio at the control-group risk set by the slider, a square at the "
                "point estimate and a line across the 95% confidence interval; a dashed line "
                "marks the control-group risk and the numbers at the right repeat the risk "
                "with MSCs."
            ),
        )
        .configure_axis(labelFontSize=11, titleFontSize=12)
    )


def _interval_expr(template: str) -> str:
    """A Vega expression writing 'point (low to high)' as the edition's ``template`` does
    (the template of pooled.absolute_effects' table, so chart and table read alike)."""
    parts = re.split(r"\{(point|low|high):\.0f\}", template)
    return " + ".join(
        f"format(datum.{part}, '.0f')" if i % 2 else json.dumps(part, ensure_ascii=False)
        for i, part in enumerate(parts)
        if part or i % 2
    )


def _label_expr(param: str, labels: dict[str, str]) -> str:
    """A Vega expression giving the label of the option ``param`` holds."""
    expr = param
    for name, label in reversed(labels.items()):
        expr = f"({param} == {json.dumps(name)} ? {json.dumps(label)} : {expr})"
    return expr


def evidence_map_explorer(
    studies: pd.DataFrame, rows: str, columns: str, dimensions: tuple[str, ...]
) -> alt.LayerChart:
    """The evidence map with two menus choosing its dimensions, counted in the browser.

    Starts at ``rows`` by ``columns``, so the page first shows the map the chapters describe.
    """
    pretty = {name: name.replace("_", " ") for name in dimensions}
    options = list(dimensions)
    words = {name: i18n.gettext(pretty[name]) for name in options}
    labels = [words[name] for name in options]
    row_param = alt.param(
        name="map_rows",
        value=rows,
        bind=alt.binding_select(options=options, labels=labels, name=i18n.gettext("Rows: ")),
    )
    column_param = alt.param(
        name="map_columns",
        value=columns,
        bind=alt.binding_select(options=options, labels=labels, name=i18n.gettext("Columns: ")),
    )
    shown = studies[["label", *options]].astype(str)
    base = (
        alt.Chart(shown.assign(label=_marker_in_words(shown["label"])))
        .transform_calculate(row="datum[map_rows]", column="datum[map_columns]")
        .transform_aggregate(n="count()", names="values(label)", groupby=["row", "column"])
        .transform_calculate(studies="join(pluck(datum.names, 'label'), '; ')")
        .encode(
            x=alt.X("column:N", title=None, axis=alt.Axis(labelAngle=-40, labelLimit=200)),
            y=alt.Y("row:N", title=None, axis=alt.Axis(labelLimit=200)),
        )
    )
    heat = base.mark_rect(stroke="#ffffff").encode(
        color=alt.Color(
            "n:Q", title="Studies", scale=alt.Scale(scheme="blues"), legend=alt.Legend(format="d")
        ),
        tooltip=[
            alt.Tooltip("row:N", title="Row"),
            alt.Tooltip("column:N", title="Column"),
            alt.Tooltip("n:Q", title="Number of studies"),
            alt.Tooltip("studies:N", title="Studies"),
        ],
    )
    text = base.mark_text(fontSize=12).encode(
        text="n:Q",
        color=alt.condition("datum.n >= 3", alt.value("#ffffff"), alt.value("#000000")),
    )
    # the title follows the menus, in the edition's words: a template with the chosen labels
    template = i18n.gettext("Evidence map: studies by {rows} (rows) and {columns} (columns)")
    pieces = {"rows": _label_expr("map_rows", words), "columns": _label_expr("map_columns", words)}
    parts = re.split(r"\{(rows|columns)\}", template)
    title = alt.Title(
        text=alt.expr(
            " + ".join(pieces[part] if i % 2 else json.dumps(part) for i, part in enumerate(parts))
        )
    )
    return (
        alt.layer(heat, text)
        .add_params(row_param, column_param)
        .properties(
            title=title,
            description=(
                "Heatmap counting animal and clinical studies by the two dimensions chosen in "
                "the menus above it; darker cells hold more studies and each cell names its "
                "studies in the tooltip."
            ),
        )
    )
