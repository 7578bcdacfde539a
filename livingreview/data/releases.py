"""Releases and provenance: the one owner of the release record and what it proves.

A release is a row of ``data/releases.csv`` plus ``releases/<version>.json``, a snapshot of the
digest of every data file and of every glued value at that version. This module writes and
reads that format, orders versions, reads glued values from executed notebooks (through
myst-nb's public ``extract_glue_data``) and words the stamp each chapter carries: how current
the evidence is (``x-evidence-current-to`` of the Data Package), when it was last searched (the
latest date in the surveillance log) and when the next update is due (``x-update-interval-months``
after the evidence date). Every other part of the package, the notebooks and the tests call it.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from pathlib import Path

from livingreview.data import csvio, dates, searches
from livingreview.data.files import write_atomic
from livingreview.data.package import read_descriptor
from livingreview.data.project import Project

RELEASES_TABLE = "releases"
SURVEILLANCE_LOG = "surveillance_log"  # one row per search run, with its ``date``
CURRENT_TO = "x-evidence-current-to"
UPDATE_INTERVAL = "x-update-interval-months"
SEMVER = re.compile(r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)$")
RELEASE_NAME = re.compile(r"^v?((?:0|[1-9]\d*)\.(?:0|[1-9]\d*)\.(?:0|[1-9]\d*))$")
TEXT = "text/plain"


def version_key(version: str) -> tuple[int, int, int]:
    """Sort key of a version X.Y.Z (a tag vX.Y.Z works too)."""
    major, minor, patch = (int(p) for p in str(version).lstrip("v").split("."))
    return major, minor, patch


def past_releases(project: Project) -> list[dict[str, str]]:
    """The rows of data/releases.csv, oldest version first."""
    path = project.data_dir / "releases.csv"
    if not path.is_file():
        return []
    _, rows = csvio.dict_rows(path.read_text(encoding="utf-8"))
    valid = [r for r in rows if SEMVER.match(r.get("version") or "")]
    return sorted(valid, key=lambda r: version_key(r["version"]))


def snapshot_path(project: Project, version: str) -> Path:
    return project.releases_dir / f"{version}.json"


def snapshots(project: Project) -> list[dict]:
    """Every release snapshot, oldest version first."""
    found = [json.loads(p.read_text(encoding="utf-8")) for p in project.releases_dir.glob("*.json")]
    return sorted(found, key=lambda r: version_key(r["version"]))


def data_digests(project: Project) -> dict[str, str]:
    """SHA-256 of every file under data/, by path relative to the root."""
    return {project.rel(p): _sha256(p) for p in sorted(project.data_dir.rglob("*")) if p.is_file()}


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else ""


def read_glue(notebook: Path, mime: str = TEXT) -> dict[str, str]:
    """Every value an executed notebook glued, as myst-nb reads it for the pages: {name: text}
    in ``mime`` (text/plain, the text a chapter pastes; text/html for a table). A value
    without that type is left out."""
    import nbformat
    from myst_nb.ext.glue import extract_glue_data

    nb = nbformat.read(notebook, as_version=4)
    found = extract_glue_data(nb, [0] * len(nb.cells), _QuietLogger())
    return {
        name: "".join(value) if isinstance(value, list) else value
        for name, output in found.items()
        if (value := output.get("data", {}).get(mime)) is not None
    }


class _QuietLogger:
    """extract_glue_data reports duplicate keys to a Sphinx-style logger; the book build does."""

    def warning(self, *args, **kwargs) -> None:
        pass


def glued_values(project: Project, run_names: list[str]) -> dict[str, dict[str, str]]:
    """Every glued text value of the executed notebooks: {run: {name: text}}."""
    return {
        name: read_glue(path)
        for name in run_names
        if (path := project.executed_dir / f"{name}.ipynb").is_file()
    }


def write_snapshot(project: Project, record: dict[str, str], run_names: list[str]) -> Path:
    """``releases/<version>.json``: the release record, data file digests, every glued value."""
    snapshot = {
        **record,
        "data": data_digests(project),
        "glued": glued_values(project, run_names),
    }
    path = snapshot_path(project, record["version"])
    write_atomic(path, json.dumps(snapshot, indent=1, sort_keys=True, ensure_ascii=False) + "\n")
    return path


def surveillance_log(project: Project) -> Path | None:
    """The surveillance log's file, or None when the Data Package declares none or it is absent."""
    for resource in read_descriptor(project).get("resources", []):
        if resource.get("name") == SURVEILLANCE_LOG:
            path = project.data_dir / resource["path"]
            return path if path.is_file() else None
    return None


def last_searched(project: Project) -> str | None:
    """The date of the latest complete run of every saved search strategy (``searches``), or
    None when no such run is logged: look-ups of known records do not count."""
    rows = searches.log_rows(surveillance_log(project))
    return searches.last_complete_search(rows, searches.api_sources(project))


def last_verified(project: Project) -> str | None:
    """The latest date of a look-up or manual check in the surveillance log, or None."""
    return searches.last_verified(searches.log_rows(surveillance_log(project)))


def update_interval_months(project: Project | None = None) -> int | None:
    """Months between scheduled searches (``x-update-interval-months``), or None when not set.

    Only a positive whole number counts: the stamp's due date and the chapters' glued interval
    both read it here, so they cannot disagree.
    """
    months = read_descriptor(project).get(UPDATE_INTERVAL)
    if not isinstance(months, int) or isinstance(months, bool) or months <= 0:
        return None
    return months


def next_update_due(project: Project, current_to: str) -> str | None:
    """``x-update-interval-months`` after the evidence date, or None when no interval is set."""
    months = update_interval_months(project)
    day = dates.parse_iso(current_to)
    if months is None or day is None:
        return None
    return dates.add_months(day, months).isoformat()


def stamp_sources(project: Project) -> list[Path]:
    """Every file ``chapter_stamp`` reads: a page depends on them so a change re-renders it."""
    found = [project.datapackage, *sorted(project.releases_dir.glob("*.json"))]
    log = surveillance_log(project) if project.datapackage.is_file() else None
    strategies = searches.strategies_path(project)
    return [p for p in [*found, log, strategies] if p is not None and p.is_file()]


def searched_words(project: Project, _: Callable[[str], str] = lambda text: text) -> str:
    """'last searched DATE', or, before the first complete run, what was done instead."""
    if searched := last_searched(project):
        return _("last searched {date}").format(date=searched)
    if verified := last_verified(project):
        return _(
            "systematic search strategies defined, first scheduled run pending; "
            "known records verified up to {date}"
        ).format(date=verified)
    return _("last search not recorded")


def evidence_words(project: Project, _: Callable[[str], str] = lambda text: text) -> list[str]:
    """The stamp's first words: the evidence date and the last search, or, before the first
    complete run of the saved strategies, when known records were last verified and that the
    first run is pending. No date is called a search date unless a complete run made it."""
    current_to = read_descriptor(project)[CURRENT_TO]
    if last_searched(project) is None and (verified := last_verified(project)):
        return [
            _("Known records verified up to {date}").format(date=verified),
            _("systematic search strategies defined, first scheduled run pending"),
        ]
    return [_("Evidence current to {date}").format(date=current_to), searched_words(project, _)]


def release_evidence_words(
    current_to: str,
    released: str,
    log: list[dict[str, str]],
    sources: list[str],
    _: Callable[[str], str] = lambda text: text,
) -> str:
    """A release's evidence date with what it is: a search date only when a complete run of
    the saved strategies, logged by the release date, made it; otherwise the date known records
    were last verified, which a reader must not take for a search date."""
    runs = searches.complete_runs(log, sources).values()
    searched = max((d for d in runs if dates.is_iso(d) and d <= released), default=None)
    if searched and searched >= current_to:
        return _("{date} (searched)").format(date=current_to)
    if searched:
        return _("{date} (known records verified; last searched {searched})").format(
            date=current_to, searched=searched
        )
    checked = searches.last_verified([r for r in log if (r.get("date") or "") <= released])
    if checked is None:  # the first version: the source review is the whole evidence
        return _("{date} (the source review's baseline; no search run)").format(date=current_to)
    return _("{date} (known records verified; no search run)").format(date=current_to)


def chapter_stamp(
    project: Project, inputs: list[str], _: Callable[[str], str] = lambda text: text
) -> str:
    """'Evidence current to …; last searched …; next update due …. Book version …; …'.

    The evidence date and the update interval come from the Data Package, the last search from
    the surveillance log: the latest complete run of the saved strategies; before the first
    one, the stamp names no search: it says when known records were last verified and that the
    first run is pending (``evidence_words``). A page's
    data last changed in the earliest release from which the bytes of every data file it uses
    stayed the same; a difference from the latest release means unreleased edits.
    """
    current_to = read_descriptor(project)[CURRENT_TO]
    # ``_`` gives a translated edition's words (the Sphinx extension's catalog).
    evidence = evidence_words(project, _)
    if due := next_update_due(project, current_to):
        evidence.append(_("next update due {date}").format(date=due))
    parts = []
    releases = snapshots(project)
    if releases:
        parts.append(_("Book version {version}").format(version=releases[-1]["version"]))
    if inputs and releases:
        current = {p: _sha256(project.root / p) for p in inputs}
        if any(releases[-1]["data"].get(p) != digest for p, digest in current.items()):
            parts.append(_("the data behind this page changed after the latest release"))
        else:
            since = releases[-1]
            for release in reversed(releases[:-1]):
                if any(release["data"].get(p) != current[p] for p in inputs):
                    break
                since = release
            parts.append(
                _("data behind this page last changed in version {version} ({date})").format(
                    version=since["version"], date=since["date"]
                )
            )
    sep, stop = _("; "), _(".")
    text = sep.join(evidence) + stop
    if parts:
        text = _("{evidence} {release}").format(evidence=text, release=sep.join(parts) + stop)
    return "*" + text + "*"
