"""One rule for facts not yet confirmed against a primary record: shown, marked, explained.

A row whose facts have not been checked against a primary record (the registry's own record,
the publisher's page, PubMed or PubMed Central) is shown with the same visible marker in every
table and chart, each table that has one carries the legend, and every count says how many of
its items are unconfirmed. Nothing unconfirmed is shown without the marker.
"""

from __future__ import annotations

import pandas as pd

MARKER = "unconfirmed"
LEGEND = (
    f"“{MARKER}”: taken from the source review or from secondary copies and not yet checked "
    "against a primary record (the registry's own record, the publisher's page, PubMed or "
    "PubMed Central)."
)


def confirmed(frame: pd.DataFrame) -> pd.Series:
    """Whether each row's facts are confirmed, from the table's own verification column."""
    if "verification" in frame:
        return (frame["verification"] == "confirmed").astype(bool)
    if "registry_verified" in frame:
        return frame["registry_verified"].fillna(False).astype(bool)
    raise KeyError("the table has no verification column (verification or registry_verified)")


def mark(values: pd.Series, is_confirmed: pd.Series) -> pd.Series:
    """Each value, followed by the marker where it is not confirmed (blank stays blank)."""
    text = values.astype("string").fillna("")
    flagged = ~is_confirmed.to_numpy() & (text.str.strip() != "").to_numpy()
    return text.where(~flagged, text + f" [{MARKER}]")


def legend_for(*tables: pd.DataFrame) -> str:
    """The legend, if any shown table carries the marker."""
    from livingreview.analysis import i18n

    marker = f"[{MARKER}]"
    for table in tables:
        if table.astype("string").apply(lambda c: c.str.contains(marker, regex=False)).any().any():
            return i18n.gettext(LEGEND)
    return ""


def count_phrase(total: int, unconfirmed: int, singular: str, plural: str) -> str:
    """'12 animal studies, 1 unconfirmed' (the second part only when needed)."""
    from livingreview.analysis import i18n

    noun = i18n.gettext(singular if total == 1 else plural)
    phrase = i18n.format("{total:,} {noun}", total=total, noun=noun)
    if not unconfirmed:
        return phrase
    # the noun too, though English needs it once: Chinese counts with the noun's own measure
    # word (篇 for reports, 项 for studies), so its sentence repeats it
    return i18n.format(
        "{phrase}, {unconfirmed:,} unconfirmed", phrase=phrase, unconfirmed=unconfirmed, noun=noun
    )
