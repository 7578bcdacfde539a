"""`add --prompt`: each answer is checked as it is given and asked again if it breaks a rule."""

from __future__ import annotations

import csv
import io
import re

import pytest
from conftest import REPO, copy_repo, screen_new_study

from livingreview.authoring.add import add_row, cell_checker, check_row, prompt_row
from livingreview.data.bib import entry_keys
from livingreview.data.package import resources
from livingreview.data.project import Project

PROJECT = Project(REPO)


def first_row(resource) -> dict[str, str]:
    text = (PROJECT.data_dir / resource.path).read_text(encoding="utf-8")
    return next(csv.DictReader(io.StringIO(text)))


def fresh(value: str, column: str, resource) -> str:
    """A value like ``value`` (same format) that the column does not hold yet."""
    text = (PROJECT.data_dir / resource.path).read_text(encoding="utf-8")
    taken = {row[column] for row in csv.DictReader(io.StringIO(text))}
    digits = re.search(r"\d+(?=\D*$)", value)
    for i in range(1, 1000):
        if digits:
            number = str(int(digits.group()) + i).zfill(len(digits.group()))[-len(digits.group()) :]
            candidate = value[: digits.start()] + number + value[digits.end() :]
        else:
            candidate = f"{value}{i}"
        if candidate not in taken:
            return candidate
    raise AssertionError(f"no fresh value for {column}")


def bad_answer(f) -> tuple[str, str]:
    """An answer breaking one of the field's own rules, and that rule."""
    keys = set(entry_keys(PROJECT.bibliography.read_text(encoding="utf-8")))
    if f.bibkeys:
        assert "nosuchkey1999" not in keys
        return "nosuchkey1999", "reference"
    if f.type in ("integer", "number", "year", "boolean", "date"):
        return "not a value", "type"
    if "enum" in f.constraints:
        return "none of the allowed values", "enum"
    if f.required:
        return "", "required"
    return "<b>markup</b>", "markup"  # every cell holds plain text only


@pytest.mark.parametrize("name", sorted(resources(PROJECT)))
def test_a_bad_answer_is_shown_with_its_problem_and_asked_again(name):
    resource = resources(PROJECT)[name]
    good = first_row(resource)
    for f in resource.fields:
        if f.constraints.get("unique"):
            good[f.name] = fresh(good[f.name], f.name, resource)
    asked, told = [], []

    def ask(f, default):
        asked.append(f.name)
        assert asked.count(f.name) <= 2, (f.name, told[-3:])  # asked again only once
        if asked.count(f.name) == 1:
            return bad_answer(f)[0]
        return good[f.name]

    answers = prompt_row(
        resource, {}, ask, every=True, check=cell_checker(PROJECT, resource), tell=told.append
    )
    names = [f.name for f in resource.fields]
    assert asked == [n for n in names for _ in range(2)]  # each once wrong, once right
    assert answers == {n: good[n] for n in names}
    for f in resource.fields:
        value, rule = bad_answer(f)
        assert any(f"column '{f.name}'" in m and f"[{rule}]" in m for m in told), (f.name, told)


def test_answers_given_before_a_bad_one_are_kept_and_the_row_is_added(tmp_path):
    root = copy_repo(tmp_path / "repo")
    project = Project(root)
    resource = resources(project)["preclinical_studies"]
    existing = first_row(resource)
    good = existing | {"study_id": "prompted2026"}
    screen_new_study(root, "prompted2026")  # its screening decision comes first
    script = {"study_id": [existing["study_id"], "prompted2026"], "year": ["26", good["year"]]}
    defaults = {"notes": "typed with --set"}
    told = []

    def ask(f, default):
        assert len(told) < 20, told[-3:]  # a good answer must end the asking
        if f.name in defaults:
            assert default == defaults[f.name]
        return script[f.name].pop(0) if script.get(f.name) else good[f.name]

    check = cell_checker(project, resource)
    answers = prompt_row(resource, defaults, ask, every=False, check=check, tell=told.append)
    assert answers["notes"] == "typed with --set"  # not asked again: not lost
    assert answers["study_id"] == "prompted2026" and answers["year"] == good["year"]
    assert any("[unique]" in m for m in told) and any("[type]" in m for m in told)
    assert check_row(project, "preclinical_studies", answers) == []
    add_row(project, "preclinical_studies", answers)
