"""``livingreview release``: record a version of the book.

A release adds a row to ``data/releases.csv``, writes the snapshot ``releases/<version>.json``
(``livingreview.data.releases`` owns that format), sets the version in
``data/datapackage.json`` and ``CITATION.cff`` and prepends an entry to ``CHANGELOG.md``.
Nothing here commits or tags: the author reviews the diff and records it with git.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import date as Date
from pathlib import Path

from livingreview.authoring import git
from livingreview.authoring.add import RowRejected, add_row
from livingreview.authoring.changes import (
    NO_CHANGE,
    TableChanges,
    compare_data,
    reader_changes,
    reference_labels,
    summarize,
)
from livingreview.authoring.citation_file import update_citation
from livingreview.book.manifest import all_editions, load_manifest
from livingreview.book.runner import AnalysisFailed, plan, run_analyses
from livingreview.data import dates
from livingreview.data.files import write_atomic
from livingreview.data.package import read_descriptor, resources
from livingreview.data.project import Project
from livingreview.data.releases import (
    CURRENT_TO,
    RELEASES_TABLE,
    SEMVER,
    last_searched,
    past_releases,
    snapshot_path,
    version_key,
    write_snapshot,
)
from livingreview.data.rules import explained
from livingreview.data.validate import validate_project
from livingreview.errors import LivingReviewError

CHANGELOG_HEADER = """# Changelog

Every released version of this living review, newest first. The format follows
[Keep a Changelog](https://keepachangelog.com/en/1.1.0/) and version numbers follow
[Semantic Versioning](https://semver.org/spec/v2.0.0.html). Each version is also a row of
`data/releases.csv`, shown on the book's What's new page, and a snapshot of its data and
glued values in `releases/<version>.json`. Create a version with `livingreview release`.
"""


class ReleaseRefused(LivingReviewError):
    def __init__(self, reason: str):
        super().__init__(f"release refused: {reason}")


def set_package_version(project: Project, version: str, current_to: str) -> None:
    """The release's version and evidence date in the Data Package."""
    descriptor = read_descriptor(project)
    descriptor["version"] = version
    descriptor[CURRENT_TO] = current_to
    write_atomic(project.datapackage, json.dumps(descriptor, indent=2, ensure_ascii=False) + "\n")


def default_current_to(project: Project) -> str:
    """The latest complete run of the saved searches, else the Data Package's evidence date
    (look-ups of known records never move it)."""
    return last_searched(project) or read_descriptor(project)[CURRENT_TO]


CHECKED = "checked"  # the date a row's record was last checked (trials, screened records)


def checked_after(tables: list[TableChanges], day: str) -> list[tuple[str, str, str]]:
    """Rows added, or whose check date moved, since the last release that were checked after
    ``day``: (file, row id, checked date), newest first."""
    found = []
    for table in tables:
        moved = [row.key for row in table.changed if CHECKED in row.cells]
        for key in [*table.added, *moved]:
            checked = (table.rows.get(key, {}).get(CHECKED) or "").strip()
            if dates.is_iso(checked) and checked > day:
                found.append((table.file, "|".join(key), checked))
    return sorted(found, key=lambda f: f[2], reverse=True)


class EvidenceDateNeeded(ReleaseRefused):
    pass


def evidence_date(
    found: list[tuple[str, str, str]],
    current_to: str,
    given: bool,
    report: Callable[[str], None],
    ask: Callable[[str, str], str] | None,
) -> str:
    """The release's evidence date when rows checked after ``current_to`` came in: said, and
    the author asked (or, not interactive and no date given, refused); never kept silently."""
    if not found:
        return current_to
    shown = "; ".join(f"{file} {ident} checked {day}" for file, ident, day in found[:5])
    more = f"; and {len(found) - 5} more" if len(found) > 5 else ""
    said = (
        f"{len(found)} row(s) checked after the evidence date {current_to} came in since the "
        f"last release ({shown}{more})"
    )
    if given:
        report(f"{said}; evidence current to {current_to}, as given")
        return current_to
    if ask is None:
        raise EvidenceDateNeeded(
            f"{said}. Say which date the evidence is current to: --evidence-date "
            f"{found[0][2]} (the newest check), or --evidence-date {current_to} to keep it"
        )
    report(said)
    return ask("Evidence current to (YYYY-MM-DD)", found[0][2]).strip()


def changelog_entry(
    version: str,
    released: str,
    current_to: str,
    tables: list[TableChanges],
    conclusions: str,
    note: str,
    labels: dict[str, str] | None = None,
) -> str:
    """The version's CHANGELOG section: the same phrases as its summary in data/releases.csv."""
    lines = [f"## [{version}] - {released}", ""]
    lines.append(
        f"Evidence current to {current_to}. Conclusions changed: {conclusions}."
        + (f" {note.strip()}" if note.strip() else "")
    )
    changes = reader_changes(tables, labels)
    for heading in ("Added", "Changed", "Removed"):
        items = [phrase for kind, phrase in changes if kind == heading]
        if items:
            lines += ["", f"### {heading}", "", *[f"- {item}" for item in items]]
    if not changes:
        lines += ["", NO_CHANGE]
    return "\n".join(lines) + "\n"


def prepend_changelog(project: Project, entry: str) -> None:
    path = project.root / "CHANGELOG.md"
    text = path.read_text(encoding="utf-8") if path.is_file() else CHANGELOG_HEADER
    match = re.search(r"^## \[", text, flags=re.MULTILINE)
    if match:
        text = text[: match.start()] + entry + "\n" + text[match.start() :]
    else:
        text = text.rstrip("\n") + "\n\n" + entry
    write_atomic(path, text)


def _stamped(line: str) -> str:
    """A re-run's reason in the author's words: 'data/datapackage.json#version changed' is the
    version this release stamps."""
    words = {"version": "the version", CURRENT_TO: "the evidence date"}
    return re.sub(
        r"data/datapackage\.json#([\w-]+) changed",
        lambda m: (
            f"{words.get(m[1], m[1])} in data/datapackage.json changed (this release)"
            if m[1] in words
            else m[0]
        ),
        line,
    )


def git_commands(version: str) -> list[str]:
    """What the author runs to record a release (release() itself never commits or tags)."""
    return [
        f"git add data/ releases/{version}.json CITATION.cff CHANGELOG.md",
        f'git commit -m "Release {version}"',
        f'git tag -a v{version} -m "Version {version}"',
    ]


def release(
    project: Project,
    version: str,
    date: str | None = None,
    conclusions: str = "none",
    note: str = "",
    report: Callable[[str], None] = print,
    current_to: str | None = None,
    ask: Callable[[str, str], str] | None = None,
) -> Path:
    """Record version ``version`` of the book; return the path of its snapshot.

    ``current_to`` is the date the evidence is current to (default: the latest complete run of
    the saved searches, else the Data Package's ``x-evidence-current-to``); it is written to the
    Data Package and the release's row. When rows checked after that default came in since the
    last release, the release says so and, without ``current_to``, asks (``ask(question,
    default)``, interactive only) or refuses: the old date is never kept silently. Refuses
    (``ReleaseRefused``) on an uncommitted tree, invalid data, a version that is not X.Y.Z or
    not above the last release, an evidence date after the release date or before the last
    release's. ``conclusions`` is ``yes`` or ``no`` (``none``: no conclusion changed); ``yes``
    needs a ``note`` saying which. It re-runs the analyses whose inputs changed since their
    last run (the version and evidence date it stamps among them), saying which and why. On any
    failure every file the release wrote is restored.
    """
    released = date or Date.today().isoformat()
    if not SEMVER.match(version):
        raise ReleaseRefused(f"version '{version}' is not semantic: expected X.Y.Z, e.g. 0.2.0")
    if not dates.is_iso(released):
        raise ReleaseRefused(f"date '{released}' is not a date YYYY-MM-DD")
    conclusions = "no" if conclusions == "none" else conclusions
    if conclusions not in ("yes", "no"):
        raise ReleaseRefused(f"conclusions must be yes or no, got '{conclusions}'")
    if conclusions == "yes" and not note.strip():
        raise ReleaseRefused("conclusions changed: say which in a note (--note)")
    given = bool(current_to)
    current_to = current_to or default_current_to(project)
    previous = past_releases(project)
    base = git.release_commit(project, previous[-1]["version"]) if previous else None
    tables = compare_data(project, base) if base else []
    default = default_current_to(project)
    current_to = evidence_date(checked_after(tables, default), current_to, given, report, ask)
    if not dates.is_iso(current_to):
        raise ReleaseRefused(f"evidence date '{current_to}' is not a date YYYY-MM-DD")
    if current_to > released:
        raise ReleaseRefused(
            f"evidence current to {current_to} is after the release date {released}"
        )
    if previous:
        last = previous[-1]
        if version_key(version) <= version_key(last["version"]):
            raise ReleaseRefused(
                f"version {version} is not greater than the last release {last['version']}"
            )
        if released < last["date"]:
            raise ReleaseRefused(f"date {released} is before the last release ({last['date']})")
        if current_to < (last.get("evidence_current_to") or ""):
            raise ReleaseRefused(
                f"evidence current to {current_to} is before that of the last release "
                f"{last['version']} ({last['evidence_current_to']})"
            )
    if snapshot_path(project, version).exists():
        raise ReleaseRefused(f"releases/{version}.json already exists")
    try:
        status = git.uncommitted(project)
    except git.GitFailed as exc:
        raise ReleaseRefused(f"cannot read the git status: {exc}") from exc
    if status:
        dirty = "\n".join(f"  {line}" for line in status[:20])
        raise ReleaseRefused(
            f"the working tree has uncommitted changes; commit or stash them first:\n{dirty}"
        )
    problems = explained(validate_project(project), resources(project))
    if problems:
        listed = "\n".join(str(p) for p in problems[:20])
        raise ReleaseRefused(
            f"validation failed: {len(problems)} problem(s); fix them first:\n{listed}"
        )
    try:
        runs = load_manifest(project)
    except LivingReviewError as exc:
        raise ReleaseRefused(str(exc)) from exc

    labels = reference_labels(project, base)
    if not previous:
        summary = summarize([], note, empty="First version.")
    elif base is None:
        unknown = f"Changes since {previous[-1]['version']} not computed (no tag or record)."
        summary = summarize([], note, empty=unknown)
    else:
        summary = summarize(tables, note, labels=labels)

    touched = [
        project.data_dir / "releases.csv",
        project.datapackage,
        project.root / "CITATION.cff",
        project.root / "CHANGELOG.md",
        snapshot_path(project, version),
    ]
    saved = {p: p.read_bytes() if p.is_file() else None for p in touched}
    try:
        record = {
            "version": version,
            "date": released,
            "evidence_current_to": current_to,
            "summary": summary,
            "conclusions_changed": conclusions,
            "conclusion_note": note.strip(),
        }
        add_row(project, RELEASES_TABLE, record)
        set_package_version(project, version, current_to)
        # every edition, so the book after a release executes nothing
        editions = all_editions(project, runs)
        stale = sum(d.execute for d in plan(project, editions))
        report(
            f"release {version}: re-running {stale} of {len(editions)} analysis runs, those "
            "whose inputs changed since their last run (this release stamps the version and "
            "evidence date into data/datapackage.json), so the book after it executes nothing:"
        )
        run_analyses(project, editions, report=lambda line: report(_stamped(line)))
        path = write_snapshot(project, record, [r.name for r in runs])
        update_citation(project, version, released)
        entry = changelog_entry(version, released, current_to, tables, conclusions, note, labels)
        prepend_changelog(project, entry)
    except BaseException as exc:
        for file, data in saved.items():
            if data is None:
                file.unlink(missing_ok=True)
            else:
                write_atomic(file, data)
        if isinstance(exc, RowRejected):
            raise ReleaseRefused(f"the release record is invalid:\n{exc}") from exc
        if isinstance(exc, AnalysisFailed):
            raise ReleaseRefused(f"the analyses failed; nothing was released:\n{exc}") from exc
        raise
    return path
