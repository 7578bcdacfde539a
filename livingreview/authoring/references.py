"""``livingreview add reference``: append one checked entry to ``data/references.bib``.

The entry comes from options (``--key --doi --title --author ...``, plain text) or from one
pasted BibTeX entry; pybtex parses both. It is checked (key syntax and uniqueness, DOI syntax
and uniqueness, required fields, year) and, only if it brings no problem, appended after one
blank line in the file's own style, so the file's diff is the new entry alone. The file is
replaced atomically; a rejected entry leaves it byte-identical.
"""

from __future__ import annotations

import codecs
import re
from collections import Counter
from dataclasses import dataclass, field

import latexcodec  # noqa: F401  (registers the "ulatex" codec pybtex uses)
from pybtex.database import Entry, Person
from pybtex.exceptions import PybtexError

from livingreview.data.bib import anchor, entry_keys, parse_bibtex
from livingreview.data.files import write_atomic
from livingreview.data.project import Project
from livingreview.data.validate import Problem, report, validate_project
from livingreview.errors import LivingReviewError

FILE = "data/references.bib"
KEY = re.compile(r"[A-Za-z][A-Za-z0-9_:.-]*")
DOI = re.compile(r"10\.\d{4,9}/\S+")
YEAR = re.compile(r"\d{4}")
FIELD_LINE = re.compile(r"^  (\w+)( *)= ", re.MULTILINE)
# Fields in the order the file writes them; any other field follows in the order given.
ORDER = ("title", "journal", "booktitle", "publisher", "year", "volume", "number", "pages", "doi")
REQUIRED = {"article": ("title", "journal", "year"), None: ("title", "year")}


class ReferenceRejected(LivingReviewError):
    """The entry breaks a rule; ``problems`` says which. The bibliography was not changed."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        lines = "\n".join(str(p) for p in problems)
        super().__init__(
            f"{lines}\nreference rejected: {len(problems)} problem(s); {FILE} was not changed"
        )


@dataclass
class NewReference:
    """A reference to add: its key, BibTeX type, authors and fields as BibTeX text."""

    key: str
    type: str = "article"
    authors: list[str] = field(default_factory=list)
    fields: dict[str, str] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)  # found while reading it


def _where(key: str) -> str:
    return f"{FILE}, entry '{key}'" if key else FILE


def _latex(text: str) -> str:
    """Plain text as BibTeX field text (``&`` becomes ``\\&``); braces are kept as typed."""
    return codecs.encode(text.strip(), "ulatex+utf-8")


def from_options(
    key: str = "",
    doi: str = "",
    title: str = "",
    authors: list[str] | None = None,
    journal: str = "",
    year: str = "",
    volume: str = "",
    pages: str = "",
) -> NewReference:
    """A reference from the command-line options (plain text; authors as "Family, Given")."""
    ref = NewReference(key=key.strip())
    for name in authors or []:
        name = name.strip()
        family, _, given = name.partition(",")
        if name.lower() != "others" and not (family.strip() and given.strip()):
            ref.problems.append(
                report(_where(ref.key), None, None, name, "bib-author", field="author")
            )
        ref.authors.append(name)
    pages = re.sub(r"(?<=\w)\s*[-\u2013]\s*(?=\w)", "--", pages.strip())
    values = {"title": title, "journal": journal, "year": year, "volume": volume}
    ref.fields = {name: _latex(value) for name, value in values.items() if value.strip()}
    if pages:
        ref.fields["pages"] = _latex(pages).replace("-{}-", "--")
    if doi.strip():
        ref.fields["doi"] = doi.strip()
    return ref


def from_bibtex(text: str) -> NewReference:
    """A reference from one pasted BibTeX entry, its field text kept as written."""
    try:
        entries = parse_bibtex(text).entries
    except PybtexError as exc:
        problem = report(FILE, None, None, None, "bib-entry", detail=str(exc))
        return NewReference(key="", problems=[problem])
    if len(entries) != 1:
        detail = f"found {len(entries)} entries"
        return NewReference(
            key="", problems=[report(FILE, None, None, None, "bib-entry", detail=detail)]
        )
    key, entry = next(iter(entries.items()))
    ref = NewReference(key=key, type=entry.original_type.lower())
    ref.authors = [str(p) for p in entry.persons.get("author", [])]
    ref.fields = {name.lower(): value.strip() for name, value in entry.fields.items()}
    for role in entry.persons:
        if role != "author":
            ref.fields[role] = " and ".join(str(p) for p in entry.persons[role])
    return ref


def _existing(text: str) -> tuple[list[str], dict[str, str]]:
    """Keys of the bibliography and its DOIs (lower case) with their entry's key."""
    keys = entry_keys(text)
    dois = {}
    try:
        for key, entry in parse_bibtex(text).entries.items():
            if entry.fields.get("doi"):
                dois[entry.fields["doi"].strip().lower()] = key
    except PybtexError:
        pass  # the file's own problems are validation's to report
    return keys, dois


def check_reference(project: Project, ref: NewReference) -> list[Problem]:
    """Every problem the entry has or would bring into the data (empty: it may be added)."""
    text = (
        project.bibliography.read_text(encoding="utf-8") if project.bibliography.is_file() else ""
    )
    problems = list(ref.problems)
    if ref.problems and not ref.key and not ref.fields:
        return problems  # nothing could be read
    where = _where(ref.key)
    keys, dois = _existing(text)
    if not ref.key:
        problems.append(report(FILE, None, None, None, "bib-required", field="key", kind=ref.type))
    elif not KEY.fullmatch(ref.key):
        problems.append(report(where, None, None, ref.key, "bib-key"))
    elif ref.key.lower() in {k.lower() for k in keys} or anchor(ref.key) in map(anchor, keys):
        problems.append(report(where, None, None, ref.key, "bib-duplicate-key"))
    if not ref.authors:
        problems.append(
            report(where, None, None, None, "bib-required", field="author", kind=ref.type)
        )
    for name in REQUIRED.get(ref.type, REQUIRED[None]):
        if not ref.fields.get(name, "").strip():
            problems.append(
                report(where, None, None, None, "bib-required", field=name, kind=ref.type)
            )
    year = ref.fields.get("year", "").strip()
    if year and not YEAR.fullmatch(year):
        problems.append(report(where, None, None, year, "bib-year"))
    doi = ref.fields.get("doi", "").strip()
    if doi and not DOI.fullmatch(doi):
        problems.append(report(where, None, None, doi, "bib-doi"))
    elif doi.lower() in dois:
        problems.append(
            report(where, None, None, doi, "bib-duplicate-doi", other=dois[doi.lower()])
        )
    if problems:
        return problems
    candidate = appended(text, format_entry(ref, field_width(text)))
    try:
        back = parse_bibtex(candidate).entries
    except PybtexError as exc:  # unbalanced braces, for instance
        return [report(where, None, None, None, "bib-entry", detail=str(exc))]
    if ref.key not in back:
        return [report(where, None, None, None, "bib-entry", detail="it does not read back")]
    before = set(validate_project(project))
    after = validate_project(project, {FILE: candidate.encode("utf-8")})
    # a new entry is cited by nothing yet: the data row or chapter that cites it comes next
    return [
        p for p in after if p not in before and not (p.rule == "uncited" and p.value == ref.key)
    ]


def field_width(text: str) -> int:
    """How far the file pads field names before ``=`` (the most common width; 7 if none)."""
    widths = Counter(len(name) + len(pad) for name, pad in FIELD_LINE.findall(text))
    return widths.most_common(1)[0][0] - 1 if widths else 7


def format_entry(ref: NewReference, width: int = 7) -> str:
    """The entry in the file's style: two-space indent, aligned ``=``, values in braces."""
    fields = {"author": " and ".join(str(Person(a)) for a in ref.authors)} if ref.authors else {}
    fields.update((name, ref.fields[name]) for name in ORDER if ref.fields.get(name))
    fields.update((k, v) for k, v in ref.fields.items() if k not in fields and v)
    width = max(width, *(len(name) for name in fields))
    body = ",\n".join(f"  {name.ljust(width)} = {{{value}}}" for name, value in fields.items())
    return f"@{ref.type}{{{ref.key},\n{body}\n}}\n"


def appended(text: str, entry: str) -> str:
    """The file with ``entry`` at its end, after one blank line; no other byte changes."""
    if not text.strip():
        return entry
    if not text.endswith("\n"):
        text += "\n"
    return text + ("" if text.endswith("\n\n") else "\n") + entry


def add_reference(project: Project, ref: NewReference) -> Entry:
    """Append ``ref`` to the bibliography after checking it; return the entry as pybtex reads it.

    Raises ``ReferenceRejected`` with every problem otherwise; then no file changes.
    """
    problems = check_reference(project, ref)
    if problems:
        raise ReferenceRejected(problems)
    text = (
        project.bibliography.read_text(encoding="utf-8") if project.bibliography.is_file() else ""
    )
    candidate = appended(text, format_entry(ref, field_width(text)))
    write_atomic(project.bibliography, candidate)
    return parse_bibtex(candidate).entries[ref.key]
