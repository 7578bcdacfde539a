"""Check every data file against its Table Schema and the cross-file rules.

Errors are values (``Problem``), all collected in one pass, so an author sees every problem
at once and tests can assert on them. Validation never writes to the data.
"""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import asdict, dataclass
from datetime import date
from pathlib import Path

from livingreview.datapackage import BIB_KEY, Field, Resource, split_list
from livingreview.project import Project

MAX_CELL_CHARS = 5000
REGISTRY_PREFIX = {"ClinicalTrials.gov": "NCT", "ChiCTR": "ChiCTR"}
FORMULA_START = ("=", "+", "-", "@")
MARKUP = re.compile(r"<\s*/?\s*[a-zA-Z!][^>]*>|javascript:|\bon[a-z]+\s*=", re.IGNORECASE)
NUMBER = re.compile(r"^-?\d+(\.\d+)?([eE][-+]?\d+)?$")
INTEGER = re.compile(r"^-?\d+$")
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
CITE = re.compile(r"\{cite(?::\w+)?\}`([^`]+)`")
BIDI_CONTROL = re.compile(r"[\u202a-\u202e\u2066-\u2069]")


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


def _parse_date(text: str) -> tuple[int, ...] | None:
    try:
        parts = tuple(int(p) for p in text.split("-"))
        date(parts[0], parts[1] if len(parts) > 1 else 1, parts[2] if len(parts) > 2 else 1)
        return parts
    except (ValueError, IndexError):
        return None


def _check_text(file: str, row: int, column: str, value: str) -> list[Problem]:
    out = []
    if "\x00" in value or CONTROL.search(value):
        out.append(
            Problem(
                file,
                row,
                column,
                value,
                "control-character",
                "contains a control character (such as NUL)",
                "remove invisible control characters",
            )
        )
    if BIDI_CONTROL.search(value):
        out.append(
            Problem(
                file,
                row,
                column,
                value,
                "bidi-control",
                "contains a bidirectional override character",
                "right-to-left text is fine; explicit override marks are not",
            )
        )
    if value[:1] in FORMULA_START and not NUMBER.match(value):
        out.append(
            Problem(
                file,
                row,
                column,
                value,
                "formula-injection",
                "starts with a character a spreadsheet runs as a formula",
                "reword so the cell does not start with = + - or @",
            )
        )
    if MARKUP.search(value):
        out.append(
            Problem(
                file,
                row,
                column,
                value,
                "markup",
                "contains HTML or script markup",
                "data cells hold plain text only",
            )
        )
    if len(value) > MAX_CELL_CHARS:
        out.append(
            Problem(
                file,
                row,
                column,
                value[:60],
                "too-long",
                f"is {len(value)} characters long; the limit is {MAX_CELL_CHARS}",
                "move long text into the chapter prose",
            )
        )
    return out


def _check_cell(file: str, row: int, f: Field, value: str) -> list[Problem]:
    out = _check_text(file, row, f.name, value)
    stripped = value.strip()
    c = f.constraints
    if stripped == "":
        if f.required:
            out.append(
                Problem(
                    file,
                    row,
                    f.name,
                    value,
                    "required",
                    "is empty but required",
                    f"{f.name}: {f.description}",
                )
            )
        return out
    if f.type == "integer" and not INTEGER.match(stripped):
        out.append(Problem(file, row, f.name, value, "type", "expected a whole number"))
        return out
    if f.type == "number" and not NUMBER.match(stripped):
        out.append(
            Problem(
                file,
                row,
                f.name,
                value,
                "type",
                "expected a number",
                "use a dot as decimal mark, no units",
            )
        )
        return out
    if f.type == "boolean" and stripped.lower() not in ("true", "false"):
        out.append(Problem(file, row, f.name, value, "type", "expected true or false"))
        return out
    if f.type in ("date", "year"):
        pattern = r"^\d{4}$" if f.type == "year" else r"^\d{4}-\d{2}-\d{2}$"
        if not re.match(pattern, stripped) or (f.type == "date" and not _parse_date(stripped)):
            out.append(
                Problem(
                    file,
                    row,
                    f.name,
                    value,
                    "type",
                    f"expected a {f.type} ({'YYYY' if f.type == 'year' else 'YYYY-MM-DD'})",
                )
            )
            return out
    if "enum" in c and stripped not in c["enum"]:
        allowed = ", ".join(map(str, c["enum"]))
        out.append(
            Problem(file, row, f.name, value, "enum", f"is not an allowed value ({allowed})")
        )
    if "pattern" in c and not re.fullmatch(c["pattern"], stripped):
        out.append(
            Problem(
                file,
                row,
                f.name,
                value,
                "pattern",
                f"does not match the expected format {c['pattern']}",
            )
        )
    elif "pattern" in c and re.fullmatch(r"\^?\\d\{4\}-\\d\{2\}.*", c["pattern"]):
        if not _parse_date(stripped):
            out.append(Problem(file, row, f.name, value, "date", "is not a real calendar date"))
    if f.type in ("integer", "number"):
        number = float(stripped)
        if "minimum" in c and number < c["minimum"]:
            out.append(
                Problem(file, row, f.name, value, "minimum", f"must be at least {c['minimum']}")
            )
        if "exclusiveMinimum" in c and number <= c["exclusiveMinimum"]:
            out.append(
                Problem(
                    file,
                    row,
                    f.name,
                    value,
                    "minimum",
                    f"must be greater than {c['exclusiveMinimum']}",
                )
            )
        if "maximum" in c and number > c["maximum"]:
            out.append(
                Problem(file, row, f.name, value, "maximum", f"must be at most {c['maximum']}")
            )
    return out


def _ordered(values: list[str], kind: str) -> bool:
    present = [v for v in values if v.strip()]
    if kind == "date":
        keys = [_parse_date(v) for v in present]
        if None in keys:
            return True  # reported by the cell checks
        # compare partial dates on their common precision
        pairs = zip(keys, keys[1:], strict=False)
        return all(a[: min(len(a), len(b))] <= b[: min(len(a), len(b))] for a, b in pairs)
    try:
        numbers = [float(v) for v in present]
    except ValueError:
        return True
    return all(a <= b for a, b in zip(numbers, numbers[1:], strict=False))


def read_rows(path: Path, file: str) -> tuple[list[str] | None, list[list[str]], list[Problem]]:
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        return (
            None,
            [],
            [
                Problem(
                    file,
                    line,
                    None,
                    None,
                    "encoding",
                    f"is not valid UTF-8 at byte {exc.start}",
                    "save the file as UTF-8",
                )
            ],
        )
    if text.startswith("\ufeff"):
        text = text[1:]
    try:
        rows = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as exc:
        return None, [], [Problem(file, None, None, None, "csv", f"cannot be parsed as CSV: {exc}")]
    if not rows:
        return None, [], [Problem(file, 1, None, None, "header", "is empty; expected a header row")]
    return rows[0], rows[1:], []


def validate_resource(
    project: Project, resource: Resource, bib: set[str]
) -> tuple[list[Problem], set[str]]:
    """Problems in one table, and the bibliography keys its rows cite."""
    file = f"data/{resource.path}"
    path = project.data_dir / resource.path
    if not path.is_file():
        return [Problem(file, None, None, None, "missing-file", "does not exist")], set()
    header, rows, problems = read_rows(path, file)
    if header is None:
        return problems, set()
    expected = [f.name for f in resource.fields]
    if header != expected:
        missing = [n for n in expected if n not in header]
        extra = [n for n in header if n not in expected]
        detail = []
        if missing:
            detail.append(f"missing {', '.join(missing)}")
        if extra:
            detail.append(f"unexpected {', '.join(extra)}")
        if not detail:
            detail.append("columns out of order")
        return [
            Problem(
                file,
                1,
                None,
                ",".join(header),
                "header",
                f"header does not match the schema ({'; '.join(detail)})",
                f"expected exactly: {','.join(expected)}",
            )
        ], set()
    cited: set[str] = set()
    seen_keys: dict[tuple, int] = {}
    unique_seen: dict[str, dict[str, int]] = {
        f.name: {} for f in resource.fields if f.constraints.get("unique")
    }
    for line, row in enumerate(rows, start=2):
        if len(row) != len(expected):
            problems.append(
                Problem(
                    file,
                    line,
                    None,
                    ",".join(row)[:60],
                    "row-length",
                    f"has {len(row)} cells; expected {len(expected)}",
                    "quote cells that contain commas",
                )
            )
            continue
        cells = dict(zip(expected, row, strict=False))
        for f in resource.fields:
            problems.extend(_check_cell(file, line, f, cells[f.name]))
            if f.bibkeys and cells[f.name].strip():
                for key in split_list(cells[f.name]):
                    cited.add(key)
                    if key not in bib:
                        problems.append(
                            Problem(
                                file,
                                line,
                                f.name,
                                key,
                                "reference",
                                "names a reference key not in data/references.bib",
                                "add the entry to references.bib or fix the key",
                            )
                        )
            if f.name in unique_seen and cells[f.name].strip():
                first = unique_seen[f.name].setdefault(cells[f.name], line)
                if first != line:
                    problems.append(
                        Problem(
                            file, line, f.name, cells[f.name], "unique", f"duplicates row {first}"
                        )
                    )
        if resource.primary_key:
            key = tuple(cells[k] for k in resource.primary_key)
            first = seen_keys.setdefault(key, line)
            if first != line and not all(k in unique_seen for k in resource.primary_key):
                problems.append(
                    Problem(
                        file,
                        line,
                        ",".join(resource.primary_key),
                        "|".join(key),
                        "primary-key",
                        f"duplicates row {first}",
                    )
                )
        for rule in resource.rules:
            if rule.get("rule") == "registry-id":
                id_field, registry_field = rule["fields"]
                expected_prefix = REGISTRY_PREFIX.get(cells[registry_field], "")
                if not cells[id_field].startswith(expected_prefix):
                    problems.append(
                        Problem(
                            file,
                            line,
                            id_field,
                            cells[id_field],
                            "registry-id",
                            f"is not a {cells[registry_field]} id",
                            f"{cells[registry_field]} ids start with {expected_prefix}",
                        )
                    )
            if rule.get("rule") == "ordered":
                names = rule["fields"]
                kinds = {f.name: f for f in resource.fields}
                kind = "number" if kinds[names[0]].type in ("number", "integer") else "date"
                values = [cells[n] for n in names]
                if not _ordered(values, kind):
                    problems.append(
                        Problem(
                            file,
                            line,
                            ",".join(names),
                            " / ".join(values),
                            "ordered",
                            f"values must satisfy {' <= '.join(names)}",
                            "check for swapped bounds or dates",
                        )
                    )
    return problems, cited


def validate_project(project: Project) -> list[Problem]:
    """Every problem in the data, all at once (empty list: the data is valid)."""
    problems: list[Problem] = []
    try:
        descriptor = json.loads(project.datapackage.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        return [
            Problem(
                "data/datapackage.json", None, None, None, "descriptor", f"cannot be read: {exc}"
            )
        ]
    try:
        bib_text = project.bibliography.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return [
            Problem(
                "data/references.bib", None, None, None, "bibliography", f"cannot be read: {exc}"
            )
        ]
    bib_list = BIB_KEY.findall(bib_text)
    bib = set(bib_list)
    for key in sorted({k for k in bib_list if bib_list.count(k) > 1}):
        problems.append(
            Problem("data/references.bib", None, None, key, "unique", "entry key appears twice")
        )
    cited: set[str] = set()
    for entry in descriptor.get("resources", []):
        resource = Resource(name=entry["name"], path=entry["path"], descriptor=entry)
        found, keys = validate_resource(project, resource, bib)
        problems.extend(found)
        cited |= keys
    # keys cited by the chapters and the analyses' text count as used too
    pages = [*project.chapters_dir.glob("**/*.md"), *project.analyses_dir.glob("*.ipynb")]
    for page in sorted(pages):
        for match in CITE.finditer(page.read_text(encoding="utf-8")):
            cited.update(k.strip() for k in match.group(1).split(","))
    for key in sorted(bib - cited):
        problems.append(
            Problem(
                "data/references.bib",
                None,
                None,
                key,
                "uncited",
                "entry is cited by no data row, chapter or analysis",
                "cite it or remove it",
            )
        )
    return problems
