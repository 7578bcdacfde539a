"""``CITATION.cff``: how to cite the book, written from its identity and latest release."""

from __future__ import annotations

from pathlib import Path

import yaml

from livingreview.data.files import write_atomic
from livingreview.data.identity import identity
from livingreview.data.project import Project


def citation(project: Project, version: str, released: str) -> dict:
    """The CITATION.cff document: the book (an entity author), its version and source review."""
    me = identity(project)
    source = me.source
    authors = [{"family-names": f, "given-names": g} for f, g in source.authors]
    book = {
        "type": "book",
        "title": me.title,
        "authors": [{"name": me.author}],
        "version": version,
        "date-released": released,
        "year": int(released[:4]),
        "url": me.repository_url,
        "repository-code": me.repository_url,
        "license": me.licence,
        "notes": f"Based on {source.short()}",  # as the page's BibTeX note
    }
    return {
        "cff-version": "1.2.0",
        "message": (
            "If you use this living review, please cite it as below, giving the version you "
            "read, together with the source review it rewrites (listed under references)."
        ),
        "type": "dataset",
        "title": me.title,
        "version": version,
        "date-released": released,
        "authors": [{"name": me.author}],
        "license": me.licence,
        "repository-code": me.repository_url,
        "url": me.repository_url,
        "abstract": (
            f"An executable living review of stem cell therapy for sepsis, rewritten in English "
            f"from the {source.year} review by {', '.join(f for f, _ in source.authors[:-1])} and "
            f"{source.authors[-1][0]}, with its evidence held in versioned data tables."
        ),
        "keywords": list(me.keywords),
        "preferred-citation": book,
        "references": [
            {
                "type": "article",
                "title": source.title,
                "authors": authors,
                "journal": source.journal,
                "year": source.year,
                "doi": source.doi,
            }
        ],
    }


def update_citation(project: Project, version: str, released: str) -> Path:
    path = project.root / "CITATION.cff"
    text = yaml.safe_dump(
        citation(project, version, released), sort_keys=False, allow_unicode=True, width=100
    )
    write_atomic(path, text)
    return path
