"""Risk of bias and certainty: the tables and the words chapters paste follow the data."""

from __future__ import annotations

import csv

from conftest import REPO, copy_repo

from livingreview.analysis import certainty
from livingreview.analysis.display import SYMBOL, Links, TableHTML
from livingreview.data.bib import citation_labels
from livingreview.data.package import load_table
from livingreview.data.project import Project


def _rows(root, table):
    with open(root / "data" / f"{table}.csv", encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_tables_show_words_not_field_names_and_studies_as_links():
    project = Project(REPO)
    labels = citation_labels(project)
    for frame, table in (
        (certainty.summary_of_findings_table(project), "summary_of_findings"),
        (certainty.risk_of_bias_table(project), "risk_of_bias"),
    ):
        assert not set(frame.columns) & set(load_table(table, project).columns)
        assert all("_" not in column for column in frame.columns), frame.columns
        assert len(frame) == len(_rows(REPO, table))
        studies = frame["Studies" if table == "summary_of_findings" else "Study"]
        assert all(isinstance(cell, Links) for cell in studies)
        assert {label for cell in studies for label, _ in cell.items} <= set(labels.values())


def test_a_value_read_only_in_copies_keeps_its_marker_and_the_table_its_legend():
    frame = certainty.summary_of_findings_table(Project(REPO))
    marked = [e for e in frame["Result as reported"] if "[unconfirmed]" in e]
    expected = [r for r in _rows(REPO, "summary_of_findings") if "[unconfirmed]" in r["effect"]]
    assert len(marked) == len(expected)
    if expected:
        table = TableHTML(frame, "x")
        assert table.legend.startswith(SYMBOL)
        # each marker, at the end of a cell or inside it, is the symbol on the page
        shown = table._repr_html_()
        assert "[unconfirmed]" not in shown
        markers = sum(str(e).count("[unconfirmed]") for column in frame for e in frame[column])
        assert shown.count(f">{SYMBOL}</abbr>") == markers


def test_glued_certainties_follow_the_data(tmp_path):
    """One word per row; the summary sentence names one word when all rows agree and splits
    mortality from harms when they do not (an author's new judgement changes the sentence)."""
    root = copy_repo(tmp_path / "repo")
    project = Project(root)
    rows = _rows(root, "summary_of_findings")
    words = certainty.certainty_words(project)
    for row in rows:
        key = "certainty_" + "_".join(
            "_".join("".join(c if c.isalnum() else " " for c in row[k].lower()).split())
            for k in ("outcome", "time_point")
        )
        assert words[key] == row["certainty"]
    dates = sorted({r["judged_on"] for r in rows})
    span = dates[0] if len(dates) == 1 else f"{dates[0]} to {dates[-1]}"
    assert words["certainty_judged_on"] == span
    if len({r["certainty"] for r in rows}) == 1:
        assert rows[0]["certainty"] + " for every outcome" in words["certainty_summary"]

    # the first harm row judged one level higher: the words split
    harm = next(i for i, r in enumerate(rows) if r["outcome"] != "all-cause mortality")
    levels = ["very low", "low", "moderate", "high"]
    rows[harm]["certainty"] = levels[min(3, levels.index(rows[harm]["certainty"]) + 1)]
    with open(root / "data" / "summary_of_findings.csv", "w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    changed = certainty.certainty_words(project)
    assert rows[harm]["certainty"] in changed["certainty_harms"]
    assert "for every outcome" not in changed["certainty_summary"]
    assert "for mortality" in changed["certainty_summary"]


def test_rob_counts_are_the_randomised_trials_meeting_the_rule():
    project = Project(REPO)
    studies = {r["study_id"]: r for r in _rows(REPO, "clinical_studies")}
    rob2 = {
        r["study_id"]
        for r in _rows(REPO, "risk_of_bias")
        if r["tool"] == "RoB 2" and studies[r["study_id"]]["eligibility"] == "meets the rule"
    }
    judged = {
        r["study_id"]
        for r in _rows(REPO, "risk_of_bias")
        if r["study_id"] in rob2 and r["judgement"] not in ("not assessed", "not applicable")
    }
    assert certainty.rob_counts(project) == {"n_rob_trials": len(rob2), "n_rob_judged": len(judged)}


def test_a_participant_count_resting_on_an_unconfirmed_study_is_marked():
    """The count of a row is marked when any study it lists is not confirmed (SEPCELL's 83)."""
    frame = certainty.summary_of_findings_table(Project(REPO))
    studies = {r["study_id"]: r for r in _rows(REPO, "clinical_studies")}
    for row, shown in zip(_rows(REPO, "summary_of_findings"), frame["Participants (randomised)"],
                          strict=True):  # fmt: skip
        keys = [k.strip() for k in row["studies"].split(";")]
        unconfirmed = any(studies[k]["verification"] != "confirmed" for k in keys)
        assert shown.endswith("[unconfirmed]") == unconfirmed, (row["studies"], shown)
