"""The Chinese edition's style sheet (``locales/zh_CN/terms.yml``) checked on built pages.

One rendering per term; a forbidden variant on a page is reported with the page and the text
around it, so a translator can find the paragraph in the page's catalog.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import yaml

TERMS = Path("locales") / "zh_CN" / "terms.yml"


@dataclass(frozen=True)
class Term:
    en: str
    zh: str
    forbidden: tuple[re.Pattern[str], ...]


@dataclass(frozen=True)
class Variant:
    page: str
    term: Term
    found: str
    context: str

    def __str__(self) -> str:
        return (
            f"{self.page}: {self.found!r} (use {self.term.zh} for {self.term.en}): …{self.context}…"
        )


def load_terms(root: Path) -> list[Term]:
    raw = yaml.safe_load((root / TERMS).read_text(encoding="utf-8"))
    return [
        Term(
            en=entry["en"],
            zh=entry["zh"],
            forbidden=tuple(re.compile(p) for p in entry.get("forbidden", [])),
        )
        for entry in raw["terms"]
    ]


def visible_text(markup: str) -> str:
    """The text a reader sees: no code, scripts, styles, or citation labels' BibTeX."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(markup, "html.parser")
    for node in soup(["script", "style", "pre", "code", "head"]):
        node.decompose()
    return soup.get_text(" ")


def forbidden_variants(page: str, markup: str, terms: list[Term]) -> list[Variant]:
    text = re.sub(r"\s+", " ", visible_text(markup))
    found = []
    for term in terms:
        for pattern in term.forbidden:
            for match in pattern.finditer(text):
                context = text[max(0, match.start() - 20) : match.end() + 20]
                found.append(Variant(page, term, match.group(0), context))
    return found


def check_edition(html_dir: Path, terms: list[Term]) -> list[Variant]:
    """Every forbidden variant on every page under ``html_dir`` (a built Chinese edition)."""
    found = []
    for page in sorted(html_dir.rglob("*.html")):
        if {"_static", "_sources"} & set(page.relative_to(html_dir).parts):
            continue
        relative = page.relative_to(html_dir).as_posix()
        found += forbidden_variants(relative, page.read_text(encoding="utf-8"), terms)
    return found
