"""``livingreview search log-manual``: a search run by hand in a source without an API.

The row names the saved manual strategy, the query as typed, the total the source showed and
the ids found; ids the review does not hold yet enter screening as awaiting, like an API run.
"""

from __future__ import annotations

from datetime import UTC, datetime

from livingreview.authoring.search import dedupe, strategies
from livingreview.authoring.search import log as search_log
from livingreview.authoring.search.records import Record, Result, find_ids
from livingreview.data import dates
from livingreview.data.project import Project
from livingreview.data.searches import MANUAL
from livingreview.errors import LivingReviewError


class ManualLogError(LivingReviewError):
    exit_code = 2


def log_manual(
    project: Project, source: str, hits: int, query: str, day: str, ids: list[str], notes: str
) -> str:
    saved = strategies.load(project)["manual"]
    strategy = next(
        (s for s in saved if source.lower() in (s["name"].lower(), s["source"].lower())), None
    )
    if strategy is None:
        known = ", ".join(f"{s['name']} ({s['source']})" for s in saved)
        raise ManualLogError(f"--source {source!r} is no saved manual strategy; saved: {known}")
    day = day or datetime.now(UTC).date().isoformat()
    if not dates.is_iso(day):
        raise ManualLogError(f"--date {day!r}: expected a date YYYY-MM-DD")
    if hits < 0 or hits < len(ids):
        raise ManualLogError(f"--hits {hits}: expected at least the {len(ids)} id(s) given")
    records = []
    for text in ids:
        found = sorted(find_ids(text))
        if not found:
            raise ManualLogError(
                f"--id {text!r}: not a registry or article id (NCT, ChiCTR, EudraCT, EU CT, "
                "NTR, NL, PMID:..., PMC..., DOI 10....)"
            )
        records.append(
            Record(
                strategy["source"],
                tuple(found),
                f"{strategy['source']} record {text} (title not yet read)",
                kind="registry record",
                url=strategy["address"],
            )  # fmt: skip
        )
    (search_id,) = search_log.next_search_ids(project, 1)
    result = Result(strategy["name"], strategy["source"], query or strategy["query"], hits, records)
    taken = dedupe.intake([result], dedupe.known_records(project), {strategy["name"]: search_id},
                          day, f"manual {search_id}")  # fmt: skip
    row = {
        "search_id": search_id,
        "date": day,
        "source": strategy["source"],
        "query": " ".join((query or strategy["query"]).split()),
        "hits": str(hits),
        "new_records": str(len(taken.new_rows)),
        "notes": "; ".join(
            p for p in [notes, "ids found: " + ", ".join(ids) if ids else "no ids found"] if p
        ),
        "kind": MANUAL,
        "run_id": "",
        "retrieved": str(len(ids)),
    }
    search_log.write(project, search_log.Write({}, taken.new_rows, [row]))
    return (
        f"logged {search_id} ({strategy['source']}, {day}, {hits} results); "
        f"{len(taken.new_rows)} new record(s) added to data/screening.csv as awaiting screening"
    )


def log_lookup(project: Project, source: str, query: str, day: str, notes: str) -> str:
    """Log a verification: a look-up of a record the review holds or was told of. It is
    recorded (kind 'look-up of a known record') but never counts as a search."""
    from livingreview.data.package import resources
    from livingreview.data.searches import LOOKUP

    allowed = next(f for f in resources(project)["surveillance_log"].fields if f.name == "source")
    if source not in allowed.constraints["enum"]:
        raise ManualLogError(
            f"--source {source!r}: expected one of {', '.join(allowed.constraints['enum'])}"
        )
    day = day or datetime.now(UTC).date().isoformat()
    if not dates.is_iso(day):
        raise ManualLogError(f"--date {day!r}: expected a date YYYY-MM-DD")
    if not query.strip():
        raise ManualLogError("--query: give the record id or address looked up")
    (search_id,) = search_log.next_search_ids(project, 1)
    row = {"search_id": search_id, "date": day, "source": source, "query": query.strip(),
           "new_records": "0", "notes": notes, "kind": LOOKUP}  # fmt: skip
    search_log.write(project, search_log.Write({}, [], [row]))
    return f"logged {search_id}: a look-up of a known record ({source}, {day}); not a search"
