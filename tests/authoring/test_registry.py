"""The ClinicalTrials.gov refresh, against hand-made fixtures (never the live registry)."""

from __future__ import annotations

import copy
import csv
import http.client
import io
import json
import shutil
import socket
import urllib.error
from pathlib import Path

import pytest
from conftest import edit_cell, table_rows

from livingreview.authoring.registry.client import (
    USER_AGENT,
    RegistryResponseError,
    RegistryUnavailable,
    fetch_study,
)
from livingreview.authoring.registry.records import parse_study
from livingreview.authoring.registry.refresh import (
    Change,
    RefreshError,
    RefreshReport,
    TrialRefresh,
    apply_refresh,
    format_report,
    plan_refresh,
)
from livingreview.data.project import Project
from livingreview.data.validate import validate_project

REPO = Path(__file__).resolve().parents[2]
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "ctgov"
NCTS = ["NCT03015623", "NCT04445220", "NCT04194671", "NCT06654193"]


@pytest.fixture
def project(tmp_path) -> Project:
    """A copy of what validation reads: data, config, chapters and analyses."""
    root = tmp_path / "book"
    root.mkdir()
    shutil.copy2(REPO / "_config.yml", root / "_config.yml")
    ignore = shutil.ignore_patterns("__pycache__", ".ipynb_checkpoints")
    for name in ("data", "chapters", "analyses"):
        shutil.copytree(REPO / name, root / name, ignore=ignore)
    # the trials as they stood before any registry check, not today's data
    shutil.copy2(FIXTURES / "registered_trials.csv", root / "data" / "registered_trials.csv")
    return Project(root)


def trials_csv(project: Project) -> Path:
    return project.data_dir / "registered_trials.csv"


def lines_by_id(path: Path) -> dict[str, bytes]:
    return {line.split(b",", 1)[0].decode(): line for line in path.read_bytes().splitlines(True)}


def rows(text: str) -> dict[str, dict[str, str]]:
    header, *records = csv.reader(io.StringIO(text, newline=""))
    return {r[0]: dict(zip(header, r, strict=True)) for r in [header, *records]}


def load(name: str) -> dict:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


class Opener:
    """Stands in for urllib.request.urlopen: serves fixture files or raises."""

    def __init__(self, overrides: dict | None = None):
        self.overrides = overrides or {}
        self.requests = []

    def __call__(self, request, timeout=None):
        self.requests.append((request, timeout))
        nct = request.full_url.rsplit("/", 1)[1]
        served = self.overrides.get(nct, f"{nct}.json")
        if isinstance(served, BaseException):
            raise served
        if isinstance(served, str) and not (FIXTURES / served).is_file():
            # ids the clinical studies cite (today's data) have no fixture: the registry's 404
            raise urllib.error.HTTPError(request.full_url, 404, "Not Found", {}, None)
        if isinstance(served, dict):
            return io.BytesIO(json.dumps(served).encode())
        return io.BytesIO((FIXTURES / served).read_bytes())


def fetcher(overrides: dict | None = None):
    opener = Opener(overrides)
    return lambda nct: fetch_study(nct, opener=opener)


# --------------------------------------------------------------------------- fetch_study


def test_fetch_study_requests_the_v2_record_with_a_user_agent():
    opener = Opener()
    record = fetch_study("NCT04445220", opener=opener, timeout=7)
    assert record["protocolSection"]["identificationModule"]["nctId"] == "NCT04445220"
    request, timeout = opener.requests[0]
    assert request.full_url == "https://clinicaltrials.gov/api/v2/studies/NCT04445220"
    assert request.get_header("User-agent") == USER_AGENT
    assert timeout == 7


@pytest.mark.parametrize(
    "error",
    [
        urllib.error.URLError(socket.gaierror(-3, "Temporary failure in name resolution")),
        TimeoutError("timed out"),
        http.client.IncompleteRead(b'{"protocolSection"'),
        ConnectionResetError(104, "Connection reset by peer"),
    ],
)
def test_fetch_study_without_network_is_unavailable(error):
    with pytest.raises(RegistryUnavailable, match="cannot reach ClinicalTrials.gov") as info:
        fetch_study("NCT04445220", opener=Opener({"NCT04445220": error}))
    assert "nothing was changed" in str(info.value)


def test_fetch_study_http_error_and_non_json_are_response_errors():
    not_found = urllib.error.HTTPError(
        "https://clinicaltrials.gov/api/v2/studies/NCT04445220", 404, "Not Found", {}, None
    )
    with pytest.raises(RegistryResponseError, match="HTTP 404"):
        fetch_study("NCT04445220", opener=Opener({"NCT04445220": not_found}))
    with pytest.raises(RegistryResponseError, match="not JSON"):
        fetch_study("NCT04194671", opener=Opener({"NCT04194671": "malformed_NCT04194671.json"}))
    with pytest.raises(ValueError):
        fetch_study("NCT123/../x", opener=Opener())


# --------------------------------------------------------------------------- parse_study


def test_parse_study_maps_the_record_to_the_review_vocabulary():
    rec = parse_study(load("NCT04445220.json"), nct_id="NCT04445220")
    assert rec.overall_status == "completed"
    assert (rec.start, rec.completion, rec.last_update) == (
        "2020-11-19",
        "2022-06-30",
        "2023-01-10",
    )
    assert rec.primary_completion == "2022-05-31"
    assert (rec.enrollment, rec.enrollment_type) == (22, "ACTUAL")
    assert rec.phase == "1/2"
    assert rec.sponsor == "Sentien Biotechnologies"
    partial_dates = parse_study(load("NCT06654193.json"))
    assert (partial_dates.start, partial_dates.completion) == ("2025-01", "2028-01")
    assert partial_dates.overall_status == "not yet recruiting"


def test_parse_study_status_choices():
    record = load("NCT06654193.json")
    record["protocolSection"]["statusModule"]["overallStatus"] = "ENROLLING_BY_INVITATION"
    rec = parse_study(record)
    assert (rec.overall_status, rec.overall_status_raw) == ("recruiting", "ENROLLING_BY_INVITATION")
    record["protocolSection"]["statusModule"]["overallStatus"] = "AVAILABLE"
    with pytest.raises(RegistryResponseError, match="AVAILABLE"):
        parse_study(record)


@pytest.mark.parametrize(
    "breakage",
    [
        lambda r: r.pop("protocolSection"),
        lambda r: r["protocolSection"].pop("statusModule"),
        lambda r: r["protocolSection"]["statusModule"].pop("overallStatus"),
        lambda r: r["protocolSection"]["identificationModule"].update(nctId="NCT99999999"),
        lambda r: r["protocolSection"]["statusModule"]["startDateStruct"].update(date="2025-13"),
        lambda r: r["protocolSection"]["designModule"]["enrollmentInfo"].update(count="70"),
    ],
)
def test_parse_study_rejects_malformed_or_partial_records(breakage):
    record = load("NCT06654193.json")
    breakage(record)
    with pytest.raises(RegistryResponseError):
        parse_study(record, nct_id="NCT06654193")


def test_parse_study_rejects_the_partial_fixture():
    with pytest.raises(RegistryResponseError, match="statusModule"):
        parse_study(load("partial_NCT06654193.json"), nct_id="NCT06654193")


# --------------------------------------------------------------------------- plan and apply


def test_refresh_updates_registry_columns_and_keeps_everything_else(project):
    path = trials_csv(project)
    before_text = path.read_bytes()
    before = lines_by_id(path)
    report = plan_refresh(project, fetch=fetcher(), today="2026-12-01")
    assert path.read_bytes() == before_text  # planning never writes
    by_id = {t.registry_id: t for t in report.trials}
    assert {c.column: (c.old, c.new) for c in by_id["NCT04445220"].changes} == {
        "status_registry": ("", "completed"),
        "end_registry": ("2022-09", "2022-06-30"),
        "last_update_registry": ("", "2023-01-10"),
        "enrollment": ("", "22"),
        "enrollment_type": ("", "actual"),
        "results_posted": ("not confirmed", "no"),
        "registry_verified": ("false", "true"),
        "record_url": ("", "https://clinicaltrials.gov/study/NCT04445220"),
        "checked": ("2026-11-25", "2026-12-01"),
    }
    written = apply_refresh(project, report)
    assert written == NCTS

    after = lines_by_id(path)
    assert list(after) == list(before)  # same rows, same order
    old_rows, new_rows = rows(before_text.decode()), rows(path.read_text(encoding="utf-8"))
    header = list(old_rows["registry_id"])
    owned = {
        "status_registry",
        "start_registry",
        "end_registry",
        "last_update_registry",
        "enrollment",
        "enrollment_type",
        "results_posted",
        "registry_verified",
        "record_url",
        "checked",
    }
    for rid in NCTS:
        old, new = old_rows[rid], new_rows[rid]
        assert {k for k in header if old[k] != new[k]} <= owned
        assert new["registry_verified"] == "true"
        # the author's notes cell is byte-identical: the line still ends with it verbatim
        note_raw = before[rid].split(b",niu2025,", 1)[1].split(b",,", 1)[0]
        assert b",niu2025," + note_raw in after[rid]
    assert new_rows["NCT03015623"]["status_registry"] == "completed"
    assert new_rows["NCT03015623"]["start_registry"] == "2017-06"
    assert new_rows["NCT03015623"]["end_registry"] == "2019-12"
    assert new_rows["NCT04445220"]["start_registry"] == "2020-11-19"
    assert new_rows["NCT04194671"]["status_registry"] == "unknown"
    assert new_rows["NCT06654193"]["phase"] == "1/2a"  # author column, registry says 1/2
    # untouched rows are byte-identical; the quoted notes keep their quotes
    assert after["ChiCTR2400082783"] == before["ChiCTR2400082783"]
    assert after["registry_id"] == before["registry_id"]
    assert b'"Sponsor, phase and enrollment (n = 24)' in after["NCT03015623"]
    # the refreshed table is valid and nothing else in the project got worse
    assert validate_project(project) == []
    # planning again finds nothing to do
    again = plan_refresh(project, fetch=fetcher(), today="2026-12-01")
    assert again.changed == []
    assert apply_refresh(project, again) == []


def test_chictr_rows_are_skipped(project):
    report = plan_refresh(project, fetch=fetcher())
    chictr = [t for t in report.trials if t.registry_id.startswith("ChiCTR")]
    assert len(chictr) == 1 and "no public API" in chictr[0].skipped
    assert not chictr[0].changes
    assert "ChiCTR2400082783" in format_report(report)


def test_no_network_raises_and_changes_nothing(project):
    path = trials_csv(project)
    before = path.read_bytes()
    files_before = sorted(p.name for p in project.data_dir.iterdir())
    offline = urllib.error.URLError(OSError(101, "Network is unreachable"))
    with pytest.raises(RegistryUnavailable, match="nothing was changed"):
        plan_refresh(project, fetch=fetcher({n: offline for n in NCTS}))
    assert path.read_bytes() == before
    assert sorted(p.name for p in project.data_dir.iterdir()) == files_before


def test_losing_the_network_midway_is_a_per_trial_error(project):
    report = plan_refresh(project, fetch=fetcher({"NCT04194671": TimeoutError("timed out")}))
    by_id = {t.registry_id: t for t in report.trials}
    assert "cannot reach" in by_id["NCT04194671"].error
    assert not by_id["NCT04194671"].changes
    assert by_id["NCT04445220"].changes


def test_malformed_and_partial_responses_change_nothing_for_that_trial(project):
    path = trials_csv(project)
    before = lines_by_id(path)
    report = plan_refresh(
        project,
        fetch=fetcher(
            {
                "NCT04194671": "malformed_NCT04194671.json",
                "NCT06654193": "partial_NCT06654193.json",
            }
        ),
    )
    by_id = {t.registry_id: t for t in report.trials}
    assert "not JSON" in by_id["NCT04194671"].error
    assert "statusModule" in by_id["NCT06654193"].error
    assert not by_id["NCT04194671"].changes and not by_id["NCT06654193"].changes
    text = format_report(report)
    assert "NCT04194671" in text and "ERROR" in text
    assert apply_refresh(project, report) == ["NCT03015623", "NCT04445220"]
    after = lines_by_id(path)
    assert after["NCT04194671"] == before["NCT04194671"]
    assert after["NCT06654193"] == before["NCT06654193"]
    assert after["NCT04445220"] != before["NCT04445220"]


def test_registry_values_that_would_not_validate_are_not_taken(project):
    swapped = load("NCT03015623.json")
    swapped["protocolSection"]["statusModule"]["completionDateStruct"]["date"] = "2016-01"
    report = plan_refresh(project, fetch=fetcher({"NCT03015623": swapped}))
    trial = next(t for t in report.trials if t.registry_id == "NCT03015623")
    assert "would not validate" in trial.error and not trial.changes


def test_apply_is_atomic_when_validation_fails(project):
    path = trials_csv(project)
    before = path.read_bytes()
    files_before = sorted(p.name for p in project.data_dir.iterdir())
    good = plan_refresh(project, fetch=fetcher())
    bad_trial = TrialRefresh(
        "NCT04194671", good.trials[2].row, changes=(Change("status_registry", "", "bogus"),)
    )
    assert good.trials[2].registry_id == "NCT04194671"
    bad = RefreshReport(path=good.path, trials=(good.trials[0], good.trials[1], bad_trial))
    with pytest.raises(RefreshError, match="would not validate") as info:
        apply_refresh(project, bad)
    assert info.value.problems
    assert path.read_bytes() == before
    assert sorted(p.name for p in project.data_dir.iterdir()) == files_before


def test_apply_refuses_a_stale_plan(project):
    path = trials_csv(project)
    report = plan_refresh(project, fetch=fetcher())
    edited = path.read_bytes().replace(b",2022-09,", b",2022-10,")
    path.write_bytes(edited)
    with pytest.raises(RefreshError, match="plan again"):
        apply_refresh(project, report)
    assert path.read_bytes() == edited


def test_apply_never_touches_author_columns(project):
    report = plan_refresh(project, fetch=fetcher())
    first = report.trials[0]
    sneaky = TrialRefresh(first.registry_id, first.row, changes=(Change("notes", "x", ""),))
    with pytest.raises(RefreshError):
        apply_refresh(project, RefreshReport(path=report.path, trials=(sneaky,)))


def test_crlf_line_endings_survive(project):
    path = trials_csv(project)
    path.write_bytes(path.read_bytes().replace(b"\n", b"\r\n"))
    before = lines_by_id(path)
    apply_refresh(project, plan_refresh(project, fetch=fetcher()))
    after = lines_by_id(path)
    assert all(line.endswith(b"\r\n") for line in after.values())
    assert after["ChiCTR2400082783"] == before["ChiCTR2400082783"]


def test_missing_registry_values_are_kept_and_not_verified(project):
    record = copy.deepcopy(load("NCT04445220.json"))
    del record["protocolSection"]["statusModule"]["completionDateStruct"]
    record["protocolSection"]["statusModule"]["startDateStruct"]["date"] = "2020"
    report = plan_refresh(project, fetch=fetcher({"NCT04445220": record}))
    trial = next(t for t in report.trials if t.registry_id == "NCT04445220")
    columns = {c.column for c in trial.changes}
    assert not columns & {"start_registry", "end_registry", "registry_verified"}
    notes = " ".join(trial.notes)
    assert "no month" in notes and "primary completion 2022-05-31" in notes


def test_format_report_lists_each_change():
    report = RefreshReport(
        path=Path("data/registered_trials.csv"),
        trials=(
            TrialRefresh("NCT04445220", 3, changes=(Change("status_registry", "", "completed"),)),
            TrialRefresh("ChiCTR2400082783", 5, skipped="ChiCTR has no public API"),
        ),
    )
    text = format_report(report)
    assert "NCT04445220" in text and "status_registry: '' -> 'completed'" in text
    assert "skipped: ChiCTR has no public API" in text


def test_parse_study_reads_results_and_the_record_version():
    rec = parse_study(load("results_NCT04445220.json"), nct_id="NCT04445220")
    assert (rec.last_update, rec.results_posted, rec.results_first_posted) == (
        "2023-06-02",
        True,
        "2023-06-02",
    )
    assert (rec.enrollment, rec.enrollment_type) == (19, "ACTUAL")
    none_yet = parse_study(load("NCT04445220.json"))
    assert (none_yet.results_posted, none_yet.results_first_posted) == (False, None)
    record = load("NCT04445220.json")
    del record["hasResults"]
    assert parse_study(record).results_posted is None  # the registry said nothing
    record["hasResults"] = "yes"
    with pytest.raises(RegistryResponseError, match="hasResults"):
        parse_study(record)


def test_ids_cited_by_clinical_studies_are_read_and_reported_never_written(project):
    path = trials_csv(project)
    # a clinical study whose notes cite a registration the trials table does not track
    study = table_rows(project.root, "clinical_studies")[0]
    edit_cell(project.root, "clinical_studies", study["study_id"], "notes", "See NCT09999991.")
    untracked = load("NCT04445220.json")
    untracked["protocolSection"]["identificationModule"]["nctId"] = "NCT09999991"
    report = plan_refresh(project, fetch=fetcher({"NCT09999991": untracked}))
    entry = next(t for t in report.trials if t.registry_id == "NCT09999991")
    assert entry.cited_by == (study["study_id"],) and not entry.changes and not entry.error
    said = format_report(report)
    assert "NCT09999991" in said and "not in data/registered_trials.csv" in said
    assert "registry record of 2023-01-10: status completed, enrollment 22 (actual)" in said
    apply_refresh(project, report)
    assert b"NCT09999991" not in path.read_bytes()
