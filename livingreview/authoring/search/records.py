"""A record as a search returns it, and identifiers in one normal form ("TYPE:value").

One form for every identifier lets a record found by PubMed match the same article found by
Europe PMC, and a registration match the EudraCT or ChiCTR number another record lists.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

# (type, pattern): found anywhere in a text (a note, an address, a secondary id)
PATTERNS = (
    ("NCT", re.compile(r"\b(NCT\d{8})\b", re.I)),
    ("PMCID", re.compile(r"\b(PMC\d{5,9})\b", re.I)),
    (
        "PMID",
        re.compile(r"(?:\bPMID[:\s]*|pubmed\.ncbi\.nlm\.nih\.gov/|/pubmed/)(\d{5,9})\b", re.I),
    ),
    # a DOI ends before BibTeX's closing brace
    ("DOI", re.compile(r"\b(10\.\d{4,9}/[^\s\"'<>;,{}]+[^\s\"'<>;,.)\]{}])", re.I)),
    ("EUCT", re.compile(r"\b(\d{4}-5\d{5}-\d{2}-\d{2})\b")),
    ("EUDRACT", re.compile(r"\b(\d{4}-\d{6}-\d{2})\b(?!-\d)")),
    ("CHICTR", re.compile(r"\b(ChiCTR[-A-Z]*\d{6,})\b", re.I)),
    ("NTR", re.compile(r"\b(NTR\d{3,5})\b", re.I)),
    ("NL", re.compile(r"\b(NL-?OMON\d+|NL\d{4,6})\b", re.I)),
    ("PPR", re.compile(r"\b(PPR\d{5,})\b", re.I)),
)
TYPES = tuple(name for name, _ in PATTERNS)


def normal(kind: str, value: str) -> str | None:
    """'TYPE:value' with the value in one case (DOIs lower case, registry ids upper), or None."""
    kind, value = kind.upper(), value.strip()
    # the identifiers cell lists ids separated by ';': an id holding one (or a space) is unusable
    if not value or kind not in TYPES or re.search(r"[;\s]", value):
        return None
    if kind == "DOI":
        value = re.sub(r"^(https?://(dx\.)?doi\.org/|doi:\s*)", "", value, flags=re.I).lower()
    elif kind == "CHICTR":
        value = "ChiCTR" + value[6:].upper()
    else:
        value = value.upper()
    return f"{kind}:{value}"


def find_ids(text: str) -> set[str]:
    """Every identifier written in ``text``, normalised."""
    found = set()
    for kind, pattern in PATTERNS:
        for match in pattern.finditer(text or ""):
            if ident := normal(kind, match.group(1)):
                found.add(ident)
    return found


def normal_title(title: str) -> str:
    """Lower case letters and digits only: titles that differ in case, accents of punctuation
    or spacing compare equal."""
    return re.sub(r"[^0-9a-z]+", " ", (title or "").lower()).strip()


@dataclass(frozen=True)
class Record:
    source: str  # the log's source name, e.g. "PubMed"
    ids: tuple[str, ...]  # normalised, primary first
    title: str
    year: str = ""
    kind: str = "journal article"  # or "registry record", "preprint"
    authors: tuple[str, ...] = ()
    journal: str = ""
    url: str = ""
    extra: dict = field(default_factory=dict, compare=False, hash=False)

    @property
    def primary(self) -> str:
        return self.ids[0] if self.ids else ""


@dataclass
class Result:
    """What one strategy's run gave: the request sent first, the total the source reported,
    and every record retrieved over all pages."""

    strategy: str
    source: str
    query: str
    total: int
    records: list[Record]
    requests: list[str] = field(default_factory=list)


def year_of(text: str) -> str:
    match = re.search(r"\b(1[89]\d\d|20\d\d)\b", str(text or ""))
    return match.group(1) if match else ""
