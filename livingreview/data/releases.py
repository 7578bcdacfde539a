"""Releases and provenance: the one owner of the release record and what it proves.

A release is a row of ``data/releases.csv`` plus ``releases/<version>.json``, a snapshot of the
digest of every data file and of every glued value at that version. This module writes and
reads that format, orders versions, reads glued values from executed notebooks (through
myst-nb's public ``extract_glue_data``) and words the stamp each chapter carries. Every other
part of the package, the notebooks and the tests call it.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

from livingreview.data import csvio
from livingreview.data.files import write_atomic
from livingreview.data.project import Project

RELEASES_TABLE = "releases"
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


def read_glue(notebook: Path) -> dict[str, str]:
    """The text/plain value of every glued output of an executed notebook: {name: text}."""
    import nbformat
    from myst_nb.ext.glue import extract_glue_data

    nb = nbformat.read(notebook, as_version=4)
    found = extract_glue_data(nb, [0] * len(nb.cells), _QuietLogger())
    return {
        name: "".join(value) if isinstance(value, list) else value
        for name, output in found.items()
        if (value := output.get("data", {}).get(TEXT)) is not None
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


def chapter_stamp(project: Project, inputs: list[str], current_to: str) -> str:
    """'Evidence current to …; book version …; the data behind this page last changed in …'.

    A page's data last changed in the earliest release from which the bytes of every data
    file it uses stayed the same; a difference from the latest release means unreleased edits.
    """
    parts = [f"Evidence current to {current_to}"]
    releases = snapshots(project)
    if releases:
        parts.append(f"book version {releases[-1]['version']}")
    if inputs and releases:
        current = {p: _sha256(project.root / p) for p in inputs}
        if any(releases[-1]["data"].get(p) != digest for p, digest in current.items()):
            parts.append("the data behind this page changed after the latest release")
        else:
            since = releases[-1]
            for release in reversed(releases[:-1]):
                if any(release["data"].get(p) != current[p] for p in inputs):
                    break
                since = release
            parts.append(
                f"data behind this page last changed in version {since['version']} "
                f"({since['date']})"
            )
    return "*" + "; ".join(parts) + ".*"
