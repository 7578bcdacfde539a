"""Every chart the analyses draw names its axes itself, in the edition's words.

Without an explicit title Vega-Lite falls back to the field name ("label", "row", "ci_low");
an axis that needs no title says so with ``title: None`` (or has no axis at all).
"""

from __future__ import annotations

import inspect
import json
import re
from collections.abc import Callable, Iterator

import pytest
from conftest import REPO

from livingreview.analysis import charts, evidence, i18n, meta, pooled, prisma, trials
from livingreview.analysis.display import ChartHTML
from livingreview.data.editions import EDITIONS
from livingreview.data.package import evidence_current_to, load_table, resources

POSITIONAL = ("x", "y", "row", "column")
CJK = re.compile(r"[\u4e00-\u9fff]")


def _prisma_flow():
    tables = {name: load_table(name) for name in (*prisma.STUDY_TABLES, prisma.META_TABLE)}
    log, screening = load_table("surveillance_log"), load_table("screening")
    field = next(f for f in resources()["screening"].fields if f.name == "exclusion_reason")
    counts = prisma.flow_counts(log, screening, tables)
    reasons = prisma.exclusion_reasons(screening, field.constraints["enum"])
    return prisma.flow_diagram(counts, reasons, "version 0.1.0", "version 0.2.0")


def _meta_forest(measure: str, method: str):
    studies = meta.read_studies(REPO / "data" / "examples" / "bcg_trials.csv")
    result = meta.pool(studies, measure, method)
    return charts.meta_forest_plot(meta.effect_sizes(studies, measure), result, measure)


def _evidence_map():
    studies = evidence.studies_for_map()
    return charts.evidence_map(
        evidence.evidence_map_cells(studies, "species", "organ"), "species", "organ"
    )


# Each chart builder the analyses call, with the data the book builds it from.
BUILDERS: dict[str, Callable[[], object]] = {
    "forest_plot": lambda: charts.forest_plot(pooled.load_pooled_effects()),
    "absolute_effects_chart": lambda: charts.absolute_effects_chart(
        pooled.load_pooled_effects(), 0.5
    ),
    "evidence_map": _evidence_map,
    "evidence_map_explorer": lambda: charts.evidence_map_explorer(
        evidence.studies_for_map(), "cell_source", "organ", evidence.MAP_DIMENSIONS
    ),
    "meta_forest_plot RR REML": lambda: _meta_forest("RR", "REML"),
    "meta_forest_plot RD FE": lambda: _meta_forest("RD", "FE"),
    "timeline": lambda: trials.timeline(
        trials.surveillance(as_of=evidence_current_to()), evidence_current_to()
    ),
    "flow_diagram": _prisma_flow,
}


def positional_channels(spec: object) -> Iterator[tuple[str, dict]]:
    """(channel, definition) of every positional channel in every layer of ``spec``."""
    if isinstance(spec, dict):
        encoding = spec.get("encoding")
        if isinstance(encoding, dict):
            for channel in POSITIONAL:
                if isinstance(encoding.get(channel), dict):
                    yield channel, encoding[channel]
        for key, value in spec.items():
            if key not in ("datasets", "data", "encoding"):
                yield from positional_channels(value)
    elif isinstance(spec, list):
        for value in spec:
            yield from positional_channels(value)


def test_every_chart_builder_the_notebooks_call_is_checked():
    called = set()
    for path in sorted((REPO / "analyses").glob("*.ipynb")):
        nb = json.loads(path.read_text(encoding="utf-8"))
        source = "\n".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code")
        called |= set(re.findall(r"\b(?:charts|trials|prisma)\.(\w+)\(", source))
    modules = (charts, trials, prisma)
    drawing = {
        name
        for name in called
        for module in modules
        if callable(getattr(module, name, None))
        and "alt." in str(inspect.signature(getattr(module, name)).return_annotation)
    }
    assert drawing, "no chart builder found in the notebooks"
    checked = {name.split()[0] for name in BUILDERS}
    assert drawing <= checked, f"charts drawn by the analyses but not checked: {drawing - checked}"


@pytest.fixture(params=[e.language for e in EDITIONS])
def language(request):
    i18n.use(request.param)
    yield request.param
    i18n.use(i18n.DEFAULT)


@pytest.mark.parametrize("name", list(BUILDERS))
def test_every_positional_axis_has_an_explicit_title(name, language):
    spec = ChartHTML(BUILDERS[name](), description="").spec
    channels = list(positional_channels(spec))
    assert channels, name
    for channel, definition in channels:
        if "axis" in definition and definition["axis"] is None:
            continue  # no axis drawn, so no title to fall back to
        assert "title" in definition, f"{name}: {channel} {definition} has no explicit title"
        title = definition["title"]
        if title is not None and language != i18n.DEFAULT:
            words = " ".join(title) if isinstance(title, list) else title
            assert CJK.search(words), f"{name}: {channel} title {title!r} is not translated"


def test_axis_titles_the_default_runs_never_draw_stay_in_the_catalog(tmp_path):
    """A catalogs run knows messages from what the English runs recorded; an effect measure
    the default parameters never draw is declared by the code, so it is never made obsolete."""
    from livingreview.analysis import meta
    from livingreview.analysis.charts import effect_axis_title
    from livingreview.book.catalogs import analysis_messages
    from livingreview.data.project import Project

    messages = analysis_messages(Project(REPO), [])  # no run recorded anything
    assert {effect_axis_title(m) for m in meta.MEASURES} <= set(messages)
