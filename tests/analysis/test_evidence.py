"""Evidence tables name references as author-year links, never as raw keys."""

from __future__ import annotations

import pytest
from conftest import REPO, copy_repo

from livingreview.analysis import evidence
from livingreview.analysis.display import Links
from livingreview.data.bib import UnknownReference, anchor, citation_labels
from livingreview.data.package import load_table, split_list
from livingreview.data.project import Project

TABLES = {  # table function -> (data table, its reference-key column)
    evidence.preclinical_table: ("preclinical_studies", "ref_key"),
    evidence.clinical_table: ("clinical_studies", "ref_key"),
    evidence.mechanisms_table: ("mechanisms", "ref_keys"),
}


@pytest.mark.parametrize("table", TABLES, ids=lambda f: f.__name__)
def test_reference_cells_are_links_to_bibliography_anchors(table):
    project = Project(REPO)
    labels = citation_labels(project)
    name, column = TABLES[table]
    expected = sorted(
        (labels[key], f"../chapters/bibliography.html#{anchor(key)}")
        for value in load_table(name, project)[column].dropna()
        for key in split_list(value)
    )
    cells = [c for c in table(project).to_numpy().ravel() if isinstance(c, Links)]
    assert sorted(item for cell in cells for item in cell.items) == expected


def test_a_key_missing_from_the_bibliography_stops_the_table(tmp_path):
    root = copy_repo(tmp_path / "repo")
    path = root / "data" / "preclinical_studies.csv"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    study, key = lines[1].split(",")[:2]
    lines[1] = lines[1].replace(f"{study},{key},", f"{study},nosuch1999,", 1)
    path.write_text("".join(lines), encoding="utf-8")
    with pytest.raises(UnknownReference, match="nosuch1999.*preclinical_studies.csv.*ref_key"):
        evidence.preclinical_table(Project(root))


def test_evidence_map_table_links_each_study_to_its_reference():
    project = Project(REPO)
    labels = citation_labels(project)
    studies = evidence.studies_for_map(project)
    cells = evidence.evidence_map_cells(studies, "organ", "kind")
    table = evidence.map_table(cells, project)
    reference, verification = {}, {}
    for name in ("preclinical_studies", "clinical_studies"):
        frame = load_table(name, project)
        reference.update(zip(frame["study_id"], frame["ref_key"], strict=True))
        verification.update(zip(frame["study_id"], frame["verification"], strict=True))
    # an unconfirmed study carries the marker on the map, as in the tables
    unconfirmed = {s for s, v in verification.items() if v != "confirmed"}
    for study, label in zip(studies["study"], studies["label"], strict=True):
        assert label.endswith("[unconfirmed]") == (study in unconfirmed), study
    for value, cell in zip(cells["studies"], table["Studies"], strict=True):
        assert [label for label, _ in cell.items] == [
            labels[reference[s]] + (" [unconfirmed]" if s in unconfirmed else "")
            for s in split_list(value)
        ]


def test_pooled_table_names_each_meta_analysis_by_a_link_to_its_reference():
    from livingreview.analysis import pooled

    project = Project(REPO)
    labels = citation_labels(project)
    effects = pooled.load_pooled_effects(project=project)
    cells = pooled.table(effects, project)["Meta-analysis"]
    assert [cell.items for cell in cells] == [
        ((labels[key], f"../chapters/bibliography.html#{anchor(key)}"),)
        for key in effects["ref_key"]
    ]


def test_each_animal_study_timing_is_glued_as_the_data_word_it(tmp_path):
    root = copy_repo(tmp_path / "repo")
    project = Project(root)
    studies = load_table("preclinical_studies", project)
    timings = evidence.preclinical_timings(project)
    assert set(timings) == {f"preclinical_{s}_timing" for s in studies["study_id"]}
    confirmed_row = studies[studies["verification"] == "confirmed"].iloc[0]
    key = f"preclinical_{confirmed_row['study_id']}_timing"
    assert timings[key] == confirmed_row["timing"]
    # an unconfirmed timing carries the visible marker, as in the table
    path = root / "data" / "preclinical_studies.csv"
    text = path.read_text(encoding="utf-8")
    first = text.splitlines()[1]
    path.write_text(text.replace(first, first.replace(",confirmed,", ",unverified,", 1)), "utf-8")
    study = first.split(",")[0]
    assert (
        "unconfirmed" in evidence.preclinical_timings(Project(root))[f"preclinical_{study}_timing"]
    )


def test_map_summary_names_every_cell_that_shares_the_largest_count():
    import pandas as pd

    studies = pd.DataFrame(
        {"study": ["a", "b", "c", "d", "e"], "organ": ["lung", "lung", "kidney", "kidney", "gut"]}
    ).assign(kind=["animal", "animal", "clinical", "clinical", "animal"])
    cells = evidence.evidence_map_cells(studies, "organ", "kind")
    summary = evidence.map_summary(studies, cells, "organ", "kind")
    assert "The fullest cells, with 2 studies each, are kidney × clinical and lung × animal;" in (
        summary
    )
    alone = evidence.evidence_map_cells(studies.iloc[1:], "organ", "kind")
    assert "The fullest cell is kidney × clinical with 2 studies;" in evidence.map_summary(
        studies.iloc[1:], alone, "organ", "kind"
    )


def test_a_further_report_of_a_study_is_not_counted_as_another_study():
    clin = load_table("clinical_studies")
    further = clin["report_of"].fillna("").str.strip() != ""
    counts = evidence.counts()
    assert counts["n_clinical_reports"] == len(clin)
    assert counts["n_clinical_studies"] == len(clin) - int(further.sum())
    # the report count says how many reports the table marks, not how many studies
    marked = int((clin["verification"] != "confirmed").sum())
    assert counts["n_clinical_reports_unconfirmed"] == marked
    assert counts["clinical_reports_phrase"].startswith(f"{len(clin):,} report")
    mapped = set(evidence.studies_for_map()["study"])
    assert not mapped & set(clin.loc[further, "study_id"])


def test_join_words_reads_as_a_sentence():
    assert evidence.join_words(["a"]) == "a"
    assert evidence.join_words(["a", "b"]) == "a and b"
    assert evidence.join_words(["a", "b", "c"]) == "a, b and c"


def test_the_clinical_reading_table_has_one_line_per_report_with_its_details_and_filters():
    import re

    project = Project(REPO)
    studies = load_table("clinical_studies", project)
    table = evidence.clinical_reading_table("Clinical studies", project)
    html = table._repr_html_()
    assert html.count('<tr class="row-main"') == len(studies)
    assert html.count('<tr class="row-details"') == len(studies)  # every report has notes
    assert "_" not in "".join(table.columns)
    # the filter values are the data's: one per report, in the table's order (year, study)
    ordered = studies.sort_values(["year", "study_id"])
    shown = re.findall(r'data-filter-2="([^"]*)"', html)
    assert shown == list(ordered["cell_source_group"])
    # each finding is in its row; an unconfirmed report shows the symbol, never the word
    assert "[unconfirmed]" not in html
    # each unconfirmed report's findings (efficacy and safety) and patient count carry the symbol
    unconfirmed = ordered[ordered["verification"] != "confirmed"]
    columns = ["efficacy_finding", "safety_finding", "n_patients"]
    marked = unconfirmed[columns].notna().sum().sum()
    assert html.count('class="unconfirmed-mark"') == marked


def test_a_clinical_study_outside_the_rule_says_so_under_its_citation():
    import re

    project = Project(REPO)
    studies = load_table("clinical_studies", project).sort_values(["year", "study_id"])
    table = evidence.clinical_reading_table("Clinical studies", project)
    for eligibility, row in zip(studies["eligibility"], table.rows, strict=True):
        lines = re.findall(r'<span class="cell-line">(.*?)</span>', row[0])
        if eligibility == "meets the rule":
            assert not lines, row[0]
        else:
            assert lines[1:] == [eligibility], (eligibility, row[0])
    assert set(studies["eligibility"]) - {"meets the rule"}  # the data hold such studies
