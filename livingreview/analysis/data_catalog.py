"""The data's reader-facing words in the translated editions: one catalog, ``data.po``.

A column of ``data/datapackage.json`` shown to readers declares how it translates with the field
property ``"x-translate"``:

- ``"text"``: free text, translated cell by cell; its messages carry the context
  ``<table>/<column>`` (the same English can read differently in another column);
- ``"vocabulary"``: a category (a status, a route, an organ group), translated once for every
  table and column that uses it, under the context ``vocabulary``; a value marked unconfirmed
  is the same category as the unmarked value.

``livingreview catalogs`` extracts every current cell (and each vocabulary's allowed values) into
``locales/<lang>/LC_MESSAGES/data.po``: new cells arrive empty, changed ones fuzzy. The build
reports each table's coverage and refuses a translation whose numbers differ from the English.
An untranslated cell is shown in English, and its table says so.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from livingreview.analysis.confirmation import MARKER
from livingreview.data.editions import edition, read_po
from livingreview.data.package import load_table, resources
from livingreview.data.project import Project
from livingreview.errors import LivingReviewError

CATALOG = "data"
TEXT, VOCABULARY = "text", "vocabulary"
KINDS = (TEXT, VOCABULARY)
MARKED = f" [{MARKER}]"


class TranslateDeclarationInvalid(LivingReviewError):
    pass


def catalog_path(root: Path, language: str) -> Path:
    return edition(language).catalog(root, CATALOG)


def context(table: str, column: str, kind: str) -> str:
    """The msgctxt of a cell: one vocabulary for every table, free text by its column."""
    return VOCABULARY if kind == VOCABULARY else f"{table}/{column}"


def declared(project: Project | None = None, tables: list[str] | None = None):
    """{table: {column: kind}} of the reader-facing columns (``x-translate``), in schema order;
    ``tables`` limits it to those tables (an analysis may read only the tables it declares)."""
    found: dict[str, dict[str, str]] = {}
    known = resources(project)
    for name in tables if tables is not None else list(known):
        for field in known[name].fields:
            if not field.translate:
                continue
            if field.translate not in KINDS:
                raise TranslateDeclarationInvalid(
                    f"data/datapackage.json: table '{name}', field '{field.name}': x-translate "
                    f"must be one of {', '.join(KINDS)}; got {field.translate!r}"
                )
            found.setdefault(name, {})[field.name] = field.translate
    return found


def unmarked(text: str) -> tuple[str, str]:
    """(the cell's words, its marker suffix or ""): the marker is not part of the message."""
    if text.endswith(MARKED):
        return text[: -len(MARKED)], MARKED
    return text, ""


@dataclass(frozen=True)
class Message:
    context: str
    msgid: str
    tables: tuple[str, ...]  # where it is used: "table/column", for translators and coverage


def data_messages(project: Project | None = None) -> list[Message]:
    """Every message the data's reader-facing cells need, with where each is used: the distinct
    cells of each text column and the values (and allowed values) of each vocabulary column."""
    where: dict[tuple[str, str], list[str]] = {}
    known = resources(project)
    for table, columns in declared(project).items():
        frame = load_table(table, project)
        allowed = {f.name: f.constraints.get("enum") or [] for f in known[table].fields}
        for column, kind in columns.items():
            values = [str(v) for v in frame[column].dropna()]
            if kind == VOCABULARY:
                values += [str(v) for v in allowed[column]]
            for value in values:
                text = unmarked(value.strip())[0]
                if text:
                    used = where.setdefault((context(table, column, kind), text), [])
                    if f"{table}/{column}" not in used:
                        used.append(f"{table}/{column}")
    return [Message(ctxt, msgid, tuple(used)) for (ctxt, msgid), used in sorted(where.items())]


def write_pot(messages: list[Message], path: Path) -> None:
    from babel.messages.catalog import Catalog
    from babel.messages.pofile import write_po

    catalog = Catalog(project="livingreview data", charset="utf-8")
    for message in messages:
        catalog.add(
            message.msgid,
            locations=[(used, None) for used in message.tables],
            context=message.context,
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as handle:
        write_po(handle, catalog, width=76, omit_header=False, sort_output=True)


@lru_cache(maxsize=8)
def read_catalog(path: Path) -> dict[tuple[str, str], str]:
    """(msgctxt, msgid) -> msgstr for every translated, non-fuzzy message of ``data.po``."""
    if not path.is_file():
        return {}
    return {
        (str(m.context or ""), str(m.id)): str(m.string)
        for m in read_po(path)
        if m.id and isinstance(m.id, str) and m.string and not m.fuzzy
    }


# Digits as a translation must keep them. Trial phases are written Ⅰ期/Ⅱ期 in Chinese and
# "phase II" in English; a power of ten (×10⁶) stands for a word ("million"): neither is a change.
_ROMAN = dict(zip("ⅠⅡⅢⅣⅤⅥⅦⅧⅨⅩ", "1 2 3 4 5 6 7 8 9 10".split(), strict=True))
_PHASE = re.compile(r"\b(phase\s+)(IV|I{1,3})(?=[ab]?\b)", re.IGNORECASE)
# the second numeral of a phase range, "phase Ib/IIa"
_PHASE_RANGE = re.compile(r"(?:(?<=\d/)|(?<=\d[ab]/))(IV|I{1,3})(?=[ab]?\b)")
_LATIN_ROMAN = {"I": "1", "II": "2", "III": "3", "IV": "4"}
_POWER = re.compile(r"10[⁰¹²³⁴⁵⁶⁷⁸⁹]+")
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")


def numbers(text: str) -> Counter:
    """The numbers of ``text``: a thousands separator, a Roman phase numeral or a power of ten
    written for a word is no change."""
    text = _PHASE.sub(lambda m: m.group(1) + _LATIN_ROMAN[m.group(2).upper()], text)
    text = _PHASE_RANGE.sub(lambda m: _LATIN_ROMAN[m.group(1).upper()], text)
    text = _POWER.sub(" ", text)
    for roman, digits in _ROMAN.items():
        text = text.replace(roman, f" {digits} ")
    found = Counter()
    for number in _NUMBER.findall(text):
        # 1,000 is one thousand; "1, 2" (a list) never reaches here as one match
        found[number.replace(",", "") if re.fullmatch(r"\d{1,3}(,\d{3})+", number) else number] += 1
    return found


def number_problem(english: str, translation: str) -> str | None:
    """Why ``translation`` cannot stand for ``english``: a number added, dropped or changed."""
    want, have = numbers(english), numbers(translation)
    if want == have:
        return None
    missing = sorted((want - have).elements())
    extra = sorted((have - want).elements())
    parts = []
    if missing:
        parts.append("the translation lacks " + ", ".join(missing))
    if extra:
        parts.append("it has " + ", ".join(extra) + " that the English lacks")
    return "; ".join(parts) + " (numbers in a data cell are copied exactly)"


def catalog_problems(root: Path, language: str) -> list[str]:
    """Each translated data message whose numbers differ from its English, naming the catalog,
    its line, the context and the message."""
    path = catalog_path(root, language)
    if not path.is_file():
        return []
    shown = path.relative_to(root).as_posix() if path.is_relative_to(root) else str(path)
    problems = []
    for m in read_po(path):
        if not (m.id and isinstance(m.id, str) and m.string) or m.fuzzy:
            continue
        if problem := number_problem(m.id, str(m.string)):
            problems.append(f"{shown}, line {m.lineno}: [{m.context}] {m.id!r}: {problem}")
    return problems


@dataclass(frozen=True)
class TableCoverage:
    table: str
    translated: int
    total: int
    missing: tuple[str, ...]  # "[context] msgid" of each untranslated message

    @property
    def percent(self) -> int:
        return 100 if not self.total else int(100 * self.translated / self.total)


def coverage(project: Project, language: str) -> dict[str, TableCoverage]:
    """Per table: how many of the messages its current cells need ``data.po`` translates (a
    message shared by tables, a vocabulary value, counts for each)."""
    catalog = read_catalog(catalog_path(project.root, language).resolve())
    found: dict[str, tuple[int, int, list[str]]] = {}
    for message in data_messages(project):
        done = (message.context, message.msgid) in catalog
        for table in dict.fromkeys(used.split("/", 1)[0] for used in message.tables):
            translated, total, missing = found.get(table, (0, 0, []))
            if not done:
                missing = [*missing, f"[{message.context}] {message.msgid}"]
            found[table] = (translated + done, total + 1, missing)
    return {
        table: TableCoverage(table, translated, total, tuple(missing))
        for table, (translated, total, missing) in found.items()
    }


def _cached_coverage(project: Project, language: str) -> dict[str, TableCoverage]:
    """``coverage``, re-computed only when a data file or the catalog changed (a no-op build
    reads no table)."""
    import json

    watched = sorted(project.data_dir.glob("*.csv")) + [
        project.datapackage,
        catalog_path(project.root, language),
    ]
    key = [f"{p.name}:{p.stat().st_size}:{p.stat().st_mtime_ns}" for p in watched if p.is_file()]
    cache = project.build_dir / "cache" / f"data-coverage-{language}.json"
    if cache.is_file():
        stored = json.loads(cache.read_text(encoding="utf-8"))
        if stored.get("key") == key:
            return {
                t: TableCoverage(t, c[0], c[1], tuple(c[2])) for t, c in stored["tables"].items()
            }
    found = coverage(project, language)
    tables = {t: [c.translated, c.total, list(c.missing)] for t, c in found.items()}
    cache.parent.mkdir(parents=True, exist_ok=True)
    cache.write_text(json.dumps({"key": key, "tables": tables}), encoding="utf-8")
    return found


def report_coverage(project: Project, language: str, report) -> dict[str, TableCoverage]:
    """Print the data's translation coverage for ``language``, table by table, naming the
    first untranslated messages (the build calls this)."""
    table = _cached_coverage(project, language)
    total = sum(c.total for c in table.values())
    done = sum(c.translated for c in table.values())
    percent = 100 * done // total if total else 100
    report(f"data translation {language}: {done}/{total} messages ({percent}%)")
    for name, found in table.items():
        report(f"  data/{name}: {found.percent}% ({found.translated}/{found.total})")
        for missing in found.missing[:3]:
            report(f"    untranslated: {missing[:100]}")
        if len(found.missing) > 3:
            report(f"    ... and {len(found.missing) - 3} more; run `livingreview catalogs`")
    return table
