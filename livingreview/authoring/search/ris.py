"""RIS export of the records awaiting screening, for Rayyan, EndNote, Zotero or ASReview.

Each entry carries the screening ``record_id`` in its ID tag (ASReview and Rayyan keep it),
so decisions made there come back through ``livingreview screening import``.
"""

from __future__ import annotations

from pathlib import Path

import rispy

from livingreview.authoring.search.dedupe import AWAITING, SCREENING
from livingreview.data import csvio
from livingreview.data.files import write_atomic
from livingreview.data.project import Project

TYPES = {"trial registration": "DBASE", "preprint": "UNPB"}


def entries(rows: list[dict[str, str]]) -> list[dict]:
    out = []
    for row in rows:
        ids = dict(i.split(":", 1) for i in (row.get("identifiers") or "").split(";") if ":" in i)
        kind = next((t for d, t in TYPES.items() if row.get("design", "").startswith(d)), "JOUR")
        entry = {"type_of_reference": kind, "id": row["record_id"], "title": row["title"]}
        if row.get("year"):
            entry["year"] = row["year"]
        if "DOI" in ids:
            entry["doi"] = ids["DOI"]
        if row.get("primary_address"):
            entry["urls"] = [row["primary_address"]]
        entry["notes"] = [f"{k}: {v}" for k, v in ids.items()] + [f"search {row['search_id']}"]
        out.append(entry)
    return out


def export_awaiting(project: Project, output: Path) -> int:
    rows = csvio.dict_rows((project.data_dir / SCREENING).read_text(encoding="utf-8"))[1]
    awaiting = [r for r in rows if r.get("decision") == AWAITING]
    write_atomic(Path(output), rispy.dumps(entries(awaiting)))
    return len(awaiting)
