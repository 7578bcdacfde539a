"""Trial surveillance flags on a hand-made trials table."""

import csv
import io
import json
import re
import shutil
from datetime import date

import pandas as pd
import pytest
from conftest import REPO

from livingreview.analysis import evidence, trials
from livingreview.data.project import Project


@pytest.fixture
def project(tmp_path) -> Project:
    """The real schema, two trials of our own; screening and clinical studies empty."""
    (tmp_path / "data").mkdir()
    descriptor = json.loads((REPO / "data" / "datapackage.json").read_text(encoding="utf-8"))
    kept = ("registered_trials", "screening", "clinical_studies")
    descriptor["resources"] = [r for r in descriptor["resources"] if r["name"] in kept]
    (tmp_path / "data" / "datapackage.json").write_text(json.dumps(descriptor))
    shutil.copy(REPO / "_config.yml", tmp_path / "_config.yml")
    schema = {
        r["name"]: [f["name"] for f in r["schema"]["fields"]] for r in descriptor["resources"]
    }
    for name in kept[1:]:
        (tmp_path / "data" / f"{name}.csv").write_text(",".join(schema[name]) + "\n")
    header = schema["registered_trials"]
    common = {"registry": "ClinicalTrials.gov", "title": "T", "condition": "S-AKI",
              "intervention": "x", "status_source": "recruiting", "start_source": "2020-01",
              "end_source": "2021-06", "listed_in": "source review", "ref_key": "k"}  # fmt: skip
    trials = [
        common | {"registry_id": "NCT00000001", "last_update_registry": "2021-01-15",
                  "registry_verified": "false", "value_used": "source"},
        common | {"registry_id": "NCT00000002", "status_registry": "completed",
                  "start_registry": "2020-02", "end_registry": "2022-03",
                  "last_update_registry": "2025-12-01", "registry_verified": "true",
                  "value_used": "registry", "enrollment": "19",
                  "enrollment_type": "actual"},
        common | {"registry_id": "NCT00000003", "status_registry": "recruiting",
                  "last_update_registry": "2024-03-31", "registry_verified": "true",
                  "value_used": "source", "enrollment": "40",
                  "enrollment_type": "anticipated"},
    ]  # fmt: skip
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=header, restval="", lineterminator="\n")
    writer.writeheader()
    writer.writerows(trials)
    (tmp_path / "data" / "registered_trials.csv").write_text(out.getvalue())
    return Project(tmp_path)


def test_overdue_and_stale_flags_at_a_date(project):
    table = trials.surveillance(as_of="2026-01-10", stale_months=12, project=project).set_index(
        "registry_id"
    )
    first, second = table.loc["NCT00000001"], table.loc["NCT00000002"]
    assert first["end"] == "2021-06-30" and first["overdue"]  # past its end, still recruiting
    # a date the data hold without the record having been read measures no record
    assert first["stale"] == "registry record not read"
    assert second["status"] == "completed"
    assert not second["overdue"] and second["stale"] == ""  # one month < 12
    third = table.loc["NCT00000003"]  # record read 2024-03-31: 21 whole months to 2026-01-10
    assert third["stale"] == "the registry record read was last updated 21 months before 2026-01-10"
    soon = trials.surveillance(as_of="2026-01-10", stale_months=1, project=project)
    assert soon.set_index("registry_id").loc["NCT00000002", "stale"] == (
        "the registry record read was last updated 1 month before 2026-01-10"
    )


def test_registry_values_are_shown_as_of_their_record(project):
    table = trials.surveillance(as_of="2026-01-10", project=project).set_index("registry_id")
    assert table.loc["NCT00000002", "values_as_of"] == "as of the registry record of 2025-12-01"
    assert table.loc["NCT00000001", "values_as_of"] == (
        "as printed in the source review; registry record not read"
    )
    assert table.loc["NCT00000003", "values_as_of"] == (
        "as printed in the source review; registry record of 2024-03-31 read, not used"
    )
    shown = evidence.trials_table("source review", project=project).set_index("Registry id")
    assert shown.loc["NCT00000002", "Values shown"].startswith(
        "as of the registry record of 2025-12-01 (record read "
    )
    assert shown.loc["NCT00000002", "Participants"] == "19 (actual)"
    # the registry's figure is not the book's while value_used is "source": no type claimed
    assert shown.loc["NCT00000003", "Participants"] == "40"
    assert shown.loc["NCT00000001", "Values shown"] == (
        "as printed in the source review; registry record not read"
    )


def test_surveillance_refuses_a_date_that_is_not_one(project):
    with pytest.raises(ValueError):
        trials.surveillance(as_of="2026-13-01", project=project)
    with pytest.raises(ValueError):
        trials.surveillance(as_of="2026-01-01", stale_months=0, project=project)


def test_readers_see_dates_as_given_and_unconfirmed_values_marked(project):
    table = trials.surveillance(as_of="2026-01-10", project=project)
    shown = trials.surveillance_table(table).set_index("registry_id")
    first, second = shown.loc["NCT00000001"], shown.loc["NCT00000002"]
    # a month stays a month (the flag still uses its last day) and carries the marker
    assert first["end"] == "2021-06 [unconfirmed]" and first["overdue"]
    assert first["status"] == "recruiting [unconfirmed]"
    assert second["end"] == "2022-03" and second["status"] == "completed"
    assert "confirmed" not in shown.columns


def test_months_between_counts_whole_months():
    assert trials.months_between(date(2020, 7, 28), date(2026, 11, 27)) == 75
    assert trials.months_between(date(2020, 7, 28), date(2026, 11, 28)) == 76


def test_a_category_counts_once_whether_or_not_a_value_is_unconfirmed(project):
    table = trials.surveillance(as_of="2026-01-10", project=project)
    counts = trials.category_counts(table, "status").set_index("status")
    shown = trials.surveillance_table(table)["status"]
    categories = {value.removesuffix(" [unconfirmed]") for value in shown}
    assert set(counts.index) == categories  # no category twice, marked and unmarked
    assert counts["trials"].sum() == len(table)
    assert counts["of_which_unconfirmed"].sum() == int((~table["confirmed"]).sum())


def test_the_reading_table_flags_only_the_trials_past_their_anticipated_end():
    """The flag follows the surveillance row's boolean, whatever word the table shows for it."""
    from livingreview.analysis import i18n

    project = Project(REPO)
    rows = trials.surveillance(project=project)
    for language in ("en", "zh_CN"):
        i18n.use(language)
        try:
            table = trials.surveillance_reading_table(rows)
            flags = [row[-1] for row in table.rows]
            past = i18n.gettext("past its anticipated end without a final status")
            flagged = {t for t, f in zip(rows["registry_id"], flags, strict=True) if past in f}
        finally:
            i18n.use("en")
        assert flagged == set(rows["registry_id"][rows["overdue"]]), language
        assert flagged != set(rows["registry_id"])  # some trial is not past its end


def test_the_reading_table_labels_every_trial_not_meeting_the_rule_under_its_title():
    """Outside the rule or awaiting classification: a reader sees it beside the title."""
    rows = trials.surveillance(project=Project(REPO))
    table = trials.surveillance_reading_table(rows)
    titles = [row[1] for row in table.rows]
    for eligibility, title in zip(rows["eligibility"], titles, strict=True):
        lines = re.findall(r'<span class="cell-line">(.*?)</span>', title)
        if eligibility == "meets the rule":
            assert not lines, title
        else:
            assert lines[1:] == [eligibility], (eligibility, title)
    assert set(rows["eligibility"]) - {"meets the rule"}  # the data has such trials


def test_a_trial_whose_study_has_a_report_held_says_so_whatever_its_registry_status():
    """A registration linked (through screening) to a clinical study in the data has reported,
    though the registry record read may still say 'active not recruiting'."""
    table = trials.surveillance(as_of="2026-12-04").set_index("registry_id")
    screening = pd.read_csv(REPO / "data" / "screening.csv", dtype=str).fillna("")
    held = set(pd.read_csv(REPO / "data" / "clinical_studies.csv", dtype=str)["study_id"])
    study_of = dict(zip(screening["record_id"], screening["study_id"], strict=True))
    expected = {rid: study_of.get(rid, "") in held for rid in table.index}
    assert table["reported"].to_dict() == expected
    words = dict(zip(table.index, trials.flag_words(table.reset_index()), strict=True))
    for rid, reported in expected.items():
        assert ("a report of this trial is held" in words[rid]) is reported
