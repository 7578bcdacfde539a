"""``livingreview serve --watch``: rebuild when an author saves, and reload the open page.

watchfiles (a maintained watcher, Rust notify underneath) reports changes to the data, the
chapters, the analyses, the translations and the book's configuration; each batch runs what
``make book`` runs, which re-executes only the analyses the change touched. A failed validation
or build is printed and the last good book stays served.
"""

from __future__ import annotations

from collections.abc import Callable

from livingreview.data.project import Project
from livingreview.errors import LivingReviewError

WATCHED = (
    "data", "chapters", "analyses", "locales", "_static", "_templates", "_config.yml", "_toc.yml",
)  # fmt: skip


def _source_file(change, path: str) -> bool:
    name = path.rsplit("/", 1)[-1]
    return not (name.startswith(".") or name.endswith((".tmp", "~")) or "checkpoint" in path)


def rebuild(project: Project, report: Callable[[str], None]) -> bool:
    """Validate, run what changed, build; True when a new book was published."""
    from livingreview.book.build import make_book
    from livingreview.data.validate import validate_project

    problems = validate_project(project)
    if problems:
        for problem in problems:
            report(str(problem))
        report(f"validation failed: {len(problems)} problem(s); the served book is unchanged")
        return False
    try:
        make_book(project, report=report)
    except LivingReviewError as exc:
        report(str(exc))
        return False
    return True


def watch_and_rebuild(
    project: Project,
    on_built: Callable[[], None],
    report: Callable[[str], None] = print,
    stop=None,
) -> None:
    """Block, rebuilding after every batch of saved changes until Ctrl-C (or ``stop`` is set)."""
    from watchfiles import watch

    paths = [project.root / name for name in WATCHED if (project.root / name).exists()]
    report("watching data/, chapters/, analyses/, locales/ and the book configuration")
    for changes in watch(*paths, watch_filter=_source_file, debounce=100, step=20, stop_event=stop):
        names = sorted({project.rel(path) for _, path in changes})
        report(f"changed: {', '.join(names)}")
        if rebuild(project, report):
            on_built()
