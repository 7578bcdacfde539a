"""Every box of the PRISMA flow, recounted from the CSV files with the csv module alone and
compared with what the executed notebook glued (independent of livingreview.analysis.prisma).

The rules, as the Methods page states them: records of the version the update started from are
screened 'already held'; every record met by a search or look-up of the log (any entry but the
source review baseline) was identified in this update; a study counts once whatever the number
of its records; evidence rows 'outside the rule' are shown apart; ongoing studies and studies
awaiting classification are not included studies.
"""

from __future__ import annotations

import csv
from pathlib import Path

from livingreview.data.releases import read_glue

REGISTERS = {"ClinicalTrials.gov", "ChiCTR", "EU Clinical Trials Register",
             "Netherlands Trial Register", "WHO ICTRP", "EU CTIS"}  # fmt: skip


def table(root: Path, name: str) -> list[dict[str, str]]:
    with open(root / "data" / f"{name}.csv", encoding="utf-8", newline="") as handle:
        return [{k: (v or "").strip() for k, v in row.items()} for row in csv.DictReader(handle)]


def recount(root: Path) -> tuple[dict[str, int], set[str]]:
    """The counts of every box, and the studies the last box counts."""
    log = {row["search_id"]: row for row in table(root, "surveillance_log")}
    rows = table(root, "screening")
    clinical, trials = table(root, "clinical_studies"), table(root, "registered_trials")

    def kind(row):
        return log[row["search_id"]]["kind"]

    met = [r for r in rows if kind(r) != "source review baseline"]
    held = [r for r in rows if r["decision"] == "already held"]
    before = [r for r in rows if r in held or kind(r) == "source review baseline"]
    previous = {r["study_id"] for r in before}
    outside = {t["registry_id"] for t in trials if t.get("eligibility", "").startswith("outside")}
    outside |= {
        c["report_of"] or c["study_id"]
        for c in clinical
        if c.get("eligibility", "").startswith("outside")
    }
    outside |= {
        a["study_id"]
        for a in table(root, "preclinical_studies")
        if a.get("eligibility", "").startswith("outside")
    }
    awaiting = {r["study_id"] for r in rows if r["decision"] == "awaiting classification"}
    study_of = {r["record_id"]: r["study_id"] for r in rows}
    reported = {
        r["study_id"] for r in rows if r["record_type"] in ("main report", "results posting")
    }
    ongoing = {r["study_id"] for r in rows if r["decision"] == "ongoing"}
    for t in trials:
        study = study_of.get(t["registry_id"]) or t["registry_id"]
        if (t["eligibility"] == "meets the rule" and t["results_posted"] != "yes"
                and study not in reported and study not in awaiting):  # fmt: skip
            ongoing.add(study)
    included = [r for r in met if r["decision"] == "included"]
    new = {r["study_id"] for r in included} - previous - ongoing - awaiting
    total = ((previous - outside) | new) - ongoing - awaiting

    def how(row):
        entry = log[row["search_id"]]
        if entry["kind"] in ("scheduled search", "manual search"):
            return "registers" if entry["source"] in REGISTERS else "databases"
        return "verified" if entry["kind"] == "look-up of a known record" else "other"

    def n(decision, among=met):
        return sum(r["decision"] == decision for r in among)

    screened = len(met) - n("already held") - n("awaiting screening")
    excluded = n("excluded")
    not_retrieved = sum(
        r["decision"] == "awaiting classification" and not r["primary_address"] for r in met
    )
    counts = {
        "previous_studies": len(previous),
        "previous_reports": len(before),
        "previous_awaiting": len(previous & awaiting),
        "source_stream": len(outside & previous),
        "searches": sum(e["kind"] != "source review baseline" for e in log.values()),
        "identified": len(met),
        "identified_databases": sum(how(r) == "databases" for r in met),
        "identified_registers": sum(how(r) == "registers" for r in met),
        "identified_other": sum(how(r) in ("verified", "other") for r in met),
        "identified_verified": sum(how(r) == "verified" for r in met),
        "already_held": n("already held"),
        "awaiting_screening": n("awaiting screening"),
        "screened": screened,
        "excluded": excluded,
        "sought": screened - excluded,
        "not_retrieved": not_retrieved,
        "assessed": screened - excluded - not_retrieved,
        "assessed_copies": sum(
            r["decision"] in ("included", "ongoing") and not r["primary_address"] for r in met
        ),
        "awaiting_records": n("awaiting classification"),
        "awaiting_assessed": n("awaiting classification") - not_retrieved,
        "ongoing_records": n("ongoing"),
        "included_records": len(included),
        "new_studies": len(new),
        "new_reports": sum(r["study_id"] in new for r in included),
        "new_reports_of_held": sum(r["study_id"] in previous for r in included),
        "awaiting": len(awaiting),
        "ongoing": len(ongoing),
        "total_studies": len(total),
        "total_reports": sum(
            r["decision"] in ("already held", "included")
            and r["study_id"] in total
            and (r["decision"] == "already held" or r in met)
            for r in rows
        ),  # fmt: skip
    }
    for reason in ("population", "intervention", "comparator", "outcome", "design"):
        counts[f"excluded_{reason}"] = sum(
            r["decision"] == "excluded" and r["exclusion_reason"] == reason for r in met
        )
    return counts, total


def test_every_prisma_box_equals_its_recount_from_the_data(built_book):
    glued = read_glue(built_book / "_build" / "executed" / "prisma.ipynb")
    expected, _ = recount(built_book)
    shown = {name: int(glued[f"prisma_{name}"]) for name in expected}
    assert shown == expected
    # the boxes add up as the template draws them
    assert expected["identified"] == (
        expected["already_held"] + expected["awaiting_screening"] + expected["screened"]
    )
    assert expected["identified"] == sum(
        expected[f"identified_{k}"] for k in ("databases", "registers", "other")
    )
    assert expected["excluded"] == sum(
        expected[f"excluded_{r}"]
        for r in ("population", "intervention", "comparator", "outcome", "design")
    )


def test_a_study_with_several_records_counts_once(built_book):
    """RUMCESS (an abstract and a full report) and SEPCELL (registration, protocol, results
    posting, main and ancillary reports) are one study each: the included studies with more
    than one record, found in the data, each add one study and all their reports."""
    counts, total = recount(built_book)
    records: dict[str, int] = {}
    for r in table(built_book, "screening"):
        if r["decision"] in ("already held", "included") and r["study_id"] in total:
            records[r["study_id"]] = records.get(r["study_id"], 0) + 1
    assert any(count > 1 for count in records.values())  # the data hold such studies
    glued = read_glue(built_book / "_build" / "executed" / "prisma.ipynb")
    assert int(glued["prisma_total_studies"]) == len(records) == counts["total_studies"]
    assert int(glued["prisma_total_reports"]) == sum(records.values())
