"""`livingreview add reference` on temporary git copies of the book."""

from __future__ import annotations

import csv
import io
import re
import subprocess
from pathlib import Path

import pytest
from conftest import cli, copy_repo, screen_new_study

from livingreview.authoring.add import add_row
from livingreview.authoring.references import (
    ReferenceRejected,
    add_reference,
    from_bibtex,
    from_options,
)
from livingreview.data.bib import entry_keys, parse_bibtex
from livingreview.data.project import Project
from livingreview.data.validate import validate_project

BIB = Path("data") / "references.bib"
NEW = {
    "key": "smith2026",
    "doi": "10.1000/test.2026.1",
    "title": "MSCs & septic shock in {NETosis} models",
    "authors": ["Smith, J. A.", "van der Berg, K."],
    "journal": "J Test Med",
    "year": "2026",
    "volume": "12",
    "pages": "101-109",
}


def git(root: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=root, capture_output=True, text=True, check=True
    ).stdout


@pytest.fixture
def repo(tmp_path) -> Path:
    root = copy_repo(tmp_path / "repo")
    git(root, "init", "-q", "-b", "main")
    git(root, "config", "user.name", "Test Author")
    git(root, "config", "user.email", "author@example.org")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "start")
    return root


def equals_column(text: str) -> int:
    """Where the existing entries put '=' (the most common column)."""
    columns = [line.index("=") for line in text.splitlines() if re.match(r"  \w+ *=", line)]
    return max(set(columns), key=columns.count)


def test_the_diff_is_exactly_the_new_entry_in_the_file_style(repo):
    path = repo / BIB
    before = path.read_text(encoding="utf-8")
    add_reference(Project(repo), from_options(**NEW))
    after = path.read_text(encoding="utf-8")
    assert after.startswith(before)
    added = after[len(before) :]
    assert added.startswith(f"\n@article{{{NEW['key']},\n") and added.endswith("\n}\n")
    assert git(repo, "diff", "--numstat") == f"{added.count(chr(10))}\t0\t{BIB.as_posix()}\n"
    fields = added.strip().splitlines()[1:-1]
    assert {line.index("=") for line in fields} == {equals_column(before)}
    assert all(line.startswith("  ") and re.search(r"= \{.*\},?$", line) for line in fields)
    entry = parse_bibtex(added).entries[NEW["key"]]
    assert [str(p) for p in entry.persons["author"]] == NEW["authors"]
    assert entry.fields["doi"] == NEW["doi"]
    assert entry.fields["title"] == NEW["title"].replace("&", "\\&")
    assert entry.fields["pages"] == NEW["pages"].replace("-", "--")
    assert entry_keys(after) == [*entry_keys(before), NEW["key"]]


def test_a_pasted_entry_is_rewritten_in_the_file_style_with_its_latex_kept(repo):
    path = repo / BIB
    before = path.read_text(encoding="utf-8")
    pasted = (
        '@Article{jones2025,\n  doi="10.1234/ABC-5", year = 2025, journal={Crit {Care}},\n'
        "title={The {MSC} \\& sepsis}, author={Jones, A. and others}}"
    )
    proc = cli(repo, "add", "reference", "--bibtex", pasted)
    assert proc.returncode == 0, proc.stderr
    added = path.read_text(encoding="utf-8")[len(before) :]
    assert added.startswith("\n@article{jones2025,\n  author ")
    entry = parse_bibtex(added).entries["jones2025"]
    original = parse_bibtex(pasted).entries["jones2025"]
    assert dict(entry.fields) == dict(original.fields)
    assert entry.persons["author"] == original.persons["author"]


def existing(repo: Path) -> tuple[str, str]:
    """The first entry's key and DOI, from the file."""
    first = next(iter(parse_bibtex((repo / BIB).read_text(encoding="utf-8")).entries.values()))
    return first.key, first.fields["doi"]


REJECTIONS = {
    "bad doi": ({"doi": "doi.org/10.1000/x"}, "bib-doi"),
    "short doi prefix": ({"doi": "10.12/x"}, "bib-doi"),
    "duplicate key": ({"key": "<existing key>"}, "bib-duplicate-key"),
    "duplicate key, other case": ({"key": "<EXISTING KEY>"}, "bib-duplicate-key"),
    "duplicate doi, other case": ({"doi": "<EXISTING DOI>"}, "bib-duplicate-doi"),
    "no title": ({"title": ""}, "bib-required"),
    "no journal": ({"journal": ""}, "bib-required"),
    "no author": ({"authors": []}, "bib-required"),
    "no key": ({"key": ""}, "bib-required"),
    "bad key": ({"key": "2026 smith"}, "bib-key"),
    "year is not a year": ({"year": "20x6"}, "bib-year"),
    "author not Family, Given": ({"authors": ["J. Smith"]}, "bib-author"),
    "unbalanced braces": ({"title": "An {open title"}, "bib-entry"),
}


@pytest.mark.parametrize("case", REJECTIONS)
def test_each_rejection_names_the_rule_and_leaves_the_file_byte_identical(repo, case):
    change, rule = REJECTIONS[case]
    key, doi = existing(repo)
    change = {
        name: {
            "<existing key>": key,
            "<EXISTING KEY>": key.upper(),
            "<EXISTING DOI>": doi.upper(),
        }.get(value, value)
        if isinstance(value, str)
        else value
        for name, value in change.items()
    }
    before = (repo / BIB).read_bytes()
    with pytest.raises(ReferenceRejected) as raised:
        add_reference(Project(repo), from_options(**(NEW | change)))
    assert rule in [p.rule for p in raised.value.problems]
    assert (repo / BIB).read_bytes() == before
    assert git(repo, "status", "--porcelain") == ""


@pytest.mark.parametrize(
    "pasted",
    ["@article{x, title={a}", "no entry here", "@article{a, title={x}}\n@article{b, title={y}}"],
)
def test_a_pasted_text_that_is_not_one_entry_is_rejected(repo, pasted):
    before = (repo / BIB).read_bytes()
    with pytest.raises(ReferenceRejected) as raised:
        add_reference(Project(repo), from_bibtex(pasted))
    assert [p.rule for p in raised.value.problems] == ["bib-entry"]
    assert (repo / BIB).read_bytes() == before


def test_the_cli_reports_every_problem_without_traceback_and_exits_non_zero(repo):
    before = (repo / BIB).read_bytes()
    key, _ = existing(repo)
    proc = cli(repo, "add", "reference", "--key", key, "--doi", "nope", "--year", "26")
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
    assert f"data/references.bib, entry '{key}'" in proc.stderr
    for rule in ("bib-duplicate-key", "bib-doi", "bib-year", "bib-required"):
        assert f"[{rule}]" in proc.stderr
    assert "data/references.bib was not changed" in proc.stderr
    assert (repo / BIB).read_bytes() == before


def test_the_new_key_validates_once_a_data_row_cites_it(repo):
    project = Project(repo)
    add_reference(project, from_options(**NEW))
    assert [(p.rule, p.value) for p in validate_project(project)] == [("uncited", NEW["key"])]
    studies = repo / "data" / "preclinical_studies.csv"
    row = next(csv.DictReader(io.StringIO(studies.read_text(encoding="utf-8"))))
    screen_new_study(repo, "smith2026a")  # its screening decision comes first
    add_row(project, "preclinical_studies", row | {"study_id": "smith2026a", "ref_key": NEW["key"]})
    assert validate_project(project) == []


def test_add_table_rows_and_references_keep_their_own_options(repo):
    proc = cli(repo, "add", "preclinical_studies", "--key", "x")
    assert proc.returncode == 2 and "add reference" in proc.stderr
    proc = cli(repo, "add", "reference", "--set", "a=b")
    assert proc.returncode == 2
    assert git(repo, "status", "--porcelain") == ""
