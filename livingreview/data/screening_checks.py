"""Cross-file checks between the screening table, the search log and the evidence tables.

Each is one named rule (``livingreview validate`` runs them all) and each error names both
files and both rows, so an author sees where the two disagree.
"""

from __future__ import annotations

from livingreview.data import screening as rule
from livingreview.data.validate import Checked, Problem, _table_rows, cross_file_check

SCREENING = "screening"


def _screening(checked: Checked) -> list[tuple[int, dict[str, str]]]:
    return _table_rows(checked, SCREENING)[1]


def _evidence(checked: Checked):
    """(table, file, line, cells, record id, study id) of every evidence row."""
    for table, key in rule.EVIDENCE_KEYS.items():
        file, rows = _table_rows(checked, table)
        seen: set[str] = set()
        for line, cells in rows:
            record = (cells.get(key) or "").strip()
            if not record or (table == "pooled_effects" and record in seen):
                continue  # a meta-analysis has one row per pooled estimate: checked once
            seen.add(record)
            yield table, file, line, cells, record, rule.row_study(table, cells)


def _where(file: str, line: int) -> str:
    return f"{file} row {line}"


@cross_file_check("screening-linked-to-study")
def _linked_to_study(checked: Checked) -> list[Problem]:
    """A screened record names its study and what it is; the study is one the evidence tables
    hold or one that has a screening record of its own (a report linked to no study is an
    error)."""
    rows = _screening(checked)
    if not rows:
        return []
    known = {record for *_, record, _ in _evidence(checked)}
    known |= {cells["record_id"].strip() for _, cells in rows}
    out = []
    for line, cells in rows:
        if cells["decision"].strip() == rule.UNSCREENED:
            continue
        for column in ("study_id", "record_type"):
            if not (cells.get(column) or "").strip():
                out.append(
                    Problem(
                        "data/screening.csv",
                        line,
                        column,
                        "",
                        "screening-study",
                        f"is empty but the record is screened ({cells['decision']})",
                        "name the study the record belongs to and what the record is",
                    )
                )
        study = (cells.get("study_id") or "").strip()
        if study and study not in known:
            out.append(
                Problem(
                    "data/screening.csv",
                    line,
                    "study_id",
                    study,
                    "screening-unknown-study",
                    "names a study that no evidence table (data/clinical_studies.csv, "
                    "data/preclinical_studies.csv, data/registered_trials.csv, "
                    "data/pooled_effects.csv) holds and no row of data/screening.csv is",
                    "give the id of the study's row, or the record_id of its own record",
                )
            )
    return out


@cross_file_check("evidence-has-screening-decision")
def _evidence_screened(checked: Checked) -> list[Problem]:
    """Every study in the evidence tables has a screening decision (its record, or a record
    of its study, is a row of data/screening.csv)."""
    if SCREENING not in checked.tables:
        return []
    rows = _screening(checked)
    named = {cells["record_id"].strip() for _, cells in rows}
    named |= {(cells.get("study_id") or "").strip() for _, cells in rows}
    return [
        Problem(
            file,
            line,
            rule.EVIDENCE_KEYS[table],
            record,
            "no-screening-decision",
            f"has no screening decision: no row of data/screening.csv has record_id or "
            f"study_id {record!r}" + (f" or {study!r}" if study != record else ""),
            "add its screening row (decision, study_id, the search or look-up that met it)",
        )
        for table, file, line, _, record, study in _evidence(checked)
        if record not in named and study not in named
    ]


@cross_file_check("evidence-not-screened-out")
def _evidence_not_excluded(checked: Checked) -> list[Problem]:
    """An evidence row's record or study is not screened as excluded, unless its eligibility
    says it is outside the rule (kept only because the source review cites it); and a row
    outside the rule is not screened as included or ongoing."""
    rows = _screening(checked)
    by_id: dict[str, list[tuple[int, dict[str, str]]]] = {}
    for line, cells in rows:
        for key in {cells["record_id"].strip(), (cells.get("study_id") or "").strip()}:
            if key:
                by_id.setdefault(key, []).append((line, cells))
    out = []
    for table, file, line, cells, record, study in _evidence(checked):
        eligibility = (cells.get("eligibility") or "").strip()
        outside = rule.is_outside(eligibility)
        decisions = {n: c for n, c in [*by_id.get(record, []), *by_id.get(study, [])]}
        for sline, scells in sorted(decisions.items()):
            decision = scells["decision"].strip()
            if decision == rule.EXCLUDED and not outside:
                reason = scells["exclusion_reason"].strip()
                out.append(
                    Problem(
                        file,
                        line,
                        rule.EVIDENCE_KEYS[table],
                        record,
                        "evidence-screened-excluded",
                        f"is in the evidence, but {_where('data/screening.csv', sline)} "
                        f"({scells['record_id']}) excludes it ({reason})",
                        "correct the screening decision, or set the row's eligibility to "
                        f"'{rule.OUTSIDE}{reason}' if it stays only because the source cites it",
                    )
                )
            elif outside and decision in (rule.INCLUDED, rule.ONGOING):
                out.append(
                    Problem(
                        file,
                        line,
                        "eligibility",
                        eligibility,
                        "evidence-eligibility-disagrees",
                        f"says the row is outside the rule, but "
                        f"{_where('data/screening.csv', sline)} ({scells['record_id']}) "
                        f"screens it as {decision}",
                        "one rule for every record: make the two agree",
                    )
                )
    return out
