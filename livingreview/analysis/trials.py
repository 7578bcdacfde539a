"""Registered-trial surveillance: which trials are overdue or stale at a given date."""

from __future__ import annotations

from datetime import date

import altair as alt
import pandas as pd

from livingreview.analysis import i18n
from livingreview.analysis.charts import OKABE_ITO
from livingreview.analysis.confirmation import confirmed, mark
from livingreview.data import dates
from livingreview.data.package import evidence_current_to, load_table
from livingreview.data.project import Project

FINAL_STATUSES = {"completed", "terminated", "withdrawn"}


def months_between(earlier: date, later: date) -> int:
    """Whole months elapsed: 2020-07-28 to 2026-11-27 is 75, not 76."""
    months = (later.year - earlier.year) * 12 + later.month - earlier.month
    return months - 1 if later.day < earlier.day else months


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
        last_update = dates.to_date(t["last_update_registry"])
        overdue = bool(end_date and end_date < as_of_date and status not in FINAL_STATUSES)
        if last_update is None:
            stale = "no registry update recorded"
        elif months_between(last_update, as_of_date) >= stale_months:
            stale = f"no update for {months_between(last_update, as_of_date)} months"
        else:
            stale = ""
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
                "dates_from": "registry" if use_registry else "source review",
                "overdue": overdue,
                "stale": stale,
                "confirmed": bool(t["_confirmed"]),
            }
        )
    return pd.DataFrame(rows)


def surveillance_table(table: pd.DataFrame) -> pd.DataFrame:
    """The surveillance rows as readers see them: dates as precise as their source gives them
    (a month stays a month; the flags use its last day) and unconfirmed values marked."""
    ok = table["confirmed"]
    return pd.DataFrame(
        {
            "registry_id": table["registry_id"],
            "title": table["title"],
            "intervention": mark(table["intervention"], ok),
            "cell_source": mark(table["cell_source"], ok),
            "status": mark(table["status"], ok),
            "start": mark(table["start_given"], ok),
            "end": mark(table["end_given"], ok),
            "dates_from": table["dates_from"],
            "overdue": table["overdue"],
            "stale": table["stale"],
        }
    )


def timeline(table: pd.DataFrame, as_of: str) -> alt.LayerChart:
    """Each trial from start to anticipated end, coloured by status, with a rule at ``as_of``."""
    data = table.assign(flag=table["overdue"].map({True: "overdue", False: ""}))
    statuses = sorted(data["status"].unique())
    base = alt.Chart(data)
    tooltip = [
        alt.Tooltip("registry_id:N", title="Registry id"),
        alt.Tooltip("title:N", title="Title"),
        alt.Tooltip("status:N", title="Status"),
        alt.Tooltip("start:T", title="Start", format="%Y-%m"),
        alt.Tooltip("end:T", title="Anticipated end", format="%Y-%m"),
        alt.Tooltip("dates_from:N", title="Dates from"),
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
        title="Registered trials of stem cell therapy for sepsis-associated AKI",
        width=520,
        height=alt.Step(30),
        description="Timeline of each registered trial from its start to its anticipated end, "
        "coloured by recruitment status, with a dashed line at the reference date.",
    )
