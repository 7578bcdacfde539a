"""The review's view of a ClinicalTrials.gov study record (API v2 JSON), in its vocabulary."""

from __future__ import annotations

from dataclasses import dataclass

from livingreview.authoring.registry.client import NCT_ID, RegistryResponseError
from livingreview.data import dates

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
    results_posted: bool | None = None  # hasResults, or a results-first-posted date
    results_first_posted: str | None = None


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
    if dates.parse_partial(text) is None:
        raise RegistryResponseError(f"{nct_id}: statusModule.{name} is not a date: {text!r}")
    kind = struct.get("type")
    return text, kind if isinstance(kind, str) else None


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
    results_first_posted, _ = _date(status, "resultsFirstPostDateStruct", found)
    has_results = record.get("hasResults")
    if has_results is not None and not isinstance(has_results, bool):
        raise RegistryResponseError(f"{found}: hasResults is not true or false: {has_results!r}")
    results_posted = True if results_first_posted else has_results
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
        results_posted=results_posted,
        results_first_posted=results_first_posted,
    )
