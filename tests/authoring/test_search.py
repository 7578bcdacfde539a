"""`livingreview search` against a local server speaking the three APIs' formats (never the
live services): pagination, rate limits, failures, de-duplication, the log and the run files."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import shutil
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import rispy

from livingreview.authoring.search import dedupe
from livingreview.authoring.search.decisions import import_decisions
from livingreview.authoring.search.manual import log_lookup, log_manual
from livingreview.authoring.search.ris import export_awaiting
from livingreview.authoring.search.run import Environment, SearchFailed, search
from livingreview.data import csvio
from livingreview.data.project import Project
from livingreview.data.releases import last_searched
from livingreview.data.searches import SCHEDULED, api_sources
from livingreview.data.validate import validate_project
from tests.conftest import cli

REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO / "tests" / "fixtures" / "search"


class Server:
    """127.0.0.1 only. Routes each request to a recorded response; ``script`` queues special
    answers (status, headers, body) per path, served before the recorded ones."""

    def __init__(self):
        self.script: dict[str, list[tuple[int, dict, bytes]]] = {}
        self.seen: list[tuple[str, dict, dict]] = []  # path, query, headers
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 (http.server's name)
                url = urllib.parse.urlsplit(self.path)
                query = dict(urllib.parse.parse_qsl(url.query))
                server.seen.append((url.path, query, dict(self.headers)))
                queued = server.script.get(url.path)
                status, headers, body = queued.pop(0) if queued else server.answer(url.path, query)
                self.send_response(status)
                for key, value in headers.items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def answer(self, path: str, query: dict) -> tuple[int, dict, bytes]:
        if path == "/ctgov/studies":
            name = "ctgov_page2.json" if query.get("pageToken") else "ctgov_page1.json"
        elif path == "/eutils/esearch.fcgi":
            name = f"esearch_{query.get('retstart', '0')}.json"
        elif path == "/eutils/esummary.fcgi":
            name = "esummary.json"
        elif path == "/europepmc/search":
            name = "europepmc_page1.json" if query["cursorMark"] == "*" else "europepmc_page2.json"
        else:
            return 404, {}, b"not found"
        return 200, {"Content-Type": "application/json"}, (FIXTURES / name).read_bytes()


@pytest.fixture
def server(monkeypatch):
    srv = Server()
    for name in ("ctgov", "eutils", "europepmc"):
        monkeypatch.setenv(f"LIVINGREVIEW_{name.upper()}_URL", f"{srv.url}/{name}")
    monkeypatch.delenv("NCBI_API_KEY", raising=False)
    yield srv
    srv.httpd.shutdown()


@pytest.fixture
def project(tmp_path) -> Project:
    """A copy of what validation reads: data, config, chapters and analyses."""
    root = tmp_path / "book"
    root.mkdir()
    shutil.copy2(REPO / "_config.yml", root / "_config.yml")
    ignore = shutil.ignore_patterns("__pycache__", ".ipynb_checkpoints", "searches")
    for name in ("data", "chapters", "analyses"):
        shutil.copytree(REPO / name, root / name, ignore=ignore)
    return Project(root)


def rows(path: Path) -> list[dict[str, str]]:
    return csvio.dict_rows(path.read_text(encoding="utf-8"))[1]


def data_bytes(project: Project) -> dict[str, bytes]:
    return {
        p.relative_to(project.root).as_posix(): p.read_bytes()
        for p in sorted(project.data_dir.rglob("*"))
        if p.is_file()
    }


def run(project: Project, sleeps: list | None = None, **kwargs):
    lines: list[str] = []
    env = Environment(sleep=(sleeps if sleeps is not None else []).append)
    written = search(project, report=lines.append, env=env, **kwargs)
    return written, lines


def test_a_run_logs_one_row_per_source_and_adds_only_new_records(project, server):
    before = rows(project.data_dir / "screening.csv")
    written, lines = run(project)

    log = rows(project.data_dir / "surveillance_log.csv")
    logged = log[-3:]
    assert [r["source"] for r in logged] == api_sources(project)
    assert {r["kind"] for r in logged} == {SCHEDULED}
    assert len({r["run_id"] for r in logged}) == 1
    assert [r["hits"] for r in logged] == ["3", "3", "3"]  # the totals the fixtures report
    assert [r["retrieved"] for r in logged] == ["3", "3", "3"]  # every page followed
    # the query as sent: the first request, with the NCBI contact but never a key
    assert logged[1]["query"].startswith(f"{server.url}/eutils/esearch.fcgi?db=pubmed&term=")
    assert "tool=msc-sepsis-living-review" in logged[1]["query"]

    after = rows(project.data_dir / "screening.csv")
    assert after[: len(before)] == before  # no held record changes
    added = after[len(before) :]
    # held: NCT03369275, PMID 28960096, the EudraCT number NCT09990001 lists, a held DOI
    # in another case; PMID 99990001 comes twice (PubMed, Europe PMC) and enters once
    assert {r["record_id"] for r in added} == {"NCT09990002", "PMID-99990001", "PMID-99990002",
                                               "PPR999901"}  # fmt: skip
    assert {r["decision"] for r in added} == {"awaiting screening"}
    by_id = {r["record_id"]: r for r in added}
    assert by_id["PMID-99990001"]["identifiers"] == "PMID:99990001;DOI:10.9999/fixture.0001"
    assert "PMCID:PMC9999002" in by_id["PMID-99990002"]["identifiers"]
    for row in added:  # each names the log row of the first strategy that found it
        assert row["search_id"] in {r["search_id"] for r in logged}
    # new_records agrees with the screening rows naming each log row
    for r in logged:
        assert int(r["new_records"]) == sum(a["search_id"] == r["search_id"] for a in added)

    # the run files: every count above recomputed from them
    folder = project.data_dir / "searches" / logged[0]["run_id"]
    for r in logged:
        name = {"ClinicalTrials.gov": "ctgov", "PubMed": "pubmed", "Europe PMC": "europepmc"}
        ids = rows(folder / f"{name[r['source']]}.csv")
        assert len(ids) == int(r["retrieved"])
        assert sum(i["status"] == dedupe.NEW for i in ids) == int(r["new_records"])
    ctgov = {i["identifiers"].split(";")[0]: i for i in rows(folder / "ctgov.csv")}
    assert ctgov["NCT:NCT09990001"]["status"] == dedupe.KNOWN  # via its secondary id
    holders = {r["record_id"] for r in before if "2015-002994-39" in ",".join(r.values())}
    assert ctgov["NCT:NCT09990001"]["record_id"] in holders
    assert validate_project(project) == []
    assert last_searched(project) == logged[0]["date"]  # a complete run of every strategy
    assert any("4 record(s) added" in line for line in lines)


def test_a_second_run_with_the_same_responses_adds_nothing(project, server):
    run(project)
    screening = (project.data_dir / "screening.csv").read_bytes()
    later = dt.datetime(2030, 1, 1, 12, 0, tzinfo=dt.UTC)  # another run id
    search(project, report=lambda _: None, env=Environment(sleep=lambda _: None, now=later))
    assert (project.data_dir / "screening.csv").read_bytes() == screening
    second = rows(project.data_dir / "surveillance_log.csv")[-3:]
    assert [r["new_records"] for r in second] == ["0", "0", "0"]
    assert validate_project(project) == []


def test_eutils_requests_carry_the_contact_and_a_user_agent_and_keep_ncbi_s_pace(project, server):
    sleeps: list[float] = []
    run(project, sleeps, names=["pubmed"])
    eutils = [(q, h) for p, q, h in server.seen if p.startswith("/eutils/")]
    assert len(eutils) == 3  # two esearch pages, one esummary batch
    for query, headers in eutils:
        assert query["tool"] == "msc-sepsis-living-review" and query["email"]
        assert headers["User-Agent"].startswith("livingreview/")
    # at most 3 requests a second without a key: each wait is at most the interval
    assert sleeps and all(0 < s <= 0.34 for s in sleeps)


def test_429_with_retry_after_is_waited_for_then_the_run_succeeds(project, server):
    server.script["/europepmc/search"] = [(429, {"Retry-After": "7"}, b"slow down")]
    sleeps: list[float] = []
    run(project, sleeps, names=["europepmc"])
    assert 7.0 in sleeps
    assert rows(project.data_dir / "surveillance_log.csv")[-1]["source"] == "Europe PMC"


@pytest.mark.parametrize(
    ("answer", "says"),
    [
        ((500, {}, b"oops"), "HTTP 500"),
        ((200, {}, b'{"totalCount": 3, "studies": [{"protocolSection": '), "not JSON"),
        ((200, {}, b'{"studies": "none"}'), "without a 'studies' list"),
        (
            (
                200,
                {},
                json.dumps(
                    {
                        "totalCount": 1,
                        "studies": [
                            {"protocolSection": {"identificationModule": {"nctId": "NCT123"}}}
                        ],
                    }
                ).encode(),
            ),
            "invalid NCT id",
        ),
    ],  # fmt: skip
)
def test_a_failing_source_leaves_the_others_logged_and_the_data_valid(
    project, server, answer, says
):
    server.script["/ctgov/studies"] = [answer] * 5  # every retry of a 500 fails too
    with pytest.raises(SearchFailed, match=says):
        run(project)
    logged = rows(project.data_dir / "surveillance_log.csv")
    assert [r["source"] for r in logged if r["kind"] == SCHEDULED] == ["PubMed", "Europe PMC"]
    assert last_searched(project) is None  # not a complete run
    assert validate_project(project) == []


def test_dry_run_prints_every_request_and_writes_nothing(project, server):
    before = data_bytes(project)
    _, lines = run(project, dry_run=True)
    assert [line.split(":")[0] for line in lines[:3]] == ["ctgov", "pubmed", "europepmc"]
    assert "query.cond=" in lines[0] and "term=" in lines[1] and "cursorMark=%2A" in lines[2]
    assert any(line.startswith("dry run: would log 3 search(es)") for line in lines)
    assert data_bytes(project) == before


def test_offline_every_source_fails_in_one_line_and_nothing_changes(project, monkeypatch):
    for name in ("ctgov", "eutils", "europepmc"):  # a port nothing listens on
        monkeypatch.setenv(f"LIVINGREVIEW_{name.upper()}_URL", "http://127.0.0.1:9/")
    monkeypatch.setenv("PYTHONPATH", str(REPO))  # this checkout's package, from the copy
    before = data_bytes(project)
    proc = cli(project.root, "search")
    assert proc.returncode != 0
    assert len(proc.stderr.strip().splitlines()) == 1
    assert "nothing was changed" in proc.stderr
    assert data_bytes(project) == before


def test_ris_export_and_screening_import_round_trip(project, server, tmp_path):
    run(project)
    ris = tmp_path / "awaiting.ris"
    assert export_awaiting(project, ris) == 4
    entries = rispy.loads(ris.read_text(encoding="utf-8"))
    assert {e["id"] for e in entries} == {"NCT09990002", "PMID-99990001", "PMID-99990002",
                                          "PPR999901"}  # fmt: skip
    assert next(e for e in entries if e["id"] == "PMID-99990001")["doi"] == "10.9999/fixture.0001"

    before = data_bytes(project)
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "record_id,decision,exclusion_reason\nNCT09990002,maybe,\nNOPE,excluded,design\n"
        "PPR999901,excluded,too small\n"
    )
    with pytest.raises(Exception) as caught:
        import_decisions(project, bad)
    message = str(caught.value).splitlines()
    assert message[0].startswith(f"{bad}: row 2, column decision: 'maybe'")
    assert message[1].startswith(f"{bad}: row 3, column record_id: 'NOPE'")
    assert message[2].startswith(f"{bad}: row 4, column exclusion_reason: 'too small'")
    assert data_bytes(project) == before

    good = tmp_path / "good.csv"
    good.write_text(
        "record_id,decision,exclusion_reason,study_id,record_type,decision_note,notes\n"
        "NCT09990002,included,,NCT09990002,registration,,\n"
        "PPR999901,excluded,design,PPR999901,preprint,a single animal study,animal only\n"
    )
    assert import_decisions(project, good) == 2
    screening = {r["record_id"]: r for r in rows(project.data_dir / "screening.csv")}
    assert screening["PPR999901"]["exclusion_reason"] == "design"
    assert screening["PPR999901"]["decision_note"] == "a single animal study"
    assert screening["NCT09990002"]["study_id"] == "NCT09990002"
    assert screening["NCT09990002"]["decision"] == "included"
    assert validate_project(project) == []
    assert export_awaiting(project, ris) == 2


def test_a_manual_search_is_logged_with_its_ids_and_never_counts_as_a_complete_run(project):
    message = log_manual(
        project, "ChiCTR", 5, "", "2026-12-01", ["ChiCTR2400082783", "ChiCTR2499999999"], ""
    )
    assert "1 new record(s)" in message  # ChiCTR2400082783 is in the log's notes already
    row = rows(project.data_dir / "surveillance_log.csv")[-1]
    assert (row["kind"], row["source"], row["hits"], row["retrieved"]) == (
        "manual search", "ChiCTR", "5", "2", )  # fmt: skip
    assert last_searched(project) is None
    assert validate_project(project) == []
    with pytest.raises(Exception, match="no saved manual strategy"):
        log_manual(project, "Nowhere", 1, "", "", [], "")


def test_records_match_by_normalised_title_and_year_when_no_identifier_matches(project):
    from livingreview.authoring.search.records import Record

    known = dedupe.known_records(project)
    title = rows(project.data_dir / "screening.csv")[0]
    twin = Record("PubMed", ("PMID:99999999",), title["title"].upper() + ".", title["year"])
    assert known.match(twin) == title["record_id"]
    other = Record("PubMed", ("PMID:99999999",), title["title"], "1999")
    assert known.match(other) is None


def test_the_saved_strategies_cover_the_three_apis_and_the_manual_registries(project):
    from livingreview.authoring.search.strategies import load

    saved = load(project)
    assert {s["service"] for s in saved["api"]} == {"ctgov", "eutils", "europepmc"}
    assert {"ChiCTR", "EU Clinical Trials Register", "Netherlands Trial Register"} <= {
        s["source"] for s in saved["manual"]
    }
    ctgov = next(s for s in saved["api"] if s["service"] == "ctgov")
    assert {"query.cond", "query.intr"} <= set(ctgov["params"])
    sources = csv.DictReader(io.StringIO((project.data_dir / "surveillance_log.csv").read_text()))
    assert sources.fieldnames and "kind" in sources.fieldnames


def test_an_ncbi_api_key_is_sent_but_never_logged(project, server, monkeypatch):
    sleeps: list[float] = []
    env = Environment(sleep=sleeps.append, api_key="FIXTURE-KEY")
    search(project, names=["pubmed"], report=lambda _: None, env=env)
    sent = [q for p, q, _ in server.seen if p.startswith("/eutils/")]
    assert sent and all(q.get("api_key") == "FIXTURE-KEY" for q in sent)
    assert all(s <= 0.11 for s in sleeps)  # 10 requests a second with a key
    assert "FIXTURE-KEY" not in (project.data_dir / "surveillance_log.csv").read_text()
    assert not any("FIXTURE-KEY" in p.read_text() for p in project.data_dir.rglob("*.csv"))


def test_a_verification_look_up_is_logged_but_never_moves_last_searched(project):
    log_lookup(project, "ClinicalTrials.gov", "NCT03369275", "2027-01-05", "status unchanged")
    row = rows(project.data_dir / "surveillance_log.csv")[-1]
    assert (row["kind"], row["query"], row["run_id"]) == (
        "look-up of a known record", "NCT03369275", "")  # fmt: skip
    assert last_searched(project) is None
    assert validate_project(project) == []
    with pytest.raises(Exception, match="expected one of"):
        log_lookup(project, "Google", "x", "", "")


def test_the_cli_prints_each_request_in_a_dry_run_and_screening_import_exits_non_zero(
    project, server, monkeypatch, tmp_path
):
    monkeypatch.setenv("PYTHONPATH", str(REPO))  # this checkout's package, from the copy
    before = data_bytes(project)
    proc = cli(project.root, "search", "--dry-run")
    assert proc.returncode == 0, proc.stderr
    requests = [line for line in proc.stdout.splitlines() if ": GET " in line]
    assert [line.split(":")[0] for line in requests] == ["ctgov", "pubmed", "europepmc"]
    assert all(server.url in line for line in requests)
    bad = tmp_path / "bad.csv"
    bad.write_text("record_id,decision,exclusion_reason\nNOPE,included,\n")
    proc = cli(project.root, "screening", "import", str(bad))
    assert proc.returncode != 0
    assert f"{bad}: row 2, column record_id" in proc.stderr
    assert data_bytes(project) == before


def test_identifiers_from_bibtex_and_secondary_ids_are_read_as_what_they_are():
    from livingreview.authoring.search.records import find_ids, normal

    # a DOI in a BibTeX field ends before the closing brace, so a search hit's DOI matches it
    assert find_ids("doi = {10.1056/NEJMra2403213},") == {"DOI:10.1056/nejmra2403213"}
    # an id that would split the ';'-separated identifiers cell is not taken
    assert normal("DOI", "10.1002/(SICI)1097-0258(19990115)18:1;2-Z") is None
    assert normal("DOI", "10.1000/ok") == "DOI:10.1000/ok"


def test_another_trials_nct_number_among_secondary_ids_does_not_make_a_trial_known():
    from livingreview.authoring.search import ctgov

    study = {
        "protocolSection": {
            "identificationModule": {
                "nctId": "NCT09990009",
                "briefTitle": "A follow-up study",
                "secondaryIdInfos": [{"id": "NCT03369275"}, {"id": "2017-001234-56"}],
            },
            "statusModule": {"startDateStruct": {"date": "2027-01"}},
        }
    }
    record = ctgov.parse_study(study)
    assert "NCT:NCT03369275" not in record.ids and "EUDRACT:2017-001234-56" in record.ids


def test_a_run_that_got_fewer_records_than_a_source_reported_is_not_complete():
    from livingreview.data.searches import last_complete_search

    def row(source, hits, retrieved):
        return {"kind": SCHEDULED, "run_id": "R1", "date": "2027-01-04", "source": source,
                "hits": hits, "retrieved": retrieved}  # fmt: skip

    sources = ["ClinicalTrials.gov", "PubMed"]
    whole = [row("ClinicalTrials.gov", "12", "12"), row("PubMed", "30", "30")]
    assert last_complete_search(whole, sources) == "2027-01-04"
    short = [row("ClinicalTrials.gov", "12", "12"), row("PubMed", "30", "20")]
    assert last_complete_search(short, sources) is None
