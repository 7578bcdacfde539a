"""'What we know today': its counts and lists follow the data."""

from __future__ import annotations

from conftest import REPO

from livingreview.analysis import summary, trials
from livingreview.data.package import load_table
from livingreview.data.project import Project


def test_every_trial_without_a_final_status_is_listed_with_its_expected_completion():
    project = Project(REPO)
    data = load_table("registered_trials", project)
    registry = data["value_used"] == "registry"
    status = data["status_registry"].where(registry & data["status_registry"].notna())
    status = status.fillna(data["status_source"])
    expected = set(data["registry_id"][~status.isin({"completed", "terminated", "withdrawn"})])
    listed = summary.open_trials(trials.surveillance(project=project))
    assert set(listed["Trial"]) == expected
    assert (listed["Expected completion"] != "").all()


def test_the_randomised_studies_are_those_whose_design_says_so():
    project = Project(REPO)
    studies = load_table("clinical_studies", project)
    studies = studies[studies["report_of"].isna()]
    randomised = studies["design"].str.lower().str.contains("randomised|randomized")
    counts = summary.clinical_counts(project)
    assert counts["wwk_n_randomised"] == randomised.sum() == len(summary.randomised_table(project))
    assert counts["wwk_n_participants"] == int(studies["n_patients"].sum())
    placebo = studies[studies["design"].str.contains("placebo")]
    text = summary.placebo_findings(project)
    assert all(finding.split(" [")[0] in text for finding in placebo["efficacy_finding"])


def test_the_latest_release_is_the_highest_version_whatever_the_row_order():
    project = Project(REPO)
    releases = load_table("releases", project)
    newest = max(releases["version"], key=lambda v: tuple(int(p) for p in v.split(".")))
    assert summary.latest_release(project)["wwk_latest_version"] == newest
