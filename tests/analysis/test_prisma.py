"""PRISMA flow counts and diagram on small hand-made frames."""

from __future__ import annotations

import pandas as pd

from livingreview.analysis import prisma

REASONS = ["not sepsis population", "not MSC intervention", "duplicate record"]


def log(*sources: str) -> pd.DataFrame:
    return pd.DataFrame(
        {"search_id": [f"S{i:03d}" for i in range(len(sources))], "source": sources}
    )


def screening(*rows: tuple[str, str]) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {"record_id": f"r{i}", "decision": d, "exclusion_reason": r, "search_id": "S001"}
            for i, (d, r) in enumerate(rows)
        ]
    )


LOG = log("source review", "ClinicalTrials.gov", "PubMed")
SCREENED = screening(
    ("included", ""),
    ("excluded", "duplicate record"),
    ("excluded", "not sepsis population"),
    ("excluded", "not sepsis population"),
    ("awaiting classification", ""),
)


def test_previous_version_counts_study_rows_and_each_meta_analysis_once():
    tables = {
        "preclinical_studies": pd.DataFrame({"study_id": ["a", "b"]}),
        "clinical_studies": pd.DataFrame({"study_id": ["c"]}),
        "registered_trials": pd.DataFrame({"registry_id": ["NCT1", "NCT2", "NCT3"]}),
        "pooled_effects": pd.DataFrame({"ref_key": ["sun2020", "sun2020", "lalu2016"]}),
    }
    assert prisma.previous_studies(tables) == 2 + 1 + 3 + 2


def test_previous_version_leaves_out_the_records_this_update_took_in():
    tables = {
        "clinical_studies": pd.DataFrame({"study_id": ["old", "new2018"]}),
        "registered_trials": pd.DataFrame({"registry_id": ["NCT1", "NCT9"]}),
        "pooled_effects": pd.DataFrame({"ref_key": ["sun2020", "ge2022", "ge2022"]}),
    }
    screened = pd.DataFrame(
        {
            "record_id": ["new2018", "NCT9", "ge2022", "notyet", "gone"],
            "decision": ["included", "included", "included", "included", "excluded"],
        }
    )
    previous = prisma.previous_studies(tables, screened)
    assert previous == 3  # old, NCT1, sun2020
    log = pd.DataFrame({"source": ["source review", "PubMed"]})
    counts = prisma.flow_counts(log, screened, previous)
    # every study the tables hold counts once; the included record not yet taken in adds one
    assert counts["total"] == len(prisma.held_studies(tables)) + 1


def test_the_previous_version_is_the_last_release_before_the_updates_first_search():
    releases = [("0.1.0", "2026-11-25"), ("0.2.0", "2026-11-26"), ("0.2.1", "2026-11-27")]
    # searches began on the day 0.2.0 was released: the update started from 0.1.0
    assert prisma.previous_version(releases, "2026-11-26") == "0.1.0"
    assert prisma.previous_version(releases, "2027-05-30") == "0.2.1"
    assert prisma.previous_version(releases, "2026-01-01") is None


def test_flow_counts_follow_the_decisions():
    counts = prisma.flow_counts(LOG, SCREENED, previous=10)
    assert counts == {
        "previous": 10,
        "searches": 2,  # the baseline is not a search of this update
        "identified": 5,
        "awaiting_screening": 0,
        "screened": 5,
        "excluded": 3,
        "awaiting": 1,
        "included": 1,
        "total": 11,
    }
    assert counts["screened"] == counts["excluded"] + counts["awaiting"] + counts["included"]


def test_records_awaiting_screening_are_identified_but_not_screened():
    before = prisma.flow_counts(LOG, SCREENED, previous=10)
    more = pd.concat([SCREENED, screening(("awaiting screening", ""))], ignore_index=True)
    after = prisma.flow_counts(LOG, more, previous=10)
    assert after["identified"] == before["identified"] + 1
    assert after["awaiting_screening"] == before["awaiting_screening"] + 1
    assert after["screened"] == before["screened"]
    assert after["total"] == before["total"]
    assert after["identified"] == after["screened"] + after["awaiting_screening"]


def test_a_newly_screened_record_changes_the_counts():
    before = prisma.flow_counts(LOG, SCREENED, previous=10)
    more = pd.concat([SCREENED, screening(("included", ""))], ignore_index=True)
    after = prisma.flow_counts(LOG, more, previous=10)
    assert after["identified"] == before["identified"] + 1
    assert after["screened"] == before["screened"] + 1
    assert after["included"] == before["included"] + 1
    assert after["total"] == before["total"] + 1
    assert after["excluded"] == before["excluded"]


def test_exclusion_reasons_in_schema_order_without_empty_reasons():
    reasons = prisma.exclusion_reasons(SCREENED, REASONS)
    assert reasons.to_dict("records") == [
        {"reason": "not sepsis population", "records": 2},
        {"reason": "duplicate record", "records": 1},
    ]
    assert reasons["records"].sum() == prisma.flow_counts(LOG, SCREENED, 0)["excluded"]


def test_slug_makes_glue_names():
    assert prisma.slug("no primary record found") == "no_primary_record_found"
    assert prisma.slug("not MSC intervention") == "not_msc_intervention"


def test_diagram_shows_every_count():
    counts = prisma.flow_counts(LOG, SCREENED, previous=10)
    reasons = prisma.exclusion_reasons(SCREENED, REASONS)
    spec = prisma.flow_diagram(counts, reasons, "version 0.1.0", "version 0.2.0").to_dict()
    texts = [
        row["text"]
        for data in spec["datasets"].values()
        for row in data
        if isinstance(row, dict) and "text" in row
    ]
    joined = "\n".join(texts)
    assert "Records excluded: 3" in joined
    assert "not sepsis population: 2" in joined
    assert "Awaiting classification\n1" in joined
    assert "version 0.2.0\n11" in joined
    assert "Studies in\nversion 0.1.0\n10" in joined
