"""Check every data file against its Table Schema and the cross-file rules.

Errors are values (``Problem``), all collected in one pass, so an author sees every problem
at once and tests can assert on them. Validation never writes to the data.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Callable
from dataclasses import asdict, dataclass, field

from livingreview.data import csvio, dates
from livingreview.data.bib import entry_keys
from livingreview.data.package import Field, Resource, split_list
from livingreview.data.project import Project

MAX_CELL_CHARS = 5000
REGISTRY_PREFIX = {"ClinicalTrials.gov": "NCT", "ChiCTR": "ChiCTR"}
FORMULA_START = ("=", "+", "-", "@")
MARKUP = re.compile(r"<\s*/?\s*[a-zA-Z!][^>]*>|javascript:|\bon[a-z]+\s*=", re.IGNORECASE)
NUMBER = re.compile(r"^-?\d+(\.\d+)?([eE][-+]?\d+)?$")
INTEGER = re.compile(r"^-?\d+$")
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
CITE = re.compile(r"\{cite(?::\w+)?\}`([^`]+)`")
BIDI_CONTROL = re.compile(r"[\u202a-\u202e\u2066-\u2069]")
REGISTRY_ID = re.compile(r"NCT\d{8}|ChiCTR\d+")


# Messages and hints of the rules whose wording is fixed; {name} fields come from ``report``.
RULES = {
    "encoding": ("is not valid UTF-8 at byte {byte}", "save the file as UTF-8"),
    "header": (
        "header does not match the schema ({detail})",
        "expected exactly: {expected}",
    ),
    "registry-id": ("is not a {registry} id", "{registry} ids start with {prefix}"),
    "ordered": ("values must satisfy {order}", "check for swapped bounds or dates"),
    "row-length": ("has {cells} cells; expected {expected}", "quote cells that contain commas"),
    "reference": (
        "names a reference key not in data/references.bib",
        "add the entry to references.bib or fix the key",
    ),
    "primary-key": ("duplicates row {first}", ""),
    "required-when": ("is empty but required when {condition}", "{field}: {description}"),
    "implies": ("must be {expected} when {condition}", "{field}: {description}"),
    "uncited": ("entry is cited by no data row, chapter or analysis", "cite it or remove it"),
    "unknown-column": ("is not a column of this table", "columns: {columns}"),
    "line-break": (
        "contains a line break",
        "a new row is one line; put long text in the chapter prose",
    ),
    "erratum-unchanged": (
        "is the value as printed: the erratum corrects nothing",
        "give the corrected value, or remove the erratum",
    ),
    "erratum-registry-id": (
        "is not the registry_id of any row of data/{table}.csv",
        "the erratum's correction must be the id the book uses; correct one of the two",
    ),
    # livingreview add reference
    "bib-entry": (
        "cannot be read as one BibTeX entry: {detail}",
        "paste exactly one entry, @article{{key, author = {{...}}, ...}}",
    ),
    "bib-key": ("is not a usable entry key", "start with a letter; then letters, digits, - _ : ."),
    "bib-duplicate-key": (
        "is already the key of an entry",
        "choose another key (keys differ in more than case or punctuation)",
    ),
    "bib-duplicate-doi": (
        "is already the DOI of entry '{other}'",
        "cite '{other}' instead of adding the reference again",
    ),
    "bib-required": (
        "field '{field}' is missing; a new {kind} entry needs it",
        "give --{field} (or the field in the pasted entry)",
    ),
    "bib-author": ("field '{field}' expects 'Family, Given'", "e.g. --author 'Ou, Q.'"),
    "bib-doi": ("field 'doi' is not a DOI", "a DOI looks like 10.NNNN/suffix, without https://"),
    "bib-year": ("field 'year' is not a year", "four digits, e.g. 2024"),
}


@dataclass(frozen=True)
class Problem:
    """One validation error. ``row`` is the line number in the file (the header is line 1)."""

    file: str
    row: int | None
    column: str | None
    value: str | None
    rule: str
    message: str
    hint: str = ""

    def __str__(self) -> str:
        where = self.file
        if self.row is not None:
            where += f", row {self.row}"
        if self.column:
            where += f", column '{self.column}'"
        value = f" (value: {self.value[:60]!r})" if self.value is not None else ""
        hint = f" Hint: {self.hint}" if self.hint else ""
        return f"{where}: {self.message}{value} [{self.rule}]{hint}"

    def as_dict(self) -> dict:
        return asdict(self)


def report(file: str, row: int | None, column: str | None, value: str | None, rule: str, **fields):
    """A Problem whose message and hint come from ``RULES``, filled in with ``fields``."""
    message, hint = RULES[rule]
    return Problem(file, row, column, value, rule, message.format(**fields), hint.format(**fields))


def _check_text(file: str, row: int, column: str, value: str) -> list[Problem]:
    out = []

    def bad(rule: str, message: str, hint: str, shown: str = value) -> None:
        out.append(Problem(file, row, column, shown, rule, message, hint))

    if "\x00" in value or CONTROL.search(value):
        bad(
            "control-character",
            "contains a control character (such as NUL)",
            "remove invisible control characters",
        )
    if BIDI_CONTROL.search(value):
        bad(
            "bidi-control",
            "contains a bidirectional override character",
            "right-to-left text is fine; explicit override marks are not",
        )
    if value[:1] in FORMULA_START and not NUMBER.match(value):
        bad(
            "formula-injection",
            "starts with a character a spreadsheet runs as a formula",
            "reword so the cell does not start with = + - or @",
        )
    if MARKUP.search(value):
        bad("markup", "contains HTML or script markup", "data cells hold plain text only")
    if len(value) > MAX_CELL_CHARS:
        bad(
            "too-long",
            f"is {len(value)} characters long; the limit is {MAX_CELL_CHARS}",
            "move long text into the chapter prose",
            value[:60],
        )
    return out


def _check_cell(file: str, row: int, f: Field, value: str) -> list[Problem]:
    out = _check_text(file, row, f.name, value)

    def bad(rule: str, message: str, hint: str = "") -> list[Problem]:
        out.append(Problem(file, row, f.name, value, rule, message, hint))
        return out

    stripped = value.strip()
    c = f.constraints
    if stripped == "":
        return (
            bad("required", "is empty but required", f"{f.name}: {f.description}")
            if f.required
            else out
        )
    if f.type == "integer" and not INTEGER.match(stripped):
        return bad("type", "expected a whole number")
    if f.type == "number" and not NUMBER.match(stripped):
        return bad("type", "expected a number", "use a dot as decimal mark, no units")
    if f.type == "boolean" and stripped.lower() not in ("true", "false"):
        return bad("type", "expected true or false")
    if f.type == "year" and not re.match(r"^\d{4}$", stripped):
        return bad("type", "expected a year (YYYY)")
    if f.type == "date" and not dates.is_iso(stripped):
        return bad("type", "expected a date (YYYY-MM-DD)")
    if "enum" in c and stripped not in c["enum"]:
        bad("enum", f"is not an allowed value ({', '.join(map(str, c['enum']))})")
    if "pattern" in c and not re.fullmatch(c["pattern"], stripped):
        # the form in words when the schema gives them; the pattern only for the hint
        if f.expected:
            bad("pattern", f"is not in the expected form: {f.expected}", f"pattern {c['pattern']}")
        else:
            bad("pattern", f"does not match the expected format {c['pattern']}")
    elif "pattern" in c and re.fullmatch(r"\^?\\d\{4\}-\\d\{2\}.*", c["pattern"]):
        if not dates.parse_partial(stripped):
            bad("date", "is not a real calendar date")
    if f.type in ("integer", "number"):
        number = float(stripped)
        if "minimum" in c and number < c["minimum"]:
            bad("minimum", f"must be at least {c['minimum']}")
        if "exclusiveMinimum" in c and number <= c["exclusiveMinimum"]:
            bad("minimum", f"must be greater than {c['exclusiveMinimum']}")
        if "maximum" in c and number > c["maximum"]:
            bad("maximum", f"must be at most {c['maximum']}")
    return out


def check_cell(file: str, row: int, f: Field, value: str, bib: set[str]) -> list[Problem]:
    """The rules one cell must meet on its own: text, type, required, allowed values, format,
    limits, and that each reference key it names is in ``bib`` (the bibliography's keys)."""
    problems = _check_cell(file, row, f, value)
    if f.bibkeys and value.strip():
        problems += [
            report(file, row, f.name, key, "reference")
            for key in split_list(value)
            if key not in bib
        ]
    return problems


def _ordered(values: list[str], kind: str) -> bool:
    present = [v for v in values if v.strip()]
    if kind == "date":
        return dates.in_order(present) is not False  # a bad date is reported by the cell checks
    try:
        numbers = [float(v) for v in present]
    except ValueError:
        return True
    return all(a <= b for a, b in zip(numbers, numbers[1:], strict=False))


def read_rows(raw: bytes, file: str) -> tuple[list[str] | None, list[list[str]], list[Problem]]:
    """Header and rows of a CSV file's bytes, or the problem that stops it being read."""
    try:
        text = csvio.decode(raw)
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        return None, [], [report(file, line, None, None, "encoding", byte=exc.start)]
    try:
        rows = csvio.parse(text)
    except csv.Error as exc:
        return None, [], [Problem(file, None, None, None, "csv", f"cannot be parsed as CSV: {exc}")]
    if not rows:
        return None, [], [Problem(file, 1, None, None, "header", "is empty; expected a header row")]
    return rows[0], rows[1:], []


def _header_problem(file: str, header: list[str], expected: list[str]) -> Problem:
    missing = [n for n in expected if n not in header]
    extra = [n for n in header if n not in expected]
    detail = []
    if missing:
        detail.append(f"missing {', '.join(missing)}")
    if extra:
        detail.append(f"unexpected {', '.join(extra)}")
    if not detail:
        detail.append("columns out of order")
    shown, wanted = ",".join(header), ",".join(expected)
    return report(file, 1, None, shown, "header", detail="; ".join(detail), expected=wanted)


def _row_rules(file: str, line: int, resource: Resource, cells: dict[str, str]) -> list[Problem]:
    """The table's own cross-column rules (``x-rules`` in its schema)."""
    out = []
    for rule in resource.rules:
        if rule.get("rule") == "registry-id":
            id_field, registry_field = rule["fields"]
            registry = cells[registry_field]
            prefix = REGISTRY_PREFIX.get(registry, "")
            if not cells[id_field].startswith(prefix):
                rid = cells[id_field]
                out.append(
                    report(
                        file, line, id_field, rid, "registry-id", registry=registry, prefix=prefix
                    )
                )
        if rule.get("rule") == "ordered":
            names = rule["fields"]
            kinds = {f.name: f for f in resource.fields}
            kind = "number" if kinds[names[0]].type in ("number", "integer") else "date"
            values = [cells[n] for n in names]
            if not _ordered(values, kind):
                where, shown = ",".join(names), " / ".join(values)
                out.append(report(file, line, where, shown, "ordered", order=" <= ".join(names)))
        if rule.get("rule") == "required-when":
            if _holds(rule["when"], cells):
                said = " and ".join(f"{k} is {v}" for k, v in rule["when"].items())
                fields = {f.name: f for f in resource.fields}
                for name in rule["fields"]:
                    if not cells[name].strip():
                        about = {"field": name, "description": fields[name].description}
                        value = cells[name]
                        out.append(
                            report(
                                file, line, name, value, "required-when", condition=said, **about
                            )
                        )
        if rule.get("rule") == "implies" and _holds(rule["when"], cells):
            said = " and ".join(f"{k} is {v}" for k, v in rule["when"].items())
            fields = {f.name: f for f in resource.fields}
            for name, wanted in rule["then"].items():
                if cells[name].strip().lower() != str(wanted).lower():
                    about = {"field": name, "description": fields[name].description}
                    value = cells[name]
                    out.append(
                        report(
                            file,
                            line,
                            name,
                            value,
                            "implies",
                            expected=wanted,
                            condition=said,
                            **about,
                        )
                    )
    return out


def _holds(condition: dict, cells: dict[str, str]) -> bool:
    return all(cells[k].strip().lower() == str(v).lower() for k, v in condition.items())


def validate_rows(
    resource: Resource, header: list[str], rows: list[list[str]], bib: set[str]
) -> tuple[list[Problem], set[str]]:
    """Problems in one table's rows, and the bibliography keys they cite. Reads nothing."""
    file = f"data/{resource.path}"
    expected = [f.name for f in resource.fields]
    if header != expected:
        return [_header_problem(file, header, expected)], set()
    problems: list[Problem] = []
    cited: set[str] = set()
    seen_keys: dict[tuple, int] = {}
    unique_seen: dict[str, dict[str, int]] = {
        f.name: {} for f in resource.fields if f.constraints.get("unique")
    }
    for line, row in enumerate(rows, start=2):
        if len(row) != len(expected):
            shown, counts = ",".join(row)[:60], {"cells": len(row), "expected": len(expected)}
            problems.append(report(file, line, None, shown, "row-length", **counts))
            continue
        cells = dict(zip(expected, row, strict=False))
        for f in resource.fields:
            value = cells[f.name]
            problems.extend(check_cell(file, line, f, value, bib))
            if f.bibkeys:
                cited.update(split_list(value))
            if f.name in unique_seen and value.strip():
                first = unique_seen[f.name].setdefault(value, line)
                if first != line:
                    problems.append(
                        Problem(file, line, f.name, value, "unique", f"duplicates row {first}")
                    )
        if resource.primary_key:
            key = tuple(cells[k] for k in resource.primary_key)
            first = seen_keys.setdefault(key, line)
            if first != line and not all(k in unique_seen for k in resource.primary_key):
                where, shown = ",".join(resource.primary_key), "|".join(key)
                problems.append(report(file, line, where, shown, "primary-key", first=first))
        problems.extend(_row_rules(file, line, resource, cells))
    return problems, cited


@dataclass
class Corpus:
    """What validation reads, with some files replaced in memory (candidate edits).

    ``add`` and the registry refresh check a would-be file this way: nothing is copied or
    written, and the problems the edit would bring are the new ones.
    """

    project: Project
    replaced: dict[str, bytes] = field(default_factory=dict)  # path relative to the root

    def read(self, rel: str) -> bytes | None:
        if rel in self.replaced:
            return self.replaced[rel]
        path = self.project.root / rel
        return path.read_bytes() if path.is_file() else None

    def pages(self) -> list[tuple[str, str]]:
        """Chapters and analyses whose text may cite references."""
        found = [
            *self.project.chapters_dir.glob("**/*.md"),
            *self.project.analyses_dir.glob("*.ipynb"),
        ]
        return [(self.project.rel(p), p.read_text(encoding="utf-8")) for p in sorted(found)]


@dataclass
class Checked:
    """The result of the per-file checks, which the cross-file checks build on."""

    corpus: Corpus
    bib_keys: list[str]
    cited: set[str]
    tables: dict[str, tuple[Resource, list[str], list[list[str]]]]  # valid headers only


# Cross-file checks: name -> function(Checked) -> problems. Each is one rule about how two
# files relate; add one with @cross_file_check("name").
CROSS_FILE_CHECKS: dict[str, Callable[[Checked], list[Problem]]] = {}


def cross_file_check(name: str):
    def register(function: Callable[[Checked], list[Problem]]):
        CROSS_FILE_CHECKS[name] = function
        return function

    return register


@cross_file_check("bibliography-unique-keys")
def _unique_bib_keys(checked: Checked) -> list[Problem]:
    keys = checked.bib_keys
    return [
        Problem("data/references.bib", None, None, key, "unique", "entry key appears twice")
        for key in sorted({k for k in keys if keys.count(k) > 1})
    ]


@cross_file_check("bibliography-all-cited")
def _all_cited(checked: Checked) -> list[Problem]:
    cited = set(checked.cited)
    for _, text in checked.corpus.pages():
        for match in CITE.finditer(text):
            cited.update(k.strip() for k in match.group(1).split(","))
    return [
        report("data/references.bib", None, None, key, "uncited")
        for key in sorted(set(checked.bib_keys) - cited)
    ]


def _table_rows(checked: Checked, name: str) -> tuple[str, list[tuple[int, dict[str, str]]]]:
    """A validly-headed table's file and its rows as (line, {column: cell}); none if invalid."""
    if name not in checked.tables:
        return "", []
    resource, header, rows = checked.tables[name]
    lines = [
        (line, dict(zip(header, row, strict=True)))
        for line, row in enumerate(rows, start=2)
        if len(row) == len(header)
    ]
    return f"data/{resource.path}", lines


@cross_file_check("clinical-report-of")
def _report_of(checked: Checked) -> list[Problem]:
    """A further report names the row of its study, which is itself no further report."""
    file, rows = _table_rows(checked, "clinical_studies")
    main = {cells["study_id"] for _, cells in rows if not cells.get("report_of", "").strip()}
    return [
        Problem(
            file,
            line,
            "report_of",
            cells["report_of"],
            "report-of-unknown",
            "names no study_id of a row that reports a study in full",
            "give the study_id of the study's main row, or leave it empty",
        )
        for line, cells in rows
        if cells.get("report_of", "").strip() and cells["report_of"].strip() not in main
    ]


@cross_file_check("risk-of-bias")
def _risk_of_bias(checked: Checked) -> list[Problem]:
    """Each judgement names a clinical study, rests on a quote and its address (or says why it
    was not made), and each study's overall judgement is the one clinical_studies.csv shows."""
    file, rows = _table_rows(checked, "risk_of_bias")
    studies_file, studies = _table_rows(checked, "clinical_studies")
    if not file or not studies_file:
        return []
    known = {cells["study_id"] for _, cells in studies}
    out = []

    def bad(where: str, line: int, column: str, value: str, rule: str, message: str, hint: str):
        out.append(Problem(where, line, column, value, rule, message, hint))

    overall: dict[str, str] = {}
    for line, cells in rows:
        study, judgement = cells["study_id"], cells["judgement"].strip()
        if study not in known:
            bad(
                file,
                line,
                "study_id",
                study,
                "rob-study",
                "names no study_id of data/clinical_studies.csv",
                "use the study_id of the study judged",
            )
        made = judgement not in ("not assessed", "not applicable")
        if made and not (cells["support_quote"].strip() and cells["support_address"].strip()):
            bad(
                file,
                line,
                "support_quote",
                cells["support_quote"],
                "rob-support",
                f"is empty but the judgement is {judgement!r}",
                "quote the report and give the address it was read at, or judge 'not assessed'",
            )
        if cells["domain"].strip() == "overall":
            overall[study] = judgement
    for line, cells in studies:
        study = cells.get("report_of", "").strip() or cells["study_id"]
        shown = cells["risk_of_bias"].strip()
        if study not in known:
            continue  # a further report naming no study: the report-of check says so
        if study not in overall:
            bad(
                studies_file,
                line,
                "risk_of_bias",
                shown,
                "rob-overall",
                f"has no 'overall' row for study {study!r} in data/risk_of_bias.csv",
                "add the study's judgement (or the reason it was not made) there",
            )
        elif shown != overall[study]:
            bad(
                studies_file,
                line,
                "risk_of_bias",
                shown,
                "rob-overall",
                f"differs from the overall judgement {overall[study]!r} in data/risk_of_bias.csv",
                "the column repeats that judgement; change the judgement there",
            )
    return out


@cross_file_check("summary-of-findings-certainty")
def _sof_certainty(checked: Checked) -> list[Problem]:
    """A certainty follows from its stated concerns, and every downgrade gives its reason."""
    from livingreview.data import grade

    file, rows = _table_rows(checked, "summary_of_findings")
    _, studies = _table_rows(checked, "clinical_studies")
    eligible = {c["study_id"] for _, c in studies if c["eligibility"].strip() == "meets the rule"}
    out = []
    for line, cells in rows:
        outside = [key for key in split_list(cells["studies"]) if studies and key not in eligible]
        if outside:
            out.append(
                Problem(
                    file,
                    line,
                    "studies",
                    "; ".join(outside),
                    "sof-eligibility",
                    "names a study that is not a clinical study meeting the eligibility rule",
                    "only studies whose eligibility is 'meets the rule' enter the summary",
                )
            )
        if cells["certainty"] not in grade.LEVELS:
            continue  # reported by the cell checks
        expected = grade.certainty(cells)
        if cells["certainty"] != expected:
            out.append(
                Problem(
                    file,
                    line,
                    "certainty",
                    cells["certainty"],
                    "grade-certainty",
                    f"does not follow from the concerns stated (expected {expected!r})",
                    "high, less one level per serious and two per very serious concern",
                )
            )
        for domain in grade.DOMAINS:
            named = domain.replace("_", " ")
            if grade.STEPS.get(cells[domain].strip(), 0) and named not in cells["reasons"]:
                out.append(
                    Problem(
                        file,
                        line,
                        "reasons",
                        cells["reasons"][:60],
                        "grade-reason",
                        f"gives no reason for the downgrade in {named}",
                        f"write '{named}, {cells[domain]}: why' in reasons",
                    )
                )
    return out


@cross_file_check("screening-search-in-log")
def _screening_search_logged(checked: Checked) -> list[Problem]:
    """Every screened record names a search that the surveillance log holds."""
    logged = {cells["search_id"] for _, cells in _table_rows(checked, "surveillance_log")[1]}
    if "surveillance_log" not in checked.tables:
        return []
    return [
        Problem(
            "data/screening.csv",
            line,
            "search_id",
            cells["search_id"],
            "search-not-logged",
            "names no row of data/surveillance_log.csv: neither a search nor a logged look-up",
            "log the search or look-up that met the record (or S000, the source review "
            "baseline, for a record of the first version), or fix the id",
        )
        for line, cells in _table_rows(checked, "screening")[1]
        if cells["search_id"].strip() and cells["search_id"] not in logged
    ]


@cross_file_check("screening-exclusion-reason")
def _exclusion_reason(checked: Checked) -> list[Problem]:
    """An excluded record gives a reason; a record not excluded gives none."""
    out = []
    for line, cells in _table_rows(checked, "screening")[1]:
        excluded = cells["decision"] == "excluded"
        reason = cells["exclusion_reason"].strip()
        if excluded and not reason:
            out.append(
                Problem(
                    "data/screening.csv",
                    line,
                    "exclusion_reason",
                    reason,
                    "exclusion-reason",
                    "is empty but the record is excluded",
                    "give one of the reasons allowed by the schema",
                )
            )
        elif reason and not excluded:
            out.append(
                Problem(
                    "data/screening.csv",
                    line,
                    "exclusion_reason",
                    reason,
                    "exclusion-reason",
                    f"is given but the decision is {cells['decision']!r}",
                    "clear the reason or set the decision to 'excluded'",
                )
            )
    return out


@cross_file_check("screening-decision-note")
def _decision_note(checked: Checked) -> list[Problem]:
    """An exclusion gives its detail and a record awaiting classification says what is missing."""
    header = checked.tables.get("screening", (None, [], []))[1]
    if "decision_note" not in header:
        return []
    return [
        Problem(
            "data/screening.csv",
            line,
            "decision_note",
            "",
            "decision-note",
            f"is empty but the decision is {cells['decision']!r}",
            "say why it is excluded, or what is missing to classify it",
        )
        for line, cells in _table_rows(checked, "screening")[1]
        if cells["decision"] in ("excluded", "awaiting classification")
        and not cells["decision_note"].strip()
    ]


@cross_file_check("surveillance-new-records")
def _new_records_match_screening(checked: Checked) -> list[Problem]:
    """A search's new_records equals the screened records that name it."""
    if "screening" not in checked.tables:
        return []
    found: dict[str, int] = {}
    for _, cells in _table_rows(checked, "screening")[1]:
        found[cells["search_id"]] = found.get(cells["search_id"], 0) + 1
    out = []
    for line, cells in _table_rows(checked, "surveillance_log")[1]:
        stated = cells["new_records"].strip()
        if not INTEGER.match(stated):
            continue  # empty (the baseline) or reported by the cell checks
        if int(stated) != found.get(cells["search_id"], 0):
            out.append(
                Problem(
                    "data/surveillance_log.csv",
                    line,
                    "new_records",
                    stated,
                    "new-records",
                    f"does not match the {found.get(cells['search_id'], 0)} row(s) of "
                    "data/screening.csv that name this search",
                    "count the screened records found by this search",
                )
            )
    return out


@cross_file_check("surveillance-run-id")
def _scheduled_searches_name_their_run(checked: Checked) -> list[Problem]:
    """A scheduled search names the run it belongs to; no other kind of entry names one, so
    only runs of the saved strategies can make a complete search ("last searched")."""
    out = []
    for line, cells in _table_rows(checked, "surveillance_log")[1]:
        kind, run = (cells.get("kind") or "").strip(), (cells.get("run_id") or "").strip()
        if (kind == "scheduled search") != bool(run):
            out.append(
                Problem(
                    "data/surveillance_log.csv",
                    line,
                    "run_id",
                    run,
                    "surveillance-run-id",
                    "is empty for a scheduled search"
                    if run == ""
                    else f"is given for an entry of kind {kind!r}",
                    "a run id belongs to the rows `livingreview search` writes, and only to them",
                )
            )
    return out


@cross_file_check("errata-correct-something")
def _errata_correct_something(checked: Checked) -> list[Problem]:
    file, errata = _table_rows(checked, "errata")
    return [
        report(file, line, "corrected", row["corrected"], "erratum-unchanged")
        for line, row in errata
        if row["corrected"].strip() and row["corrected"].strip() == row["printed"].strip()
    ]


@cross_file_check("errata-registry-ids-exist")
def _errata_registry_ids(checked: Checked) -> list[Problem]:
    """A corrected registry id in an erratum on the trials table is one of its registry_ids."""
    table = "registered_trials"
    if table not in checked.tables:
        return []  # the trials table's own problem is reported already
    file, errata = _table_rows(checked, "errata")
    _, trials = _table_rows(checked, table)
    known = {row["registry_id"].strip() for _, row in trials}
    out = []
    for line, row in errata:
        affects = {a.removesuffix(".csv") for a in split_list(row["affects"])}
        corrected = row["corrected"].strip()
        if table in affects and REGISTRY_ID.fullmatch(corrected) and corrected not in known:
            out.append(
                report(file, line, "corrected", corrected, "erratum-registry-id", table=table)
            )
    return out


def validate_project(project: Project, replaced: dict[str, bytes] | None = None) -> list[Problem]:
    """Every problem in the data, all at once (empty list: the data is valid).

    ``replaced`` maps paths (relative to the root) to would-be contents checked instead.
    """
    corpus = Corpus(project, dict(replaced or {}))
    try:
        descriptor = json.loads(corpus.read("data/datapackage.json") or b"")
    except ValueError as exc:
        return [
            Problem(
                "data/datapackage.json", None, None, None, "descriptor", f"cannot be read: {exc}"
            )
        ]
    try:
        bib_text = (corpus.read("data/references.bib") or b"").decode("utf-8")
    except UnicodeDecodeError as exc:
        return [
            Problem(
                "data/references.bib", None, None, None, "bibliography", f"cannot be read: {exc}"
            )
        ]
    bib_list = entry_keys(bib_text)
    checked = Checked(corpus, bib_list, set(), {})
    problems: list[Problem] = []
    for entry in descriptor.get("resources", []):
        resource = Resource(name=entry["name"], path=entry["path"], descriptor=entry)
        file = f"data/{resource.path}"
        raw = corpus.read(file)
        if raw is None:
            problems.append(Problem(file, None, None, None, "missing-file", "does not exist"))
            continue
        header, rows, found = read_rows(raw, file)
        if header is not None:
            more, keys = validate_rows(resource, header, rows, set(bib_list))
            found += more
            checked.cited |= keys
            if header == [f.name for f in resource.fields]:
                checked.tables[resource.name] = (resource, header, rows)
        problems.extend(found)
    for check in CROSS_FILE_CHECKS.values():
        problems.extend(check(checked))
    return problems


# Checks kept in their own modules register themselves when imported.
from livingreview.data import screening_checks  # noqa: E402, F401
