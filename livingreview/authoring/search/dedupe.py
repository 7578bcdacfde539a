"""De-duplication and intake: which retrieved records the review already knows, and the
screening rows of those it does not.

A record is known when one of its identifiers (NCT, PMID, PMCID, DOI, and the secondary ids a
registration lists: EudraCT, ChiCTR, NTR...) appears anywhere in the screening table, the
evidence tables or the bibliography, or, failing that, when its normalised title and year
match a held record's. Records found twice in one run (PubMed and Europe PMC) enter once.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field

from livingreview.authoring.search.records import Record, Result, find_ids, normal_title
from livingreview.data import csvio
from livingreview.data.project import Project

SCREENING = "screening.csv"
EVIDENCE = ("registered_trials.csv", "clinical_studies.csv", "preclinical_studies.csv",
            "pooled_effects.csv")  # fmt: skip
AWAITING = "awaiting screening"
NEW, KNOWN, REPEATED = "new", "known", "found earlier in this run"
DESIGNS = {
    "registry record": "trial registration (not yet screened)",
    "journal article": "journal article (not yet screened)",
    "preprint": "preprint (not yet screened)",
}


@dataclass
class Known:
    """Identifiers and (title, year) pairs of every held record, each naming the record."""

    ids: dict[str, str] = field(default_factory=dict)
    titles: dict[tuple[str, str], str] = field(default_factory=dict)
    record_ids: set[str] = field(default_factory=set)

    def add(self, label: str, ids: set[str], title: str = "", year: str = "") -> None:
        for ident in ids:
            self.ids.setdefault(ident, label)
        if normal_title(title):
            self.titles.setdefault((normal_title(title), year or ""), label)

    def match(self, record: Record) -> str | None:
        for ident in record.ids:
            if ident in self.ids:
                return self.ids[ident]
        title = normal_title(record.title)
        if not title:
            return None
        return self.titles.get((title, record.year)) or self.titles.get((title, ""))


def _rows(path) -> list[dict[str, str]]:
    return csvio.dict_rows(path.read_text(encoding="utf-8"))[1] if path.is_file() else []


def known_records(project: Project) -> Known:
    """Everything the review holds: screening rows, evidence rows, bibliography entries."""
    known = Known()
    for row in _rows(project.data_dir / SCREENING):
        label = row.get("record_id", "")
        known.record_ids.add(label)
        text = " ".join(str(v) for v in row.values() if v)
        ids = find_ids(text) | {i for i in (row.get("identifiers") or "").split(";") if ":" in i}
        known.add(label, ids, row.get("title", ""), row.get("year", ""))
    for name in EVIDENCE:
        for row in _rows(project.data_dir / name):
            label = next(iter(row.values()), "")
            text = " ".join(str(v) for v in row.values() if v)
            known.add(label, find_ids(text), row.get("title", ""), "")
    if project.bibliography.is_file():
        for entry in re.split(r"\n(?=@)", project.bibliography.read_text(encoding="utf-8")):
            key = re.match(r"@\w+\{([^,]+),", entry.strip())
            title = re.search(r"\btitle\s*=\s*[{\"](.+?)[}\"]\s*,?\s*\n", entry, re.S)
            year = re.search(r"\byear\s*=\s*[{\"]?(\d{4})", entry)
            if key:
                clean = re.sub(r"[{}]", "", title.group(1)) if title else ""
                known.add(key.group(1), find_ids(entry), clean, year.group(1) if year else "")
    return known


@dataclass
class Outcome:
    """One retrieved record and what intake made of it."""

    record: Record
    status: str  # NEW, KNOWN or REPEATED
    record_id: str  # the screening row added, or the held record it matched


@dataclass
class Intake:
    outcomes: dict[str, list[Outcome]]  # per strategy name, in retrieval order
    new_rows: list[dict[str, str]]  # screening rows to append, in order
    new_by_strategy: dict[str, int]


def record_id_for(record: Record, taken: set[str]) -> str:
    """A screening id from the record's first identifier: NCT01234567, PMID-123, PMC123, DOI-..."""
    kind, _, value = record.primary.partition(":")
    base = {"NCT": value, "PMCID": value, "PPR": value}.get(kind) or f"{kind}-{value}"
    base = re.sub(r"[^A-Za-z0-9_.-]+", "_", base).strip("_")[:60] or "record"
    candidate, n = base, 2
    while candidate in taken:
        candidate, n = f"{base}-{n}", n + 1
    return candidate


def intake(
    results: list[Result], known: Known, search_ids: dict[str, str], day: str, run_id: str
) -> Intake:
    """Match every retrieved record; new ones become 'awaiting screening' rows naming the log
    row (``search_ids[strategy]``) of the first strategy that found them."""
    seen = Known()  # records added in this run
    taken = set(known.record_ids)
    outcomes: dict[str, list[Outcome]] = {}
    rows: list[dict[str, str]] = []
    counts: dict[str, int] = {}
    for result in results:
        counts[result.strategy] = 0
        found = outcomes.setdefault(result.strategy, [])
        for record in result.records:
            if label := known.match(record):
                found.append(Outcome(record, KNOWN, label))
                continue
            if label := seen.match(record):
                found.append(Outcome(record, REPEATED, label))
                row = next(r for r in rows if r["record_id"] == label)
                extra = [i for i in record.ids if i not in row["identifiers"].split(";")]
                row["identifiers"] = ";".join([*row["identifiers"].split(";"), *extra])
                seen.add(label, set(record.ids))
                continue
            rid = record_id_for(record, taken)
            taken.add(rid)
            seen.add(rid, set(record.ids), record.title, record.year)
            counts[result.strategy] += 1
            found.append(Outcome(record, NEW, rid))
            rows.append(
                {
                    "record_id": rid,
                    "title": record.title or f"(no title given by {record.source})",
                    "year": record.year,
                    "design": DESIGNS.get(record.kind, f"{record.kind} (not yet screened)"),
                    "population": "",
                    "decision": AWAITING,
                    "exclusion_reason": "",
                    "search_id": search_ids[result.strategy],
                    "primary_address": record.url,
                    "record_date": "",
                    "checked": day,
                    "notes": f"found by the saved {record.source} strategy, run {run_id}",
                    "identifiers": ";".join(record.ids),
                }
            )
    return Intake(outcomes, rows, counts)


RUN_COLUMNS = ["rank", "status", "record_id", "identifiers", "title", "year"]


def run_file(outcomes: list[Outcome]) -> str:
    """The identifiers one strategy retrieved in a run, in the source's order, and what each
    became: every PRISMA count of the run can be recomputed from these files."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(RUN_COLUMNS)
    for rank, o in enumerate(outcomes, 1):
        writer.writerow([rank, o.status, o.record_id, ";".join(o.record.ids), o.record.title,
                         o.record.year])  # fmt: skip
    return out.getvalue()
