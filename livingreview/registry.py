"""Refresh the registry columns of ``data/registered_trials.csv`` from ClinicalTrials.gov.

Two steps, so an author always sees the changes before anything is written:

* :func:`plan_refresh` fetches every ClinicalTrials.gov record (API v2,
  ``GET /api/v2/studies/{nctId}``) and compares it with the file. It never writes.
* :func:`apply_refresh` writes the planned changes: only the changed cells of the affected rows
  are rewritten; every other byte of the file (row order, quoting, line endings, the author's
  notes) stays as it was. The would-be table is validated first and the file is replaced
  atomically, so a failure leaves the file untouched.

What the refresh owns (the registry columns): ``status_registry``, ``start_registry``,
``end_registry``, ``last_update_registry``, ``enrollment``, plus ``registry_verified``, which is
set to ``true`` once every owned column has been taken from the registry record. Everything else
(title, notes, the ``*_source`` columns, sponsor, phase, ``value_used`` ...) belongs to the
authors and is never changed; differences in sponsor and phase are reported for the author to
judge.

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

ChiCTR has no public API: its rows are skipped with a note.
"""

from __future__ import annotations

import csv
import http.client
import io
import json
import os
import re
import tempfile
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from livingreview import __version__
from livingreview.datapackage import BIB_KEY, Resource, resources
from livingreview.project import Project
from livingreview.validate import Problem, validate_resource

API_URL = "https://clinicaltrials.gov/api/v2/studies/{nct_id}"
USER_AGENT = f"livingreview/{__version__} (registry refresh of a living systematic review)"
MAX_RESPONSE_BYTES = 20_000_000
RESOURCE = "registered_trials"
CTGOV = "ClinicalTrials.gov"
NCT_ID = re.compile(r"^NCT\d{8}$")
REGISTRY_DATE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")
STORABLE_DATE = re.compile(r"^\d{4}-\d{2}(-\d{2})?$")
SKIPPED_REGISTRIES = {"ChiCTR": "ChiCTR has no public API; check the record by hand"}

STATUS_MAP = {
    "NOT_YET_RECRUITING": "not yet recruiting",
    "RECRUITING": "recruiting",
    "ENROLLING_BY_INVITATION": "recruiting",
    "ACTIVE_NOT_RECRUITING": "active not recruiting",
    "COMPLETED": "completed",
    "UNKNOWN": "unknown",
    "TERMINATED": "terminated",
    "WITHDRAWN": "withdrawn",
    "SUSPENDED": "suspended",
}
PHASE_MAP = {"EARLY_PHASE1": "early 1", "PHASE1": "1", "PHASE2": "2", "PHASE3": "3", "PHASE4": "4"}

# registry-owned columns, in the order the report lists them
OWNED = ("status_registry", "start_registry", "end_registry", "last_update_registry", "enrollment")
VERIFIED = "registry_verified"


class RegistryError(Exception):
    """Base class of the registry client's errors."""


class RegistryUnavailable(RegistryError):
    """ClinicalTrials.gov could not be reached (no network, DNS, timeout, TLS...)."""


class RegistryResponseError(RegistryError):
    """The registry answered, but not with a usable study record."""


class RefreshError(RuntimeError):
    """A planned refresh cannot be written; the file was not changed."""

    def __init__(self, message: str, problems: list[Problem] | None = None):
        super().__init__(message)
        self.problems = problems or []


# --------------------------------------------------------------------------- fetching


def fetch_study(
    nct_id: str,
    opener: Callable = urllib.request.urlopen,
    timeout: float = 20,
) -> dict:
    """The raw JSON record of one study from the ClinicalTrials.gov API v2.

    Raises RegistryUnavailable when the registry cannot be reached and RegistryResponseError
    for an HTTP error (404 for an unknown id, 429, 5xx...) or a body that is not a JSON object.
    """
    if not NCT_ID.match(nct_id or ""):
        raise ValueError(f"not a ClinicalTrials.gov id: {nct_id!r}")
    url = API_URL.format(nct_id=nct_id)
    request = urllib.request.Request(
        url, headers={"User-Agent": USER_AGENT, "Accept": "application/json"}
    )
    try:
        with opener(request, timeout=timeout) as response:
            body = response.read(MAX_RESPONSE_BYTES + 1)
    except urllib.error.HTTPError as exc:  # before URLError: HTTPError is a URLError
        raise RegistryResponseError(
            f"ClinicalTrials.gov answered HTTP {exc.code} {exc.reason} for {nct_id}"
        ) from exc
    except urllib.error.URLError as exc:
        raise RegistryUnavailable(
            f"cannot reach ClinicalTrials.gov: {exc.reason}; nothing was changed"
        ) from exc
    except (OSError, http.client.HTTPException) as exc:  # timeouts, resets, TLS, cut-off reads
        raise RegistryUnavailable(
            f"cannot reach ClinicalTrials.gov: {type(exc).__name__}: {exc}; nothing was changed"
        ) from exc
    if len(body) > MAX_RESPONSE_BYTES:
        raise RegistryResponseError(f"the record of {nct_id} is larger than expected")
    try:
        record = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise RegistryResponseError(
            f"ClinicalTrials.gov sent something that is not JSON for {nct_id}: {exc}"
        ) from exc
    if not isinstance(record, dict):
        raise RegistryResponseError(f"expected a JSON object for {nct_id}, got {type(record)}")
    return record


# --------------------------------------------------------------------------- parsing


@dataclass(frozen=True)
class RegistryRecord:
    """The fields of a ClinicalTrials.gov record the review uses, in the review's vocabulary.

    Dates are partial strings as the registry gives them (YYYY, YYYY-MM or YYYY-MM-DD); the
    ``*_type`` fields are ``ACTUAL``/``ESTIMATED`` when the registry says. ``None``: absent.
    """

    nct_id: str
    overall_status: str
    overall_status_raw: str
    start: str | None = None
    start_type: str | None = None
    completion: str | None = None
    completion_type: str | None = None
    primary_completion: str | None = None
    last_update: str | None = None
    enrollment: int | None = None
    enrollment_type: str | None = None
    phase: str | None = None
    sponsor: str | None = None


def _module(parent: dict, name: str, where: str, required: bool = True) -> dict | None:
    value = parent.get(name)
    if value is None and not required:
        return None
    if not isinstance(value, dict):
        raise RegistryResponseError(f"the record has no {where}{name}")
    return value


def _date(status: dict, name: str, nct_id: str) -> tuple[str | None, str | None]:
    struct = status.get(name)
    if struct is None:
        return None, None
    if not isinstance(struct, dict) or not isinstance(struct.get("date"), str):
        raise RegistryResponseError(f"{nct_id}: statusModule.{name} is not a date structure")
    text = struct["date"].strip()
    if not REGISTRY_DATE.match(text) or not _real_date(text):
        raise RegistryResponseError(f"{nct_id}: statusModule.{name} is not a date: {text!r}")
    kind = struct.get("type")
    return text, kind if isinstance(kind, str) else None


def _real_date(text: str) -> bool:
    parts = [int(p) for p in text.split("-")]
    try:
        date(parts[0], parts[1] if len(parts) > 1 else 1, parts[2] if len(parts) > 2 else 1)
    except ValueError:
        return False
    return True


def _phase(design: dict | None) -> str | None:
    phases = (design or {}).get("phases")
    if not isinstance(phases, list):
        return None
    names = [PHASE_MAP.get(p, str(p).lower()) for p in phases if p != "NA"]
    return "/".join(names) or None


def parse_study(record: dict, nct_id: str | None = None) -> RegistryRecord:
    """The review's view of one API v2 study record.

    ``nct_id``, when given, must match the record's id. A malformed or partial record (no
    protocolSection, identificationModule or statusModule, an id mismatch, a missing or unknown
    overallStatus, an unreadable date or enrollment) raises RegistryResponseError: nothing is
    taken from it.
    """
    if not isinstance(record, dict):
        raise RegistryResponseError("the record is not a JSON object")
    if "protocolSection" not in record and isinstance(record.get("studies"), list):
        # the list endpoint's wrapper; accept it only around exactly one study
        if len(record["studies"]) != 1:
            raise RegistryResponseError(
                f"expected one study, the response holds {len(record['studies'])}"
            )
        record = record["studies"][0]
        if not isinstance(record, dict):
            raise RegistryResponseError("the record is not a JSON object")
    protocol = _module(record, "protocolSection", "")
    ident = _module(protocol, "identificationModule", "protocolSection.")
    found = ident.get("nctId")
    if not isinstance(found, str) or not NCT_ID.match(found):
        raise RegistryResponseError(f"the record has no valid nctId (got {found!r})")
    if nct_id is not None and found != nct_id:
        raise RegistryResponseError(
            f"asked for {nct_id} but the registry returned {found} "
            "(the requested id may be an alias of that study)"
        )
    status = _module(protocol, "statusModule", "protocolSection.")
    raw_status = status.get("overallStatus")
    if not isinstance(raw_status, str) or not raw_status:
        raise RegistryResponseError(f"{found}: the record has no overallStatus")
    if raw_status not in STATUS_MAP:
        raise RegistryResponseError(
            f"{found}: overallStatus {raw_status!r} has no equivalent in the review's vocabulary"
        )
    start, start_type = _date(status, "startDateStruct", found)
    completion, completion_type = _date(status, "completionDateStruct", found)
    primary, _ = _date(status, "primaryCompletionDateStruct", found)
    last_update, _ = _date(status, "lastUpdatePostDateStruct", found)
    design = _module(protocol, "designModule", "protocolSection.", required=False)
    enrollment = enrollment_type = None
    info = (design or {}).get("enrollmentInfo")
    if info is not None:
        if not isinstance(info, dict):
            raise RegistryResponseError(f"{found}: designModule.enrollmentInfo is not an object")
        count = info.get("count")
        if count is not None and (
            isinstance(count, bool) or not isinstance(count, int) or count < 0
        ):
            raise RegistryResponseError(f"{found}: enrollmentInfo.count is not a count: {count!r}")
        enrollment = count
        kind = info.get("type")
        enrollment_type = kind if isinstance(kind, str) else None
    sponsors = _module(protocol, "sponsorCollaboratorsModule", "protocolSection.", required=False)
    lead = (sponsors or {}).get("leadSponsor")
    sponsor = lead.get("name") if isinstance(lead, dict) else None
    return RegistryRecord(
        nct_id=found,
        overall_status=STATUS_MAP[raw_status],
        overall_status_raw=raw_status,
        start=start,
        start_type=start_type,
        completion=completion,
        completion_type=completion_type,
        primary_completion=primary,
        last_update=last_update,
        enrollment=enrollment,
        enrollment_type=enrollment_type,
        phase=_phase(design),
        sponsor=sponsor.strip() if isinstance(sponsor, str) and sponsor.strip() else None,
    )


# --------------------------------------------------------------------------- the CSV file


@dataclass(frozen=True)
class _Table:
    """The trials file as records, each with the exact text it occupies in the file."""

    text: str
    header: list[str]
    spans: list[str]  # raw text of every record, line ending included; "".join(spans) == text
    rows: list[list[str]]  # parsed cells, spans[i + 1] <-> rows[i]


def _read_table(path: Path) -> _Table:
    text = path.read_bytes().decode("utf-8")
    spans: list[str] = []
    pending: list[str] = []

    def lines():
        for line in io.StringIO(text, newline=""):
            pending.append(line)
            yield line

    records = []
    try:
        for cells in csv.reader(lines()):
            records.append(cells)
            spans.append("".join(pending))
            pending.clear()
    except csv.Error as exc:
        raise RefreshError(f"{path.name} cannot be parsed as CSV: {exc}") from exc
    if pending and spans:  # anything the reader consumed without making a record
        spans[-1] += "".join(pending)
    if "".join(spans) != text or not records:
        raise RefreshError(f"{path.name} cannot be split into CSV records safely")
    header = records[0]
    if header and header[0].startswith("\ufeff"):
        header = [header[0][1:], *header[1:]]
    return _Table(text=text, header=header, spans=spans, rows=records[1:])


def _cell_spans(record: str) -> list[str]:
    """Raw text of every cell of one record (line ending removed), quotes as in the file."""
    cells, i, n = [], 0, len(record)
    while True:
        start = i
        if i < n and record[i] == '"':
            i += 1
            while i < n:
                if record[i] == '"':
                    if i + 1 < n and record[i + 1] == '"':
                        i += 2
                        continue
                    i += 1
                    break
                i += 1
        while i < n and record[i] != ",":
            i += 1
        cells.append(record[start:i])
        if i >= n:
            return cells
        i += 1


def _quote(value: str) -> str:
    if any(c in value for c in ',"\r\n'):
        return '"' + value.replace('"', '""') + '"'
    return value


def _rewrite_record(record: str, cells: list[str], changes: dict[int, str]) -> str:
    """``record`` with only the cells at the given indexes replaced, every other byte kept."""
    body = record.rstrip("\r\n")
    ending = record[len(body) :]
    expected = [changes.get(i, c) for i, c in enumerate(cells)]
    raw = _cell_spans(body)
    if len(raw) == len(cells):
        for i, value in changes.items():
            raw[i] = _quote(value)
        candidate = ",".join(raw)
        if next(csv.reader([candidate]), []) == expected:
            return candidate + ending
    # a dialect the splice does not understand: regenerate the row, keep the line ending
    out = io.StringIO()
    csv.writer(out, quoting=csv.QUOTE_MINIMAL, lineterminator=ending or "\n").writerow(expected)
    return out.getvalue() if ending else out.getvalue().rstrip("\n")


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


def _resource(project: Project) -> Resource:
    return resources(project)[RESOURCE]


def _compare(cells: dict[str, str], rec: RegistryRecord) -> tuple[list[Change], list[str]]:
    proposed: dict[str, tuple[str | None, str]] = {
        "status_registry": (rec.overall_status, "status"),
        "start_registry": (rec.start, "start date"),
        "end_registry": (rec.completion, "completion date"),
        "last_update_registry": (rec.last_update, "last update date"),
        "enrollment": (None if rec.enrollment is None else str(rec.enrollment), "enrollment"),
    }
    changes, notes, complete = [], [], True
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
    if complete and cells[VERIFIED].strip().lower() != "true":
        changes.append(Change(VERIFIED, cells[VERIFIED], "true"))
    elif not complete:
        notes.append(f"{VERIFIED} not set: the registry record lacks a value the file has")
    for column, value in (("sponsor", rec.sponsor), ("phase", rec.phase)):
        if value and value != cells[column]:
            notes.append(
                f"{column}: file {cells[column]!r}, registry {value!r} (author column, not changed)"
            )
    return changes, notes


def _problem_keys(problems: list[Problem]) -> set[tuple]:
    return {(p.row, p.column, p.rule, p.value) for p in problems}


def _validate_text(project: Project, resource: Resource, text: str) -> list[Problem]:
    """Validation problems of the trials table if it held ``text`` (nothing else is read)."""
    bib = set(BIB_KEY.findall(project.bibliography.read_text(encoding="utf-8")))
    with tempfile.TemporaryDirectory(prefix="livingreview-refresh-") as tmp:
        scratch = Project(Path(tmp))
        scratch.data_dir.mkdir()
        (scratch.data_dir / resource.path).write_bytes(text.encode("utf-8"))
        problems, _ = validate_resource(scratch, resource, bib)
    return problems


def _render(table: _Table, header: list[str], trials: list[TrialRefresh]) -> str:
    spans = list(table.spans)
    index = {name: i for i, name in enumerate(header)}
    for trial in trials:
        if not trial.changes:
            continue
        position = trial.row - 1  # spans[0] is the header
        cells = table.rows[position - 1]
        spans[position] = _rewrite_record(
            spans[position], cells, {index[c.column]: c.new for c in trial.changes}
        )
    return "".join(spans)


def plan_refresh(project: Project, fetch: Callable[[str], dict] = fetch_study) -> RefreshReport:
    """Compare every ClinicalTrials.gov row with its registry record. Writes nothing.

    A trial whose record cannot be fetched or parsed gets an ``error`` and no changes. If the
    very first fetch finds the registry unreachable, RegistryUnavailable is raised (no network:
    nothing to plan). Changes that would make the table fail validation are dropped and turned
    into that trial's error.
    """
    resource = _resource(project)
    path = project.data_dir / resource.path
    table = _read_table(path)
    expected = [f.name for f in resource.fields]
    if table.header != expected:
        raise RefreshError(f"data/{resource.path}: header does not match the schema; validate")
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
        try:
            fetched += 1
            rec = parse_study(fetch(rid), nct_id=rid)
        except RegistryUnavailable as exc:
            if fetched == 1:
                raise
            trials.append(TrialRefresh(rid, row_number, error=str(exc)))
            continue
        except RegistryResponseError as exc:
            trials.append(TrialRefresh(rid, row_number, error=str(exc)))
            continue
        changes, notes = _compare(cells, rec)
        trials.append(TrialRefresh(rid, row_number, tuple(changes), tuple(notes), record=rec))
    # a trial whose new values would break validation keeps its old values
    before = _problem_keys(_validate_text(project, resource, table.text))
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
    table = _read_table(path)
    expected = [f.name for f in resource.fields]
    if table.header != expected:
        raise RefreshError(f"data/{resource.path}: header does not match the schema; validate")
    owned = {*OWNED, VERIFIED}
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
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(text.encode("utf-8"))
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, path.stat().st_mode & 0o777)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return [t.registry_id for t in changed]


# --------------------------------------------------------------------------- reporting


def format_report(report: RefreshReport) -> str:
    """The plan as an author reads it: one line per changed cell, then notes and errors."""
    lines = []
    width = max((len(t.registry_id) for t in report.trials), default=11) + 2
    for trial in report.trials:
        rid = trial.registry_id.ljust(width)
        if trial.skipped:
            lines.append(f"{rid}skipped: {trial.skipped}")
            continue
        if trial.error:
            lines.append(f"{rid}ERROR: {trial.error}; nothing changes for this trial")
        elif not trial.changes:
            lines.append(f"{rid}up to date")
        rec = trial.record
        types = {}
        if rec:
            types = {
                "start_registry": rec.start_type,
                "end_registry": rec.completion_type,
                "enrollment": rec.enrollment_type,
            }
        for change in trial.changes if not trial.error else ():
            kind = types.get(change.column)
            suffix = f"  ({kind.lower()})" if kind else ""
            lines.append(f"{rid}{change.column}: {change.old!r} -> {change.new!r}{suffix}")
        for note in trial.notes:
            lines.append(f"{' ' * width}note: {note}")
    n_cells = sum(len(t.changes) for t in report.changed if not t.error)
    lines.append(
        f"{len([t for t in report.changed if not t.error])} trial(s) with {n_cells} change(s), "
        f"{len(report.errors)} error(s), {len(report.skipped)} skipped. "
        "Author columns (notes, *_source, sponsor, phase, value_used) are never changed: "
        "review the notes of changed trials."
    )
    return "\n".join(lines)
