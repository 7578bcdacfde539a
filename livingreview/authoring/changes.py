"""``livingreview changes``: what changed in the evidence since a release or revision.

Data tables are compared row by row on their primary key; glued values are compared with the
release's snapshot (``livingreview.data.releases``). By default the comparison is with the
latest release recorded in ``data/releases.csv``. The same changes are worded for readers
(``reader_changes``, ``summarize``): the release's summary on the What's new page and its
CHANGELOG entry.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

from livingreview.authoring import git
from livingreview.book.manifest import load_manifest
from livingreview.book.runner import plan
from livingreview.data import csvio
from livingreview.data.package import Resource, read_descriptor
from livingreview.data.project import Project
from livingreview.data.releases import (
    RELEASE_NAME,
    RELEASES_TABLE,
    glued_values,
    past_releases,
    snapshot_path,
)
from livingreview.errors import LivingReviewError

# How readers call a row of each table (singular, plural) and the columns that describe it.
READER_NAMES: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "preclinical_studies": ("animal study", "animal studies", ("species", "sepsis_model", "organ")),
    "clinical_studies": ("clinical study", "clinical studies", ("design", "condition")),
    "registered_trials": ("registered trial", "registered trials", ("condition", "intervention")),
    "pooled_effects": (
        "pooled estimate",
        "pooled estimates",
        ("outcome", "subgroup", "measure", "estimate"),
    ),
    "mechanisms": ("mechanism", "mechanisms", ("mechanism", "organ")),
    "errata": ("erratum", "errata", ("location", "corrected")),
    # a log entry may be a look-up that verifies a known record: never called a search
    "surveillance_log": ("log entry", "log entries", ("date", "source", "kind")),
    "screening": ("screened record", "screened records", ("title", "year", "decision")),
    "summary_of_findings": (
        "summary-of-findings row",
        "summary-of-findings rows",
        ("outcome", "time_point"),
    ),
    "risk_of_bias": ("risk-of-bias judgement", "risk-of-bias judgements", ("domain", "judgement")),
}
# Tables whose key is made of the describing columns themselves: readers know a row by those
# words, never by the joined key ('serious adverse events|to day 90').
NAMED_BY_DETAILS = ("summary_of_findings",)
REF_KEY = "ref_key"
SCREENING = "screening"
# Tables whose rows are studies (or a meta-analysis's estimates): readers know a row by its
# reference's author-year citation, never by its key. Other rows keep their public id
# (a registry id, a search id).
CITED_BY_REFERENCE = ("preclinical_studies", "clinical_studies", "pooled_effects")
LISTED = 5  # rows named in one sentence before "and N more"
SHOWN_CHARS = 60  # a cell value in a sentence is cut to this length


class ChangesFailed(LivingReviewError):
    pass


def default_since(project: Project) -> str:
    """The latest release in data/releases.csv that git can find, or HEAD when there is none."""
    for record in reversed(past_releases(project)):
        if git.release_commit(project, record["version"]):
            return record["version"]
    return "HEAD"


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
    rows: dict[tuple[str, ...], dict[str, str]] = field(default_factory=dict)  # as now, or removed
    new_columns: list[str] = field(default_factory=list)  # columns the old version lacked

    def __bool__(self) -> bool:
        return bool(self.added or self.removed or self.changed)

    def counts(self) -> str:
        return f"{len(self.added)} added, {len(self.removed)} removed, {len(self.changed)} changed"

    def label(self, key: tuple[str, ...]) -> str:
        """An added or removed row's identifier, and its reference key when that differs."""
        ident = "|".join(key)
        ref = (self.rows.get(key, {}).get(REF_KEY) or "").strip()
        return f"{ident} [{ref}]" if ref and ref not in key else ident


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
    labels: dict[str, str] = field(default_factory=dict)  # reference key: 'Kim et al. 2026'

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
    if old_text is not None:
        result.new_columns = [c for c in new_columns if c not in old_columns]
    result.added = [k for k in new if k not in old]
    result.removed = [k for k in old if k not in new]
    result.rows = {k: old[k] for k in result.removed} | new
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


def reference_labels(project: Project, commit: str | None = None) -> dict[str, str]:
    """Author-year labels of the bibliography now, and of entries only ``commit`` had (a row
    removed with its reference is still named by its citation)."""
    from pybtex.exceptions import PybtexError

    from livingreview.data.bib import author_year, citation_labels, parse_bibtex

    labels = citation_labels(project) if project.bibliography.is_file() else {}
    old = git.file_at(project, commit, "data/references.bib") if commit else None
    if old:
        try:
            entries = parse_bibtex(old).entries
        except PybtexError:  # an unreadable old bibliography names nothing; today's does
            entries = {}
        labels = {key: author_year(entry) for key, entry in entries.items()} | labels
    return labels


def changed_evidence(project: Project, since: str | None = None) -> EvidenceChanges:
    """What changed in the data (and, since a release, in the glued values) since ``since``.

    ``since`` is a git revision, a release tag ``vX.Y.Z`` or a release version ``X.Y.Z``
    (default: the latest release in data/releases.csv that git can find, else HEAD). Data
    tables are compared row by row on their primary key; glued values are compared with the
    release's snapshot.
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
    changes.labels = reference_labels(project, commit)
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
    since = f"release {changes.release}" if changes.release else changes.since
    lines = [f"changes since {since} ({changes.commit[:10]}), working tree:"]
    tables = changes.changed_tables
    if not tables:
        lines.append("  data: no row added, removed or changed")
    for table in tables:
        lines.append(f"  {table.file}: {table.counts()} (key: {', '.join(table.key_columns)})")
        for key in table.added:
            lines.append(f"    + {table.label(key)}")
        for key in table.removed:
            lines.append(f"    - {table.label(key)}")
        for row in table.changed:
            lines.append(f"    ~ {'|'.join(row.key)}")
            for column, (old, new) in row.cells.items():
                lines.append(f"        {column}: {_show(old)} -> {_show(new)}")
    if changes.release and changes.snapshot is None:
        lines.append(f"  glued values: release {changes.release} has no snapshot to compare with")
    elif changes.snapshot:
        lines.append(f"  {book_sentence(changes)}")
        for glue in changes.glued:
            lines.append(f"    {glue.run}::{glue.name}: {_show(glue.old)} -> {_show(glue.new)}")
    return "\n".join(lines)


def book_sentence(changes: EvidenceChanges) -> str:
    """One sentence: how the glued values compare with the release as far as the last run
    knows, and whether the analyses are out of date with the data (then `make book`)."""
    release = f"release {changes.release}"
    stale = changes.stale_runs
    if changes.glued:
        values = (
            f"{_plural(len(changes.glued), 'glued value differs', 'glued values differ')} "
            f"from {release} as of the last run (listed below)"
        )
    else:
        values = f"Glued values are unchanged since {release} as far as the last run knows"
    if not stale:
        return f"{values}; every analysis is up to date with the data."
    runs = ", ".join(stale)
    return (
        f"{values}; {_plural(len(stale), 'analysis is', 'analyses are')} out of date with the "
        f"data ({runs}), so the values may change: `make book` re-runs "
        f"{'it' if len(stale) == 1 else 'them'} and rebuilds the pages."
    )


def _names(table: str) -> tuple[str, str, tuple[str, ...]]:
    return READER_NAMES.get(table, (f"row of {table}", f"rows of {table}", ()))


def _plain(value: str) -> str:
    value = " ".join(value.split())
    if not value:
        return "(blank)"
    return value if len(value) <= SHOWN_CHARS else value[: SHOWN_CHARS - 1] + "…"


def _details(table: TableChanges, key: tuple[str, ...], leave: tuple[str, ...] = ()) -> list[str]:
    row = table.rows.get(key, {})
    columns = [c for c in _names(table.table)[2] if c not in leave]
    return [_plain(row[c]) for c in columns if (row.get(c) or "").strip()]


def _citation(table: TableChanges, key: tuple[str, ...], labels: dict[str, str] | None) -> str:
    """The author-year citation readers know a study row by ('' when it has none)."""
    if labels is None:
        return ""
    row = table.rows.get(key, {})
    if table.table in (SCREENING, "risk_of_bias"):
        # a screened record or a judgement is known by its study's citation, when it has one
        for ref in (row.get("study_id"), row.get("record_id")):
            if (ref or "").strip() in labels:
                return labels[ref.strip()]
        return ""
    if table.table not in CITED_BY_REFERENCE:
        return ""
    return labels.get((row.get(REF_KEY) or "").strip(), "")


def _public_id(table: TableChanges, key: tuple[str, ...]) -> str:
    """The id readers may be shown: a screened record's own key (a lower-case name the author
    made up, such as 'kim2026') is not one; a registry id or PMID (NCT01234567) is."""
    ident = table.label(key)
    if table.table in NAMED_BY_DETAILS:
        return ""
    if table.table == SCREENING and not re.match(r"[A-Z]", ident):
        return ""
    return ident


def _described(
    table: TableChanges, key: tuple[str, ...], labels: dict[str, str] | None = None
) -> str:
    """'Kim et al. 2026: rat, caecal ligation and puncture, kidney': the row's citation (for
    authors without ``labels``: its id and key), then its describing columns."""
    details = _details(table, key)
    name = _citation(table, key, labels) or (
        _public_id(table, key) if labels is not None else table.label(key)
    )
    if not name:
        return ", ".join(details)
    return name + (f": {', '.join(details)}" if details else "")


def _named(table: TableChanges, row: RowChange, labels: dict[str, str] | None, cells: dict) -> str:
    """A changed row for readers: its citation, with what tells it from the reference's other
    rows ('Sun et al. 2020 (mortality, low dose)'), else its id."""
    cite = _citation(table, row.key, labels)
    if not cite:
        if labels is not None and table.table in NAMED_BY_DETAILS:
            return f"({', '.join(_details(table, row.key))})"
        if labels is not None and table.table == SCREENING and not _public_id(table, row.key):
            return _plain(table.rows.get(row.key, {}).get("title") or "") or "|".join(row.key)
        return "|".join(row.key)
    ref = (table.rows.get(row.key, {}).get(REF_KEY) or "").strip()
    if row.key == (ref,):
        return cite
    details = _details(table, row.key, leave=(*cells, "estimate"))
    return f"{cite} ({', '.join(details)})" if details else cite


def _rows_phrase(
    table: TableChanges, keys: list[tuple[str, ...]], labels: dict[str, str] | None = None
) -> str:
    """'2 animal studies (a: …; b: …)', naming at most LISTED rows."""
    one, many, _ = _names(table.table)
    named = "; ".join(_described(table, k, labels) for k in keys[:LISTED])
    more = f"; and {len(keys) - LISTED} more" if len(keys) > LISTED else ""
    return f"{len(keys)} {one if len(keys) == 1 else many} ({named}{more})"


def reader_changes(
    tables: list[TableChanges], labels: dict[str, str] | None = None
) -> list[tuple[str, str]]:
    """The evidence changes worded for readers: (Added|Changed|Removed, phrase), table by table.

    A study is named by its reference's author-year citation from ``labels`` (key: label):
    ('Added', '1 animal study (Kim et al. 2026: rat, caecal ligation and puncture, kidney)');
    ('Changed', 'pooled estimate Sun et al. 2020 (mortality, overall): estimate 0.29 → 0.31').
    """
    out = []
    for table in (t for t in tables if t and t.table != RELEASES_TABLE):
        one, many, _ = _names(table.table)
        if table.added:
            out.append(("Added", _rows_phrase(table, table.added, labels)))
        if table.new_columns:
            out.append(
                (
                    "Added",
                    f"columns to the {many}: {', '.join(map(column_words, table.new_columns))}",
                )
            )
        edited = [
            (row, {c: v for c, v in row.cells.items() if c not in table.new_columns})
            for row in table.changed
        ]
        edited = [(row, cells) for row, cells in edited if cells]
        for row, cells in edited[:LISTED]:
            text = "; ".join(_cell_change(c, a, b) for c, (a, b) in cells.items())
            out.append(("Changed", f"{one} {_named(table, row, labels, cells)}: {text}"))
        if len(edited) > LISTED:
            rest = len(edited) - LISTED
            out.append(("Changed", f"{rest} more {one if rest == 1 else many}"))
        if table.removed:
            out.append(("Removed", _rows_phrase(table, table.removed, labels)))
    return out


SHORT = 30  # values longer than this are not quoted in a summary: "notes revised"


# Where a column's value comes from, said in words in readers' summaries.
ORIGINS = {"registry": "registry record", "source": "source review"}


def column_words(column: str) -> str:
    """A data column as readers read it: 'status_registry' -> 'status (registry record)',
    'n_patients' -> 'n patients'."""
    head, _, tail = column.rpartition("_")
    if head and tail in ORIGINS:
        return f"{head.replace('_', ' ')} ({ORIGINS[tail]})"
    return column.replace("_", " ")


def _cell_change(column: str, old: str, new: str) -> str:
    """'estimate 0.29 → 0.31', or 'notes filled in' / 'notes revised' for long text; the
    column in words ('status (registry record) recruiting → completed')."""
    column = column_words(column)
    if not old.strip():
        return f"{column} {_plain(new)} (new)" if len(new) <= SHORT else f"{column} filled in"
    if len(old) <= SHORT and len(new) <= SHORT:
        return f"{column} {_plain(old)} → {_plain(new)}"
    return f"{column} revised"


NO_CHANGE = "No change to the evidence tables."


def summarize(
    tables: list[TableChanges],
    note: str = "",
    empty: str = NO_CHANGE,
    labels: dict[str, str] | None = None,
) -> str:
    """The release's summary for data/releases.csv: what changed in sentences, then the note.

    ``empty`` is the sentence when no evidence row changed; ``labels`` name studies by citation.
    """
    changed = reader_changes(tables, labels)
    sentences = [f"{kind} {phrase}." for kind, phrase in changed] or [empty]
    note = " ".join(note.split())
    if note:
        sentences.append(note if note[-1] in ".!?" else note + ".")
    return " ".join(sentences)


# --------------------------------------------------------------------------- surveillance summary

SCREENING = "screening"  # the search's intake: a new record is a row added here
TRIALS = "registered_trials"  # refresh-trials: a registry change is a row changed here
CHECK_ONLY = {"checked", "record_url"}  # a re-check that found the record unchanged


def _registry_changes(trials: TableChanges) -> list[RowChange]:
    return [row for row in trials.changed if set(row.cells) - CHECK_ONLY]


def _table(changes: EvidenceChanges, name: str) -> TableChanges | None:
    return next((t for t in changes.tables if t.table == name), None)


def surveillance_counts(changes: EvidenceChanges) -> tuple[int, int]:
    """(new records in screening, registered trials added or whose values changed beyond the
    date they were checked)."""
    screening, trials = _table(changes, SCREENING), _table(changes, TRIALS)
    return (
        len(screening.added) if screening else 0,
        len(_registry_changes(trials)) + len(trials.added) if trials else 0,
    )


def _plural(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def format_summary(changes: EvidenceChanges) -> str:
    """One line for a pull request's title: '2 new records, 1 registry change'."""
    records, registry = surveillance_counts(changes)
    return (
        f"{_plural(records, 'new record', 'new records')}, "
        f"{_plural(registry, 'registry change', 'registry changes')}"
    )


def format_markdown(changes: EvidenceChanges) -> str:
    """The changes as a pull request's body: new records and registry changes in sentences,
    then any other table that changed, every row named (no 'and N more')."""
    since = f"release {changes.release}" if changes.release else changes.since
    lines = [f"Changes to the evidence data since {since} (`{changes.commit[:10]}`).", ""]
    screening, trials = _table(changes, SCREENING), _table(changes, TRIALS)
    lines.append("## New records")
    if screening and screening.added:
        lines += [f"- {_described(screening, key)}." for key in screening.added]
    else:
        lines.append("No new record.")
    lines += ["", "## Registry changes"]
    changed = _registry_changes(trials) if trials else []
    if changed or (trials and trials.added):
        for row in changed:
            cells = "; ".join(_cell_change(c, a, b) for c, (a, b) in row.cells.items())
            record = trials.rows[row.key].get("last_update_registry") or ""
            version = f" (registry record of {record})" if record else ""
            lines.append(f"- {'|'.join(row.key)}{version}: {cells}.")
        lines += [f"- Added {_described(trials, key)}." for key in trials.added]
    else:
        lines.append("No registry change.")
    rechecked = [row for row in (trials.changed if trials else []) if row not in changed]
    if rechecked:
        names = ", ".join("|".join(row.key) for row in rechecked)
        lines.append(f"Checked again, registry record unchanged: {names}.")
    others = [t for t in changes.changed_tables if t.table not in (SCREENING, TRIALS)]
    if others:
        lines += ["", "## Other changes"]
        for kind, phrase in reader_changes(others, changes.labels):
            lines.append(f"- {kind} {phrase}.")
    return "\n".join(lines)
