"""What a custom run leaves for a reader besides its notebook: an HTML page and its glued values.

The page is self-contained and works offline: markdown through markdown-it (the parser the
book's MyST uses), charts as the static SVG every chart output carries (no JavaScript, no CDN),
tables as their HTML. The glued values are the text each one shows in the book, read with
myst-nb's ``extract_glue_data``.
"""

from __future__ import annotations

import base64
import csv
import html
import io
import json
from pathlib import Path

import nbformat
from markdown_it import MarkdownIt

from livingreview.data.files import write_atomic
from livingreview.data.releases import read_glue

# The first of these an output has is shown: a chart's SVG before its script-driven HTML.
_ORDER = ("image/svg+xml", "image/png", "text/html", "text/markdown", "text/plain")
_STYLE = """
body { font-family: system-ui, sans-serif; max-width: 60rem; margin: 1rem auto;
  padding: 0 1rem; line-height: 1.5; }
pre { background: #f5f5f5; padding: .5rem; overflow-x: auto; white-space: pre-wrap; }
.output { border-left: 3px solid #ccc; padding-left: .75rem; margin: .5rem 0 1.5rem;
  overflow-x: auto; }
.output svg, .output img { max-width: 100%; height: auto; }
details { margin: 0 0 1rem; } summary { cursor: pointer; color: #0b4fa8; }
@media print { details { display: none; } }
table { border-collapse: collapse; } td, th { border: 1px solid #ccc; padding: .2rem .4rem; }
.visually-hidden { position: absolute; left: -9999px; }
"""


def _text(value) -> str:
    return "".join(value) if isinstance(value, list) else str(value)


def _output_html(output, markdown: MarkdownIt) -> str:
    kind = output.get("output_type")
    if kind == "stream":
        return f"<pre>{html.escape(_text(output.get('text', '')))}</pre>"
    if kind == "error":
        lines = "\n".join(output.get("traceback", []))
        return f"<pre>{html.escape(lines)}</pre>"
    data = output.get("data", {})
    for mime in _ORDER:
        if mime not in data:
            continue
        value = _text(data[mime])
        if mime == "image/svg+xml" or mime == "text/html":
            return value
        if mime == "image/png":
            encoded = value if isinstance(value, str) else base64.b64encode(value).decode()
            return f'<img alt="" src="data:image/png;base64,{encoded.strip()}">'
        if mime == "text/markdown":
            return markdown.render(value)
        return f"<pre>{html.escape(value)}</pre>"
    return ""


def notebook_html(notebook: Path, title: str) -> str:
    """The executed notebook as one offline HTML page: its text, code and every output."""
    nb = nbformat.read(notebook, as_version=4)
    markdown = MarkdownIt("commonmark").enable("table")
    parts = []
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            parts.append(markdown.render(cell.source))
        elif cell.cell_type == "code":
            tags = cell.metadata.get("tags", [])
            code = f"<pre><code>{html.escape(cell.source)}</code></pre>"
            if "injected-parameters" in tags:  # what the reader chose: shown as given
                parts.append("<p><strong>The parameters of this run:</strong></p>")
                parts.append(code)
                continue
            shown = [_output_html(o, markdown) for o in cell.get("outputs", [])]
            parts.extend(f'<div class="output">{s}</div>' for s in shown if s)
            # results first, as on the book's pages: the code folds below what it produced
            parts.append(f"<details><summary>Show code</summary>{code}</details>")
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{html.escape(title)}</title>\n<style>{_STYLE}</style>\n</head>\n<body>\n"
        + "\n".join(parts)
        + "\n</body>\n</html>\n"
    )


def export_run(notebook: Path, title: str) -> dict[str, Path]:
    """Write ``NAME.html``, ``NAME.glue.csv`` and ``NAME.glue.json`` next to the notebook."""
    stem = notebook.with_suffix("")
    paths = {
        "HTML page": stem.with_suffix(".html"),
        "glued values (CSV)": Path(f"{stem}.glue.csv"),
        "glued values (JSON)": Path(f"{stem}.glue.json"),
    }
    write_atomic(paths["HTML page"], notebook_html(notebook, title), durable=False)
    values = read_glue(notebook)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["name", "value"])
    writer.writerows(sorted(values.items()))
    write_atomic(paths["glued values (CSV)"], buffer.getvalue(), durable=False)
    write_atomic(
        paths["glued values (JSON)"],
        json.dumps(dict(sorted(values.items())), indent=1, ensure_ascii=False) + "\n",
        durable=False,
    )
    return paths
