"""`add`: its help and errors say the schema's rules in words; `--prompt` checks each answer,
and each rule across columns, as soon as its answers are in, and asks again."""

from __future__ import annotations

import csv
import io
import json
import re
import shlex
import subprocess
import sys

import pytest
from conftest import REPO, copy_repo, screen_new_study

from livingreview.analysis.confirmation import MARKER
from livingreview.analysis.evidence import COPY_ONLY, trials_table
from livingreview.authoring.add import add_row, cell_checker, check_row, prompt_row, row_checker
from livingreview.data.bib import entry_keys
from livingreview.data.package import data_dictionary, resources
from livingreview.data.project import Project
from livingreview.data.rules import EXPECTED, expected_form

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


# ---------------------------------------------------------------------------------------------
# the rules in words: help, hints and errors come from the schema


def run_cli(root, *args: str, stdin: str = "") -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "livingreview", *args],
        cwd=root,
        input=stdin,
        capture_output=True,
        text=True,
    )


def test_add_help_lists_every_table_of_the_data_package():
    proc = run_cli(REPO, "add", "--help")
    assert proc.returncode == 0, proc.stderr
    listed = proc.stdout.split("Tables (data/datapackage.json):", 1)[1]
    for name in resources(PROJECT):
        assert re.search(rf"\b{name}\b", listed), name
    missing = run_cli(REPO, "add")  # no table: refused, with the tables named
    assert missing.returncode == 2 and "registered_trials" in missing.stderr


def required_when(resource) -> dict[str, list[str]]:
    """Each column's 'required when ...' conditions, straight from the schema's x-rules."""
    out: dict[str, list[str]] = {}
    for rule in resource.rules:
        if rule["rule"] == "required-when":
            said = " and ".join(f"{k} is {v}" for k, v in rule["when"].items())
            for name in rule["fields"]:
                out.setdefault(name, []).append(said)
    return out


@pytest.mark.parametrize("name", sorted(resources(PROJECT)))
def test_add_table_help_lists_every_column_with_its_type_values_and_when_required(name):
    resource = resources(PROJECT)[name]
    proc = run_cli(REPO, "add", name, "--help")
    assert proc.returncode == 0, proc.stderr
    columns = re.findall(r"^  (\w+): (.*)$", proc.stdout, flags=re.MULTILINE)
    lines = dict(columns)
    assert len(lines) == len(columns)  # each column once
    conditions = required_when(resource)
    for f in resource.fields:
        line = lines[f.name]  # every column, on a line of its own
        assert ("required" if f.required else "optional") in line
        for value in f.constraints.get("enum", []):
            assert str(value) in line, (f.name, value)
        if "pattern" in f.constraints:
            assert expected_form(resource, f.name) in line
        for said in conditions.get(f.name, []):
            assert f"required when {said}" in line, (f.name, said)


def field_dicts():
    descriptor = json.loads(PROJECT.datapackage.read_text(encoding="utf-8"))
    for table in descriptor["resources"]:
        for f in table["schema"]["fields"]:
            yield table["name"], f


def test_every_pattern_is_said_in_words_with_an_example_that_fits_it():
    patterned = [(t, f) for t, f in field_dicts() if "pattern" in f.get("constraints", {})]
    assert patterned
    for table, f in patterned:
        words = f.get(EXPECTED, "")
        assert words, f"{table}.{f['name']} has a pattern but no {EXPECTED}"
        examples = re.search(r"\(e\.g\. (.+)\)$", words)
        assert examples, (table, f["name"], words)
        for example in examples.group(1).split(" or "):
            assert re.fullmatch(f["constraints"]["pattern"], example), (table, f["name"], example)


@pytest.mark.parametrize("name", sorted(resources(PROJECT)))
def test_an_error_for_a_value_names_the_allowed_values_or_the_form_in_words(name):
    resource = resources(PROJECT)[name]
    for f in resource.fields:
        c = f.constraints
        if not ("pattern" in c or "enum" in c):
            continue
        bad = "" if f.required else "no such value at all"
        found = [p for p in check_row(PROJECT, name, {f.name: bad}) if p.column == f.name]
        assert found, (name, f.name)
        text = str(found[0])
        for value in c.get("enum", []):
            assert str(value) in text, (f.name, text)
        if "pattern" in c:
            assert expected_form(resource, f.name) in text, (f.name, text)


def test_hints_state_each_required_when_rule_and_never_say_empty_when_unknown():
    """The hint of a required-when problem is the column's description: it must say the rule
    (a hint "empty when unknown" under "required when registry_verified is true" contradicted
    it)."""
    for name, resource in resources(PROJECT).items():
        fields = {f.name: f for f in resource.fields}
        for column, conditions in required_when(resource).items():
            description = fields[column].description.lower()
            for said in conditions:
                assert f"required when {said}".lower() in description, (name, column)
            assert "empty when unknown" not in description, (name, column)


# ---------------------------------------------------------------------------------------------
# --prompt: cross-column rules as soon as their answers are in; answers kept on rejection


def review_search_trial(resource) -> dict[str, str]:
    text = (PROJECT.data_dir / resource.path).read_text(encoding="utf-8")
    rows = list(csv.DictReader(io.StringIO(text)))
    return next(r for r in rows if r["listed_in"] == "review search")


def test_a_broken_cross_column_rule_is_asked_again_at_once_and_a_copy_only_trial_is_added(
    tmp_path,
):
    """A trial known only from a secondary copy: not verified, no record address or record
    date, the copy's address in check_note. Answering value_used 'registry' for it breaks
    "registry_verified must be true when value_used is registry": said, and both asked again
    before the next column."""
    root = copy_repo(tmp_path / "repo")
    project = Project(root)
    resource = resources(project)["registered_trials"]
    rules = [r for r in resource.rules if r["rule"] == "implies" and "value_used" in r["when"]]
    assert rules, "the schema no longer ties value_used to registry_verified"
    base = review_search_trial(resource)
    good = base | {
        "registry_id": fresh(base["registry_id"], "registry_id", resource),
        "registry_verified": "false",
        "value_used": "source",
        "record_url": "",
        "last_update_registry": "",
        "status_registry": "",
        "start_registry": "",
        "end_registry": "",
        "enrollment_type": "",
        "check_note": "Registry record not readable; secondary copy https://example.org/copy "
        "lists the trial as recruiting.",
        "sepsis_population": "not confirmed",
        "results_posted": "not confirmed",
    }
    # README, "Adding a study": the look-up that met it and its screening decision come first
    screen_new_study(root, good["registry_id"])
    wrong = {"value_used": ["registry"]}
    asked, told = [], []

    def ask(f, default):
        asked.append(f.name)
        assert len(asked) < 3 * len(resource.fields), told[-3:]
        return wrong[f.name].pop(0) if wrong.get(f.name) else good[f.name]

    answers = prompt_row(
        resource,
        {},
        ask,
        every=True,
        check=cell_checker(project, resource),
        tell=told.append,
        row_check=row_checker(project, resource),
    )
    at = asked.index("value_used")
    names = [f.name for f in resource.fields]
    following = names[names.index("value_used") + 1]
    assert asked[at + 1 : at + 4] == ["registry_verified", "value_used", following]
    assert any("[implies]" in m and "column 'registry_verified'" in m for m in told), told
    assert answers == {n: good[n] for n in names}
    assert check_row(project, "registered_trials", answers) == []
    add_row(project, "registered_trials", answers)
    # the book says where its values come from, and marks them unconfirmed
    shown = trials_table("review search", project).astype(str)
    row = shown[shown.apply(lambda r: r.str.contains(good["registry_id"]).any(), axis=1)]
    assert len(row) == 1
    assert (row == COPY_ONLY).any(axis=None)
    assert row.apply(lambda c: c.str.contains(f"[{MARKER}]", regex=False)).any(axis=None)


def test_a_required_when_rule_is_checked_when_its_column_is_answered():
    """record_url, required when registry_verified is true, is checked as soon as it is
    answered, though later columns are still to come."""
    resource = resources(PROJECT)["registered_trials"]
    check = row_checker(PROJECT, resource)
    answered = {"registry_verified": "true", "record_url": ""}
    problems, again = check(answered, "record_url")
    assert [p.rule for p in problems] == ["required-when"]
    assert again == ["registry_verified", "record_url"]
    assert check(answered | {"registry_verified": "false"}, "record_url") == ([], [])


def test_a_row_rejected_after_prompting_keeps_the_answers_as_a_command(tmp_path):
    """A cross-file rule is checked only on the whole row: an erratum whose correction is the
    printed text. The answers come back as the equivalent `add --set` command."""
    root = copy_repo(tmp_path / "repo")
    resource = resources(Project(root))["errata"]
    row = first_row(resource)
    row |= {"erratum_id": fresh(row["erratum_id"], "erratum_id", resource)}
    row["corrected"] = row["printed"]
    before = (root / "data" / resource.path).read_bytes()
    stdin = "".join(row[f.name] + "\n" for f in resource.fields)
    proc = run_cli(root, "add", "errata", "--prompt", stdin=stdin)
    assert proc.returncode == 1, proc.stderr
    assert "[erratum-unchanged]" in proc.stderr
    assert (root / "data" / resource.path).read_bytes() == before
    command = proc.stderr.split("defaults):\n", 1)[1].strip().splitlines()[0]
    words = shlex.split(command)
    assert words[:3] == ["livingreview", "add", "errata"]
    given = dict(w.split("=", 1) for w in words[4::2])
    assert given == {k: v for k, v in row.items() if v.strip()}
    assert set(words[3::2]) == {"--set"}


def test_the_data_dictionary_gives_each_pattern_in_words():
    for resource in resources(PROJECT).values():
        rules = dict(zip(*data_dictionary(resource)[["Column", "Rules"]].T.values, strict=True))
        for f in resource.fields:
            if "pattern" in f.constraints:
                assert f"format: {f.expected}" in rules[f.name]
                assert f.constraints["pattern"] not in rules[f.name]
