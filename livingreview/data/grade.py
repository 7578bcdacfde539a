"""GRADE arithmetic for the summary of findings: one place says how concerns lower certainty."""

from __future__ import annotations

LEVELS = ("very low", "low", "moderate", "high")
# Levels lost per concern in a GRADE domain (risk of bias, inconsistency, indirectness,
# imprecision); publication bias lowers by one when strongly suspected.
STEPS = {"not serious": 0, "not applicable": 0, "serious": 1, "very serious": 2}
DOMAINS = ("risk_of_bias", "inconsistency", "indirectness", "imprecision")


def downgrades(row: dict[str, str]) -> int:
    """Levels a summary-of-findings row loses for its stated concerns."""
    steps = sum(STEPS.get(row[d].strip(), 0) for d in DOMAINS)
    return steps + (1 if row.get("publication_bias", "").strip() == "strongly suspected" else 0)


def certainty(row: dict[str, str], start: str = "high") -> str:
    """The certainty the concerns leave, from ``start`` (high for randomised evidence),
    never below very low."""
    return LEVELS[max(0, LEVELS.index(start) - downgrades(row))]
