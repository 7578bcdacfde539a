"""The screening vocabulary: one list in code, the same in the data package, and every
decision in the data one of its kinds, with a reason from the rule's categories."""

from __future__ import annotations

import csv
import io

from conftest import REPO

from livingreview.data import screening as rule
from livingreview.data.package import resources
from livingreview.data.project import Project


def _fields(table: str) -> dict:
    return {f.name: f for f in resources(Project(REPO))[table].fields}


def _rows(table: str) -> list[dict[str, str]]:
    text = (REPO / "data" / f"{table}.csv").read_text(encoding="utf-8")
    return list(csv.DictReader(io.StringIO(text, newline="")))


def test_the_data_package_declares_the_codes_lists():
    screening = _fields("screening")
    assert tuple(screening["decision"].constraints["enum"]) == rule.DECISIONS
    assert tuple(screening["exclusion_reason"].constraints["enum"]) == rule.REASONS
    assert tuple(screening["record_type"].constraints["enum"]) == rule.RECORD_TYPES
    trials = _fields("registered_trials")
    assert tuple(trials["eligibility"].constraints["enum"]) == rule.ELIGIBILITY
    # an evidence row is outside the rule for one of the rule's own reasons
    assert set(rule.OUTSIDE_REASONS) <= set(rule.REASONS)


def test_every_excluded_record_gives_a_reason_of_the_rule_and_its_detail():
    excluded = [r for r in _rows("screening") if r["decision"] == rule.EXCLUDED]
    assert excluded
    for row in excluded:
        assert row["exclusion_reason"] in rule.REASONS, row["record_id"]
        assert row["decision_note"].strip(), row["record_id"]
    # finding or reading a record is never a reason: those records await classification
    reasons = " ".join(rule.REASONS + tuple(r["exclusion_reason"] for r in excluded))
    for word in ("record", "found", "read", "duplicate", "type"):
        assert word not in reasons


def test_every_decision_is_one_of_the_kinds_and_names_its_study():
    for row in _rows("screening"):
        assert row["decision"] in rule.DECISIONS, row["record_id"]
        assert bool(row["exclusion_reason"]) == (row["decision"] == rule.EXCLUDED)
        if row["decision"] != rule.UNSCREENED:
            assert row["study_id"] and row["record_type"] in rule.RECORD_TYPES, row["record_id"]
        if row["decision"] == rule.AWAITING:
            assert row["decision_note"].strip(), row["record_id"]  # what is missing


def test_eligibility_values_follow_the_rule():
    assert rule.is_outside("outside the rule: population")
    assert not rule.is_outside(rule.MEETS) and not rule.is_outside("")
    assert rule.row_study("clinical_studies", {"study_id": "a", "report_of": "b"}) == "b"
    assert rule.row_study("registered_trials", {"registry_id": "NCT1"}) == "NCT1"
