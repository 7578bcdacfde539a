"""PRISMA flow counts, tables and diagram on small hand-made frames."""

from __future__ import annotations

import pandas as pd

from livingreview.analysis import prisma
from livingreview.data import screening as rule

LOG = pd.DataFrame(
    {
        "search_id": ["S000", "S001", "S002", "S003"],
        "kind": ["source review baseline", "scheduled search", "scheduled search",
                 "look-up of a known record"],
        "source": ["source review", "ClinicalTrials.gov", "PubMed", "web pages (stored copies)"],
    }
)  # fmt: skip


def record(rid, decision, study, search="S002", reason="", rtype="main report", address="x"):
    return {
        "record_id": rid, "decision": decision, "exclusion_reason": reason, "search_id": search,
        "study_id": study, "record_type": rtype, "primary_address": address,
    }  # fmt: skip


SCREENED = pd.DataFrame(
    [
        record("old1", "already held", "old1", "S000"),
        record("old2", "already held", "old2", "S003"),  # met again by a look-up
        record("src", "already held", "src", "S000"),  # cited by the source, outside the rule
        record("abstract", "already held", "rct", "S000", rtype="conference abstract"),
        record("rct_full", "included", "rct"),  # a new report of a study already held
        record("new", "included", "new"),
        record("NCT1", "included", "new", "S001", rtype="registration"),
        record("NCT2", "ongoing", "NCT2", "S001", rtype="registration"),
        record("gone", "excluded", "gone", reason="population"),
        record("gone2", "excluded", "gone2", "S003", reason="design"),
        record("unread", "awaiting classification", "unread", address=""),
        record("unclear", "awaiting classification", "unclear", "S001", rtype="registration"),
        record("fresh", "awaiting screening", "", "S002"),
    ]
)
TABLES = {
    "clinical_studies": pd.DataFrame(
        {"study_id": ["rct", "abstract"], "report_of": ["", "rct"],
         "eligibility": ["meets the rule", "meets the rule"]}
    ),
    "registered_trials": pd.DataFrame(
        {"registry_id": ["src", "NCT1", "NCT2"], "results_posted": ["no", "no", "no"],
         "eligibility": ["outside the rule: population", "meets the rule", "meets the rule"]}
    ),
}  # fmt: skip


def test_flow_counts_at_study_level_with_reports_beside():
    c = prisma.flow_counts(LOG, SCREENED, TABLES)
    assert (c["previous_studies"], c["previous_reports"], c["source_stream"]) == (4, 4, 1)
    assert c["searches"] == 3  # the baseline is not a search of this update
    assert (c["identified"], c["identified_registers"], c["identified_databases"]) == (10, 3, 5)
    assert (c["identified_other"], c["identified_verified"]) == (2, 2)  # both look-ups
    assert (c["already_held"], c["awaiting_screening"], c["screened"]) == (1, 1, 8)
    assert (c["excluded"], c["sought"], c["not_retrieved"], c["assessed"]) == (2, 6, 1, 5)
    assert (c["awaiting_records"], c["awaiting_assessed"], c["ongoing_records"]) == (2, 1, 1)
    # 'new' has two records (a report and its registration) and counts once
    assert (c["new_studies"], c["new_reports"], c["new_reports_of_held"]) == (1, 2, 1)
    assert (c["ongoing"], c["awaiting"]) == (1, 2)
    # old1, old2, rct (two reports) and new (two reports); src is outside the rule
    assert (c["total_studies"], c["total_reports"]) == (4, 6)


def test_a_trial_meeting_the_rule_without_results_is_ongoing_until_it_reports():
    assert prisma.ongoing_studies(TABLES, SCREENED) == {"NCT2"}  # NCT1's study has a report
    held = pd.concat(
        [
            SCREENED,
            pd.DataFrame([record("NCT3", "already held", "NCT3", "S000", rtype="registration")]),
        ]
    )
    trials = pd.concat(
        [TABLES["registered_trials"],
         pd.DataFrame([{"registry_id": "NCT3", "results_posted": "no",
                        "eligibility": "meets the rule"}])]
    )  # fmt: skip
    tables = {**TABLES, "registered_trials": trials}
    assert prisma.ongoing_studies(tables, held) == {"NCT2", "NCT3"}
    posted = trials.assign(results_posted=trials["registry_id"].map({"NCT3": "yes"}).fillna("no"))
    assert prisma.ongoing_studies({**TABLES, "registered_trials": posted}, held) == {"NCT2"}
    reported = pd.concat([held, pd.DataFrame([record("r3", "included", "NCT3")])])
    assert prisma.ongoing_studies(tables, reported) == {"NCT2"}
    waiting = held.assign(
        decision=held["decision"].mask(held["record_id"] == "NCT3", "awaiting classification")
    )
    assert prisma.ongoing_studies(tables, waiting) == {"NCT2"}


def test_a_new_study_moves_the_total_and_not_the_previous_version():
    before = prisma.flow_counts(LOG, SCREENED, TABLES)
    more = pd.concat([SCREENED, pd.DataFrame([record("added", "included", "added")])])
    after = prisma.flow_counts(LOG, more, TABLES)
    assert after["previous_studies"] == before["previous_studies"]  # the first box keeps its count
    assert after["new_studies"] == before["new_studies"] + 1
    assert after["total_studies"] == before["total_studies"] + 1
    assert after["identified"] == before["identified"] + 1


def test_records_awaiting_screening_are_identified_but_not_screened():
    before = prisma.flow_counts(LOG, SCREENED, TABLES)
    more = pd.concat([SCREENED, pd.DataFrame([record("f2", "awaiting screening", "")])])
    after = prisma.flow_counts(LOG, more, TABLES)
    assert after["identified"] == before["identified"] + 1
    assert after["awaiting_screening"] == before["awaiting_screening"] + 1
    assert after["screened"] == before["screened"]


def test_the_previous_version_is_the_last_release_before_the_updates_first_search():
    releases = [("0.1.0", "2026-11-25"), ("0.2.0", "2026-11-26"), ("0.2.1", "2026-11-27")]
    assert prisma.previous_version(releases, "2026-11-26") == "0.1.0"
    assert prisma.previous_version(releases, "2027-05-30") == "0.2.1"
    assert prisma.previous_version(releases, "2026-01-01") is None


def test_exclusion_reasons_in_the_rules_order_without_empty_reasons():
    reasons = prisma.exclusion_reasons(SCREENED, list(rule.REASONS))
    assert reasons.to_dict("records") == [
        {"reason": "population", "records": 1},
        {"reason": "design", "records": 1},
    ]


def test_ongoing_and_awaiting_tables():
    trials = TABLES["registered_trials"].assign(
        enrollment=["", "", "296"], enrollment_type="", status_registry="recruiting",
        status_source="", value_used="registry", registry_verified="true",
        last_update_registry="2024-02-15", phase="2", population_registry="septic shock",
        condition="", intervention="MSCs vs placebo", end_registry="", end_source="",
    )  # fmt: skip
    screened = SCREENED.assign(design="randomised registration", title="t", decision_note="why")
    ongoing = prisma.ongoing_table({**TABLES, "registered_trials": trials}, screened)
    assert ongoing["registry_id"].tolist() == ["NCT2"]
    row = ongoing.iloc[0]
    assert row["status"] == "recruiting, as of the registry record of 2024-02-15"
    assert row["planned_participants"] == "296"
    assert row["expected_completion"] == prisma.NOT_ON_RECORD
    awaiting = prisma.awaiting_table(screened, project=None)
    assert awaiting["record_id"].tolist() == ["unread", "unclear"]
    assert awaiting["what_is_missing"].tolist() == ["why", "why"]


def test_slug_makes_glue_names():
    assert prisma.slug("population") == "population"
    assert prisma.slug("not MSC intervention") == "not_msc_intervention"


def test_diagram_shows_every_box():
    counts = prisma.flow_counts(LOG, SCREENED, TABLES)
    reasons = prisma.exclusion_reasons(SCREENED, list(rule.REASONS))
    boxes = prisma.flow_boxes(counts, reasons, "version 0.1.0", "version 0.3.0")
    joined = "\n".join(box["text"] for box in boxes.values())
    assert "Studies in version 0.1.0: 4" in joined
    assert "Records identified in this update: 10" in joined
    assert "databases: 5; registers: 3" in joined
    assert "(met while verifying known records: 2)" in joined
    assert "records already held: 1" in joined
    assert "Records excluded: 2\npopulation: 1\ndesign: 1" in joined
    assert "Primary record not retrieved: 1" in joined
    assert "outside the rule:\n1 studies (not counted)" in joined
    assert "Studies included in version 0.3.0: 4\nReports of those studies: 6" in joined
    assert "Ongoing studies: 1\nStudies awaiting classification: 2" in joined
    # no two boxes overlap
    placed = sorted(boxes.values(), key=lambda b: (b["x"], b["y"]))
    for a in placed:
        for b in placed:
            if a is not b and a["x"] < b["x2"] and b["x"] < a["x2"]:
                assert a["y2"] <= b["y"] or b["y2"] <= a["y"]
    assert prisma.flow_diagram(counts, reasons).to_dict()["layer"]
