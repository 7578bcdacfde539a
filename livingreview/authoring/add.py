"""``livingreview add``: append one validated row to a data table, touching no other line.

The would-be file is checked in memory with every rule ``livingreview validate`` applies
(cell types, required and allowed values, uniqueness, reference keys, cross-file rules); only
if it brings no new problem is the file replaced, atomically, by itself plus the new line.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from livingreview.data import csvio
from livingreview.data.bib import entry_keys
from livingreview.data.files import write_atomic
from livingreview.data.package import Field, Resource, resources
from livingreview.data.project import Project
from livingreview.data.validate import Problem, check_cell, read_rows, report, validate_project
from livingreview.errors import LivingReviewError


class RowRejected(LivingReviewError):
    """The row breaks the table's rules; ``problems`` says how. No file was changed."""

    def __init__(self, problems: list[Problem], file: str = "the file"):
        self.problems = problems
        lines = "\n".join(str(p) for p in problems)
        super().__init__(
            f"{lines}\nrow rejected: {len(problems)} problem(s); {file} was not changed"
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
    return problems + [p for p in after if p not in before]


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


def describe(f: Field) -> str:
    rules = [f.type, *(["required"] if f.required else [])]
    if "enum" in f.constraints:
        rules.append("one of: " + ", ".join(map(str, f.constraints["enum"])))
    return "; ".join(rules)


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

    def check(f: Field, value: str) -> list[Problem]:
        problems = check_cell(file, line, f, value, bib)
        first = taken.get(f.name, {}).get(value) if value.strip() else None
        if first is not None:
            problems.append(Problem(file, line, f.name, value, "unique", f"duplicates row {first}"))
        return problems

    return check


def prompt_row(
    resource: Resource,
    values: dict[str, str],
    ask: Callable[[Field, str], str],
    every: bool = False,
    check: Callable[[Field, str], list[Problem]] | None = None,
    tell: Callable[[str], None] = print,
) -> dict[str, str]:
    """Ask for each column (``every``) or each missing one; ``ask(field, default)`` answers.

    With ``check``, each answer is checked as it is given: a bad one is told (``tell``) with
    its problems and asked again; the answers already given stay.
    """
    answered = dict(values)
    for f in resource.fields:
        if every or f.name not in answered:
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
    return answered
