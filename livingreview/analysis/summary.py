""" "What we know today": the one-page summary for clinicians, computed from the data.

Every number and finding it states comes from the evidence tables, so a data update changes
the summary with the chapters. Study designs are read as the data word them: a study is
randomised, or placebo-controlled, when its design says so.
"""

from __future__ import annotations

import re

import pandas as pd

from livingreview.analysis import i18n
from livingreview.analysis.confirmation import confirmed, mark
from livingreview.analysis.display import ReadingTable
from livingreview.analysis.evidence import one_row_per_study, reader_labels
from livingreview.analysis.trials import FINAL_STATUSES
from livingreview.data.bib import citation_labels
from livingreview.data.package import load_table
from livingreview.data.project import Project
from livingreview.data.releases import version_key

MEETS_RULE = "meets the rule"
RANDOMISED = re.compile(r"\brandomi[sz]ed\b", re.IGNORECASE)
PLACEBO = re.compile(r"\bplacebo", re.IGNORECASE)


def studies_in_review(project: Project | None = None) -> pd.DataFrame:
    """Each clinical study once; once the data carry the eligibility rule (column
    ``eligibility``), only the studies that meet it: a study the source review cites outside
    the rule is never counted as an included study or summarised here."""
    studies = one_row_per_study(load_table("clinical_studies", project))
    if "eligibility" in studies:
        studies = studies[studies["eligibility"] == MEETS_RULE]
    return studies


def clinical_counts(project: Project | None = None) -> dict[str, int]:
    """How many studies (each once), how many patients they enrolled, how many randomised."""
    studies = studies_in_review(project)
    design = studies["design"].fillna("")
    return {
        "wwk_n_studies": len(studies),
        "wwk_n_participants": int(studies["n_patients"].fillna(0).sum()),
        # participants counted from a report the book has not confirmed
        "wwk_n_participants_unconfirmed": int(
            studies["n_patients"].where(~confirmed(studies)).fillna(0).sum()
        ),
        "wwk_n_studies_unconfirmed": int(
            (studies["n_patients"].notna() & ~confirmed(studies)).sum()
        ),
        "wwk_n_without_count": int(studies["n_patients"].isna().sum()),
        "wwk_n_randomised": int(design.str.contains(RANDOMISED).sum()),
        "wwk_n_placebo": int(design.str.contains(PLACEBO).sum()),
    }


# The size of the evidence in one sentence. A study's count is its trial arms: randomised
# controls count, observational or retrospective comparison patients (CISS, Alp 2022) do not.
SIZE = (
    "{n} clinical studies that meet the eligibility rule, with {participants:,} participants in "
    "their trial arms",
    "{n} clinical study that meets the eligibility rule, with {participants:,} participants in "
    "its trial arms",
)
WITHOUT_COUNT = (
    "not counting {k} studies that give no number",
    "not counting {k} study that gives no number",
)
UNCONFIRMED = (
    "{k:,} of them in {m} studies whose main reports are not yet confirmed",
    "{k:,} of them in a study whose main report is not yet confirmed",
)


@i18n.declare
def _size_messages() -> list[str]:
    return [*SIZE, *WITHOUT_COUNT, *UNCONFIRMED, "{size} ({notes})"]


def size_sentence(counts: dict[str, int]) -> str:
    """How many studies and participants, with what the count leaves out or cannot confirm."""
    size = i18n.format(
        SIZE[counts["wwk_n_studies"] == 1],
        n=counts["wwk_n_studies"],
        participants=counts["wwk_n_participants"],
    )
    notes = []
    if counts["wwk_n_without_count"]:
        k = counts["wwk_n_without_count"]
        notes.append(i18n.format(WITHOUT_COUNT[k == 1], k=k))
    if counts["wwk_n_participants_unconfirmed"]:
        m = counts["wwk_n_studies_unconfirmed"]
        notes.append(
            i18n.format(UNCONFIRMED[m == 1], k=counts["wwk_n_participants_unconfirmed"], m=m)
        )
    if not notes:
        return size
    return i18n.format("{size} ({notes})", size=size, notes=i18n.gettext("; ").join(notes))


def randomised_table(project: Project | None = None) -> pd.DataFrame:
    """The randomised studies with what each found, as the data word it (marked if unconfirmed)."""
    studies = studies_in_review(project)
    studies = studies[studies["design"].fillna("").str.contains(RANDOMISED)]
    studies = studies.sort_values(["year", "study_id"])
    labels = reader_labels(studies, citation_labels(project))
    # filtered on the English design words above; shown in the edition's words
    studies = i18n.translate_cells(studies, "clinical_studies", project=project)
    return pd.DataFrame(
        {
            "Study": labels,
            "Design": studies["design"],
            "Participants": studies["n_patients"].astype("Int64"),
            "Population": studies["population"],
            "Result on survival or mortality": mark(
                studies["efficacy_finding"], confirmed(studies)
            ),
        }
    )


def randomised_reading_table(caption: str, project: Project | None = None) -> ReadingTable:
    """``randomised_table`` as a reading table: columns sized to fit the text column."""
    return ReadingTable(
        randomised_table(project),
        caption,
        numeric=("Participants",),
        widths={
            "Study": 14,
            "Design": 24,
            "Participants": 13,
            "Population": 18,
            "Result on survival or mortality": 31,
        },
    )


def placebo_findings(project: Project | None = None) -> str:
    """Each placebo-controlled study's finding: 'Study (in population): finding'."""
    studies = studies_in_review(project)
    studies = studies[studies["design"].fillna("").str.contains(PLACEBO)]
    studies = i18n.translate_cells(studies, "clinical_studies", project=project)
    labels = citation_labels(project)
    findings = mark(studies["efficacy_finding"], confirmed(studies))
    parts = [
        i18n.format(
            "{study} (in {population}): {finding}",
            study=labels[key],
            population=population,
            finding=finding,
        )
        for key, population, finding in zip(
            studies["ref_key"], studies["population"], findings, strict=True
        )
    ]
    return "; ".join(parts) if parts else i18n.gettext("none in the data")


def open_trials(table: pd.DataFrame, project: Project | None = None) -> pd.DataFrame:
    """The ongoing studies' registrations: trials that meet the eligibility rule, have no
    results (``prisma.ongoing_studies``) and no final status, from the surveillance rows
    (``trials.surveillance``), with expected completion and which record the values are as of.
    A trial the source cites outside the rule, or one that has reported, is not one to watch."""
    from livingreview.analysis.prisma import ongoing_studies
    from livingreview.analysis.trials import flag_words, surveillance_table

    screening = load_table("screening", project)
    ongoing = ongoing_studies(
        {"registered_trials": load_table("registered_trials", project)}, screening
    )
    shown = surveillance_table(table)
    keep = ~table["status"].isin(FINAL_STATUSES)
    # a registration counts under its study when screening links it to one
    keep &= table["study_id"].where(table["study_id"] != "", table["registry_id"]).isin(ongoing)
    # A blank end date means none was taken from the record read, not that the registry lacks one.
    not_given = i18n.gettext("not captured from the record read")
    return pd.DataFrame(
        {
            "Trial": shown["registry_id"],
            "Title": shown["title"],
            "Status": shown["status"],
            "Expected completion": shown["end"].where(shown["end"] != "", not_given),
            "Status and dates": shown["values_as_of"],
            "Note": pd.Series(flag_words(table), index=table.index),
        }
    )[keep]


# A release's summary is generated English (the rows changed) followed by the author's note;
# a translated edition leads with the note in its words and labels the generated part.
GENERATED = "{note} Data changes, as generated at release (in English): {changes}"


@i18n.declare
def _release_messages() -> list[str]:
    return [GENERATED]


def release_changes(releases: pd.DataFrame, project: Project | None = None) -> pd.Series:
    """Each release's "What changed" in the edition's words: the summary as written in English;
    in a translated edition, the translated note first, then the generated row changes."""
    shown = i18n.translate_cells(releases, "releases", project=project)
    out = []
    for summary, note, translated in zip(
        releases["summary"], releases["conclusion_note"], shown["conclusion_note"], strict=True
    ):
        summary = str(summary)
        note = "" if pd.isna(note) else str(note)
        translated = "" if pd.isna(translated) else str(translated)
        if not note or translated == note or not summary.endswith(note):
            out.append(summary)
            continue
        changes = summary[: -len(note)].strip()
        out.append(
            i18n.format(GENERATED, note=translated, changes=changes) if changes else translated
        )
    return pd.Series(out, index=releases.index, dtype="string")


def latest_release(project: Project | None = None) -> dict[str, str]:
    """The newest release: its version, date, whether conclusions changed, and its note."""
    releases = i18n.translate_cells(load_table("releases", project), "releases", project=project)
    newest = releases.loc[releases["version"].map(version_key).idxmax()]
    note = newest["conclusion_note"]
    return {
        "wwk_latest_version": str(newest["version"]),
        "wwk_latest_date": str(newest["date"]),
        "wwk_conclusions_changed": str(newest["conclusions_changed"]),
        "wwk_latest_note": str(newest["summary"] if pd.isna(note) else note),
    }


def open_trials_table(frame: pd.DataFrame, caption: str) -> ReadingTable:
    """``open_trials`` as a reading table: columns sized to fit the text column."""
    return ReadingTable(
        frame,
        caption,
        widths={
            "Trial": 16,
            "Title": 23,
            "Status": 14,
            "Expected completion": 13,
            "Status and dates": 18,
            "Note": 16,
        },
    )
