"""Display objects the analyses glue into the book: offline charts and escaped tables.

Charts render with the Vega libraries the book serves itself (``_static/vega-bundle.js``),
never from a CDN. Element ids derive from the content, so identical inputs give identical
notebooks.
"""

from __future__ import annotations

import hashlib
import html
import json
from dataclasses import dataclass
from functools import cached_property

import altair as alt
import pandas as pd


class ChartHTML:
    """An Altair chart rendered as a self-contained, deterministic HTML snippet."""

    def __init__(self, chart: alt.TopLevelMixin, description: str):
        from livingreview.analysis import i18n

        # The edition's words: titles, axes, legends, tooltips and categorical values.
        self.spec = i18n.translate_spec(chart.to_dict())
        self.description = i18n.gettext(description)

    @property
    def element_id(self) -> str:
        digest = hashlib.sha256(json.dumps(self.spec, sort_keys=True).encode()).hexdigest()
        return f"vega-chart-{digest[:12]}"

    @property
    def has_controls(self) -> bool:
        """Whether a parameter of the chart is bound to an input the reader can change."""
        return any("bind" in p for p in self.spec.get("params", []))

    def _repr_html_(self) -> str:
        spec = json.dumps(self.spec, sort_keys=True).replace("</", "<\\/")
        label = html.escape(self.description, quote=True)
        # Inputs go in their own element, outside the role="img" box (which hides its content
        # from screen readers) and outside the <form> Vega would otherwise wrap them in; a chart
        # without inputs binds to a detached element, so Vega adds no empty <form> to the page.
        controls, bind = "", ", bind: document.createElement('div')"
        if self.has_controls:
            controls = f'<div id="{self.element_id}-controls" class="vega-chart-controls"></div>'
            bind = f", bind: document.getElementById('{self.element_id}-controls')"
        return (
            f'<figure class="vega-chart-figure">{controls}'
            f'<div id="{self.element_id}" class="vega-chart" role="img" aria-label="{label}"></div>'
            # The script follows the figure: HTML allows a caption only first or last in it.
            f'<figcaption class="visually-hidden sr-only">{label}</figcaption></figure>'
            f"<script>(function() {{"
            f"var el = document.getElementById('{self.element_id}');"
            f"if (typeof vegaEmbed === 'undefined') {{ el.textContent = "
            f"'Chart unavailable: the Vega libraries did not load.'; return; }}"
            f"vegaEmbed(el, {spec}, {{renderer: 'svg', actions: false{bind}}})"
            f".catch(function(err) {{ el.textContent = 'Chart failed to render: ' + err; }});"
            f"}})();</script>"
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


@dataclass(frozen=True)
class Links:
    """A table cell of one or more links: ``(label, href)`` pairs the analysis built itself.

    ``TableHTML`` renders it as anchors, escaping each label and href; every other cell stays
    escaped text. Data never reaches an href unchecked: the analysis builds it from known parts.
    """

    items: tuple[tuple[str, str], ...]
    sep: str = "; "

    def __str__(self) -> str:
        return self.sep.join(label for label, _ in self.items)

    def to_html(self) -> str:
        return html.escape(self.sep).join(
            f'<a class="reference internal" href="{html.escape(href, quote=True)}">'
            f"{html.escape(label)}</a>"
            for label, href in self.items
        )


# Link cells become these tokens before pandas escapes the table, then their anchors.
_TOKEN = "\ue000{}\ue001"


class TableHTML:
    """A DataFrame as a plain HTML table; every cell is escaped, so data cannot inject markup.

    Cells holding ``Links`` are the exception: they render as the links the analysis built.
    """

    def __init__(self, frame: pd.DataFrame, caption: str = "", legend: str | None = None):
        from livingreview.analysis import i18n
        from livingreview.analysis.confirmation import legend_for

        tr = i18n.active()
        # Any table showing an unconfirmed value explains the marker under it.
        legend = legend_for(frame) if legend is None else legend
        self.frame, self.english_cells = _translated(frame, tr)
        self.caption = tr(caption) if caption else caption
        self.legend = tr(legend) if legend else legend
        note = i18n.english_cells_note(tr.language) if self.english_cells else None
        if note:
            self.legend = f"{self.legend} {note}".strip() if self.legend else note

    def _with_tokens(self) -> tuple[pd.DataFrame, dict[str, str]]:
        links: dict[str, str] = {}
        columns = {}
        for name in self.frame.columns:
            column = self.frame[name]
            if column.map(lambda v: isinstance(v, Links)).any():

                def token(value):
                    if not isinstance(value, Links):
                        return value
                    key = _TOKEN.format(len(links))
                    links[key] = value.to_html()
                    return key

                column = column.map(token)
            columns[name] = column
        frame = pd.DataFrame(columns, index=self.frame.index) if links else self.frame
        return frame, links

    def _repr_html_(self) -> str:
        frame, links = self._with_tokens()
        # pandas ignores na_rep for nullable dtypes and would print "<NA>"
        frame = frame.astype(object).where(frame.notna(), "")
        body = frame.to_html(
            index=False, escape=True, na_rep="", border=0, classes=["evidence-table"]
        )
        if links:
            if body.count("\ue000") != len(links):  # a data cell holds a token character
                raise ValueError("a table cell contains the private-use character U+E000")
            for key, markup in links.items():
                body = body.replace(key, markup, 1)
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
        shown = self.frame.map(lambda v: str(v) if isinstance(v, Links) else v)
        return shown.to_string(index=False)


def header(name: str) -> str:
    """A column header for readers: a data field's name becomes words ('registry_id' ->
    'Registry id'), so no table shows a raw field name; any other header stays as written."""
    import re

    # two letters or fewer are notation (yi, vi, n), which the analysis text uses as written
    if len(name) <= 2 or not re.fullmatch(r"[a-z][a-z0-9]*(_[a-z0-9]+)*", name):
        return name
    words = name.replace("_", " ")
    return words[0].upper() + words[1:]


def _translated(frame: pd.DataFrame, tr) -> tuple[pd.DataFrame, bool]:
    """Headers as words, through the translator; categories the analyses wrote translated.

    Returns the frame and whether, in a translated edition, it shows a data cell that stayed
    English for want of a translation (``i18n.translate_cells`` remembers those).
    """
    from livingreview.analysis.data_catalog import unmarked

    english = False

    def cell(value):
        nonlocal english
        if isinstance(value, str):
            if unmarked(value)[0] in tr.untranslated:
                english = True
            return tr.lookup(value)
        return value

    columns = {tr(header(name)) if isinstance(name, str) else name: name for name in frame.columns}
    if not tr.translates:
        return frame.rename(columns={v: k for k, v in columns.items()}), False
    out = frame.map(cell).rename(columns={v: k for k, v in columns.items()})
    return out, english


class Text:
    """A string glued without quotes: ``{glue:text}`` shows its text/plain as is."""

    def __init__(self, text: str):
        from livingreview.analysis import i18n

        # a categorical value (a product, a route) in the edition's words; a sentence or a
        # number is not in the catalog and stays as built
        self.text = i18n.active().lookup(str(text))

    def __repr__(self) -> str:
        return self.text


def _frame_html(frame: pd.DataFrame) -> str:
    """pandas's notebook view of a DataFrame without its ``<style scoped>``, invalid in HTML.

    Without the row index: a table with headers in one row only needs no scope attributes.
    """
    return frame.to_html(
        index=False,
        max_rows=pd.get_option("display.max_rows"),
        max_cols=pd.get_option("display.max_columns"),
    )


def _show_frames_as_valid_html() -> None:
    try:
        from IPython import get_ipython
    except ImportError:
        return
    shell = get_ipython()
    if shell is not None:  # in a notebook: an analysis showing a DataFrame as its cell's result
        shell.display_formatter.formatters["text/html"].for_type(pd.DataFrame, _frame_html)


_show_frames_as_valid_html()
