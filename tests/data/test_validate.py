"""Validation: the real data passes; each bad input gives its error and changes nothing."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import REPO, cli, copy_repo

from livingreview.data.package import resources
from livingreview.data.project import Project
from livingreview.data.validate import REGISTRY_ID, RULES, validate_project


def test_the_books_data_is_valid(book_source):
    assert validate_project(Project(book_source)) == []


def test_every_table_has_a_described_schema_matching_its_header(book_source):
    project = Project(book_source)
    for resource in resources(project).values():
        with open(project.data_dir / resource.path, encoding="utf-8", newline="") as handle:
            header = next(csv.reader(handle))
        assert header == [f.name for f in resource.fields], resource.name
        assert all(f.description.strip() for f in resource.fields), resource.name
        assert resource.primary_key, resource.name


def test_every_trial_carries_its_registry_check(book_source):
    """Checked against the registry's own record (address, record date, date checked), or not
    confirmed with the reason; the book uses registry values only where the record was read."""
    text = (book_source / "data" / "registered_trials.csv").read_text(encoding="utf-8")
    for row in csv.DictReader(io.StringIO(text)):
        assert row["checked"], row["registry_id"]
        if row["registry_verified"] == "true":
            assert row["record_url"].startswith("https://") and row["last_update_registry"]
        else:
            assert row["check_note"] and row["value_used"] == "source", row["registry_id"]


# ---------------------------------------------------------------------------------------------
# The bad-input corpus. Each case edits one copy of data/ and names the error it must produce.


def set_cell(table: str, line: int, column: str, value: str) -> Callable[[Path], None]:
    def edit(data: Path) -> None:
        path = data / f"{table}.csv"
        rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"), newline="")))
        rows[line - 1][rows[0].index(column)] = value
        out = io.StringIO()
        csv.writer(out, lineterminator="\n").writerows(rows)
        path.write_text(out.getvalue(), encoding="utf-8")

    return edit


def replace_text(file: str, old: str, new: str) -> Callable[[Path], None]:
    def edit(data: Path) -> None:
        path = data / file
        text = path.read_text(encoding="utf-8")
        assert old in text, f"fixture text {old!r} not in {file}"
        path.write_text(text.replace(old, new, 1), encoding="utf-8")

    return edit


def write_bytes(file: str, transform: Callable[[bytes], bytes]) -> Callable[[Path], None]:
    def edit(data: Path) -> None:
        (data / file).write_bytes(transform((data / file).read_bytes()))

    return edit


def both(*edits: Callable[[Path], None]) -> Callable[[Path], None]:
    def edit(data: Path) -> None:
        for one in edits:
            one(data)

    return edit


PE, TR, PC = "pooled_effects", "registered_trials", "preclinical_studies"
SC, SL = "screening", "surveillance_log"


def _first_line(table: str, column: str, value: str) -> int:
    """The file line of the first row of the committed ``table`` whose ``column`` is ``value``."""
    text = (REPO / "data" / f"{table}.csv").read_text(encoding="utf-8")
    rows = csv.DictReader(io.StringIO(text, newline=""))
    return next(n for n, r in enumerate(rows, start=2) if r[column] == value)


EXCL = _first_line(SC, "decision", "excluded")  # an excluded record, found in the data
CASES = {
    # name: (edit, file, row, column, rule)
    "ci_low_above_estimate": (set_cell(PE, 2, "ci_low", "0.42"), PE, 2, "ci_low,estimate,ci_high", "ordered"),
    "ci_high_below_estimate": (set_cell(PE, 3, "ci_high", "0.1"), PE, 3, "ci_low,estimate,ci_high", "ordered"),
    "ratio_zero": (set_cell(PE, 2, "estimate", "0"), PE, 2, "estimate", "minimum"),
    "ratio_negative": (set_cell(PE, 2, "ci_low", "-0.2"), PE, 2, "ci_low", "minimum"),
    "estimate_not_a_number": (set_cell(PE, 2, "estimate", "0,29"), PE, 2, "estimate", "type"),
    "estimate_with_unit": (set_cell(PE, 2, "estimate", "0.29 OR"), PE, 2, "estimate", "type"),
    "unknown_measure": (set_cell(PE, 2, "measure", "RR2"), PE, 2, "measure", "enum"),
    "n_studies_fraction": (set_cell(PE, 2, "n_studies", "29.5"), PE, 2, "n_studies", "type"),
    "required_estimate_blank": (set_cell(PE, 4, "estimate", ""), PE, 4, "estimate", "required"),
    "duplicate_effect_id": (set_cell(PE, 3, "effect_id", "sun2020_mortality_overall"), PE, 3, "effect_id", "unique"),
    "effect_id_with_spaces": (set_cell(PE, 3, "effect_id", "Sun 2020 overall"), PE, 3, "effect_id", "pattern"),
    "unknown_reference_key": (set_cell(PE, 2, "ref_key", "sun2021"), PE, 2, "ref_key", "reference"),
    "formula_equals": (set_cell(PE, 2, "notes", "=HYPERLINK(\"http://x\")"), PE, 2, "notes", "formula-injection"),
    "formula_plus": (set_cell(PE, 2, "notes", "+cmd|' /C calc'!A0"), PE, 2, "notes", "formula-injection"),
    "formula_minus": (set_cell(PE, 2, "population", "-2+3"), PE, 2, "population", "formula-injection"),
    "formula_at": (set_cell(PE, 2, "notes", "@SUM(A1:A2)"), PE, 2, "notes", "formula-injection"),
    "script_tag": (set_cell(PC, 2, "main_finding", "<script>alert(1)</script>"), PC, 2, "main_finding", "markup"),
    "event_handler": (set_cell(PC, 3, "mechanism", "x onerror=alert(1)"), PC, 3, "mechanism", "markup"),
    "img_tag": (set_cell(PC, 3, "notes", '<img src=x onerror="alert(1)">'), PC, 3, "notes", "markup"),
    "javascript_url": (set_cell(PC, 3, "notes", "javascript:alert(1)"), PC, 3, "notes", "markup"),
    "nul_byte": (set_cell(PC, 2, "notes", "bad\x00byte"), PC, 2, "notes", "control-character"),
    "bidi_override": (set_cell(PC, 2, "notes", "abc\u202edcba"), PC, 2, "notes", "bidi-control"),
    "huge_cell": (set_cell(PC, 2, "notes", "x" * 100_000), PC, 2, "notes", "too-long"),
    "year_two_digits": (set_cell(PC, 2, "year", "22"), PC, 2, "year", "type"),
    "boolean_yes": (set_cell(PC, 2, "in_source_table1", "yes"), PC, 2, "in_source_table1", "type"),
    "unknown_product": (set_cell(PC, 2, "product", "stem cells"), PC, 2, "product", "enum"),
    "registry_id_one_digit_short": (set_cell(TR, 3, "registry_id", "NCT0445220"), TR, 3, "registry_id", "pattern"),
    "chictr_id_too_short": (set_cell(TR, 5, "registry_id", "ChiCTR240008278"), TR, 5, "registry_id", "pattern"),
    "registry_id_wrong_registry": (set_cell(TR, 2, "registry", "ChiCTR"), TR, 2, "registry_id", "registry-id"),
    "start_after_end": (set_cell(TR, 2, "end_source", "2016-01"), TR, 2, "start_source,end_source", "ordered"),
    "month_thirteen": (set_cell(TR, 2, "start_source", "2017-13"), TR, 2, "start_source", "date"),
    "status_not_allowed": (set_cell(TR, 2, "status_source", "Recruiting"), TR, 2, "status_source", "enum"),
    "negative_enrollment": (set_cell(TR, 2, "enrollment", "-4"), TR, 2, "enrollment", "minimum"),
    "duplicate_registry_id": (set_cell(TR, 3, "registry_id", "NCT03015623"), TR, 3, "registry_id", "unique"),
    "header_renamed": (replace_text(f"{PE}.csv", "ci_low,ci_high", "ci_lower,ci_high"), PE, 1, None, "header"),
    "header_reordered": (replace_text(f"{PE}.csv", "ci_low,ci_high", "ci_high,ci_low"), PE, 1, None, "header"),
    "row_too_short": (write_bytes(f"{PE}.csv", lambda b: b.rstrip(b"\n") + b"\nonly,three,cells\n"), PE, "last", None, "row-length"),
    "verified_without_record": (both(set_cell(TR, 2, "registry_verified", "true"), set_cell(TR, 2, "record_url", "")), TR, 2, "record_url", "required-when"),
    "unconfirmed_without_reason": (both(set_cell(TR, 2, "registry_verified", "false"), set_cell(TR, 2, "check_note", "")), TR, 2, "check_note", "required-when"),
    "registry_values_unchecked": (both(set_cell(TR, 2, "registry_verified", "false"), set_cell(TR, 2, "value_used", "registry")), TR, 2, "registry_verified", "implies"),
    "search_not_in_log": (set_cell(SC, 2, "search_id", "S999"), SC, 2, "search_id", "search-not-logged"),
    "excluded_without_reason": (set_cell(SC, EXCL, "exclusion_reason", ""), SC, EXCL, "exclusion_reason", "exclusion-reason"),
    "included_with_reason": (set_cell(SC, 2, "exclusion_reason", "design"), SC, 2, "exclusion_reason", "exclusion-reason"),
    "unknown_exclusion_reason": (set_cell(SC, EXCL, "exclusion_reason", "not interesting"), SC, EXCL, "exclusion_reason", "enum"),
    "reading_is_no_exclusion_reason": (set_cell(SC, EXCL, "exclusion_reason", "no primary record found"), SC, EXCL, "exclusion_reason", "enum"),
    "excluded_without_detail": (set_cell(SC, EXCL, "decision_note", ""), SC, EXCL, "decision_note", "decision-note"),
    "screened_without_study": (set_cell(SC, 2, "study_id", ""), SC, 2, "study_id", "screening-study"),
    "screened_without_record_type": (set_cell(SC, 2, "record_type", ""), SC, 2, "record_type", "screening-study"),
    "report_of_unknown_study": (set_cell(SC, 2, "study_id", "nosuchstudy"), SC, 2, "study_id", "screening-unknown-study"),
    "unknown_record_type": (set_cell(SC, 2, "record_type", "letter"), SC, 2, "record_type", "enum"),
    "unknown_eligibility": (set_cell(TR, 2, "eligibility", "outside the rule"), TR, 2, "eligibility", "enum"),
    "unknown_decision": (set_cell(SC, 2, "decision", "maybe"), SC, 2, "decision", "enum"),
    "screening_checked_not_a_date": (set_cell(SC, 2, "checked", "26/11/2026"), SC, 2, "checked", "pattern"),
    "search_date_not_real": (set_cell(SL, 3, "date", "2026-02-30"), SL, 3, "date", "date"),
    "unknown_search_source": (set_cell(SL, 3, "source", "Google"), SL, 3, "source", "enum"),
    "new_records_mismatch": (set_cell(SL, 3, "new_records", "7"), SL, 3, "new_records", "new-records"),
    "lookup_with_a_run_id": (set_cell(SL, 3, "run_id", "20261203T090000Z"), SL, 3, "run_id", "surveillance-run-id"),
    "unknown_log_kind": (set_cell(SL, 3, "kind", "search"), SL, 3, "kind", "enum"),
    "bad_identifiers": (set_cell(SC, 2, "identifiers", "PMID 123"), SC, 2, "identifiers", "pattern"),
    "not_utf8": (write_bytes(f"{PC}.csv", lambda b: b.replace(b"caecal", "c\xe6cal".encode("latin-1"), 1)), PC, 2, None, "encoding"),
}  # fmt: skip


def expected_file(table: str) -> str:
    return f"data/{table}.csv"


@pytest.fixture(scope="module")
def pristine(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("pristine") / "repo"
    (root).mkdir()
    for name in ("data", "chapters", "analyses"):
        import shutil

        shutil.copytree(REPO / name, root / name)
    (root / "_config.yml").write_text((REPO / "_config.yml").read_text())
    return root


@pytest.mark.parametrize("name", sorted(CASES))
def test_bad_input_gives_structured_error(name, pristine, tmp_path):
    import shutil

    edit, table, row, column, rule = CASES[name]
    root = tmp_path / "repo"
    shutil.copytree(pristine, root)
    edit(root / "data")
    before = {p: p.read_bytes() for p in (root / "data").rglob("*") if p.is_file()}
    problems = validate_project(Project(root))
    assert {p: p.read_bytes() for p in (root / "data").rglob("*") if p.is_file()} == before
    matching = [p for p in problems if p.rule == rule and p.file == expected_file(table)]
    assert matching, f"{name}: expected a {rule!r} problem, got {[str(p) for p in problems]}"
    if row == "last":  # the line the edit appended
        row = len((root / expected_file(table)).read_text(encoding="utf-8").splitlines())
    assert matching[0].row == row
    if column is not None:
        assert matching[0].column == column
    assert matching[0].message


def test_bad_input_corpus_is_large_enough():
    assert len(CASES) >= 30


def test_cli_reports_all_problems_at_once_and_changes_no_file(tmp_path):
    root = copy_repo(tmp_path / "repo")
    set_cell(PE, 2, "ci_low", "0.42")(root / "data")
    set_cell(TR, 3, "registry_id", "NCT0445220")(root / "data")
    set_cell(PC, 2, "main_finding", "<b>bold</b>")(root / "data")
    before = {p: p.read_bytes() for p in (root / "data").rglob("*") if p.is_file()}
    result = cli(root, "validate", "--json")
    assert result.returncode == 1
    problems = json.loads(result.stdout)
    assert {(p["file"], p["row"], p["rule"]) for p in problems} >= {
        ("data/pooled_effects.csv", 2, "ordered"),
        ("data/registered_trials.csv", 3, "pattern"),
        ("data/preclinical_studies.csv", 2, "markup"),
    }
    assert all(
        {"file", "row", "column", "value", "rule", "message", "hint"} <= set(p) for p in problems
    )
    text = cli(root, "validate")
    assert "data/registered_trials.csv, row 3, column 'registry_id'" in text.stderr
    assert {p: p.read_bytes() for p in (root / "data").rglob("*") if p.is_file()} == before


def test_uncited_bibliography_entry_is_reported(tmp_path):
    root = copy_repo(tmp_path / "repo")
    bib = root / "data" / "references.bib"
    bib.write_text(
        bib.read_text()
        + "\n@article{orphan2020,\n  title = {Nobody cites me},\n  year = {2020}\n}\n"
    )
    problems = validate_project(Project(root))
    assert [(p.rule, p.value) for p in problems] == [("uncited", "orphan2020")]


def test_a_new_screened_record_must_be_counted_in_the_log(tmp_path):
    root = copy_repo(tmp_path / "repo")
    data = root / "data"
    rows = list(csv.DictReader(io.StringIO((data / "screening.csv").read_text(encoding="utf-8"))))
    search = rows[0]["search_id"]
    with open(data / "screening.csv", "a", encoding="utf-8", newline="") as handle:
        extra = dict(rows[0], record_id="added_record", decision="awaiting classification")
        extra["decision_note"] = "missing: its primary record"
        csv.DictWriter(handle, fieldnames=list(rows[0]), lineterminator="\n").writerow(extra)
    problems = validate_project(Project(root))
    assert [(p.file, p.rule, p.column) for p in problems] == [
        ("data/surveillance_log.csv", "new-records", "new_records")
    ]
    log = list(csv.DictReader(io.StringIO((data / "surveillance_log.csv").read_text())))
    line = next(i for i, r in enumerate(log, start=2) if r["search_id"] == search)
    set_cell(SL, line, "new_records", str(int(log[line - 2]["new_records"]) + 1))(data)
    assert validate_project(Project(root)) == []


# ---------------------------------------------------------------------------------------------
# Errata are checked against the data they correct. Rows are found in the data, not by number.


def _rows(root: Path, table: str) -> list[dict[str, str]]:
    text = (root / "data" / f"{table}.csv").read_text(encoding="utf-8")
    return list(csv.DictReader(io.StringIO(text, newline="")))


def _validate_unchanged(root: Path) -> list:
    before = {p: p.read_bytes() for p in (root / "data").rglob("*") if p.is_file()}
    problems = validate_project(Project(root))
    assert {p: p.read_bytes() for p in (root / "data").rglob("*") if p.is_file()} == before
    return problems


def test_an_erratum_whose_correction_is_the_printed_value_is_an_error(tmp_path):
    root = copy_repo(tmp_path / "repo")
    errata = _rows(root, "errata")
    line, erratum = 2, errata[0]
    set_cell("errata", line, "corrected", erratum["printed"])(root / "data")
    problems = _validate_unchanged(root)
    assert [(p.file, p.row, p.column, p.value, p.rule) for p in problems] == [
        ("data/errata.csv", line, "corrected", erratum["printed"], "erratum-unchanged")
    ]
    assert problems[0].message == RULES["erratum-unchanged"][0]


def test_a_corrected_registry_id_must_be_a_trial_of_the_trials_table(tmp_path):
    root = copy_repo(tmp_path / "repo")
    errata = _rows(root, "errata")
    known = {r["registry_id"] for r in _rows(root, "registered_trials")}
    line, erratum = next(
        (n, r)
        for n, r in enumerate(errata, start=2)
        if "registered_trials" in r["affects"] and REGISTRY_ID.fullmatch(r["corrected"])
    )
    assert erratum["corrected"] in known  # the books' own erratum passes this check
    unknown = next(f"NCT{n:08d}" for n in range(10**8) if f"NCT{n:08d}" not in known)
    set_cell("errata", line, "corrected", unknown)(root / "data")
    problems = _validate_unchanged(root)
    assert [(p.file, p.row, p.column, p.value, p.rule) for p in problems] == [
        ("data/errata.csv", line, "corrected", unknown, "erratum-registry-id")
    ]
    assert "data/registered_trials.csv" in problems[0].message


def test_a_registry_id_correction_on_another_table_is_not_checked_against_trials(tmp_path):
    root = copy_repo(tmp_path / "repo")
    errata = _rows(root, "errata")
    line = next(n for n, r in enumerate(errata, start=2) if "registered_trials" not in r["affects"])
    set_cell("errata", line, "corrected", "ChiCTR1")(root / "data")
    assert [p.rule for p in _validate_unchanged(root)] == []


def test_a_further_report_must_name_the_row_of_its_study(tmp_path):
    root = copy_repo(tmp_path / "repo")
    rows = _rows(root, "clinical_studies")
    line = 2 + next(i for i, r in enumerate(rows) if not r["report_of"])
    set_cell("clinical_studies", line, "report_of", "nosuchstudy")(root / "data")
    problems = _validate_unchanged(root)
    assert [(p.file, p.row, p.column, p.value, p.rule) for p in problems] == [
        ("data/clinical_studies.csv", line, "report_of", "nosuchstudy", "report-of-unknown")
    ]


# ---------------------------------------------------------------------------------------------
# Cross-file checks between screening and the evidence: each error names both files and rows.


def _line_of(rows: list[dict[str, str]], column: str, value: str) -> int:
    return 2 + next(i for i, r in enumerate(rows) if r[column] == value)


def test_an_evidence_row_whose_record_is_screened_excluded_names_both_rows(tmp_path):
    root = copy_repo(tmp_path / "repo")
    trials, screening = _rows(root, TR), _rows(root, SC)
    screened = {r["record_id"]: r for r in screening}
    # a trial meeting the rule whose own record is screened (found in the data)
    trial = next(
        r for r in trials if r["eligibility"] == "meets the rule" and r["registry_id"] in screened
    )
    tline, sline = (
        _line_of(trials, "registry_id", trial["registry_id"]),
        _line_of(screening, "record_id", trial["registry_id"]),
    )
    for column, value in [("decision", "excluded"), ("exclusion_reason", "population"),
                          ("decision_note", "all-cause ARDS")]:  # fmt: skip
        set_cell(SC, sline, column, value)(root / "data")
    problems = _validate_unchanged(root)
    assert [(p.file, p.row, p.rule) for p in problems] == [
        ("data/registered_trials.csv", tline, "evidence-screened-excluded")
    ]
    assert f"data/screening.csv row {sline}" in problems[0].message
    # kept only because the source cites it: allowed, and said so in the row
    set_cell(TR, tline, "eligibility", "outside the rule: population")(root / "data")
    assert _validate_unchanged(root) == []


def test_a_row_outside_the_rule_screened_as_included_is_an_error(tmp_path):
    root = copy_repo(tmp_path / "repo")
    trials, screening = _rows(root, TR), _rows(root, SC)
    trial = next(r for r in trials if r["eligibility"].startswith("outside the rule"))
    sline = _line_of(screening, "record_id", trial["registry_id"])
    set_cell(SC, sline, "decision", "included")(root / "data")
    problems = _validate_unchanged(root)
    assert [(p.file, p.row, p.column, p.rule) for p in problems] == [
        ("data/registered_trials.csv", _line_of(trials, "registry_id", trial["registry_id"]),
         "eligibility", "evidence-eligibility-disagrees"),
    ]  # fmt: skip
    assert f"data/screening.csv row {sline}" in problems[0].message


def test_a_study_with_no_screening_decision_is_an_error(tmp_path):
    root = copy_repo(tmp_path / "repo")
    studies, screening = _rows(root, PC), _rows(root, SC)
    study = studies[0]["study_id"]
    assert {r["study_id"] for r in screening if r["record_id"] == study} == {study}
    path = root / "data" / "screening.csv"
    kept = [r for r in screening if study not in (r["record_id"], r["study_id"])]
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(screening[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(kept)
    path.write_text(out.getvalue(), encoding="utf-8")
    problems = _validate_unchanged(root)
    assert [(p.file, p.row, p.column, p.value, p.rule) for p in problems] == [
        ("data/preclinical_studies.csv", 2, "study_id", study, "no-screening-decision")
    ]
    assert "data/screening.csv" in problems[0].message


def test_a_screening_decision_must_come_from_a_logged_search_or_look_up(tmp_path):
    root = copy_repo(tmp_path / "repo")
    screening = _rows(root, SC)
    line = _line_of(screening, "decision", "ongoing")
    set_cell(SC, line, "search_id", "S999")(root / "data")
    problems = _validate_unchanged(root)
    found = [p for p in problems if p.rule == "search-not-logged"]
    assert [(p.file, p.row, p.value) for p in found] == [("data/screening.csv", line, "S999")]
    assert "data/surveillance_log.csv" in found[0].message and "look-up" in found[0].message


# Risk of bias and the summary of findings: this review's judgements follow their own rules.


def test_the_risk_of_bias_column_repeats_each_studys_overall_judgement(book_source):
    """clinical_studies.risk_of_bias is derived: the 'overall' row of the study (a further
    report takes its study's), and every judgement made rests on a quote and its address."""
    overall = {
        r["study_id"]: r["judgement"]
        for r in _rows(book_source, "risk_of_bias")
        if r["domain"] == "overall"
    }
    for row in _rows(book_source, "clinical_studies"):
        assert row["risk_of_bias"] == overall[row["report_of"] or row["study_id"]], row["study_id"]
    for row in _rows(book_source, "risk_of_bias"):
        if row["judgement"] not in ("not assessed", "not applicable"):
            assert row["support_quote"] and row["support_address"].startswith("http"), row
        else:
            assert row["note"].startswith(row["judgement"]), row  # the reason is given


def test_every_randomised_trial_meeting_the_rule_has_rob2_rows_for_each_domain(book_source):
    studies = {r["study_id"]: r for r in _rows(book_source, "clinical_studies")}
    randomised = {
        s
        for s, r in studies.items()
        if "randomised" in r["design"]
        and not r["report_of"]
        and r["eligibility"] == "meets the rule"
    }
    assert randomised, "the data holds randomised trials meeting the rule"
    domains: dict[str, set[str]] = {}
    for row in _rows(book_source, "risk_of_bias"):
        if row["tool"] == "RoB 2":
            domains.setdefault(row["study_id"], set()).add(row["domain"][:2])
    for study in randomised:
        assert domains.get(study) == {"D1", "D2", "D3", "D4", "D5", "ov"}, study


def test_a_risk_of_bias_column_differing_from_the_overall_judgement_is_reported(tmp_path):
    root = copy_repo(tmp_path / "repo")
    rows = _rows(root, "clinical_studies")
    line = 2 + next(i for i, r in enumerate(rows) if not r["report_of"])
    set_cell("clinical_studies", line, "risk_of_bias", "low")(root / "data")
    problems = _validate_unchanged(root)
    assert [(p.file, p.row, p.column, p.value, p.rule) for p in problems] == [
        ("data/clinical_studies.csv", line, "risk_of_bias", "low", "rob-overall")
    ]


def test_a_judgement_without_its_quote_is_reported(tmp_path):
    root = copy_repo(tmp_path / "repo")
    rows = _rows(root, "risk_of_bias")
    line = 2 + next(i for i, r in enumerate(rows) if not r["support_quote"])
    set_cell("risk_of_bias", line, "judgement", "low")(root / "data")
    problems = [p for p in _validate_unchanged(root) if p.rule == "rob-support"]
    assert [(p.file, p.row, p.column) for p in problems] == [
        ("data/risk_of_bias.csv", line, "support_quote")
    ]


def test_a_certainty_that_does_not_follow_from_its_concerns_is_reported(tmp_path):
    from livingreview.data import grade

    root = copy_repo(tmp_path / "repo")
    first = _rows(root, "summary_of_findings")[0]
    expected = grade.certainty(first)
    wrong = next(level for level in grade.LEVELS if level != expected)
    set_cell("summary_of_findings", 2, "certainty", wrong)(root / "data")
    problems = _validate_unchanged(root)
    assert [(p.file, p.row, p.column, p.value, p.rule) for p in problems] == [
        ("data/summary_of_findings.csv", 2, "certainty", wrong, "grade-certainty")
    ]


def test_a_downgrade_without_its_reason_and_a_study_outside_the_rule_are_reported(tmp_path):
    root = copy_repo(tmp_path / "repo")
    outside = next(
        r["study_id"]
        for r in _rows(root, "clinical_studies")
        if r["eligibility"] != "meets the rule"
    )
    set_cell("summary_of_findings", 2, "reasons", "too few patients")(root / "data")
    set_cell("summary_of_findings", 3, "studies", outside)(root / "data")
    rules = sorted({(p.row, p.rule) for p in _validate_unchanged(root)})
    assert (2, "grade-reason") in rules and (3, "sof-eligibility") in rules
    assert {rule for _, rule in rules} == {"grade-reason", "sof-eligibility"}


def test_grade_certainty_falls_a_level_per_serious_concern_and_stops_at_very_low():
    from livingreview.data.grade import certainty

    calm = {
        d: "not serious" for d in ("risk_of_bias", "inconsistency", "indirectness", "imprecision")
    }
    assert certainty(calm) == "high"
    assert certainty(calm | {"risk_of_bias": "serious"}) == "moderate"
    assert certainty(calm | {"imprecision": "very serious"}) == "low"
    assert (
        certainty(calm | {"imprecision": "very serious", "indirectness": "serious"}) == "very low"
    )
    assert (
        certainty(calm | {"imprecision": "very serious", "risk_of_bias": "very serious"})
        == "very low"
    )
    assert certainty(calm | {"publication_bias": "strongly suspected"}) == "moderate"
