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

from livingreview.analysis.confirmation import MARKER


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
        def shown(label: str) -> str:
            text, flagged = unmarked(label)
            return html.escape(text) + (symbol_html() if flagged else "")

        return html.escape(self.sep).join(
            f'<a class="reference internal" href="{html.escape(href, quote=True)}">'
            f"{shown(label)}</a>"
            for label, href in self.items
        )


# The data's marker for an unconfirmed value ("[unconfirmed]") is shown in tables as one short
# symbol per cell, explained once in the table's legend: the repeated word made rows unreadable.
SYMBOL = "†"
_MARKED = "\ue002"  # a cell's symbol while pandas escapes the table


def unmarked(text: str) -> tuple[str, bool]:
    """The text without the data's marker, and whether it carried one."""
    marker = f"[{MARKER}]"
    if marker not in text:
        return text, False
    return " ".join(text.replace(marker, " ").split()), True


def symbol_html() -> str:
    from livingreview.analysis import i18n

    title = html.escape(i18n.gettext(MARKER), quote=True)
    return f'<abbr class="unconfirmed-mark" title="{title}">{SYMBOL}</abbr>'


def symbol_legend() -> str:
    """The legend of a table whose cells carry the symbol, in the edition's words."""
    from livingreview.analysis import i18n

    return i18n.format(
        "{symbol} not yet confirmed: taken from the source review or from secondary copies and "
        "not yet checked against a primary record (the registry's own record, the publisher's "
        "page, PubMed or PubMed Central).",
        symbol=SYMBOL,
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
        # Any table showing an unconfirmed value explains its symbol under it.
        legend = (symbol_legend() if legend_for(frame) else "") if legend is None else legend
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
        if _MARKED in body:
            body = body.replace(_MARKED, symbol_html())
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
        def plain(value):
            if isinstance(value, Links):
                return str(value)
            return value.replace(_MARKED, f" {SYMBOL}") if isinstance(value, str) else value

        return self.frame.map(plain).to_string(index=False)


class ReadingTable:
    """A compact evidence table for reading: the columns a clinician scans, each row followed by
    its full details folded under one line (``<details>``), a fixed layout that fits the text
    column, and filters and sorting added in the browser by ``_static/evidence-tables.js``.

    Without JavaScript, and in print, it is a plain table. Cells are escaped text, ``Links``,
    or a tuple of lines; each line carrying the data's marker shows the symbol.
    ``filters`` name a filter and give each row's value (it may differ from the shown cell:
    a grouped category); ``numeric`` columns sort as numbers; ``widths`` are relative.
    """

    def __init__(
        self,
        frame: pd.DataFrame,
        caption: str = "",
        details: pd.DataFrame | None = None,
        filters: dict[str, pd.Series] | None = None,
        numeric: tuple[str, ...] = (),
        widths: dict[str, float] | None = None,
    ):
        from livingreview.analysis import i18n

        tr = i18n.active()
        self.language = tr.language
        self.english_cells = False
        self.flagged = False
        self.columns = [tr(header(name)) for name in frame.columns]
        self.numeric = [name in numeric for name in frame.columns]
        total = sum((widths or {}).values()) or 1
        self.widths = [(widths or {}).get(name, 0) / total for name in frame.columns]
        self.rows = [[self._cell(v, tr) for v in row] for row in frame.itertuples(index=False)]
        self.details: list[list[tuple[str, str]]] = [[] for _ in self.rows]
        if details is not None:
            for i, (_, row) in enumerate(details.loc[frame.index].iterrows()):
                self.details[i] = [
                    (tr(header(name)), self._cell(value, tr))
                    for name, value in row.items()
                    if not _blank(value)
                ]
        self.filters = [
            (
                tr(label),
                [tr.lookup(str(v)) if not _blank(v) else "" for v in values.loc[frame.index]],
            )
            for label, values in (filters or {}).items()
        ]
        self.caption = tr(caption) if caption else ""
        parts = [symbol_legend()] if self.flagged else []
        note = i18n.english_cells_note(tr.language) if self.english_cells else None
        self.legend = " ".join([*parts, note] if note else parts)
        self.words = {
            "all": tr("all"),
            "details": tr("Details"),
            "shown": tr("{shown} of {total} rows shown"),
            "sort": tr("sort by this column"),
        }

    def _cell(self, value, tr) -> str:
        """A cell as HTML: escaped text (translated when the catalog has it), links or lines."""
        import re

        if isinstance(value, Links):
            return value.to_html()
        if isinstance(value, tuple) and value and isinstance(value[0], Links):
            # links, then lines under them (a study's citation and its eligibility)
            rest = [self._cell(line, tr) for line in value[1:]]
            lines_html = [value[0].to_html(), *rest]
            return "".join(f'<span class="cell-line">{line}</span>' for line in lines_html if line)
        lines = value if isinstance(value, tuple) else ("" if _blank(value) else str(value),)
        shown, flagged = [], False
        for line in lines:
            text, marked = unmarked(line)
            if marked and not line.rstrip().endswith(f"[{MARKER}]"):
                # a marker inside the cell (one finding of several): the symbol where it stands
                inner = tr.lookup(line).split(f"[{MARKER}]")
                shown.append(symbol_html().join(html.escape(part.rstrip()) for part in inner))
                flagged = True
                continue
            out = tr.lookup(text)
            # English left in a translated edition: no Chinese at all, and words of Latin letters
            # (an identifier, an acronym or a product code is not English text)
            cjk = re.search(r"[\u4e00-\u9fff]", out)
            if tr.translates and not cjk and re.search(r"\b[a-z]{3,}\b", out):
                self.english_cells = True
            # the symbol after every value that carries the marker, where it stands
            shown.append(html.escape(out) + (symbol_html() if marked else ""))
            flagged |= marked
        self.flagged |= flagged
        if len(shown) > 1:
            return "".join(f'<span class="cell-line">{line}</span>' for line in shown if line)
        return shown[0]

    def _repr_html_(self) -> str:
        import json

        esc = html.escape
        filters = json.dumps([label for label, _ in self.filters], ensure_ascii=False)
        attributes = f' data-filters="{esc(filters, quote=True)}"' + "".join(
            f' data-word-{k}="{esc(v, quote=True)}"' for k, v in self.words.items()
        )
        cols = "".join(
            f'<col style="width: {100 * w:.1f}%">' if w else "<col>" for w in self.widths
        )
        number = ' data-sort="number"'
        heads = "".join(
            f'<th scope="col"{number if num else ""}>{esc(name)}</th>'
            for name, num in zip(self.columns, self.numeric, strict=True)
        )
        body = []
        for i, row in enumerate(self.rows):
            data = "".join(
                f' data-filter-{k}="{esc(values[i], quote=True)}"'
                for k, (_, values) in enumerate(self.filters)
            )
            cells = "".join(f"<td>{cell}</td>" for cell in row)
            body.append(f'<tr class="row-main"{data}>{cells}</tr>')
            if self.details[i]:
                items = "".join(f"<dt>{esc(k)}</dt><dd>{v}</dd>" for k, v in self.details[i])
                body.append(
                    f'<tr class="row-details"><td colspan="{len(self.columns)}"><details>'
                    f"<summary>{esc(self.words['details'])}</summary><dl>{items}</dl>"
                    "</details></td></tr>"
                )
        caption = f"<caption>{esc(self.caption)}</caption>" if self.caption else ""
        label = esc(self.caption or "Evidence table", quote=True)
        legend = f'<p class="table-legend">{esc(self.legend)}</p>' if self.legend else ""
        return (
            f'<div class="evidence-table-wrapper reading-table-wrapper" tabindex="0" '
            f'role="region" aria-label="{label}">'
            f'<table class="evidence-table reading-table"{attributes}>{caption}'
            f"<colgroup>{cols}</colgroup><thead><tr>{heads}</tr></thead>"
            f"<tbody>{''.join(body)}</tbody></table></div>{legend}"
        )

    def __repr__(self) -> str:
        import re

        def plain(markup: str) -> str:
            text = re.sub(r'<span class="cell-line">(.*?)</span>', r"\1 ", markup)
            return html.unescape(re.sub(r"<[^>]+>", "", text)).strip()

        lines = [" | ".join(self.columns)]
        lines += [" | ".join(plain(c) for c in row) for row in self.rows]
        return "\n".join(lines)


def _blank(value) -> bool:
    if isinstance(value, (Links, tuple)):
        return False
    return value is None or (not isinstance(value, str) and pd.isna(value)) or str(value) == ""


# Field names whose plain words would mislead: most log rows are look-ups, not searches.
_HEADERS = {"search_id": "Log entry"}


def header(name: str) -> str:
    """A column header for readers: a data field's name becomes words ('registry_id' ->
    'Registry id'), so no table shows a raw field name; any other header stays as written."""
    import re

    if name in _HEADERS:
        return _HEADERS[name]
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
            if _MARKED in value:
                raise ValueError("a table cell contains the private-use character U+E002")
            text, flagged = unmarked(value)
            if text in tr.untranslated:
                english = True
            out = tr.lookup(text)
            # a marker inside a cell (one of several findings) becomes the symbol where it stands
            out = out.replace(f" [{MARKER}]", _MARKED).replace(f"[{MARKER}]", _MARKED)
            return out + _MARKED if flagged else out
        return value

    columns = {tr(header(name)) if isinstance(name, str) else name: name for name in frame.columns}
    out = frame.map(cell).rename(columns={v: k for k, v in columns.items()})
    return out, english


class Text:
    """A string glued without quotes: ``{glue:text}`` shows its text/plain as is."""

    def __init__(self, text: str):
        from livingreview.analysis import i18n

        # a categorical value (a product, a route) in the edition's words; a sentence or a
        # number is not in the catalog and stays as built
        tr = i18n.active()
        self.text = tr.lookup(str(text))
        if tr.translates:
            # the data's marker in running text, in the edition's own words and brackets
            word = tr(MARKER)
            self.text = self.text.replace(f" [{MARKER}]", f"[{MARKER}]").replace(
                f"[{MARKER}]", f"（{word}）" if word != MARKER else f" [{MARKER}]"
            )

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
