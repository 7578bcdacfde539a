"""CITATION.cff is valid Citation File Format 1.2.0 and cites the book as its page does.

cffconvert (the reference tool) cannot share the book's environment: its latest release needs
jsonschema < 4, the book's Jupyter stack jsonschema 4. It validates with that JSON schema, so the
tests apply the same schema (vendored from the cffconvert 2.0.0 wheel, cffconvert/schemas/1.2.0)
with jsonschema's Draft 7 validator, offline.
"""

from __future__ import annotations

import copy
import json

import yaml
from conftest import REPO
from jsonschema import Draft7Validator

from livingreview.authoring.citation_file import citation
from livingreview.book.sphinx.citation import book_fields
from livingreview.data.project import Project

SCHEMA = json.loads((REPO / "tests" / "fixtures" / "cff-1.2.0-schema.json").read_text("utf-8"))


def cff_errors(document: dict) -> list[str]:
    validator = Draft7Validator(SCHEMA, format_checker=Draft7Validator.FORMAT_CHECKER)
    return [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(document)]


def committed() -> dict:
    return yaml.safe_load((REPO / "CITATION.cff").read_text(encoding="utf-8"))


def test_citation_file_is_valid_cff_1_2_0():
    assert SCHEMA["$id"] == "https://citation-file-format.github.io/1.2.0/schema.json"
    assert cff_errors(committed()) == []


def test_the_schema_catches_a_broken_citation_file():
    broken = copy.deepcopy(committed())
    broken["preferred-citation"]["authors"] = [{"name": ""}]
    broken["date-released"] = "26 November 2026"
    errors = cff_errors(broken)
    assert any(e.startswith("['preferred-citation', 'authors', 0]") for e in errors), errors
    assert any(e.startswith("['date-released']") for e in errors), errors


def test_a_release_writes_a_valid_citation_file():
    assert cff_errors(citation(Project(REPO), "9.10.11", "2031-02-03")) == []


def test_the_pages_bibtex_and_the_citation_file_give_the_same_citation():
    bibtex = book_fields(Project(REPO))
    book = committed()["preferred-citation"]
    assert bibtex["title"] == book["title"]
    assert [bibtex["author"]] == ["{" + a["name"] + "}" for a in book["authors"]]
    assert bibtex["edition"] == f"Version {book['version']}"
    assert bibtex["year"] == str(book["year"]) == book["date-released"][:4]
    assert bibtex["url"] == book["url"]
    assert bibtex["note"] == book["notes"].replace("&", "\\&")
    assert committed()["references"][0]["doi"] in book["notes"]
