"""Risk of bias and certainty: this review's own judgements, as readers see them.

The judgements live in ``data/risk_of_bias.csv`` (RoB 2 per domain, or the reason none was
made) and ``data/summary_of_findings.csv`` (GRADE); this module shows them and words the
certainties the chapters paste, so a sentence about harm carries its certainty and its date.
"""

from __future__ import annotations

import re

import pandas as pd

from livingreview.analysis.confirmation import confirmed, mark
from livingreview.analysis.display import Links, ReadingTable
from livingreview.analysis.evidence import _shown, reference_links
from livingreview.data.bib import citation_labels
from livingreview.data.package import load_table
from livingreview.data.project import Project

# Categorical values of the two tables, translated as data (never recorded by lookups).
CATEGORIES = (
    "RoB 2",
    "ROBINS-I",
    "none",
    "overall",
    "D1 randomisation process",
    "D2 deviations from intended interventions",
    "D3 missing outcome data",
    "D4 measurement of the outcome",
    "D5 selection of the reported result",
    "low",
    "some concerns",
    "high",
    "moderate",
    "serious",
    "critical",
    "not assessed",
    "not applicable",
    "very low",
    "not serious",
    "very serious",
    "undetected",
    "strongly suspected",
    "all-cause mortality",
    "serious adverse events",
    "infusion-related events",
)


def _note_categories() -> None:
    from livingreview.analysis import i18n

    for word in CATEGORIES:
        i18n.active().note(word)


def risk_of_bias_table(project: Project | None = None) -> pd.DataFrame:
    """One row per study and domain: the judgement, the quote behind it and where it was read,
    and the reason when no judgement was made."""
    _note_categories()
    rows = load_table("risk_of_bias", project)
    studies = load_table("clinical_studies", project).set_index("study_id")
    labels = citation_labels(project)
    from livingreview.analysis import i18n

    shown = _shown(
        # the reason in the edition's words; a quotation stays in the report's own words
        i18n.translate_cells(rows, "risk_of_bias", project=project),
        {
            "study_id": "Study",
            "tool": "Tool",
            "domain": "Domain",
            "judgement": "Judgement",
            "support_quote": "Supporting quote",
            "support_address": "Read at",
            "note": "Reason",
            "judged_on": "Judged on",
        },
        "risk_of_bias",
        project,
    )
    # links are set after _shown, which turns every cell into text
    shown["Study"] = pd.Series(
        [
            reference_links(key, labels, "data/risk_of_bias.csv, column 'study_id'")
            for key in rows["study_id"].map(studies["ref_key"])
        ],
        index=shown.index,
        dtype=object,
    )
    shown["Read at"] = pd.Series(
        [Links(((a, a),)) if a.strip() else "" for a in shown["Read at"]],
        index=shown.index,
        dtype=object,
    )
    return shown


def summary_of_findings_table(project: Project | None = None) -> pd.DataFrame:
    """The summary of findings with its GRADE certainty and the reason for every downgrade."""
    from livingreview.analysis import i18n

    _note_categories()
    sof = load_table("summary_of_findings", project)
    studies = load_table("clinical_studies", project).set_index("study_id")
    unconfirmed = set(studies.index[~confirmed(studies.reset_index()).to_numpy()])
    # a count that rests on a study whose report is not confirmed is marked like its effect
    rests_on_unconfirmed = sof["studies"].map(
        lambda keys: any(k.strip() in unconfirmed for k in str(keys).split(";"))
    )
    return _shown(
        i18n.translate_cells(sof, "summary_of_findings", project=project).assign(
            participants=lambda f: mark(f["participants"].map("{:,}".format), ~rests_on_unconfirmed)
        ),
        {
            "outcome": "Outcome",
            "time_point": "Time point",
            "studies": "Studies",
            "participants": "Participants (randomised)",
            "effect": "Result as reported",
            "certainty": "Certainty (GRADE)",
            "risk_of_bias": "Risk of bias",
            "inconsistency": "Inconsistency",
            "indirectness": "Indirectness",
            "imprecision": "Imprecision",
            "publication_bias": "Publication bias",
            "reasons": "Reasons for downgrading",
        },
        "summary_of_findings",
        project,
    )


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")


def _one_or_each(frame: pd.DataFrame, label: str) -> str:
    """'very low', or 'low at day 28 and very low at day 90' when the rows differ."""
    from livingreview.analysis import i18n
    from livingreview.analysis.evidence import join_words

    words = frame["certainty"].unique().tolist()
    if len(words) == 1:
        return i18n.active().lookup(words[0])
    return join_words(
        [
            i18n.format(
                "{certainty} for {what}",
                certainty=i18n.active().lookup(c),
                what=i18n.active().lookup(str(row[label])),
            )
            for c, (_, row) in zip(frame["certainty"], frame.iterrows(), strict=True)
        ]
    )


def certainty_words(project: Project | None = None) -> dict[str, str]:
    """The certainties the chapters paste, in the edition's words.

    ``certainty_<outcome>_<time point>`` for each row; ``certainty_mortality`` and
    ``certainty_harms`` (serious adverse events and infusion-related events together);
    ``certainty_judged_on``; ``certainty_summary``, one sentence for the whole table.
    """
    from livingreview.analysis import i18n

    _note_categories()
    sof = load_table("summary_of_findings", project)
    out = {
        f"certainty_{_slug(o)}_{_slug(t)}": i18n.active().lookup(c)
        for o, t, c in zip(sof["outcome"], sof["time_point"], sof["certainty"], strict=True)
    }
    mortality = sof[sof["outcome"] == "all-cause mortality"]
    harms = sof[sof["outcome"] != "all-cause mortality"]
    out["certainty_mortality"] = _one_or_each(mortality, "time_point")
    out["certainty_harms"] = _one_or_each(harms, "outcome")
    # rows judged on different days are dated by their span, so no row reads as re-judged
    judged = sorted(sof["judged_on"].astype(str).unique())
    out["certainty_judged_on"] = (
        judged[0]
        if len(judged) == 1
        else i18n.format("{first} to {last}", first=judged[0], last=judged[-1])
    )
    words = sof["certainty"].unique().tolist()
    if len(words) == 1:
        out["certainty_summary"] = i18n.format(
            "The certainty of the evidence is {certainty} for every outcome of the summary of "
            "findings (this review's GRADE judgement of {date}).",
            certainty=i18n.active().lookup(words[0]),
            date=out["certainty_judged_on"],
        )
    else:
        out["certainty_summary"] = i18n.format(
            "The certainty of the evidence is {mortality} for mortality and {harms} for harms "
            "(this review's GRADE judgement of {date}).",
            mortality=out["certainty_mortality"],
            harms=out["certainty_harms"],
            date=out["certainty_judged_on"],
        )
    return out


def rob_counts(project: Project | None = None) -> dict[str, int]:
    """How many randomised trials meeting the rule the table holds, and for how many a
    judgement could be made (any domain other than 'not assessed')."""
    rows = load_table("risk_of_bias", project)
    studies = load_table("clinical_studies", project).set_index("study_id")
    rob2 = rows[
        (rows["tool"] == "RoB 2")
        & (rows["study_id"].map(studies["eligibility"]) == "meets the rule")
    ]
    judged = rob2[~rob2["judgement"].isin(["not assessed", "not applicable"])]
    return {
        "n_rob_trials": int(rob2["study_id"].nunique()),
        "n_rob_judged": int(judged["study_id"].nunique()),
    }


def _reading(frame: pd.DataFrame, main: dict[str, float], caption: str) -> ReadingTable:
    """``frame`` as a reading table: the ``main`` columns (relative widths) in each row, the
    others folded under it, so a wide judgement table fits the text column."""
    return ReadingTable(
        frame[list(main)], caption, details=frame.drop(columns=list(main)), widths=main
    )


def summary_of_findings_reading_table(caption: str, project: Project | None = None):
    """The summary of findings to read: outcome, studies, result and certainty in each row;
    the five GRADE domains and the reasons for downgrading folded under it."""
    main = {
        "Outcome": 14,
        "Time point": 11,
        "Studies": 16,
        "Participants (randomised)": 10,
        "Result as reported": 35,
        "Certainty (GRADE)": 11,
    }
    return _reading(summary_of_findings_table(project), main, caption)


def risk_of_bias_reading_table(caption: str, project: Project | None = None):
    """Risk of bias to read: study, tool, domain, judgement and its date in each row; the
    supporting quote, where it was read and the reason folded under it."""
    main = {"Study": 20, "Tool": 14, "Domain": 30, "Judgement": 18, "Judged on": 14}
    return _reading(risk_of_bias_table(project), main, caption)
