"""The search log and the run files: one surveillance-log row per source and run, the run's
identifiers in ``data/searches/<run id>/<strategy>.csv``, written so a reader never sees half.

Every text is computed before the first write; then the run files, the screening rows and the
log rows are written, each file replaced in one rename (``write_atomic``), the log last, so
an interrupted write leaves at most run files no log row names.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from livingreview.data import csvio
from livingreview.data.files import write_atomic
from livingreview.data.package import read_descriptor
from livingreview.data.project import Project
from livingreview.errors import LivingReviewError

LOG_FILE = "surveillance_log.csv"
SCREENING_FILE = "screening.csv"
RUNS_DIR = "searches"
RUN_ID = re.compile(r"^\d{8}T\d{6}Z$")


class LogError(LivingReviewError):
    pass


def run_id(now: datetime | None = None) -> tuple[str, str]:
    """(run id, date) of a run started ``now`` (UTC): ('20261203T155200Z', '2026-12-03')."""
    now = (now or datetime.now(UTC)).astimezone(UTC)
    return now.strftime("%Y%m%dT%H%M%SZ"), now.date().isoformat()


def runs_dir(project: Project) -> Path:
    return project.data_dir / str(read_descriptor(project).get("x-search-runs", RUNS_DIR))


def next_search_ids(project: Project, n: int) -> list[str]:
    """``n`` search ids after the highest in the log or in screening (S080, S081, ...): a run
    cut off between writing screening and the log must not hand its ids out again."""
    rows = csvio.dict_rows((project.data_dir / LOG_FILE).read_text(encoding="utf-8"))[1]
    screening = project.data_dir / "screening.csv"
    if screening.is_file():
        rows += csvio.dict_rows(screening.read_text(encoding="utf-8"))[1]
    numbers = [
        int(r["search_id"][1:]) for r in rows if re.match(r"^S\d{3,}$", r.get("search_id") or "")
    ]
    start = max(numbers, default=-1) + 1
    return [f"S{start + i:03d}" for i in range(n)]


@dataclass
class Write:
    """Every change of one run, ready to write."""

    files: dict[Path, str]  # new run files
    screening_rows: list[dict[str, str]]
    log_rows: list[dict[str, str]]


def _appended(path: Path, rows: list[dict[str, str]]) -> bytes:
    data = path.read_bytes()
    header = csvio.read_records(path).header
    missing = [c for r in rows for c in r if c not in header]
    if missing:
        raise LogError(f"data/{path.name} has no column {missing[0]!r}; update its schema first")
    for row in rows:
        data = csvio.appended(data, [str(row.get(c, "")) for c in header])
    return data


def write(project: Project, change: Write) -> None:
    log = project.data_dir / LOG_FILE
    screening = project.data_dir / SCREENING_FILE
    texts = {
        screening: _appended(screening, change.screening_rows) if change.screening_rows else None,
        log: _appended(log, change.log_rows),
    }
    for path in change.files:
        if path.exists():
            raise LogError(f"{project.rel(path)} exists already; a run id is used once")
    for path, text in change.files.items():
        write_atomic(path, text)
    for path in (screening, log):
        if texts[path] is not None:
            write_atomic(path, texts[path])
