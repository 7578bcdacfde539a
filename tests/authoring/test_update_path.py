"""A full author update on a copy: the update path survives real use, and so does the suite.

On a temporary git copy of the book: add a reference, add an animal study citing it, change a
pooled estimate, commit and release the next version; then run the suite's checks of the
built book against that copy. Nothing here names today's evidence: every value is derived
from the data.
"""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from conftest import cli, copy_repo, edit_cell, pooled_summary, table_rows

from livingreview.data.project import Project
from livingreview.data.releases import past_releases

pytestmark = pytest.mark.slow
TESTS = Path(__file__).resolve().parents[1]
KEY = "updatetest2099"


def git(root: Path, *args: str) -> str:
    run = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, check=True)
    return run.stdout


def commit_all(root: Path, message: str) -> None:
    git(root, "add", "-A")
    git(root, "-c", "user.name=Author", "-c", "user.email=a@example.org", "commit", "-qm", message)


@pytest.fixture(scope="module")
def updated(tmp_path_factory) -> Path:
    root = copy_repo(tmp_path_factory.mktemp("update") / "repo")
    git(root, "init", "-q")
    commit_all(root, "The book as it stands")
    reference = [
        "add", "reference", "--key", KEY, "--doi", f"10.5555/{KEY}",
        "--title", "A test study of stromal cells in caecal ligation and puncture",
        "--author", "Update, Test", "--author", "Author, Second",
        "--journal", "J Test Res", "--year", "2099", "--volume", "1", "--pages", "1--9",
    ]  # fmt: skip
    cli(root, *reference, check=True)
    study = {**table_rows(root, "preclinical_studies")[0], "study_id": KEY, "ref_key": KEY}
    study |= {"year": "2099", "main_finding": "lower mortality in the test model"}
    study |= {"in_source_table1": "false", "verification": "confirmed", "notes": "Test row."}
    cli(root, "add", "preclinical_studies", *[f"--set={k}={v}" for k, v in study.items()],
        check=True)  # fmt: skip
    first = table_rows(root, "pooled_effects")[0]
    step = 0.01 if float(first["estimate"]) + 0.01 <= float(first["ci_high"]) else -0.01
    edit_cell(root, "pooled_effects", first["effect_id"], "estimate",
              f"{float(first['estimate']) + step:.2f}")  # fmt: skip
    commit_all(root, "One study, one reference, one estimate")
    last = past_releases(Project(root))[-1]
    major, minor, _ = last["version"].split(".")
    version = f"{major}.{int(minor) + 1}.0"
    today = max(date.today().isoformat(), last["date"])
    cli(root, "release", version, "--date", today, "--note", "Test update.", check=True)
    commit_all(root, f"Release {version}")
    return root


def test_the_update_reaches_the_book(updated):
    cli(updated, "book", check=True)
    html = updated / "_build" / "html"
    chapter = (html / "chapters" / "preclinical.html").read_text(encoding="utf-8")
    changed = table_rows(updated, "pooled_effects")[0]
    assert pooled_summary(changed) in chapter
    assert f'href="../chapters/bibliography.html#cite-{KEY}"' in chapter  # the new study, cited
    bibliography = (html / "chapters" / "bibliography.html").read_text(encoding="utf-8")
    assert "A test study of stromal cells" in bibliography
    whats_new = (html / "chapters" / "whats_new.html").read_text(encoding="utf-8")
    assert past_releases(Project(updated))[-1]["version"] in whats_new


def test_the_suite_s_checks_of_the_book_pass_on_the_updated_copy(updated):
    checks = [
        str(TESTS / "book" / "test_book_health.py"),
        str(TESTS / "book" / "test_build.py"),
        str(TESTS / "data" / "test_validate.py"),
    ]
    env = {**os.environ, "LIVINGREVIEW_TEST_REPO": str(updated)}
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *checks],
        cwd=TESTS.parent,
        env=env,
        capture_output=True,
        text=True,
    )
    assert run.returncode == 0, run.stdout[-4000:]
