"""What the surveillance log says about searching: the one owner of "last searched".

Every log row has a ``kind``. Only a *complete run* counts as a search: one run id under which
every saved API strategy of ``data/search_strategies.yml`` logged a ``scheduled search`` row.
A look-up of a record the review already holds verifies it; it never moves "last searched".
"""

from __future__ import annotations

from pathlib import Path

import yaml

from livingreview.data import csvio, dates
from livingreview.data.project import Project, find_project

STRATEGIES_FILE = "search_strategies.yml"
SCHEDULED = "scheduled search"
MANUAL = "manual search"
BASELINE = "source review baseline"
LOOKUP = "look-up of a known record"
TOPIC_LOOKUP = "topic look-up in archived copies"
CODE_SEARCH = "code-index string search"
UNLOGGED = "records without a logged entry"
KINDS = (BASELINE, SCHEDULED, MANUAL, LOOKUP, TOPIC_LOOKUP, CODE_SEARCH, UNLOGGED)


def strategies_path(project: Project) -> Path:
    return project.data_dir / STRATEGIES_FILE


def read_strategies(project: Project) -> dict:
    """The saved strategies as written: ``{"api": [...], "manual": [...]}`` (empty lists
    without a file)."""
    path = strategies_path(project)
    if not path.is_file():
        return {"api": [], "manual": []}
    raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return {"api": list(raw.get("api") or []), "manual": list(raw.get("manual") or [])}


def api_sources(project: Project | None = None) -> list[str]:
    """The log's source name of every saved API strategy, in file order."""
    return [str(s.get("source")) for s in read_strategies(project or find_project())["api"]]


def log_rows(path: Path | None) -> list[dict[str, str]]:
    if path is None or not path.is_file():
        return []
    return csvio.dict_rows(path.read_text(encoding="utf-8"))[1]


def complete_runs(rows: list[dict[str, str]], sources: list[str]) -> dict[str, str]:
    """{run id: date} of every run in which each of ``sources`` logged a scheduled search."""
    found: dict[str, set[str]] = {}
    day: dict[str, str] = {}
    for row in rows:
        run = (row.get("run_id") or "").strip()
        if (row.get("kind") or "").strip() != SCHEDULED or not run:
            continue
        hits, retrieved = ((row.get(k) or "").strip() for k in ("hits", "retrieved"))
        if hits.isdigit() and retrieved.isdigit() and int(retrieved) < int(hits):
            continue  # records the source reported but the run did not get: not complete
        found.setdefault(run, set()).add((row.get("source") or "").strip())
        day[run] = max(day.get(run, ""), (row.get("date") or "").strip())
    if not sources:
        return {}
    return {run: day[run] for run, seen in found.items() if set(sources) <= seen}


def last_complete_search(rows: list[dict[str, str]], sources: list[str]) -> str | None:
    """The date of the latest complete run of every saved API strategy, or None."""
    found = [d for d in complete_runs(rows, sources).values() if dates.is_iso(d)]
    return max(found, default=None)


def last_verified(rows: list[dict[str, str]]) -> str | None:
    """The latest date a record was looked up or checked outside a scheduled run."""
    found = [
        day
        for row in rows
        if (row.get("kind") or "").strip() not in (BASELINE, SCHEDULED)
        and dates.is_iso(day := (row.get("date") or "").strip())
    ]
    return max(found, default=None)


def last_complete_run(rows: list[dict[str, str]], sources: list[str]) -> tuple[str, str] | None:
    """(run id, date) of the latest complete run, or None."""
    runs = complete_runs(rows, sources)
    if not runs:
        return None
    run = max(runs, key=lambda r: (runs[r], r))
    return run, runs[run]
