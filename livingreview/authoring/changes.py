"""``livingreview changes``: what changed in the evidence since a release or revision.

Data tables are compared row by row on their primary key; glued values are compared with the
release's snapshot (``livingreview.data.releases``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from livingreview.authoring import git
from livingreview.book.manifest import load_manifest
from livingreview.book.runner import plan
from livingreview.data import csvio
from livingreview.data.package import Resource, read_descriptor
from livingreview.data.project import Project
from livingreview.data.releases import RELEASE_NAME, RELEASES_TABLE, glued_values, snapshot_path
from livingreview.errors import LivingReviewError


class ChangesFailed(LivingReviewError):
    pass


def default_since(project: Project) -> str:
    """The latest release tag, or HEAD when no version has been tagged."""
    tags = git.release_tags(project)
    return tags[-1] if tags else "HEAD"


@dataclass(frozen=True)
class RowChange:
    key: tuple[str, ...]
    cells: dict[str, tuple[str, str]]  # column: (old, new)


@dataclass
class TableChanges:
    table: str
    file: str
    key_columns: list[str]
    added: list[tuple[str, ...]] = field(default_factory=list)
    removed: list[tuple[str, ...]] = field(default_factory=list)
    changed: list[RowChange] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.added or self.removed or self.changed)

    def counts(self) -> str:
        return f"{len(self.added)} added, {len(self.removed)} removed, {len(self.changed)} changed"


@dataclass(frozen=True)
class GlueChange:
    run: str
    name: str
    old: str | None  # None: not glued in the release
    new: str | None  # None: no longer glued


@dataclass
class EvidenceChanges:
    since: str  # as the author named it
    commit: str
    tables: list[TableChanges]
    release: str | None = None  # the release ``since`` names, if any
    snapshot: str | None = None  # the snapshot the glued values were compared with
    glued: list[GlueChange] = field(default_factory=list)
    stale_runs: list[str] = field(default_factory=list)

    @property
    def changed_tables(self) -> list[TableChanges]:
        return [t for t in self.tables if t]


def _keyed(text: str | None, key: list[str]) -> tuple[list[str], dict[tuple[str, ...], dict]]:
    columns, rows = csvio.dict_rows(text)
    keyed = {
        tuple(row.get(k) or "" for k in key) if key else (str(number),): row
        for number, row in enumerate(rows, start=2)
    }
    return columns, keyed


def compare_table(
    table: str, file: str, key: list[str], old_text: str | None, new_text: str | None
) -> TableChanges:
    """Rows added, removed and changed between two versions of one CSV, by primary key."""
    old_columns, old = _keyed(old_text, key)
    new_columns, new = _keyed(new_text, key)
    columns = [*new_columns, *[c for c in old_columns if c not in new_columns]]
    result = TableChanges(table, file, key)
    result.added = [k for k in new if k not in old]
    result.removed = [k for k in old if k not in new]
    for ident in (k for k in new if k in old):
        cells = {
            c: (old[ident].get(c) or "", new[ident].get(c) or "")
            for c in columns
            if (old[ident].get(c) or "") != (new[ident].get(c) or "")
        }
        if cells:
            result.changed.append(RowChange(ident, cells))
    return result


def _tables(descriptor: dict | None) -> dict[str, Resource]:
    return {
        r["name"]: Resource(r["name"], r["path"], r)
        for r in (descriptor or {}).get("resources", [])
    }


def compare_data(project: Project, commit: str) -> list[TableChanges]:
    """Every data table at ``commit`` against the working tree."""
    old_descriptor = git.file_at(project, commit, "data/datapackage.json")
    old_tables = _tables(json.loads(old_descriptor) if old_descriptor else None)
    new_tables = _tables(read_descriptor(project))
    out = []
    for name in [*new_tables, *[n for n in old_tables if n not in new_tables]]:
        new_res, old_res = new_tables.get(name), old_tables.get(name)
        key = (new_res or old_res).primary_key
        new_path = project.data_dir / new_res.path if new_res else None
        new_text = new_path.read_text(encoding="utf-8") if new_path and new_path.is_file() else None
        old_text = git.file_at(project, commit, f"data/{old_res.path}") if old_res else None
        file = f"data/{(new_res or old_res).path}"
        out.append(compare_table(name, file, key, old_text, new_text))
    return out


def compare_glued(old: dict[str, dict], new: dict[str, dict]) -> list[GlueChange]:
    out = []
    for run in [*new, *[r for r in old if r not in new]]:
        before, after = old.get(run, {}), new.get(run, {})
        for name in [*after, *[n for n in before if n not in after]]:
            if before.get(name) != after.get(name):
                out.append(GlueChange(run, name, before.get(name), after.get(name)))
    return out


def read_snapshot(project: Project, version: str, commit: str | None = None) -> dict | None:
    path = snapshot_path(project, version)
    if path.is_file():
        return json.loads(path.read_text(encoding="utf-8"))
    text = git.file_at(project, commit, f"releases/{version}.json") if commit else None
    return json.loads(text) if text else None


def changed_evidence(project: Project, since: str | None = None) -> EvidenceChanges:
    """What changed in the data (and, since a release, in the glued values) since ``since``.

    ``since`` is a git revision, a release tag ``vX.Y.Z`` or a release version ``X.Y.Z``
    (default: the latest release tag, else HEAD). Data tables are compared row by row on
    their primary key; glued values are compared with the release's snapshot.
    """
    since = since or default_since(project)
    release = None
    match = RELEASE_NAME.match(since)
    if match and (
        git.commit_of(project, f"refs/tags/v{match.group(1)}") or not git.commit_of(project, since)
    ):
        release = match.group(1)
        commit = git.release_commit(project, release)
        if commit is None:
            raise ChangesFailed(
                f"no release {release}: no tag v{release} and no commit recording "
                f"releases/{release}.json or its row in data/releases.csv"
            )
    else:
        commit = git.commit_of(project, since)
        if commit is None:
            raise ChangesFailed(f"'{since}' is not a git revision or a release of this book")
    changes = EvidenceChanges(since, commit, compare_data(project, commit), release)
    snapshot = read_snapshot(project, release, commit) if release else None
    if snapshot is not None:
        runs = load_manifest(project)
        current = glued_values(project, [r.name for r in runs])
        # a run never executed here is reported as out of date, not as all values gone
        names = {r.name for r in runs}
        old = {r: v for r, v in snapshot.get("glued", {}).items() if r in current or r not in names}
        changes.snapshot = f"releases/{release}.json"
        changes.glued = compare_glued(old, current)
        changes.stale_runs = [d.run.name for d in plan(project, runs) if d.execute]
    return changes


def _show(value: str | None, width: int = 60) -> str:
    if value is None:
        return "(none)"
    if "\n" in value:
        return f"<{len(value.splitlines())} lines>"
    return repr(value if len(value) <= width else value[: width - 1] + "…")


def format_changes(changes: EvidenceChanges) -> str:
    """The changes as an author reads them in the terminal."""
    lines = [f"changes since {changes.since} ({changes.commit[:10]}), working tree:"]
    tables = changes.changed_tables
    if not tables:
        lines.append("  data: no row added, removed or changed")
    for table in tables:
        lines.append(f"  {table.file}: {table.counts()} (key: {', '.join(table.key_columns)})")
        for key in table.added:
            lines.append(f"    + {'|'.join(key)}")
        for key in table.removed:
            lines.append(f"    - {'|'.join(key)}")
        for row in table.changed:
            lines.append(f"    ~ {'|'.join(row.key)}")
            for column, (old, new) in row.cells.items():
                lines.append(f"        {column}: {_show(old)} -> {_show(new)}")
    if changes.release and changes.snapshot is None:
        lines.append(f"  glued values: release {changes.release} has no snapshot to compare with")
    elif changes.snapshot:
        if changes.glued:
            lines.append(f"  glued values that differ from {changes.snapshot}:")
            for glue in changes.glued:
                lines.append(f"    {glue.run}::{glue.name}: {_show(glue.old)} -> {_show(glue.new)}")
        else:
            lines.append(f"  glued values: all as in {changes.snapshot}")
        if changes.stale_runs:
            lines.append(
                "  note: executed notebooks are out of date for "
                f"{', '.join(changes.stale_runs)}; run `livingreview run` to compare current values"
            )
    return "\n".join(lines)


def summarize(tables: list[TableChanges]) -> str:
    """One line for data/releases.csv: rows added, removed and changed per table."""
    parts = [f"{t.table}: {t.counts()}" for t in tables if t and t.table != RELEASES_TABLE]
    return "; ".join(parts) + "." if parts else "No change to the evidence tables."
