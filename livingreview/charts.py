"""Altair charts for the analyses. Colours come from the Okabe-Ito colour-blind-safe palette."""

from __future__ import annotations

import altair as alt
import pandas as pd

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
        x=alt.X(
            "ci_low:Q",
            scale=x_scale,
            title="Odds or hazard ratio (log scale; < 1 favours MSCs)",
        ),
        x2="ci_high:Q",
        y=y,
        color=colour_enc,
        tooltip=tooltip,
    )
    points = base.mark_point(filled=True, size=80, shape="square").encode(
        x=alt.X("estimate:Q", scale=x_scale), y=y, color=colour_enc, tooltip=tooltip
    )
    no_effect = (
        alt.Chart(pd.DataFrame({"x": [1.0]}))
        .mark_rule(strokeDash=[4, 4], color="#555555")
        .encode(x="x:Q")
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


def evidence_map(cells: pd.DataFrame, rows: str, columns: str) -> alt.LayerChart:
    """A heatmap of study counts with the studies named in the tooltip."""
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
        title=(
            f"Evidence map: studies by {title_case[rows].lower()} and {title_case[columns].lower()}"
        ),
        description=f"Heatmap counting animal and clinical studies by {rows.replace('_', ' ')} "
        f"and {columns.replace('_', ' ')}; darker cells hold more studies.",
    )
