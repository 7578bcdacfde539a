"""Charts in the edition's words and number style: legends, the slider, point labels, the
evidence map's categories and the reference-date label (axis titles: test_chart_axes.py)."""

from __future__ import annotations

import re

import pytest

from livingreview.analysis import charts, evidence, i18n, pooled, trials
from livingreview.analysis.display import ChartHTML
from livingreview.data.package import evidence_current_to

CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture
def zh():
    tr = i18n.use("zh_CN")
    yield tr
    i18n.use(i18n.DEFAULT)


def _walk(node, key=""):
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _walk(v, k)
    elif isinstance(node, list):
        for v in node:
            yield from _walk(v, key)
    else:
        yield key, node


def _legend_titles(spec) -> list[str]:
    found = []

    def visit(node):
        if isinstance(node, dict):
            encoding = node.get("encoding", {})
            for channel in ("color", "size", "shape"):
                title = encoding.get(channel, {}).get("title") if encoding else None
                if isinstance(title, str):
                    found.append(title)
            for value in node.values():
                visit(value)
        elif isinstance(node, list):
            for value in node:
                visit(value)

    visit(spec)
    return found


def test_slider_and_point_labels_use_the_editions_words_and_number_style(zh):
    spec = ChartHTML(charts.absolute_effects_chart(pooled.load_pooled_effects(), 0.5), "").spec
    slider = next(p["bind"]["name"] for p in spec["params"] if "bind" in p)
    assert CJK.search(slider)
    template = zh("{point:.0f} ({low:.0f} to {high:.0f})")
    assert template != "{point:.0f} ({low:.0f} to {high:.0f})"  # the catalog has it
    texts = [v for k, v in _walk(spec) if k == "calculate" and "format(datum.point" in str(v)]
    # the label the browser computes reads as the table does: 68（52 至 87）
    pieces = [part for part in re.split(r"\{\w+:\.0f\}", template) if part]
    assert texts and all(f'"{piece}"' in texts[0] for piece in pieces)


@pytest.mark.parametrize(
    "build",
    [
        lambda: charts.forest_plot(pooled.load_pooled_effects()),
        lambda: trials.timeline(
            trials.surveillance(as_of=evidence_current_to()), evidence_current_to()
        ),
        lambda: charts.evidence_map_explorer(
            evidence.studies_for_map(), "kind", "organ", evidence.MAP_DIMENSIONS
        ),
    ],
)
def test_legend_titles_are_translated(zh, build):
    titles = _legend_titles(ChartHTML(build(), "").spec)
    assert titles and all(CJK.search(t) for t in titles), titles


def test_evidence_map_categories_and_statuses_are_the_editions_words(zh):
    studies = evidence.studies_for_map()
    spec = ChartHTML(
        charts.evidence_map_explorer(studies, "kind", "organ", evidence.MAP_DIMENSIONS), ""
    ).spec
    rows = next(iter(spec["datasets"].values()))
    kinds = {row["kind"] for row in rows}
    english = set(studies["kind"])
    assert kinds and not kinds & english and all(CJK.search(k) for k in kinds)
    organs = {row["organ"] for row in rows}
    assert all(CJK.search(organ) for organ in organs), organs
    # a study read only in copies says so in the tooltip, in the edition's words
    marked = [row["label"] for row in rows if "未确认" in row["label"]]
    assert not any("[unconfirmed]" in row["label"] for row in rows)
    assert len(marked) == int(studies["label"].str.contains("[unconfirmed]", regex=False).sum())

    as_of = evidence_current_to()
    table = trials.surveillance(as_of=as_of)
    timeline = ChartHTML(trials.timeline(table, as_of), "").spec
    domains = [v for k, v in _walk(timeline) if k == "domain" and isinstance(v, str)]
    statuses = set(table["status"].dropna())
    assert domains and not set(domains) & statuses  # every status in the edition's words
    labels = [v for k, v in _walk(timeline) if k == "label" and as_of in str(v)]
    assert labels and all(CJK.search(label) for label in labels)  # "截至 DATE"
