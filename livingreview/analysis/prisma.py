"""PRISMA 2020 flow for a living review: counts for each box, and the diagram.

Pure functions over DataFrames (the surveillance log, the screening table and the evidence
tables), so the counts can be tested on small hand-made frames.

*Studies in the previous version* are the studies the book held before this update: one per row
of the animal-study, clinical-study and registered-trial tables, and one per meta-analysis of
animal studies in the pooled-effects table (that table has one row per pooled estimate, so
several rows can belong to one meta-analysis; they are counted once, by reference key), less
the rows that are records included by this update (matched by identifier), which the tables
have already taken in. The last box adds every included record, so a record taken into the
tables counts once.
"""

from __future__ import annotations

import altair as alt
import pandas as pd

from livingreview.analysis import i18n

# Tables with one study (or registration) per row, and the column identifying it.
STUDY_TABLES = ("preclinical_studies", "clinical_studies", "registered_trials")
ID_COLUMNS = {
    "preclinical_studies": "study_id",
    "clinical_studies": "study_id",
    "registered_trials": "registry_id",
}
# Table with one row per pooled estimate; a meta-analysis is counted once by this column.
META_TABLE, META_KEY = "pooled_effects", "ref_key"
BASELINE_SOURCE = "source review"
INCLUDED, EXCLUDED, AWAITING = "included", "excluded", "awaiting classification"
# A record a scheduled search added that nobody has screened yet: identified, not screened.
UNSCREENED = "awaiting screening"


def held_studies(tables: dict[str, pd.DataFrame]) -> set[tuple[str, str]]:
    """(table, identifier) of every study the evidence tables hold now."""
    held = {
        (name, str(value))
        for name in STUDY_TABLES
        if name in tables
        for value in tables[name][ID_COLUMNS[name]]
    }
    if META_TABLE in tables:
        held |= {(META_TABLE, str(key)) for key in tables[META_TABLE][META_KEY].unique()}
    return held


def previous_studies(tables: dict[str, pd.DataFrame], screening: pd.DataFrame | None = None) -> int:
    """Studies held before this update: the tables' studies less the records this update
    included (``screening``) that the tables have already taken in."""
    held = held_studies(tables)
    if screening is None:
        return len(held)
    included = set(screening.loc[screening["decision"] == INCLUDED, "record_id"].astype(str))
    return len({(name, key) for name, key in held if key not in included})


def previous_version(releases: list[tuple[str, str]], first_search: str) -> str | None:
    """The version the update started from: the last release (``(version, date)`` in release
    order) dated before the update's first search; None when no release is that old."""
    before = [version for version, date in releases if str(date) < str(first_search)]
    return before[-1] if before else None


def flow_counts(log: pd.DataFrame, screening: pd.DataFrame, previous: int) -> dict[str, int]:
    """The number in every box of the flow diagram.

    ``identified`` counts the records met in this update (one per screening row), ``searches``
    the entries of the surveillance log for it (searches and registry checks: every log row
    other than the baseline); records a search added that await screening are identified but
    not yet screened.
    """
    decisions = screening["decision"]
    included = int((decisions == INCLUDED).sum())
    unscreened = int((decisions == UNSCREENED).sum())
    return {
        "previous": int(previous),
        "searches": int((log["source"] != BASELINE_SOURCE).sum()),
        "identified": len(screening),
        "awaiting_screening": unscreened,
        "screened": len(screening) - unscreened,
        "excluded": int((decisions == EXCLUDED).sum()),
        "awaiting": int((decisions == AWAITING).sum()),
        "included": included,
        "total": int(previous) + included,
    }


def exclusion_reasons(screening: pd.DataFrame, order: list[str] | None = None) -> pd.DataFrame:
    """Excluded records per reason, in ``order`` (the schema's list) and without empty reasons."""
    excluded = screening[screening["decision"] == EXCLUDED]
    counts = excluded.groupby("exclusion_reason").size()
    reasons = list(order or sorted(counts.index))
    reasons += [r for r in counts.index if r not in reasons]
    rows = [(r, int(counts.get(r, 0))) for r in reasons if counts.get(r, 0)]
    return pd.DataFrame(rows, columns=["reason", "records"])


def slug(text: str) -> str:
    """A glue-name fragment for a reason: 'not sepsis population' -> 'not_sepsis_population'."""
    return "".join(c if c.isalnum() else "_" for c in text.lower()).strip("_")


# Diagram geometry, in chart units (1 unit = 1 pixel): three columns (the previous version,
# the flow of this update, the records that leave it) and rows STEP apart.
WIDTH, BOX_H, STEP, LINE = 700, 56, 90, 15
LEFT, MAIN, SIDE = (10, 160), (180, 450), (470, 690)


def _box(row: int, column: tuple[int, int], text: str, height: int = BOX_H) -> dict:
    y = 20 + row * STEP
    return {"x": column[0], "x2": column[1], "y": y, "y2": y + height, "text": text}


def flow_diagram(
    counts: dict[str, int],
    reasons: pd.DataFrame,
    previous_label: str = "the previous version",
    current_label: str = "this version",
) -> alt.LayerChart:
    """A vertical PRISMA 2020 flow (living-review form) with the exclusions on the right."""
    fmt = i18n.format
    lines = [
        fmt("{reason}: {records}", reason=i18n.active().lookup(r.reason), records=r.records)
        for r in reasons.itertuples()
    ]
    side_height = max(BOX_H, LINE * (len(lines) + 1) + 20)
    identified = fmt(
        "Records identified in this update\n{identified} (from {searches} surveillance-log "
        "entries)",
        identified=counts["identified"],
        searches=counts["searches"],
    )
    boxes = {
        "previous": _box(
            0, LEFT, fmt("Studies in\n{label}\n{n}", label=previous_label, n=counts["previous"])
        ),
        "identified": _box(0, MAIN, identified),
        "unscreened": _box(
            0, SIDE, fmt("Records awaiting screening\n{n}", n=counts["awaiting_screening"])
        ),
        "screened": _box(1, MAIN, fmt("Records screened\n{n}", n=counts["screened"])),
        "excluded": _box(
            1,
            SIDE,
            "\n".join([fmt("Records excluded: {n}", n=counts["excluded"]), *lines]),
            side_height,
        ),
        "included": _box(3, MAIN, fmt("Records included (eligible)\n{n}", n=counts["included"])),
        "awaiting": _box(3, SIDE, fmt("Awaiting classification\n{n}", n=counts["awaiting"])),
        "total": _box(
            4,
            (LEFT[0], MAIN[1]),
            fmt("Studies and records in {label}\n{n}", label=current_label, n=counts["total"]),
        ),
    }
    frame = pd.DataFrame(boxes.values())
    frame["cx"] = (frame["x"] + frame["x2"]) / 2
    # multi-line text starts at its top: centre the block of lines in its box
    frame["cy"] = (frame["y"] + frame["y2"]) / 2 - frame["text"].str.count("\n") * LINE / 2
    height = int(frame["y2"].max() + 20)
    mid, left_mid = sum(MAIN) / 2, sum(LEFT) / 2

    def across(name: str) -> dict:  # from the main column to the side box, at its first line
        y = boxes[name]["y"] + BOX_H / 2
        return {"x": MAIN[1], "y": y, "x2": SIDE[0], "y2": y}

    arrows = pd.DataFrame(
        [
            {"x": mid, "y": boxes["identified"]["y2"], "x2": mid, "y2": boxes["screened"]["y"]},
            {"x": mid, "y": boxes["screened"]["y2"], "x2": mid, "y2": boxes["included"]["y"]},
            {"x": mid, "y": boxes["included"]["y2"], "x2": mid, "y2": boxes["total"]["y"]},
            {
                "x": left_mid,
                "y": boxes["previous"]["y2"],
                "x2": left_mid,
                "y2": boxes["total"]["y"],
            },
            across("unscreened"),
            across("excluded"),
            across("awaiting"),
        ]
    )
    heads = pd.DataFrame(
        [
            {"x": mid, "y": boxes["screened"]["y"] - 4, "shape": "triangle-down"},
            {"x": mid, "y": boxes["included"]["y"] - 4, "shape": "triangle-down"},
            {"x": mid, "y": boxes["total"]["y"] - 4, "shape": "triangle-down"},
            {"x": left_mid, "y": boxes["total"]["y"] - 4, "shape": "triangle-down"},
            {"x": SIDE[0] - 4, "y": across("unscreened")["y"], "shape": "triangle-right"},
            {"x": SIDE[0] - 4, "y": across("excluded")["y"], "shape": "triangle-right"},
            {"x": SIDE[0] - 4, "y": across("awaiting")["y"], "shape": "triangle-right"},
        ]
    )
    x = alt.X("x:Q", scale=alt.Scale(domain=[0, WIDTH]), axis=None)
    y = alt.Y("y:Q", scale=alt.Scale(domain=[0, height], reverse=True), axis=None)
    rects = (
        alt.Chart(frame)
        .mark_rect(fill="#f5f8fb", stroke="#0072B2", strokeWidth=1.5)
        .encode(x=x, x2="x2:Q", y=y, y2="y2:Q")
    )
    texts = (
        alt.Chart(frame)
        .mark_text(lineBreak="\n", lineHeight=LINE, fontSize=12, align="center", baseline="middle")
        .encode(
            x=alt.X("cx:Q", scale=alt.Scale(domain=[0, WIDTH]), axis=None),
            y=alt.Y("cy:Q", scale=alt.Scale(domain=[0, height], reverse=True), axis=None),
            text="text:N",
        )
    )
    rules = (
        alt.Chart(arrows)
        .mark_rule(color="#444444", strokeWidth=1.5)
        .encode(x=x, y=y, x2="x2:Q", y2="y2:Q")
    )
    points = (
        alt.Chart(heads)
        .mark_point(filled=True, color="#444444", size=60, opacity=1)
        .encode(x=x, y=y, shape=alt.Shape("shape:N", scale=None, legend=None))
    )
    return (
        alt.layer(rects, rules, points, texts)
        .properties(width=WIDTH, height=height)
        .configure_view(stroke=None)
    )


SCREENING_COLUMNS = [
    "record_id", "title", "year", "design", "decision", "exclusion_reason", "search_id",
    "primary_address", "record_date", "checked",
]  # fmt: skip


def screening_table(screening: pd.DataFrame, project=None) -> pd.DataFrame:
    """The screening decisions; a record that is a reference of the book links to its entry."""
    from livingreview.analysis.evidence import reference_links
    from livingreview.data.bib import citation_labels

    labels = citation_labels(project)
    shown = screening[SCREENING_COLUMNS].astype("string").fillna("")
    ids = [reference_links(rid, labels) if rid in labels else rid for rid in shown["record_id"]]
    shown["record_id"] = pd.Series(ids, index=shown.index, dtype=object)
    return shown
