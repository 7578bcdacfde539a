"""``book-citation``: BibTeX for the book (latest release) and, with ``:chapters:``, each chapter.

Title, author and source review come from the book's identity (``_config.yml``), the version
from the release record, the chapters from the review part of ``_toc.yml``.
"""

from __future__ import annotations

from pathlib import Path

from docutils import nodes
from docutils.parsers.rst import directives

from livingreview.data.identity import identity
from livingreview.data.project import Project
from livingreview.data.releases import snapshots
from sphinx.util.docutils import SphinxDirective


def _bibtex(kind: str, key: str, fields: dict[str, str]) -> str:
    width = max(len(name) for name in fields)
    body = ",\n".join(f"  {name.ljust(width)} = {{{value}}}" for name, value in fields.items())
    return f"@{kind}{{{key},\n{body}\n}}"


def book_fields(project: Project) -> dict[str, str]:
    """The book's BibTeX fields (latest release), as CITATION.cff's preferred-citation."""
    me = identity(project)
    releases = snapshots(project)
    return {
        "title": me.title,
        "author": f"{{{me.author}}}",  # braces: an entity, not a person named "team"
        "year": releases[-1]["date"][:4] if releases else "",
        "edition": f"Version {releases[-1]['version'] if releases else 'unreleased'}",
        "url": me.repository_url,
        "note": "Based on " + me.source.short().replace("&", "\\&"),
    }


class BookCitation(SphinxDirective):
    option_spec = {"chapters": directives.flag}

    def run(self) -> list[nodes.Node]:
        project = Project(Path(self.env.srcdir))
        self.env.note_dependency(str(project.data_dir / "releases.csv"))
        me = identity(project)
        book = book_fields(project)
        common = {name: book[name] for name in ("author", "year", "edition", "url")}
        entries = [_bibtex("book", "msc_sepsis_living_review", book)]
        if "chapters" in self.options:
            for docname in project.review_chapters():
                name = docname.rsplit("/", 1)[-1]
                entries.append(
                    _bibtex(
                        "incollection",
                        f"msc_sepsis_{name}",
                        {
                            "title": _heading(project.root / f"{docname}.md", name),
                            "booktitle": me.title,
                            **common,
                            "note": f"Chapter {docname}.html",
                        },
                    )
                )
        text = "\n\n".join(entries)
        block = nodes.literal_block(text, text, language="bibtex")
        self.set_source_info(block)
        return [block]


def _heading(path: Path, default: str) -> str:
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("# "):
            return line[2:].strip()
    return default


def register(app) -> None:
    app.add_directive("book-citation", BookCitation)
