"""``livingreview add``: append one validated row to a data table, touching no other line.

The would-be file is checked in memory with every rule ``livingreview validate`` applies
(cell types, required and allowed values, uniqueness, reference keys, cross-file rules); only
if it brings no new problem is the file replaced, atomically, by itself plus the new line.
"""

from __future__ import annotations

import shlex
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from livingreview.data import csvio
from livingreview.data.bib import entry_keys
from livingreview.data.files import write_atomic
from livingreview.data.package import Field, Resource, resources
from livingreview.data.project import Project
from livingreview.data.rules import explained, involved, row_rule_words, value_words
from livingreview.data.validate import (
    Problem,
    check_cell,
    read_rows,
    report,
    validate_project,
    validate_rows,
)
from livingreview.errors import LivingReviewError


class RowRejected(LivingReviewError):
    """The row breaks the table's rules; ``problems`` says how. No file was changed."""

    def __init__(self, problems: list[Problem], file: str = "the file", kept: str = ""):
        self.problems = problems
        lines = "\n".join(str(p) for p in problems)
        kept = f"\n{kept}" if kept else ""
        super().__init__(
            f"{lines}\nrow rejected: {len(problems)} problem(s); {file} was not changed{kept}"
        )


class UnknownTable(LivingReviewError):
    pass


def find_resource(project: Project, table: str) -> Resource | None:
    """A table by resource name (``preclinical_studies``) or file name (``….csv``)."""
    found = resources(project)
    name = Path(table).name
    if name in found:
        return found[name]
    return next((r for r in found.values() if r.path == name), None)


def require_resource(project: Project, table: str) -> Resource:
    resource = find_resource(project, table)
    if resource is None:
        raise UnknownTable(f"unknown table '{table}' (tables: {', '.join(resources(project))})")
    return resource


def _candidate(
    project: Project, resource: Resource, values: dict[str, str]
) -> tuple[list[Problem], bytes, int]:
    """Problems of the row's shape, the table's new bytes with the row appended, its line."""
    file = f"data/{resource.path}"
    path = project.data_dir / resource.path
    if not path.is_file():
        return [Problem(file, None, None, None, "missing-file", "does not exist")], b"", 0
    data = path.read_bytes()
    header, rows, problems = read_rows(data, file)
    if header is None:
        return problems, b"", 0
    line = len(rows) + 2  # the header is line 1
    columns = [f.name for f in resource.fields]
    for column, value in values.items():
        if column not in columns:
            known = ", ".join(columns)
            problems.append(report(file, line, column, value, "unknown-column", columns=known))
        elif "\n" in value or "\r" in value:
            problems.append(report(file, line, column, value, "line-break"))
    # validate the rest of the row even if a cell holds a line break: all problems at once
    cells = [values.get(c, "").replace("\r", " ").replace("\n", " ") for c in columns]
    return problems, csvio.appended(data, cells), line


def check_row(project: Project, table: str, values: dict[str, str]) -> list[Problem]:
    """Every problem the row would bring into the data (empty list: it may be added)."""
    resource = require_resource(project, table)
    problems, contents, _ = _candidate(project, resource, values)
    if not contents:
        return problems
    before = set(validate_project(project))
    after = validate_project(project, {f"data/{resource.path}": contents})
    return explained(problems + [p for p in after if p not in before], resources(project))


def add_row(project: Project, table: str, values: dict[str, str]) -> int:
    """Append one row to ``table`` after validating it; return its line number in the file.

    Raises ``RowRejected`` with the problems otherwise; then no file changes.
    """
    resource = require_resource(project, table)
    problems = check_row(project, table, values)
    if problems:
        raise RowRejected(problems, f"data/{resource.path}")
    _, contents, line = _candidate(project, resource, values)
    write_atomic(project.data_dir / resource.path, contents)
    return line


def describe(resource: Resource, f: Field) -> str:
    """The prompt's short rules: type, whether required (and when), allowed values or form."""
    rules = [f.type, *(["required"] if f.required else [])]
    rules += row_rule_words(resource).get(f.name, [])
    values = value_words(resource, f)
    return "; ".join([*rules, values] if values else rules)


def cell_checker(project: Project, resource: Resource) -> Callable[[Field, str], list[Problem]]:
    """Checks one answer for a new row of ``resource`` with the rules of its cell alone: type,
    required, allowed values, format, limits, unique values, reference keys."""
    file = f"data/{resource.path}"
    path = project.data_dir / resource.path
    header, rows, _ = read_rows(path.read_bytes(), file) if path.is_file() else (None, [], [])
    bib_path = project.bibliography
    bib = set(entry_keys(bib_path.read_text(encoding="utf-8"))) if bib_path.is_file() else set()
    line = len(rows) + 2
    taken = {}
    if header:
        for f in resource.fields:
            if f.constraints.get("unique") and f.name in header:
                at = header.index(f.name)
                taken[f.name] = {r[at]: n for n, r in enumerate(rows, start=2) if len(r) > at}

    tables = {resource.name: resource}

    def check(f: Field, value: str) -> list[Problem]:
        problems = check_cell(file, line, f, value, bib)
        first = taken.get(f.name, {}).get(value) if value.strip() else None
        if first is not None:
            problems.append(Problem(file, line, f.name, value, "unique", f"duplicates row {first}"))
        return explained(problems, tables)

    return check


def row_checker(
    project: Project, resource: Resource
) -> Callable[[dict[str, str], str], tuple[list[Problem], list[str]]]:
    """Checks the table's cross-column rules (``x-rules``) on a row being answered, each rule as
    soon as every column it reads has an answer and one of them was just given.

    Returns the problems and the columns to ask again (the rule's conditions, then the columns
    that break it), in file order; no problem: nothing to ask.
    """
    file = f"data/{resource.path}"
    path = project.data_dir / resource.path
    header = [f.name for f in resource.fields]
    line = len(read_rows(path.read_bytes(), file)[1]) + 2 if path.is_file() else 2
    order = {name: i for i, name in enumerate(header)}
    # a rule about several columns is checked column by column: "record_url required when
    # registry_verified is true" as soon as those two are answered, whatever comes later
    units = []
    for rule in resource.rules:
        if rule.get("rule") == "required-when":
            units += [{**rule, "fields": [name]} for name in rule["fields"]]
        elif rule.get("rule") == "implies":
            units += [{**rule, "then": {k: v}} for k, v in rule["then"].items()]
        else:
            units.append(rule)
    schema = resource.descriptor.get("schema", {})
    single = [
        (rule, Resource(resource.name, resource.path, {**resource.descriptor, "schema": {
            **schema, "x-rules": [rule]}}))
        for rule in units
    ]  # fmt: skip

    def check(answered: dict[str, str], just: str) -> tuple[list[Problem], list[str]]:
        problems: list[Problem] = []
        again: list[str] = []
        for rule, alone in single:
            names = [n for n in involved(rule) if n in order]
            if just not in names or any(n not in answered for n in names):
                continue
            row = [answered.get(n, "") for n in header]
            found, _ = validate_rows(alone, header, [row], set())
            found = [p for p in found if p.rule == rule.get("rule")]
            if not found:
                continue
            problems += [replace(p, row=line) for p in found]
            broken = [c for p in found for c in (p.column or "").split(",") if c in order]
            if rule.get("rule") == "required-when":
                again += [*rule["when"], *broken]
            else:
                again += names
        again = sorted(dict.fromkeys(n for n in again if n in order), key=order.__getitem__)
        return explained(problems, {resource.name: resource}), again

    return check


def prompt_row(
    resource: Resource,
    values: dict[str, str],
    ask: Callable[[Field, str], str],
    every: bool = False,
    check: Callable[[Field, str], list[Problem]] | None = None,
    tell: Callable[[str], None] = print,
    row_check: Callable[[dict[str, str], str], tuple[list[Problem], list[str]]] | None = None,
) -> dict[str, str]:
    """Ask for each column (``every``) or each missing one; ``ask(field, default)`` answers.

    With ``check``, each answer is checked as it is given: a bad one is told (``tell``) with
    its problems and asked again; the answers already given stay. With ``row_check``
    (``row_checker``), a cross-column rule is checked as soon as the answers it reads are in:
    when broken, it is told and the columns it names are asked again at once, each with its
    answer as the default, until the rule holds.
    """
    answered = dict(values)
    fields = {f.name: f for f in resource.fields}

    def ask_checked(f: Field) -> None:
        default = answered.get(f.name, "")
        while True:
            answer = ask(f, default)
            problems = check(f, answer) if check else []
            if not problems:
                break
            for problem in problems:
                tell(str(problem))
            tell(f"  please answer {f.name} again")
        answered[f.name] = answer

    for f in resource.fields:
        if every or f.name not in answered:
            ask_checked(f)
            while row_check:
                problems, again = row_check(answered, f.name)
                if not problems:
                    break
                for problem in problems:
                    tell(str(problem))
                tell(f"  please answer {', '.join(again)} again (Enter keeps an answer)")
                for name in again:
                    ask_checked(fields[name])
    return answered


def set_command(table: str, values: dict[str, str]) -> str:
    """The `livingreview add` command that gives the same answers: kept when a row is rejected."""
    sets = " ".join(f"--set {shlex.quote(f'{k}={v}')}" for k, v in values.items() if v.strip())
    return f"livingreview add {table} {sets}".rstrip()
