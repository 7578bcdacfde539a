"""Refresh the registry columns of ``data/registered_trials.csv`` from ClinicalTrials.gov.

Two steps, so an author always sees the changes before anything is written:

* :func:`plan_refresh` fetches every ClinicalTrials.gov record (API v2,
  ``GET /api/v2/studies/{nctId}``) and compares it with the file. It never writes.
* :func:`apply_refresh` writes the planned changes: only the changed cells of the affected rows
  are rewritten; every other byte of the file (row order, quoting, line endings, the author's
  notes) stays as it was. The would-be table is validated first and the file is replaced
  atomically, so a failure leaves the file untouched.

What the refresh owns (the registry columns): ``status_registry``, ``start_registry``,
``end_registry``, ``last_update_registry``, ``enrollment``, ``enrollment_type`` and
``results_posted``, plus ``registry_verified``, which is set to ``true`` once status, dates,
enrollment and the record date have been taken from the registry record. Everything else
(title, notes, the ``*_source`` columns, sponsor, phase, ``value_used`` ...) belongs to the
authors and is never changed; differences in sponsor and phase are reported for the author to
judge.

Every value is as of one version of the registry record: its "last update posted" date
(``lastUpdatePostDateStruct``), stored in ``last_update_registry`` and printed by the book beside
the values ("as of the registry record of DATE"). A record older than the one the file already
holds (a stale mirror or archived copy) is refused for that trial, so a refresh never moves the
data back in time.

ClinicalTrials.gov ids cited in ``data/clinical_studies.csv`` but not tracked in the trials table
are read too and reported (record date, status, enrollment, results), never written: an author
decides whether to track them.

Mapping choices:

* ``overallStatus`` maps to the review's lower-case vocabulary. ``ENROLLING_BY_INVITATION`` maps
  to ``recruiting`` (the trial is still enrolling, only not openly); the raw registry value is
  kept on the record and shown in the report. Expanded-access statuses (``AVAILABLE``,
  ``WITHHELD`` ...) are not trial statuses and make the record an error.
* ``end_registry`` is the study completion date (``completionDateStruct``). The primary
  completion date is a different milestone and is never used in its place; when a record has no
  completion date the column is left as it is and the report says so.
* Dates stay partial strings as the registry gives them (``YYYY-MM`` or ``YYYY-MM-DD``). A
  year-only date cannot be stored (the schema needs at least a month): that column is left as
  it is and the report says so.
* When the registry has no value for an owned column, the file's value is kept (never blanked)
  and ``registry_verified`` is not set for that trial.
* ``enrollmentInfo.type`` ``ACTUAL`` is stored as ``actual``, ``ESTIMATED`` as ``anticipated``.
  ``results_posted`` is ``yes`` when the record has results (``hasResults`` or a
  ``resultsFirstPostDateStruct``), ``no`` when ``hasResults`` is false.

ChiCTR has no public API: its rows are skipped with a note.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from livingreview.authoring import sources
from livingreview.authoring.registry.client import (
    NCT_ID,
    RegistryResponseError,
    RegistryUnavailable,
    fetch_study,
)
from livingreview.authoring.registry.records import RegistryRecord, parse_study
from livingreview.data import csvio, dates
from livingreview.data.files import write_atomic
from livingreview.data.package import Resource, resources
from livingreview.data.project import Project
from livingreview.data.validate import Problem, validate_project
from livingreview.errors import LivingReviewError

RESOURCE = "registered_trials"
CITING = "clinical_studies"  # its NCT ids are read and reported, never written
NCT_IN_TEXT = re.compile(r"\bNCT\d{8}\b")
CTGOV = "ClinicalTrials.gov"
STORABLE_DATE = re.compile(r"^\d{4}-\d{2}(-\d{2})?$")
SKIPPED_REGISTRIES = {"ChiCTR": "ChiCTR has no public API; check the record by hand"}
# The registry columns the refresh owns; every other column belongs to the authors.
OWNED = ("status_registry", "start_registry", "end_registry", "last_update_registry", "enrollment")
# Also taken from the record when it gives them, but not needed to call the row verified.
ALSO_OWNED = ("enrollment_type", "results_posted")
ENROLLMENT_TYPES = {"ACTUAL": "actual", "ESTIMATED": "anticipated"}
VERIFIED = "registry_verified"
# Written with every check: where the record was read and when.
PROVENANCE = ("record_url", "checked")
RECORD_PAGE = "https://clinicaltrials.gov/study/{nct_id}"


class RefreshError(LivingReviewError):
    """A planned refresh cannot be written; the file was not changed."""

    def __init__(self, message: str, problems: list[Problem] | None = None):
        super().__init__(message)
        self.problems = problems or []


# --------------------------------------------------------------------------- planning


@dataclass(frozen=True)
class Change:
    column: str
    old: str
    new: str


@dataclass(frozen=True)
class TrialRefresh:
    """The outcome for one trial: changes to write, or why nothing is written."""

    registry_id: str
    row: int  # line number as validation reports it (the header is row 1)
    changes: tuple[Change, ...] = ()
    notes: tuple[str, ...] = ()  # advisories: kept values, sponsor/phase differences...
    error: str | None = None  # the record could not be used; nothing changes for this trial
    skipped: str | None = None  # not refreshable (registry without an API)
    record: RegistryRecord | None = None
    cited_by: tuple[str, ...] = ()  # not tracked: the clinical studies whose rows cite the id
    held_record: str = ""  # the record date the file held before this refresh


@dataclass(frozen=True)
class RefreshReport:
    path: Path
    trials: tuple[TrialRefresh, ...] = field(default_factory=tuple)

    @property
    def changed(self) -> list[TrialRefresh]:
        return [t for t in self.trials if t.changes]

    @property
    def errors(self) -> list[TrialRefresh]:
        return [t for t in self.trials if t.error]

    @property
    def skipped(self) -> list[TrialRefresh]:
        return [t for t in self.trials if t.skipped]

    @property
    def writable(self) -> list[TrialRefresh]:
        return [t for t in self.trials if t.changes and not t.error]


def _resource(project: Project) -> Resource:
    return resources(project)[RESOURCE]


def _compare(
    cells: dict[str, str], rec: RegistryRecord, today: str
) -> tuple[list[Change], list[str]]:
    proposed: dict[str, tuple[str | None, str]] = {
        "status_registry": (rec.overall_status, "status"),
        "start_registry": (rec.start, "start date"),
        "end_registry": (rec.completion, "completion date"),
        "last_update_registry": (rec.last_update, "last update date"),
        "enrollment": (None if rec.enrollment is None else str(rec.enrollment), "enrollment"),
    }
    changes, notes, complete = [], [], True
    held = dates.to_date(cells["last_update_registry"])
    served = dates.to_date(rec.last_update) if rec.last_update else None
    if held and served and served < held:
        raise RegistryResponseError(
            f"the record served was last updated {rec.last_update}, before the record of "
            f"{cells['last_update_registry']} the data hold (an old mirror or copy?); "
            "nothing taken"
        )
    if rec.overall_status_raw != rec.overall_status.upper().replace(" ", "_"):
        notes.append(f"registry status {rec.overall_status_raw} recorded as {rec.overall_status!r}")
    for column, (new, label) in proposed.items():
        old = cells[column]
        if new is not None and column in ("start_registry", "end_registry", "last_update_registry"):
            if not STORABLE_DATE.match(new):
                notes.append(f"registry {label} {new!r} has no month; {column} kept as {old!r}")
                complete = False
                continue
        if new is None:
            extra = ""
            if column == "end_registry" and rec.primary_completion:
                extra = f" (primary completion {rec.primary_completion} is not used for it)"
            notes.append(f"registry gives no {label}{extra}; {column} kept as {old!r}")
            complete = False
            continue
        if new != old:
            changes.append(Change(column, old, new))
    posted = {True: "yes", False: "no", None: None}[rec.results_posted]
    also = {
        "enrollment_type": ENROLLMENT_TYPES.get(rec.enrollment_type or ""),
        "results_posted": posted,
    }
    for column, new in also.items():
        if new is None:
            notes.append(f"registry gives no {column.replace('_', ' ')}; kept as {cells[column]!r}")
        elif new != cells[column]:
            changes.append(Change(column, cells[column], new))
    if rec.results_first_posted:
        notes.append(f"results first posted {rec.results_first_posted}")
    if complete and cells[VERIFIED].strip().lower() != "true":
        changes.append(Change(VERIFIED, cells[VERIFIED], "true"))
    if complete:
        page = RECORD_PAGE.format(nct_id=rec.nct_id)
        for column, new in (("record_url", page), ("checked", today)):
            if cells[column] != new:
                changes.append(Change(column, cells[column], new))
    elif not complete:
        notes.append(f"{VERIFIED} not set: the registry record lacks a value the file has")
    for column, value in (("sponsor", rec.sponsor), ("phase", rec.phase)):
        if value and value != cells[column]:
            notes.append(
                f"{column}: file {cells[column]!r}, registry {value!r} (author column, not changed)"
            )
    if changes and cells["value_used"] != "registry":
        notes.append(
            "value_used is 'source': the book shows the source's values until an author sets "
            "it to 'registry'"
        )
    return changes, notes


def _cited_ids(project: Project, tracked: set[str]) -> dict[str, list[str]]:
    """NCT ids that clinical studies cite (any cell) but the trials table does not track."""
    resource = resources(project).get(CITING)
    if resource is None or not (project.data_dir / resource.path).is_file():
        return {}
    table = _read(project.data_dir / resource.path)
    key = table.header.index(resource.primary_key[0]) if resource.primary_key else 0
    cited: dict[str, list[str]] = {}
    for row in table.rows:
        for nct in NCT_IN_TEXT.findall(" ".join(row)):
            if nct not in tracked and row[key] not in cited.setdefault(nct, []):
                cited[nct].append(row[key])
    return cited


def _validate_text(project: Project, resource: Resource, text: str) -> list[Problem]:
    """Problems of the trials table if it held ``text``, checked in memory."""
    file = f"data/{resource.path}"
    problems = validate_project(project, {file: text.encode("utf-8")})
    return [p for p in problems if p.file == file]


def _render(table: csvio.Records, header: list[str], trials: list[TrialRefresh]) -> str:
    index = {name: i for i, name in enumerate(header)}
    return table.splice(
        {
            trial.row - 2: {index[c.column]: c.new for c in trial.changes}
            for trial in trials
            if trial.changes
        }
    )


def _read(path: Path) -> csvio.Records:
    try:
        return csvio.read_records(path)
    except csvio.CsvError as exc:
        raise RefreshError(str(exc)) from exc


def plan_refresh(
    project: Project, fetch: Callable[[str], dict] | None = None, today: str | None = None
) -> RefreshReport:
    """Compare every ClinicalTrials.gov row with its registry record. Writes nothing.

    ``fetch`` defaults to the API v2 at the project's ClinicalTrials.gov base URL. Ids that
    clinical studies cite but the table does not track are read and reported, never changed.

    A trial whose record cannot be fetched or parsed gets an ``error`` and no changes. If the
    very first fetch finds the registry unreachable, RegistryUnavailable is raised (no network:
    nothing to plan). Changes that would make the table fail validation are dropped and turned
    into that trial's error.
    """
    resource = _resource(project)
    path = project.data_dir / resource.path
    table = _read(path)
    expected = [f.name for f in resource.fields]
    if table.header != expected:
        raise RefreshError(f"data/{resource.path}: header does not match the schema; validate")
    if fetch is None:
        base = sources.base_url(project, "ctgov")
        fetch = lambda nct_id: fetch_study(nct_id, base=base)  # noqa: E731
    trials: list[TrialRefresh] = []
    fetched = 0
    for row_number, row in enumerate(table.rows, start=2):
        if len(row) != len(expected):
            trials.append(
                TrialRefresh(
                    row[0] if row else "?", row_number, error="row has the wrong number of cells"
                )
            )
            continue
        cells = dict(zip(expected, row, strict=True))
        rid, registry = cells["registry_id"], cells["registry"]
        if registry != CTGOV:
            reason = SKIPPED_REGISTRIES.get(registry, f"{registry} cannot be refreshed")
            trials.append(TrialRefresh(rid, row_number, skipped=reason))
            continue
        if not NCT_ID.match(rid):
            trials.append(TrialRefresh(rid, row_number, error="not a ClinicalTrials.gov id"))
            continue
        held = cells["last_update_registry"]
        try:
            fetched += 1
            rec = parse_study(fetch(rid), nct_id=rid)
            changes, notes = _compare(cells, rec, today or date.today().isoformat())
        except RegistryUnavailable as exc:
            if fetched == 1:
                raise
            trials.append(TrialRefresh(rid, row_number, error=str(exc), held_record=held))
            continue
        except RegistryResponseError as exc:
            trials.append(TrialRefresh(rid, row_number, error=str(exc), held_record=held))
            continue
        trials.append(
            TrialRefresh(
                rid, row_number, tuple(changes), tuple(notes), record=rec, held_record=held
            )
        )
    tracked = {t.registry_id for t in trials}
    for nct, studies in _cited_ids(project, tracked).items():
        try:
            fetched += 1
            rec = parse_study(fetch(nct), nct_id=nct)
        except RegistryUnavailable as exc:
            if fetched == 1:
                raise
            trials.append(TrialRefresh(nct, 0, error=str(exc), cited_by=tuple(studies)))
            continue
        except RegistryResponseError as exc:
            trials.append(TrialRefresh(nct, 0, error=str(exc), cited_by=tuple(studies)))
            continue
        trials.append(TrialRefresh(nct, 0, record=rec, cited_by=tuple(studies)))
    # a trial whose new values would break validation keeps its old values
    before = {
        (p.row, p.column, p.rule, p.value) for p in _validate_text(project, resource, table.text)
    }
    after = _validate_text(project, resource, _render(table, expected, trials))
    new = {}
    for problem in after:
        if (problem.row, problem.column, problem.rule, problem.value) not in before:
            new.setdefault(problem.row, []).append(problem)
    checked = []
    for trial in trials:
        if trial.changes and trial.row in new:
            why = "; ".join(str(p) for p in new[trial.row])
            trial = TrialRefresh(
                trial.registry_id,
                trial.row,
                notes=trial.notes,
                error=f"registry values would not validate, nothing taken: {why}",
                record=trial.record,
                held_record=trial.held_record,
            )
        checked.append(trial)
    return RefreshReport(path=path, trials=tuple(checked))


# --------------------------------------------------------------------------- applying


def apply_refresh(project: Project, report: RefreshReport) -> list[str]:
    """Write the report's changes; return the ids of the trials whose rows were rewritten.

    Only the changed cells are rewritten. The file must still hold the values the report was
    planned against, and the whole table must validate afterwards; otherwise RefreshError is
    raised and the file is left exactly as it was. The file is replaced atomically.
    """
    resource = _resource(project)
    path = project.data_dir / resource.path
    if Path(report.path).resolve() != path.resolve():
        raise RefreshError(f"the report was planned for {report.path}, not {path}")
    changed = [t for t in report.trials if t.changes and not t.error]
    if not changed:
        return []
    table = _read(path)
    expected = [f.name for f in resource.fields]
    if table.header != expected:
        raise RefreshError(f"data/{resource.path}: header does not match the schema; validate")
    owned = {*OWNED, *ALSO_OWNED, VERIFIED, *PROVENANCE}
    for trial in changed:
        position = trial.row - 2
        if not 0 <= position < len(table.rows):
            raise RefreshError(f"{trial.registry_id}: row {trial.row} is not in the file any more")
        cells = dict(zip(expected, table.rows[position], strict=False))
        if cells.get("registry_id") != trial.registry_id:
            raise RefreshError(
                f"row {trial.row} is no longer {trial.registry_id}; the file changed "
                "since the refresh was planned: plan again"
            )
        for change in trial.changes:
            if change.column not in owned:
                raise RefreshError(f"{change.column} is not a registry column; refusing")
            if cells[change.column] != change.old:
                raise RefreshError(
                    f"{trial.registry_id}: {change.column} is now {cells[change.column]!r}, "
                    f"not {change.old!r}; the file changed since the refresh was planned: "
                    "plan again"
                )
    text = _render(table, expected, changed)
    problems = _validate_text(project, resource, text)
    if problems:
        listing = "\n".join(f"  {p}" for p in problems)
        raise RefreshError(
            f"the refreshed table would not validate; nothing was written:\n{listing}", problems
        )
    write_atomic(path, text)
    return [t.registry_id for t in changed]


# --------------------------------------------------------------------------- reporting


def _record_line(trial: TrialRefresh) -> str:
    """Which version of the registry record was read, and which the file held."""
    rec = trial.record
    served = rec.last_update if rec and rec.last_update else None
    read = f"registry record of {served}" if served else "registry record (no last-update date)"
    if not trial.held_record:
        return f"{read}; the data held no registry record"
    if served == trial.held_record:
        return f"{read}, the version the data hold"
    return f"{read}; the data held the record of {trial.held_record}"


def _cited_line(trial: TrialRefresh) -> str:
    where = f"cited in data/{CITING}.csv ({', '.join(trial.cited_by)}), not in data/{RESOURCE}.csv"
    if trial.error:
        return f"{where}; ERROR: {trial.error}"
    rec = trial.record
    parts = [f"status {rec.overall_status}"]
    if rec.enrollment is not None:
        kind = ENROLLMENT_TYPES.get(rec.enrollment_type or "")
        parts.append(f"enrollment {rec.enrollment}" + (f" ({kind})" if kind else ""))
    if rec.results_posted is not None:
        parts.append(f"results posted: {'yes' if rec.results_posted else 'no'}")
    date = rec.last_update or "an undated version"
    return f"{where}; registry record of {date}: {', '.join(parts)}; nothing written"


def format_report(report: RefreshReport) -> str:
    """The plan as an author reads it, a data diff: for each trial the version of the registry
    record read, one line per changed cell (``column: old -> new``), then notes and errors."""
    lines = []
    width = max((len(t.registry_id) for t in report.trials), default=11) + 2
    for trial in report.trials:
        rid = trial.registry_id.ljust(width)
        if trial.skipped:
            lines.append(f"{rid}skipped: {trial.skipped}")
            continue
        if trial.cited_by:
            lines.append(f"{rid}{_cited_line(trial)}")
            continue
        if trial.error:
            kept = f"the data keep the record of {trial.held_record}" if trial.held_record else ""
            kept = kept or "the data keep the values they have"
            lines.append(f"{rid}ERROR: {trial.error}; nothing changes for this trial ({kept})")
        else:
            status = "up to date" if not trial.changes else "changes proposed"
            lines.append(f"{rid}{_record_line(trial)}: {status}")
        rec = trial.record
        types = {}
        if rec:
            types = {"start_registry": rec.start_type, "end_registry": rec.completion_type}
        for change in trial.changes if not trial.error else ():
            kind = types.get(change.column)
            suffix = f"  ({kind.lower()})" if kind else ""
            lines.append(f"{rid}{change.column}: {change.old!r} -> {change.new!r}{suffix}")
        for note in trial.notes:
            lines.append(f"{' ' * width}note: {note}")
    n_cells = sum(len(t.changes) for t in report.writable)
    cited = [t for t in report.trials if t.cited_by]
    lines.append(
        f"{len(report.writable)} trial(s) with {n_cells} change(s), "
        f"{len(report.errors)} error(s), {len(report.skipped)} skipped"
        + (f", {len(cited)} cited but not tracked" if cited else "")
        + ". Author columns (notes, *_source, sponsor, phase, value_used) are never changed: "
        "review the notes of changed trials."
    )
    return "\n".join(lines)


def refresh(project: Project, apply: bool = False, report: Callable[[str], None] = print) -> None:
    """Plan, show and (with ``apply``) write the refresh; RefreshError if a trial failed."""
    planned = plan_refresh(project)
    report(format_report(planned))
    if apply and planned.writable:
        try:
            written = apply_refresh(project, planned)
        except RefreshError as exc:
            raise RefreshError(f"nothing written: {exc}", exc.problems) from None
        report(f"updated {len(written)} trial(s) in data/registered_trials.csv")
    elif planned.writable:
        report("dry run: nothing written; pass --apply to write these changes")
    if planned.errors:
        raise RefreshError(f"{len(planned.errors)} trial(s) could not be refreshed")
