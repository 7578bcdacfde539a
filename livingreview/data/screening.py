"""The screening vocabulary and the eligibility rule's categories: the one place they live.

The data package declares the same lists (``data/datapackage.json``, screening and registered
trials); a test keeps the two equal. Validation, the PRISMA counts and the tables read them here.
"""

from __future__ import annotations

INCLUDED = "included"  # the record's study meets the rule
EXCLUDED = "excluded"  # with a reason from REASONS and its detail in decision_note
AWAITING = "awaiting classification"  # what is missing is in decision_note
ONGOING = "ongoing"  # a registered trial meeting the rule, no results yet
HELD = "already held"  # held before this update: removed before screening
UNSCREENED = "awaiting screening"  # a scheduled search added it; nobody has screened it yet
DECISIONS = (INCLUDED, EXCLUDED, AWAITING, ONGOING, HELD, UNSCREENED)

# The parts of the eligibility rule (Methods): a record is excluded for failing one of them,
# never for a record that could not be found or read (that is AWAITING).
REASONS = ("population", "intervention", "comparator", "outcome", "design")

# Eligibility of an evidence row: it meets the rule, or it is kept only because the source
# review cites it and falls outside the rule for one reason. A missing comparator moves a study
# to the safety narrative and a missing outcome leaves nothing to extract, so neither can apply
# to a row the source cites.
MEETS = "meets the rule"
OUTSIDE = "outside the rule: "
OUTSIDE_REASONS = ("population", "intervention", "design")
# A row the source review cites whose records cannot decide it (none readable, the readings
# disagree) awaits classification, like any such record: never outside the rule for that.
ELIGIBILITY = (MEETS, *(OUTSIDE + reason for reason in OUTSIDE_REASONS), AWAITING)

RECORD_TYPES = (
    "registration",
    "protocol",
    "conference abstract",
    "results posting",
    "main report",
    "ancillary report",
    "meta-analysis",
    "review",
    "preprint",
)
# A study with a record of one of these types has results, so it is not an ongoing study.
RESULT_TYPES = ("main report", "results posting")

# The evidence tables and the column naming the record each row holds. A clinical row that is
# a further report of a study names that study in ``report_of``.
EVIDENCE_KEYS = {
    "preclinical_studies": "study_id",
    "clinical_studies": "study_id",
    "registered_trials": "registry_id",
    "pooled_effects": "ref_key",
}


def is_outside(eligibility: str | None) -> bool:
    """True for an evidence row kept only because the source review cites it."""
    return str(eligibility or "").strip().startswith(OUTSIDE)


def row_study(table: str, cells: dict[str, str]) -> str:
    """The study an evidence row belongs to (a clinical row's ``report_of`` when it has one)."""
    if table == "clinical_studies" and (cells.get("report_of") or "").strip():
        return cells["report_of"].strip()
    return (cells.get(EVIDENCE_KEYS[table]) or "").strip()
