"""PRISMA 2020 flow for an updated review, at study level with the reports beside it.

Pure functions over DataFrames (the surveillance log, the screening table and the evidence
tables), so every box can be tested on small hand-made frames. The unit is the study: each
screening record names its study (``study_id``), so a study with several records (a
registration, a protocol, its reports) counts once.

- *Previous version*: the records the book held before this update (the source-review
  baseline, whatever its decision now, and records screened ``already held``); their studies
  are the studies of the previous version (the version the update started from: the last
  release before its first search). Those whose evidence row says ``outside the rule`` form
  the box "cited by the source review, outside the rule": shown, never counted as included
  studies; those now awaiting classification are said in the box.
- *This update*: every record a search or look-up of the log met (any row but the baseline),
  split by how it was met: databases, registers (a search of either), other methods (look-ups
  of known records, which verify them, and other look-ups). Records already held are removed
  before screening; excluded records leave with their reason; records whose primary record was
  not retrieved, and those still missing information, await classification; records assessed
  on secondary copies alone are counted as such; registered trials meeting the rule without
  results are ongoing.
- *Total*: studies of the previous version that meet the rule, plus new included studies, less
  ongoing studies and studies awaiting classification; reports are the records of those studies.
"""

from __future__ import annotations

import altair as alt
import pandas as pd

from livingreview.analysis import i18n
from livingreview.data import screening as rule
from livingreview.data.searches import BASELINE, LOOKUP, MANUAL, SCHEDULED

# Tables with one study (or registration) per row, and the column identifying it.
STUDY_TABLES = ("preclinical_studies", "clinical_studies", "registered_trials")
ID_COLUMNS = {name: rule.EVIDENCE_KEYS[name] for name in STUDY_TABLES}
# Table with one row per pooled estimate; a meta-analysis is counted once by this column.
META_TABLE, META_KEY = "pooled_effects", "ref_key"
BASELINE_SOURCE = "source review"
INCLUDED, EXCLUDED, AWAITING = rule.INCLUDED, rule.EXCLUDED, rule.AWAITING
UNSCREENED = rule.UNSCREENED
# Sources of a search that are trial registers (PRISMA: "registers"); any other searched
# source is a bibliographic database.
REGISTERS = {
    "ClinicalTrials.gov",
    "ChiCTR",
    "EU Clinical Trials Register",
    "Netherlands Trial Register",
    "WHO ICTRP",
    "EU CTIS",
}


def previous_version(releases: list[tuple[str, str]], first_search: str) -> str | None:
    """The version the update started from: the last release (``(version, date)`` in release
    order) dated before the update's first search; None when no release is that old."""
    before = [version for version, date in releases if str(date) < str(first_search)]
    return before[-1] if before else None


def channel(kind: str, source: str) -> str:
    """How a log entry met its records: 'databases', 'registers', 'verified' (a look-up of a
    known record) or 'other' (any other look-up)."""
    if kind in (SCHEDULED, MANUAL):
        return "registers" if source in REGISTERS else "databases"
    return "verified" if kind == LOOKUP else "other"


def _text(frame: pd.DataFrame, column: str) -> pd.Series:
    if column not in frame:
        return pd.Series([""] * len(frame), index=frame.index, dtype="string")
    return frame[column].astype("string").fillna("").str.strip()


def outside_studies(tables: dict[str, pd.DataFrame]) -> set[str]:
    """Studies whose evidence row says it is outside the rule (kept because the source cites it)."""
    out: set[str] = set()
    for name in ("preclinical_studies", "clinical_studies", "registered_trials"):
        if name not in tables or "eligibility" not in tables[name]:
            continue
        for row in tables[name].astype("string").fillna("").to_dict("records"):
            if rule.is_outside(row["eligibility"]):
                out.add(rule.row_study(name, row))
    return out


def ongoing_studies(tables: dict[str, pd.DataFrame], screening: pd.DataFrame) -> set[str]:
    """Registered trials meeting the rule with no results (none posted on the record read, no
    results record of their study), not awaiting classification; and records screened ongoing."""
    decisions, studies = _text(screening, "decision"), _text(screening, "study_id")
    study_of = dict(zip(_text(screening, "record_id"), studies, strict=True))
    with_results = set(studies[_text(screening, "record_type").isin(rule.RESULT_TYPES)])
    awaiting = set(studies[decisions == AWAITING])
    found = set(studies[decisions == rule.ONGOING])
    trials = tables.get("registered_trials")
    if trials is not None and "eligibility" in trials:
        for row in trials.astype("string").fillna("").to_dict("records"):
            study = study_of.get(row["registry_id"], row["registry_id"]) or row["registry_id"]
            if (
                row["eligibility"] == rule.MEETS
                and row["results_posted"] != "yes"
                and study not in with_results
                and study not in awaiting
            ):
                found.add(study)
    return found


def flow_counts(
    log: pd.DataFrame, screening: pd.DataFrame, tables: dict[str, pd.DataFrame]
) -> dict[str, int]:
    """The number in every box of the flow diagram (records, reports and studies)."""
    kinds = dict(zip(_text(log, "search_id"), _text(log, "kind"), strict=True))
    sources = dict(zip(_text(log, "search_id"), _text(log, "source"), strict=True))
    search = _text(screening, "search_id")
    decision, study = _text(screening, "decision"), _text(screening, "study_id")
    address = _text(screening, "primary_address")
    baseline = search.map(lambda s: kinds.get(s) == BASELINE)
    met = ~baseline  # records met in this update
    how = search.map(lambda s: channel(kinds.get(s, ""), sources.get(s, "")))

    held = decision == rule.HELD
    # The previous version held every baseline record, whatever its decision now.
    before = held | baseline
    previous = set(study[before])
    outside = outside_studies(tables) & previous
    ongoing = ongoing_studies(tables, screening)
    awaiting_studies = set(study[decision == AWAITING])
    included = met & (decision == INCLUDED)
    new = set(study[included]) - previous - ongoing - awaiting_studies
    total = ((previous - outside) | new) - ongoing - awaiting_studies
    identified = int(met.sum())
    removed = int((met & held).sum())
    unscreened = int((met & (decision == UNSCREENED)).sum())
    screened = identified - removed - unscreened
    excluded = int((met & (decision == EXCLUDED)).sum())
    not_retrieved = int((met & (decision == AWAITING) & (address == "")).sum())
    sought = screened - excluded
    return {
        "previous_studies": len(previous),
        "previous_reports": int(before.sum()),
        "previous_awaiting": len(previous & awaiting_studies),
        "source_stream": len(outside),
        "searches": int((_text(log, "kind") != BASELINE).sum()),
        "identified": identified,
        "identified_databases": int((met & (how == "databases")).sum()),
        "identified_registers": int((met & (how == "registers")).sum()),
        "identified_other": int((met & how.isin(["verified", "other"])).sum()),
        "identified_verified": int((met & (how == "verified")).sum()),
        "already_held": removed,
        "awaiting_screening": unscreened,
        "screened": screened,
        "excluded": excluded,
        "sought": sought,
        "not_retrieved": not_retrieved,
        "assessed": sought - not_retrieved,
        # assessed without their primary record: eligibility from copies and linked primary
        # records, findings unconfirmed
        "assessed_copies": int(
            (met & decision.isin([INCLUDED, rule.ONGOING]) & (address == "")).sum()
        ),
        "awaiting_records": int((met & (decision == AWAITING)).sum()),
        "awaiting_assessed": int((met & (decision == AWAITING) & (address != "")).sum()),
        "ongoing_records": int((met & (decision == rule.ONGOING)).sum()),
        "included_records": int(included.sum()),
        "new_studies": len(new),
        "new_reports": int((included & study.isin(new)).sum()),
        "new_reports_of_held": int((included & study.isin(previous)).sum()),
        "awaiting": len(awaiting_studies),
        "ongoing": len(ongoing),
        "total_studies": len(total),
        "total_reports": int(((held | included) & study.isin(total)).sum()),
    }


def exclusion_reasons(screening: pd.DataFrame, order: list[str] | None = None) -> pd.DataFrame:
    """Excluded records per reason, in ``order`` (the rule's list) and without empty reasons."""
    excluded = screening[screening["decision"] == EXCLUDED]
    counts = excluded.groupby("exclusion_reason").size()
    reasons = list(order or rule.REASONS)
    reasons += [r for r in counts.index if r not in reasons]
    rows = [(r, int(counts.get(r, 0))) for r in reasons if counts.get(r, 0)]
    return pd.DataFrame(rows, columns=["reason", "records"])


def slug(text: str) -> str:
    """A glue-name fragment for a reason: 'not sepsis population' -> 'not_sepsis_population'."""
    return "".join(c if c.isalnum() else "_" for c in text.lower()).strip("_")


# Diagram geometry, in chart units (1 unit = 1 pixel): three columns (the previous version,
# the flow of this update, the records that leave it); each row is as tall as its tallest box.
WIDTH, LINE, PAD, GAP = 760, 15, 12, 30
LEFT, MAIN, SIDE = (10, 190), (210, 490), (520, 750)


def _(text: str) -> str:
    return i18n.gettext(text)


def _lines(*lines: str) -> str:
    return "\n".join(line for line in lines if line)


def flow_boxes(
    counts: dict[str, int],
    reasons: pd.DataFrame,
    previous_label: str = "the previous version",
    current_label: str = "this version",
) -> dict[str, dict]:
    """Every box of the diagram: its position and its text (the numbers of ``counts``)."""
    fmt = i18n.format
    c = counts
    reason_lines = [
        fmt("{reason}: {records}", reason=i18n.active().lookup(r.reason), records=r.records)
        for r in reasons.itertuples()
    ]
    rows = [
        {
            "previous": (
                LEFT,
                _lines(
                    fmt("Studies in {label}: {n}", label=previous_label, n=c["previous_studies"]),
                    fmt("Reports of those studies: {n}", n=c["previous_reports"]),
                    fmt("now awaiting classification: {n}", n=c["previous_awaiting"])
                    if c.get("previous_awaiting")
                    else "",
                ),
            ),
            "identified": (
                MAIN,
                _lines(
                    fmt("Records identified in this update: {n}", n=c["identified"]),
                    fmt(
                        "databases: {n}; registers: {m}",
                        n=c["identified_databases"],
                        m=c["identified_registers"],
                    ),
                    fmt("other methods: {n}", n=c["identified_other"]),
                    fmt("(met while verifying known records: {n})", n=c["identified_verified"]),
                ),
            ),
            "removed": (
                SIDE,
                _lines(
                    _("Removed before screening:"),
                    fmt("records already held: {n}", n=c["already_held"]),
                    fmt("records awaiting screening: {n}", n=c["awaiting_screening"]),
                ),
            ),
        },
        {
            "screened": (MAIN, fmt("Records screened: {n}", n=c["screened"])),
            "excluded": (
                SIDE,
                _lines(fmt("Records excluded: {n}", n=c["excluded"]), *reason_lines),
            ),
        },
        {
            "sought": (MAIN, fmt("Reports sought for retrieval: {n}", n=c["sought"])),
            "not_retrieved": (
                SIDE,
                _lines(
                    fmt("Primary record not retrieved: {n}", n=c["not_retrieved"]),
                    _("(awaiting classification)"),
                ),
            ),
        },
        {
            "assessed": (
                MAIN,
                _lines(
                    fmt("Reports assessed for eligibility: {n}", n=c["assessed"]),
                    fmt("(on secondary copies only: {n})", n=c["assessed_copies"])
                    if c.get("assessed_copies")
                    else "",
                ),
            ),
            "held_back": (
                SIDE,
                _lines(
                    fmt("Awaiting classification: {n}", n=c["awaiting_assessed"]),
                    fmt("Ongoing: {n}", n=c["ongoing_records"]),
                ),
            ),
        },
        {
            "source_stream": (
                LEFT,
                _lines(
                    _("Cited by the source review,"),
                    _("outside the rule:"),
                    fmt("{n} studies (not counted)", n=c["source_stream"]),
                ),
            ),
            "new": (
                MAIN,
                _lines(
                    fmt("New studies included: {n}", n=c["new_studies"]),
                    fmt("Reports of new studies: {n}", n=c["new_reports"]),
                    fmt("New reports of studies already held: {n}", n=c["new_reports_of_held"]),
                ),
            ),
        },
        {
            "total": (
                (LEFT[0], MAIN[1]),
                _lines(
                    fmt(
                        "Studies included in {label}: {n}",
                        label=current_label,
                        n=c["total_studies"],
                    ),
                    fmt("Reports of those studies: {n}", n=c["total_reports"]),
                ),
            ),
            "pending": (
                SIDE,
                _lines(
                    fmt("Ongoing studies: {n}", n=c["ongoing"]),
                    fmt("Studies awaiting classification: {n}", n=c["awaiting"]),
                ),
            ),
        },
    ]
    boxes: dict[str, dict] = {}
    y = 20
    for row in rows:
        height = max(LINE * (text.count("\n") + 1) + 2 * PAD for _, text in row.values())
        for name, (column, text) in row.items():
            boxes[name] = {"x": column[0], "x2": column[1], "y": y, "y2": y + height, "text": text}
        y += height + GAP
    return boxes


def flow_diagram(
    counts: dict[str, int],
    reasons: pd.DataFrame,
    previous_label: str = "the previous version",
    current_label: str = "this version",
) -> alt.LayerChart:
    """A vertical PRISMA 2020 flow for an updated review, records leaving on the right."""
    boxes = flow_boxes(counts, reasons, previous_label, current_label)
    frame = pd.DataFrame(boxes.values())
    frame["cx"] = (frame["x"] + frame["x2"]) / 2
    # multi-line text starts at its top: centre the block of lines in its box
    frame["cy"] = (frame["y"] + frame["y2"]) / 2 - frame["text"].str.count("\n") * LINE / 2
    height = int(frame["y2"].max() + 20)
    mid, left_mid = sum(MAIN) / 2, sum(LEFT) / 2

    def down(a: str, b: str, x: float = mid) -> tuple[dict, dict]:
        rule_ = {"x": x, "y": boxes[a]["y2"], "x2": x, "y2": boxes[b]["y"]}
        return rule_, {"x": x, "y": boxes[b]["y"] - 4, "shape": "triangle-down"}

    def across(a: str, b: str) -> tuple[dict, dict]:
        y = boxes[a]["y"] + (boxes[a]["y2"] - boxes[a]["y"]) / 2
        rule_ = {"x": boxes[a]["x2"], "y": y, "x2": boxes[b]["x"], "y2": y}
        return rule_, {"x": boxes[b]["x"] - 4, "y": y, "shape": "triangle-right"}

    pairs = [
        down("identified", "screened"),
        down("screened", "sought"),
        down("sought", "assessed"),
        down("assessed", "new"),
        down("new", "total"),
        down("previous", "source_stream", left_mid),
        down("source_stream", "total", left_mid),
        across("identified", "removed"),
        across("screened", "excluded"),
        across("sought", "not_retrieved"),
        across("assessed", "held_back"),
    ]
    arrows = pd.DataFrame([p[0] for p in pairs])
    heads = pd.DataFrame([p[1] for p in pairs])
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
    "record_id", "study_id", "record_type", "title", "year", "design", "decision",
    "exclusion_reason", "decision_note", "search_id", "primary_address", "record_date", "checked",
]  # fmt: skip


def screening_table(screening: pd.DataFrame, project=None) -> pd.DataFrame:
    """The screening decisions; a record that is a reference of the book links to its entry."""
    # the reader-facing cells in the edition's words; ids and dates stay as they are
    shown = i18n.translate_cells(screening[SCREENING_COLUMNS], "screening", project=project)
    shown = shown.astype("string").fillna("")
    for column in ("record_id", "study_id"):
        shown[column] = _linked(shown[column], project)
    return shown


def _linked(ids: pd.Series, project) -> pd.Series:
    """Record ids, each a link to its bibliography entry when it is a reference of the book."""
    from livingreview.analysis.evidence import reference_links
    from livingreview.data.bib import citation_labels

    labels = citation_labels(project)
    shown = [reference_links(rid, labels) if rid in labels else rid for rid in ids]
    return pd.Series(shown, index=ids.index, dtype=object)


NOT_ON_RECORD = "not on the registry record read"


def ongoing_table(tables: dict[str, pd.DataFrame], screening: pd.DataFrame) -> pd.DataFrame:
    """One row per ongoing registered trial: registry id, design, population, planned n,
    intervention, status "as of the registry record of DATE", expected completion."""
    from livingreview.analysis.trials import values_as_of

    ongoing = ongoing_studies(tables, screening)
    shown = i18n.translate_cells(screening, "screening")  # the cells shown, in the edition's words
    designs = dict(zip(_text(screening, "record_id"), _text(shown, "design"), strict=True))
    studies = dict(zip(_text(screening, "record_id"), _text(screening, "study_id"), strict=True))
    rows = []
    trials = i18n.translate_cells(tables["registered_trials"], "registered_trials")
    trials = trials.astype("string").fillna("")
    for row in trials.to_dict("records"):
        rid = row["registry_id"]
        if (studies.get(rid) or rid) not in ongoing:
            continue
        planned = row["enrollment"] or i18n.gettext(NOT_ON_RECORD)
        if row["enrollment"] and row["enrollment_type"]:
            planned = f"{row['enrollment']} ({i18n.gettext(row['enrollment_type'])})"
        from_registry = row["value_used"] == "registry"
        status = (row["status_registry"] if from_registry else "") or row["status_source"]
        end = (row["end_registry"] if from_registry else "") or row["end_source"]
        verified = row["registry_verified"].lower() == "true"
        as_of = values_as_of(
            row["value_used"],
            verified,
            row["last_update_registry"],
            in_source=row.get("listed_in", "") != "review search",
        )
        # a value not read on the registry's own record carries the marker, as in every table
        unread = " [unconfirmed]" if not verified else ""
        rows.append(
            {
                "registry_id": rid,
                "design": designs.get(rid) or (f"phase {row['phase']}" if row["phase"] else ""),
                "population": row["population_registry"] or row["condition"],
                "planned_participants": planned + (unread if row["enrollment"] else ""),
                "intervention": row["intervention"],
                "status": (f"{i18n.gettext(status)}{unread}, {as_of}" if status else as_of),
                "expected_completion": (end + unread) if end else i18n.gettext(NOT_ON_RECORD),
            }
        )
    return pd.DataFrame(
        rows,
        columns=[
            "registry_id",
            "design",
            "population",
            "planned_participants",
            "intervention",
            "status",
            "expected_completion",
        ],
    )


def awaiting_table(screening: pd.DataFrame, project=None) -> pd.DataFrame:
    """Every record awaiting classification: what it is and what is missing."""
    waiting = screening[_text(screening, "decision") == AWAITING]
    waiting = i18n.translate_cells(waiting, "screening", project=project)
    shown = pd.DataFrame(
        {
            "record_id": _text(waiting, "record_id"),
            "study_id": _text(waiting, "study_id"),
            "record": _text(waiting, "title"),
            "design": _text(waiting, "design"),
            "what_is_missing": _text(waiting, "decision_note"),
        }
    )
    for column in ("record_id", "study_id"):
        shown[column] = _linked(shown[column], project)
    return shown.reset_index(drop=True)
