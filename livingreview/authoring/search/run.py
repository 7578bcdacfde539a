"""``livingreview search``: run the saved strategies, match what they find, log the run."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from livingreview.authoring import sources
from livingreview.authoring.search import ctgov, dedupe, europepmc, eutils, strategies
from livingreview.authoring.search import log as search_log
from livingreview.authoring.search.http import Http, SearchError, SearchUnavailable
from livingreview.authoring.search.records import Result
from livingreview.data.project import Project
from livingreview.data.searches import SCHEDULED
from livingreview.errors import LivingReviewError

SOURCE_NAMES = {"ctgov": "ClinicalTrials.gov", "eutils": "PubMed (E-utilities)",
                "europepmc": "Europe PMC"}  # fmt: skip


class SearchFailed(LivingReviewError):
    """Some sources failed; the others were logged (or, offline, nothing was)."""


@dataclass
class Environment:
    """What a run talks to; tests replace the sleep and the clock."""

    sleep: Callable[[float], None] = time.sleep
    now: datetime | None = None
    opener: Callable | None = None
    api_key: str = field(default_factory=lambda: os.environ.get("NCBI_API_KEY", ""))


def plan(project: Project, strategy: dict, today: str) -> str:
    base = sources.base_url(project, strategy["service"])
    if strategy["service"] == "eutils":
        who = sources.contact(project)
        return eutils.plan(strategy, base, today, who.tool, who.email)
    return (ctgov if strategy["service"] == "ctgov" else europepmc).plan(strategy, base, today)


def _run_one(project: Project, strategy: dict, today: str, env: Environment) -> Result:
    service = strategy["service"]
    base = sources.base_url(project, service)
    # a pause between pages for every service; NCBI's own limit is set below
    http = Http(SOURCE_NAMES[service], interval=0.2, sleep=env.sleep)
    if env.opener is not None:
        http.opener = env.opener
    if service == "eutils":
        who = sources.contact(project)
        http.interval = eutils.interval(env.api_key)
        return eutils.run(strategy, base, http, today, who.tool, who.email, env.api_key)
    return (ctgov if service == "ctgov" else europepmc).run(strategy, base, http, today)


def search(
    project: Project,
    names: list[str] | None = None,
    dry_run: bool = False,
    report: Callable[[str], None] = print,
    env: Environment | None = None,
) -> list[dict[str, str]]:
    """Run the chosen strategies (all by default); return the log rows written (or, with
    ``dry_run``, that would be). Raises SearchFailed when a source failed."""
    env = env or Environment()
    saved = strategies.load(project)
    chosen = strategies.select(saved["api"], names)
    run, today = search_log.run_id(env.now)
    if dry_run:
        for strategy in chosen:
            report(f"{strategy['name']}: GET {plan(project, strategy, today)}")
    results: list[Result] = []
    failures: list[SearchError] = []
    for strategy in chosen:
        try:
            results.append(_run_one(project, strategy, today, env))
        except SearchError as exc:
            failures.append(exc)
    if not results:
        offline = all(isinstance(f, SearchUnavailable) for f in failures)
        first = str(failures[0]) if failures else "no strategy"
        raise SearchFailed(
            ("no network? " if offline else "")
            + f"{first}"
            + (f" (and {len(failures) - 1} other source(s))" if len(failures) > 1 else "")
            + "; nothing was changed"
        )
    ids = search_log.next_search_ids(project, len(results))
    search_ids = {r.strategy: sid for r, sid in zip(results, ids, strict=True)}
    taken = dedupe.intake(results, dedupe.known_records(project), search_ids, today, run)
    folder = search_log.runs_dir(project) / run
    rows = []
    for result in results:
        outcomes = taken.outcomes[result.strategy]
        rows.append(
            {
                "search_id": search_ids[result.strategy],
                "date": today,
                "source": result.source,
                "query": result.query,
                "hits": str(result.total),
                "new_records": str(taken.new_by_strategy[result.strategy]),
                "notes": (
                    f"saved strategy '{result.strategy}' ({len(result.requests)} requests); "
                    f"identifiers in {project.rel(folder / (result.strategy + '.csv'))}"
                    + (
                        ""
                        if len(outcomes) == result.total
                        else f"; retrieved {len(outcomes)} of the {result.total} reported"
                    )
                ),
                "kind": SCHEDULED,
                "run_id": run,
                "retrieved": str(len(outcomes)),
            }
        )
        known = sum(o.status == dedupe.KNOWN for o in outcomes)
        again = sum(o.status == dedupe.REPEATED for o in outcomes)
        report(
            f"{result.strategy}: {result.total} reported, {len(outcomes)} retrieved, "
            f"{known} already held, "
            + (f"{again} found by an earlier strategy, " if again else "")
            + f"{taken.new_by_strategy[result.strategy]} new"
        )
    for row in taken.new_rows:
        report(f"  new: {row['record_id']} ({row['year'] or 'no year'}) {row['title'][:90]}")
    if dry_run:
        report(
            f"dry run: would log {len(rows)} search(es) as run {run} and add "
            f"{len(taken.new_rows)} record(s) awaiting screening; nothing was written"
        )
    else:
        files = {
            folder / f"{r.strategy}.csv": dedupe.run_file(taken.outcomes[r.strategy])
            for r in results
        }
        search_log.write(project, search_log.Write(files, taken.new_rows, rows))
        report(
            f"run {run}: logged {', '.join(r['search_id'] for r in rows)} in "
            f"data/surveillance_log.csv; {len(taken.new_rows)} record(s) added to "
            f"data/screening.csv as '{dedupe.AWAITING}'; identifiers in {project.rel(folder)}/"
        )
    if failures:
        raise SearchFailed(
            "; ".join(str(f) for f in failures)
            + f"; {len(failures)} source(s) not logged"
            + ("" if dry_run else ", the others were")
        )
    return rows
