"""`livingreview changes --summary / --markdown`: the weekly surveillance pull request's title
and body, from what a search and a registry refresh changed in the data."""

from __future__ import annotations

import csv
import io
import subprocess
from pathlib import Path

import pytest
from conftest import cli, copy_repo, edit_cell, table_rows


def git(root: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, check=True)


@pytest.fixture
def repo(tmp_path) -> Path:
    root = copy_repo(tmp_path / "repo")
    git(root, "init", "-q", "-b", "main")
    git(root, "config", "user.name", "Test Author")
    git(root, "config", "user.email", "author@example.org")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "as released")
    return root


def append_copy(root: Path, table: str, key_column: str, key: str, **cells) -> dict[str, str]:
    """Append a copy of the table's last row under a new key (and ``cells``), as an intake
    would."""
    path = root / "data" / f"{table}.csv"
    row = table_rows(root, table)[-1] | {key_column: key} | cells
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerow(row.values())
    text = path.read_text(encoding="utf-8")
    path.write_text(text + ("" if text.endswith("\n") else "\n") + out.getvalue(), "utf-8")
    return row


def test_summary_and_markdown_name_new_records_and_registry_changes(repo):
    new = append_copy(
        repo, "screening", "record_id", "NCT09999992", title="A trial a search found",
        decision="awaiting screening", study_id="", record_type="", decision_note="",
    )  # fmt: skip
    trials = table_rows(repo, "registered_trials")
    read = [t for t in trials if t["registry_verified"] == "true"]
    changed = next(t for t in read if t["status_registry"] not in ("", "completed"))
    rechecked = next(t for t in read if t is not changed)
    edit_cell(repo, "registered_trials", changed["registry_id"], "status_registry", "completed")
    edit_cell(
        repo, "registered_trials", changed["registry_id"], "last_update_registry", "2026-12-01"
    )
    edit_cell(repo, "registered_trials", rechecked["registry_id"], "checked", "2026-12-07")

    summary = cli(repo, "changes", "--since", "HEAD", "--summary", check=True).stdout.strip()
    # a re-check that found the record unchanged is not a registry change
    assert summary == "1 new record, 1 registry change"

    body = cli(repo, "changes", "--since", "HEAD", "--markdown", check=True).stdout
    records, registry = body.split("## New records", 1)[1].split("## Registry changes", 1)
    assert f"- NCT09999992: {new['title']}" in records
    assert (
        f"- {changed['registry_id']} (registry record of 2026-12-01): "
        f"status (registry record) {changed['status_registry']} → completed; "
        f"last update (registry record) {changed['last_update_registry']} → 2026-12-01."
    ) in registry
    assert f"Checked again, registry record unchanged: {rechecked['registry_id']}." in registry

    # nothing changed: the counts say so, and the body too
    git(repo, "checkout", "-q", "--", ".")
    assert cli(repo, "changes", "--since", "HEAD", "--summary").stdout.strip() == (
        "0 new records, 0 registry changes"
    )
    quiet = cli(repo, "changes", "--since", "HEAD", "--markdown", check=True).stdout
    assert "No new record." in quiet and "No registry change." in quiet
