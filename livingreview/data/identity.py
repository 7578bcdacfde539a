"""The book's identity: title, authors, repository, licence and source review, from _config.yml.

Typed once there; CITATION.cff, the citation box, the PDFs and chart credits all read it here.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

from livingreview.data.project import Project, find_project


@dataclass(frozen=True)
class SourceReview:
    title: str
    authors: tuple[tuple[str, str], ...]  # (family, given)
    journal: str
    year: int
    doi: str

    def short(self) -> str:
        """'Niu X, Sun Z, Xie M, Li S. Basic & Clinical Medicine 2025, doi:…'."""
        names = ", ".join(
            f"{family} {given.replace('.', '').replace(' ', '')}" for family, given in self.authors
        )
        return f"{names}. {self.journal} {self.year}, doi:{self.doi}"

    def lead(self) -> str:
        """'Niu et al. 2025'."""
        return f"{self.authors[0][0]} et al. {self.year}"


@dataclass(frozen=True)
class Identity:
    title: str
    author: str  # an entity (the team), not a person
    repository_url: str
    branch: str
    licence: str
    code_licence: str
    keywords: tuple[str, ...]
    source: SourceReview

    @property
    def clone_folder(self) -> str:
        return self.repository_url.rstrip("/").rsplit("/", 1)[-1]


@cache
def _read(config: Path, mtime: float) -> Identity:
    raw = yaml.safe_load(config.read_text(encoding="utf-8"))
    extra = raw.get("livingreview", {})
    src = extra["source"]
    repository = raw.get("repository", {})
    return Identity(
        title=raw["title"],
        author=raw["author"],
        repository_url=repository.get("url", ""),
        branch=repository.get("branch", "main"),
        licence=extra.get("licence", ""),
        code_licence=extra.get("code_licence", ""),
        keywords=tuple(extra.get("keywords", [])),
        source=SourceReview(
            title=src["title"],
            authors=tuple((a[0], a[1]) for a in src["authors"]),
            journal=src["journal"],
            year=int(src["year"]),
            doi=str(src["doi"]),
        ),
    )


def identity(project: Project | None = None) -> Identity:
    config = (project or find_project()).root / "_config.yml"
    return _read(config, config.stat().st_mtime)
