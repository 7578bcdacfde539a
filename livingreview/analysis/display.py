"""Display objects the analyses glue into the book: offline charts and escaped tables.

Charts render with the Vega libraries the book serves itself (``_static/vega-bundle.js``),
never from a CDN. Element ids derive from the content, so identical inputs give identical
notebooks.
"""

from __future__ import annotations

import hashlib
import html
import json
from functools import cached_property

import altair as alt
import pandas as pd


class ChartHTML:
    """An Altair chart rendered as a self-contained, deterministic HTML snippet."""

    def __init__(self, chart: alt.TopLevelMixin, description: str):
        self.spec = chart.to_dict()
        self.description = description

    @property
    def element_id(self) -> str:
        digest = hashlib.sha256(json.dumps(self.spec, sort_keys=True).encode()).hexdigest()
        return f"vega-chart-{digest[:12]}"

    def _repr_html_(self) -> str:
        spec = json.dumps(self.spec, sort_keys=True).replace("</", "<\\/")
        label = html.escape(self.description, quote=True)
        return (
            f'<figure class="vega-chart-figure">'
            f'<div id="{self.element_id}" class="vega-chart" role="img" aria-label="{label}"></div>'
            f'<figcaption class="visually-hidden sr-only">{label}</figcaption>'
            f"<script>(function() {{"
            f"var el = document.getElementById('{self.element_id}');"
            f"if (typeof vegaEmbed === 'undefined') {{ el.textContent = "
            f"'Chart unavailable: the Vega libraries did not load.'; return; }}"
            f"vegaEmbed(el, {spec}, {{renderer: 'svg', actions: false}})"
            f".catch(function(err) {{ el.textContent = 'Chart failed to render: ' + err; }});"
            f"}})();</script></figure>"
        )

    def _repr_svg_(self) -> str:
        """A static rendering for print, PDF and LaTeX builds (deterministic, no browser)."""
        return self.svg

    @cached_property
    def svg(self) -> str:
        # rendered once: the chart is displayed in the notebook and glued for the chapters
        import vl_convert

        return vl_convert.vegalite_to_svg(self.spec)

    def __repr__(self) -> str:
        return f"<chart: {self.description}>"


class TableHTML:
    """A DataFrame as a plain HTML table; every cell is escaped, so data cannot inject markup."""

    def __init__(self, frame: pd.DataFrame, caption: str = "", legend: str | None = None):
        from livingreview.analysis.confirmation import legend_for

        self.frame = frame
        self.caption = caption
        # Any table showing an unconfirmed value explains the marker under it.
        self.legend = legend_for(frame) if legend is None else legend

    def _repr_html_(self) -> str:
        body = self.frame.to_html(
            index=False, escape=True, na_rep="", border=0, classes=["evidence-table"]
        )
        if self.caption:
            body = body.replace(
                "<thead>", f"<caption>{html.escape(self.caption)}</caption>\n  <thead>", 1
            )
        # A scrollable region must be reachable by keyboard and named for screen readers.
        label = html.escape(self.caption or "Evidence table", quote=True)
        legend = f'<p class="table-legend">{html.escape(self.legend)}</p>' if self.legend else ""
        return (
            f'<div class="evidence-table-wrapper" tabindex="0" role="region" aria-label="{label}">'
            f"{body}</div>{legend}"
        )

    def __repr__(self) -> str:
        return self.frame.to_string(index=False)


class Text:
    """A string glued without quotes: ``{glue:text}`` shows its text/plain as is."""

    def __init__(self, text: str):
        self.text = str(text)

    def __repr__(self) -> str:
        return self.text
