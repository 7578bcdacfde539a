"""``livingreview screening import FILE``: screening decisions made elsewhere, checked first.

The file is a CSV with ``record_id``, ``decision`` and ``exclusion_reason``, and optionally
``study_id``, ``record_type`` and ``decision_note`` (the study the record belongs to, what it is,
and why the decision); other columns are ignored. Every problem is reported, one line each
naming file, row and column; if there is any, nothing is written. Otherwise only those cells
of data/screening.csv change.
"""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from pathlib import Path

from livingreview.data import csvio
from livingreview.data.files import write_atomic
from livingreview.data.package import resources
from livingreview.data.project import Project
from livingreview.errors import LivingReviewError

REQUIRED = ("record_id", "decision", "exclusion_reason")
OPTIONAL = ("study_id", "record_type", "decision_note")


class ImportError_(LivingReviewError):  # noqa: N801 (not the builtin)
    exit_code = 2


def import_decisions(project: Project, file: Path) -> int:
    fields = {f.name: f for f in resources(project)["screening"].fields}
    decisions = fields["decision"].constraints["enum"]
    reasons = fields["exclusion_reason"].constraints["enum"]
    try:
        text = csvio.decode(Path(file).read_bytes())
        reader = csv.DictReader(io.StringIO(text, newline=""))
        rows = list(reader)
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise ImportError_(f"{file}: cannot be read as UTF-8 CSV: {exc}") from None
    header = reader.fieldnames or []
    if missing := [c for c in REQUIRED if c not in header]:
        raise ImportError_(f"{file}: row 1: missing column(s) {', '.join(missing)}")
    target = project.data_dir / "screening.csv"
    records = csvio.read_records(target)
    col = {name: i for i, name in enumerate(records.header)}
    index = {row[col["record_id"]]: i for i, row in enumerate(records.rows)}
    problems, changes, seen = [], {}, set()
    for line, row in enumerate(rows, 2):
        rid = (row.get("record_id") or "").strip()
        decision = (row.get("decision") or "").strip()
        reason = (row.get("exclusion_reason") or "").strip()

        def problem(column: str, value: str, expected: str, line: int = line) -> None:
            problems.append(f"{file}: row {line}, column {column}: {value!r}: {expected}")

        if rid not in index:
            problem("record_id", rid, "not a record of data/screening.csv")
            continue
        if rid in seen:
            problem("record_id", rid, "given twice in this file")
        seen.add(rid)
        if decision not in decisions:
            problem("decision", decision, f"expected one of: {', '.join(decisions)}")
        if decision == "excluded" and reason not in reasons:
            problem("exclusion_reason", reason, f"expected one of: {', '.join(reasons)}")
        elif decision != "excluded" and reason:
            problem("exclusion_reason", reason, "expected empty unless the decision is 'excluded'")
        record_type = (row.get("record_type") or "").strip()
        types = fields["record_type"].constraints["enum"] if "record_type" in fields else []
        if "record_type" in header and record_type and record_type not in types:
            problem("record_type", record_type, f"expected one of: {', '.join(types)}")
        changes[index[rid]] = {
            col["decision"]: decision,
            col["exclusion_reason"]: reason,
            col["checked"]: datetime.now(UTC).date().isoformat(),
            **{
                col[name]: (row.get(name) or "").strip()
                for name in OPTIONAL
                if name in header and name in col
            },
        }
    if problems:
        raise ImportError_(
            "\n".join(problems) + f"\n{len(problems)} problem(s); nothing was written"
        )
    current = {
        i: {c: v for c, v in cells.items() if records.rows[i][c] != v}
        for i, cells in changes.items()
    }
    current = {i: cells for i, cells in current.items() if cells}
    if current:
        write_atomic(target, records.splice(current))
    return len(current)
