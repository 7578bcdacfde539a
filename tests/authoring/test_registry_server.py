"""`livingreview refresh-trials` end to end against a local stand-in for ClinicalTrials.gov.

A 127.0.0.1 http.server serves recorded API v2 responses (tests/fixtures/ctgov/); the CLI finds
it through LIVINGREVIEW_CTGOV_URL, as it would a mirror. Nothing here touches the network.
"""

from __future__ import annotations

import csv
import io
import os
import re
import shutil
import socket
import subprocess
import sys
import threading
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from conftest import REPO, edit_cell

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "ctgov"
CHANGED = "NCT04445220"
# The row as the data hold it before the refresh: an older version of the registry record.
HELD = {
    "status_registry": "active not recruiting",
    "start_registry": "2020-11-19",
    "end_registry": "2022-09",
    "enrollment": "22",
    "enrollment_type": "anticipated",
    "last_update_registry": "2022-01-14",
    "registry_verified": "true",
    "value_used": "registry",
    "record_url": "https://clinicaltrials.gov/study/NCT04445220",
    "results_posted": "no",
}


class Registry(ThreadingHTTPServer):
    """Serves ``routes[path] = (status, body)``; any other path is the registry's 404."""

    def __init__(self, routes: dict[str, tuple[int, bytes]]):
        super().__init__(("127.0.0.1", 0), Handler)
        self.routes = routes
        self.requests: list[tuple[str, str]] = []  # (path, user agent)


class Handler(BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 - http.server's name
        self.server.requests.append((self.path, self.headers.get("User-Agent", "")))
        status, body = self.server.routes.get(self.path, (404, b'{"message":"not found"}'))
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):  # keep the test output quiet
        pass


@pytest.fixture
def registry():
    def study(name: str) -> bytes:
        return (FIXTURES / name).read_bytes()

    server = Registry(
        {
            f"/api/v2/studies/{CHANGED}": (200, study("results_NCT04445220.json")),
            "/api/v2/studies/NCT03015623": (200, study("malformed_NCT04194671.json")),
            "/api/v2/studies/NCT04194671": (404, b'{"message":"Study not found"}'),
            "/api/v2/studies/NCT06654193": (500, b"Internal Server Error"),
        }
    )
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def root(tmp_path) -> Path:
    """What the command reads: config and data, the trials as the fixture table with one row
    holding an older registry record."""
    root = tmp_path / "book"
    root.mkdir()
    shutil.copy2(REPO / "_config.yml", root / "_config.yml")
    shutil.copytree(REPO / "data", root / "data")
    shutil.copy2(FIXTURES / "registered_trials.csv", root / "data" / "registered_trials.csv")
    for column, value in HELD.items():
        edit_cell(root, "registered_trials", CHANGED, column, value)
    return root


def refresh_trials(root: Path, url: str, *args: str) -> subprocess.CompletedProcess:
    # this checkout's package, whatever the environment has installed
    path = os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))
    env = {**os.environ, "LIVINGREVIEW_CTGOV_URL": url, "PYTHONPATH": path}
    return subprocess.run(
        [sys.executable, "-m", "livingreview", "refresh-trials", *args],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def rows(path: Path) -> dict[str, dict[str, str]]:
    return {r["registry_id"]: r for r in csv.DictReader(io.StringIO(path.read_text("utf-8")))}


def by_id(text: bytes) -> dict[str, bytes]:
    return {line.split(b",", 1)[0].decode(): line for line in text.splitlines(True)}


def lines(path: Path) -> dict[str, bytes]:
    return by_id(path.read_bytes())


def squeeze(text: str) -> str:
    """The report with its column padding collapsed to one space."""
    return re.sub(r" +", " ", text)


def url(server: Registry) -> str:
    return f"http://127.0.0.1:{server.server_address[1]}/api/v2"


def test_refresh_records_the_record_date_and_proposes_the_changed_fields(root, registry):
    path = root / "data" / "registered_trials.csv"
    before, before_rows = path.read_bytes(), rows(path)

    dry = refresh_trials(root, url(registry))
    assert path.read_bytes() == before  # a dry run writes nothing
    out = squeeze(dry.stdout)
    # the version of the record read, against the version the data hold
    assert f"{CHANGED} registry record of 2023-06-02; the data held the record of 2022-01-14" in out
    for column, old, new in [
        ("status_registry", "active not recruiting", "completed"),
        ("enrollment", "22", "19"),
        ("enrollment_type", "anticipated", "actual"),
        ("last_update_registry", "2022-01-14", "2023-06-02"),
        ("results_posted", "no", "yes"),
    ]:
        assert before_rows[CHANGED][column] == old
        assert f"{CHANGED} {column}: {old!r} -> {new!r}" in out
    assert "results first posted 2023-06-02" in out
    assert "pass --apply" in out
    # every failure is named, and the command says so with its exit code
    assert "NCT04194671 ERROR: ClinicalTrials.gov answered HTTP 404" in out
    assert "NCT06654193 ERROR: ClinicalTrials.gov answered HTTP 500" in out
    assert "NCT03015623 ERROR: ClinicalTrials.gov sent something that is not JSON" in out
    assert dry.returncode == 1 and "could not be refreshed" in dry.stderr
    # the requests the stand-in saw: the API v2 study path, with the tool's User-Agent
    paths = {p for p, _ in registry.requests}
    assert f"/api/v2/studies/{CHANGED}" in paths
    assert all(agent.startswith("livingreview/") for _, agent in registry.requests)

    applied = refresh_trials(root, url(registry), "--apply")
    assert applied.returncode == 1  # the failed trials still fail the command
    assert "updated 1 trial(s)" in applied.stdout
    after_rows, after_lines = rows(path), lines(path)
    new = after_rows[CHANGED]
    assert (new["status_registry"], new["enrollment"], new["enrollment_type"]) == (
        "completed",
        "19",
        "actual",
    )
    assert (new["last_update_registry"], new["results_posted"]) == ("2023-06-02", "yes")
    assert new["end_registry"] == "2022-06-30" and new["checked"] == date.today().isoformat()
    author = {"notes", "title", "phase", "sponsor", "value_used", "status_source", "check_note"}
    assert {c: new[c] for c in author} == {c: before_rows[CHANGED][c] for c in author}
    # the trials whose record failed are byte-identical
    old_lines = by_id(before)
    for rid in ("NCT03015623", "NCT04194671", "NCT06654193", "ChiCTR2400082783"):
        assert after_lines[rid] == old_lines[rid]

    # run again: the data now hold this version of the record, so nothing is proposed for it
    again = refresh_trials(root, url(registry))
    said = squeeze(again.stdout)
    assert f"{CHANGED} registry record of 2023-06-02, the version the data hold: up to date" in said


def test_an_older_record_than_the_data_hold_is_refused(root, registry):
    path = root / "data" / "registered_trials.csv"
    edit_cell(root, "registered_trials", CHANGED, "last_update_registry", "2024-01-01")
    before = path.read_bytes()
    proc = refresh_trials(root, url(registry), "--apply")
    assert "last updated 2023-06-02, before the record of 2024-01-01" in proc.stdout
    assert proc.returncode == 1
    assert lines(path)[CHANGED] == by_id(before)[CHANGED]


def test_without_network_one_line_exit_non_zero_nothing_changed(root):
    path = root / "data" / "registered_trials.csv"
    before = {p.name: p.read_bytes() for p in (root / "data").iterdir() if p.is_file()}
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    proc = refresh_trials(root, f"http://127.0.0.1:{port}/api/v2", "--apply")
    assert proc.returncode == 1
    assert proc.stdout == ""
    assert len(proc.stderr.strip().splitlines()) == 1
    assert "cannot reach ClinicalTrials.gov" in proc.stderr and "nothing was changed" in proc.stderr
    after = {p.name: p.read_bytes() for p in (root / "data").iterdir() if p.is_file()}
    assert after == before and path.read_bytes() == before["registered_trials.csv"]
