"""'What we know today': its counts and lists follow the data."""

from __future__ import annotations

from conftest import REPO, ongoing_trials

from livingreview.analysis import summary, trials
from livingreview.data.package import load_table
from livingreview.data.project import Project


def test_every_ongoing_trial_is_listed_with_its_expected_completion():
    project = Project(REPO)
    listed = summary.open_trials(trials.surveillance(project=project), project)
    assert set(listed["Trial"]) == ongoing_trials(REPO)
    assert (listed["Expected completion"] != "").all()


def test_the_randomised_studies_are_those_whose_design_says_so():
    project = Project(REPO)
    studies = load_table("clinical_studies", project)
    # each study once, and only those meeting the eligibility rule
    studies = studies[studies["report_of"].isna() & (studies["eligibility"] == "meets the rule")]
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


def test_a_study_outside_the_eligibility_rule_is_not_summarised(tmp_path):
    import csv
    import json

    from conftest import copy_repo

    root = copy_repo(tmp_path / "repo")
    path = root / "data" / "clinical_studies.csv"
    rows = list(csv.DictReader(path.open(encoding="utf-8")))
    randomised = [r for r in rows if "randomised" in r["design"] and not r["report_of"]]
    outside = randomised[0]["study_id"]
    for row in rows:
        row["eligibility"] = (
            "outside the rule: population" if row["study_id"] == outside else "meets the rule"
        )
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    descriptor = root / "data" / "datapackage.json"
    package = json.loads(descriptor.read_text(encoding="utf-8"))
    table = next(r for r in package["resources"] if r["name"] == "clinical_studies")
    if "eligibility" not in [f["name"] for f in table["schema"]["fields"]]:
        table["schema"]["fields"].append({"name": "eligibility", "type": "string"})
    descriptor.write_text(json.dumps(package), encoding="utf-8")
    after = summary.clinical_counts(Project(root))
    studies = [r for r in rows if not r["report_of"]]
    assert after["wwk_n_studies"] == len(studies) - 1
    assert after["wwk_n_randomised"] == sum("randomi" in r["design"].lower() for r in studies) - 1


def test_what_changed_leads_with_the_translated_note_and_labels_the_generated_english():
    from livingreview.analysis import i18n

    project = Project(REPO)
    releases = load_table("releases", project)
    english = summary.release_changes(releases, project)
    assert list(english) == list(releases["summary"].astype(str))
    i18n.use("zh_CN")
    try:
        shown = summary.release_changes(releases, project)
        notes = i18n.translate_cells(releases, "releases", project=project)["conclusion_note"]
    finally:
        i18n.use("en")
    translated = 0
    for summary_en, note_en, note_zh, text in zip(
        releases["summary"], releases["conclusion_note"], notes, shown, strict=True
    ):
        if isinstance(note_en, str) and note_zh != note_en and summary_en.endswith(note_en):
            translated += 1
            assert text.startswith(note_zh) and note_en not in text
            generated = summary_en[: -len(note_en)].strip()
            assert not generated or generated in text
    assert translated  # the data have translated release notes


def test_the_size_sentence_counts_unconfirmed_participants_by_study():
    counts = {"wwk_n_studies": 5, "wwk_n_participants": 147, "wwk_n_without_count": 0}
    one = summary.size_sentence(
        counts | {"wwk_n_participants_unconfirmed": 83, "wwk_n_studies_unconfirmed": 1}
    )
    assert one.endswith("(83 of them in a study whose main report is not yet confirmed)")
    two = summary.size_sentence(
        counts | {"wwk_n_participants_unconfirmed": 93, "wwk_n_studies_unconfirmed": 2}
    )
    assert two.endswith("(93 of them in 2 studies whose main reports are not yet confirmed)")
    none = summary.size_sentence(counts | {"wwk_n_participants_unconfirmed": 0})
    assert none == (
        "5 clinical studies that meet the eligibility rule, with 147 participants in their "
        "trial arms"
    )
