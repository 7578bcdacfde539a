"""Registered-trial surveillance: which trials are overdue or stale at a given date.

A registry value is never shown as simply current: it is "as of the registry record of DATE",
the record's last-update-posted date (``last_update_registry``), and the stale flag measures the
time from that record date to the reference date, not the age of any copy of it.
"""

from __future__ import annotations

from datetime import date

import altair as alt
import pandas as pd

from livingreview.analysis import i18n
from livingreview.analysis.charts import OKABE_ITO
from livingreview.analysis.confirmation import confirmed, mark
from livingreview.analysis.evidence import COPY_ONLY
from livingreview.data import dates
from livingreview.data.package import evidence_current_to, load_table
from livingreview.data.project import Project

FINAL_STATUSES = {"completed", "terminated", "withdrawn"}


def months_between(earlier: date, later: date) -> int:
    """Whole months elapsed: 2020-07-28 to 2026-11-27 is 75, not 76."""
    months = (later.year - earlier.year) * 12 + later.month - earlier.month
    return months - 1 if later.day < earlier.day else months


def values_as_of(
    value_used: str, verified: bool, record_date: object, in_source: bool = True
) -> str:
    """Which version of which record a trial's status and dates are as of, in the reader's words
    (``in_source``: the source review lists the trial; else this review found it)."""
    read = verified and not pd.isna(record_date) and str(record_date).strip()
    if value_used == "registry" and read:
        return i18n.format("as of the registry record of {date}", date=str(record_date))
    if read:
        return i18n.format(
            "as printed in the source review; registry record of {date} read, not used",
            date=str(record_date),
        )
    if not in_source:
        return i18n.gettext(COPY_ONLY)
    return i18n.gettext("as printed in the source review; registry record not read")


def stale_flag(record_date: date | None, as_of: date, stale_months: int) -> str:
    """'the registry record read was last updated N months before <as_of>' once N reaches
    ``stale_months``: the version read, since a later version may exist unread."""
    if record_date is None:
        return i18n.gettext("registry record not read")
    months = months_between(record_date, as_of)
    if months < stale_months:
        return ""
    template = (
        "the registry record read was last updated {months} month before {as_of}"
        if months == 1
        else "the registry record read was last updated {months} months before {as_of}"
    )
    return i18n.format(template, months=months, as_of=as_of.isoformat())


def surveillance(
    as_of: str = "", stale_months: int = 12, project: Project | None = None
) -> pd.DataFrame:
    """One row per trial with the dates and status the book uses and its flags at ``as_of``."""
    if stale_months < 1:
        raise ValueError(f"stale_months must be at least 1, got {stale_months}")
    as_of_date = dates.parse_iso(as_of or evidence_current_to(project))
    if as_of_date is None:
        raise ValueError(f"as_of must be a date YYYY-MM-DD, got {as_of!r}")
    trials = load_table("registered_trials", project)
    trials = trials.assign(_confirmed=confirmed(trials))
    # a registration whose study has a report held in the clinical studies has reported, even
    # when the registry record read (its status as of that record) predates the report
    screening = load_table("screening", project)
    study_of = dict(zip(screening["record_id"], screening["study_id"].fillna(""), strict=True))
    reported_studies = set(load_table("clinical_studies", project)["study_id"])
    rows = []
    for _, t in trials.iterrows():
        use_registry = t["value_used"] == "registry"
        start = (
            t["start_registry"]
            if use_registry and not pd.isna(t["start_registry"])
            else t["start_source"]
        )
        end = (
            t["end_registry"]
            if use_registry and not pd.isna(t["end_registry"])
            else t["end_source"]
        )
        status = t["status_source"]
        if use_registry and not pd.isna(t["status_registry"]):
            status = t["status_registry"]
        end_date = dates.to_date(end, end_of_period=True)
        verified = bool(t["registry_verified"])
        # only a record actually read has a version; a date without one measures nothing
        last_update = dates.to_date(t["last_update_registry"]) if verified else None
        overdue = bool(end_date and end_date < as_of_date and status not in FINAL_STATUSES)
        stale = stale_flag(last_update, as_of_date, stale_months)
        rows.append(
            {
                "registry_id": t["registry_id"],
                "title": t["title"],
                "intervention": t["intervention"],
                "cell_source": t["cell_source"],
                "status": status,
                "start": dates.to_date(start).isoformat() if dates.to_date(start) else "",
                "end": end_date.isoformat() if end_date else "",
                "start_given": "" if pd.isna(start) else str(start),
                "end_given": "" if pd.isna(end) else str(end),
                "values_as_of": values_as_of(
                    t["value_used"],
                    verified,
                    t["last_update_registry"],
                    t["listed_in"] != "review search",
                ),
                "overdue": overdue,
                "stale": stale,
                "study_id": study_of.get(t["registry_id"], ""),
                "reported": study_of.get(t["registry_id"], "") in reported_studies,
                "confirmed": bool(t["_confirmed"]),
                "eligibility": "" if pd.isna(t.get("eligibility")) else t.get("eligibility"),
            }
        )
    return pd.DataFrame(rows)


def surveillance_table(table: pd.DataFrame) -> pd.DataFrame:
    """The surveillance rows as readers see them: dates as precise as their source gives them
    (a month stays a month; the flags use its last day), in the edition's words, and unconfirmed
    values marked."""
    ok = table["confirmed"]
    table = _in_words(table)
    return pd.DataFrame(
        {
            "registry_id": table["registry_id"],
            "title": table["title"],
            "intervention": mark(table["intervention"], ok),
            "cell_source": mark(table["cell_source"], ok),
            "status": mark(table["status"], ok),
            "start": mark(table["start_given"], ok),
            "end": mark(table["end_given"], ok),
            "values_as_of": table["values_as_of"],
            "overdue": table["overdue"].map(lambda late: i18n.gettext("yes" if late else "no")),
            "stale": table["stale"],
            "eligibility": table["eligibility"] if "eligibility" in table else "",
        }
    )


def category_counts(table: pd.DataFrame, column: str) -> pd.DataFrame:
    """Trials per category of ``column`` (status, intervention, cell source) in the edition's
    words. An unconfirmed value counts in its category ("recruiting" and an unconfirmed
    "recruiting" are one status); how many of each are unconfirmed is a column of its own."""
    words = _in_words(table)[column].astype("string").fillna("")
    unconfirmed = ~table["confirmed"].astype(bool)
    frame = pd.DataFrame({column: words, "unconfirmed": unconfirmed.to_numpy()}, index=table.index)
    grouped = frame.groupby(column, sort=True)["unconfirmed"]
    return pd.DataFrame(
        {"trials": grouped.size(), "of_which_unconfirmed": grouped.sum().astype(int)}
    ).reset_index()


# the surveillance frame's columns that hold words of registered_trials.csv
_DATA_COLUMNS = {
    "title": "title",
    "intervention": "intervention",
    "cell_source": "cell_source",
    "status": "status_registry",
    "eligibility": "eligibility",
}


def _in_words(table: pd.DataFrame) -> pd.DataFrame:
    words = i18n.translate_cells(table, "registered_trials", _DATA_COLUMNS)
    # a trial known only from a copy may have no status at all: said, never a blank category
    return words.assign(status=words["status"].fillna(i18n.gettext("not given")))


def timeline(table: pd.DataFrame, as_of: str) -> alt.LayerChart:
    """Each trial from start to anticipated end, coloured by status, with a rule at ``as_of``."""
    data = _in_words(table).assign(flag=table["overdue"].map({True: "overdue", False: ""}))
    i18n.active().note("overdue")  # a value of the chart's data, translated with it
    statuses = sorted(data["status"].unique())
    base = alt.Chart(data)
    tooltip = [
        alt.Tooltip("registry_id:N", title="Registry id"),
        alt.Tooltip("title:N", title="Title"),
        alt.Tooltip("status:N", title="Status"),
        alt.Tooltip("start:T", title="Start", format="%Y-%m"),
        alt.Tooltip("end:T", title="Anticipated end", format="%Y-%m"),
        alt.Tooltip("values_as_of:N", title="Status and dates"),
        alt.Tooltip("flag:N", title="Flag"),
    ]
    x_title = "Calendar date (start to anticipated end)"
    bars = base.mark_bar(height=14).encode(
        x=alt.X("start:T", title=x_title),
        x2="end:T",
        y=alt.Y("registry_id:N", title="Registered trial", sort=list(data["registry_id"])),
        color=alt.Color(
            "status:N",
            title="Status",
            scale=alt.Scale(domain=statuses, range=OKABE_ITO[: len(statuses)]),
        ),
        tooltip=tooltip,
    )
    now = (
        alt.Chart(
            pd.DataFrame({"as_of": [as_of], "label": [i18n.format("as of {date}", date=as_of)]})
        )
        .mark_rule(strokeDash=[4, 4], color="#000000")
        .encode(
            x=alt.X("as_of:T", title=x_title),
            tooltip=alt.Tooltip("label:N", title="Reference date"),
        )
    )
    return alt.layer(bars, now).properties(
        title="Registered trials of stem cell therapy in sepsis and sepsis-related organ injury",
        width=520,
        height=alt.Step(30),
        description="Timeline of each registered trial from its start to its anticipated end, "
        "coloured by recruitment status, with a dashed line at the reference date.",
    )


def flag_words(table: pd.DataFrame) -> list[str]:
    """Each surveillance row's flags in words: a report of the trial held, past its anticipated
    end, and a stale record.

    Read from the row's boolean, never from a shown word ("no" is a non-empty string)."""
    reported = i18n.gettext(
        "a report of this trial is held (see Clinical studies of MSCs in sepsis)"
    )
    overdue = i18n.gettext("past its anticipated end without a final status")
    return [
        i18n.gettext("; ").join(
            f for f in (reported if has else "", overdue if late else "", stale) if f
        )
        for has, late, stale in zip(
            table["reported"].astype(bool),
            table["overdue"].astype(bool),
            table["stale"].fillna(""),
            strict=True,
        )
    ]


def surveillance_reading_table(table: pd.DataFrame, caption: str = ""):
    """The surveillance rows for reading: registry id, title, the status with the record it is
    as of, the dates, and the flags in words; the intervention and cell source fold under each
    row; filters by status and cell source."""
    from livingreview.analysis.display import ReadingTable

    shown = surveillance_table(table)
    words = _in_words(table)
    eligibility = table["eligibility"].fillna("")
    # a trial outside the rule or awaiting classification says so under its title
    outside = (eligibility != "meets the rule") & (eligibility != "")
    frame = pd.DataFrame(
        {
            "Trial": shown["registry_id"],
            "Title": [
                (title, rule) if out else title
                for title, rule, out in zip(
                    shown["title"], words["eligibility"], outside, strict=True
                )
            ],
            # which record the status and dates are as of, under the status
            "Status": list(zip(shown["status"], shown["values_as_of"], strict=True)),
            "Start": shown["start"],
            "Anticipated end": shown["end"],
            "Flags": flag_words(table),
        },
        index=shown.index,
    )
    details = pd.DataFrame(
        {"Intervention": shown["intervention"], "Cell source": shown["cell_source"]},
        index=shown.index,
    )
    return ReadingTable(
        frame,
        caption,
        details=details,
        # the filters offer the words the cells show, in the edition's language
        filters={
            "Status": words["status"],
            "Cell source": words["cell_source"],
            "Eligibility": words["eligibility"],
        },
        widths={
            "Trial": 16,
            "Title": 20,
            "Status": 20,
            "Start": 10,
            "Anticipated end": 11,
            "Flags": 23,
        },
    )
