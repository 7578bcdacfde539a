"""The author's workflow: add evidence, see what changed, release a version.

``add_row`` appends one validated row to a data table and touches no other line.
``changed_evidence`` compares the data tables (and, for a release, the glued values) with a
git revision. ``release`` records a version: a snapshot of the data and of every glued value,
a row in ``data/releases.csv``, the version in ``data/datapackage.json`` and ``CITATION.cff``
and an entry in ``CHANGELOG.md``. Nothing here commits or tags: the author reviews the diff
and records it with git.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date as Date
from pathlib import Path

from livingreview.datapackage import Resource, read_descriptor, resources
from livingreview.manifest import ManifestInvalid, load_manifest
from livingreview.project import Project
from livingreview.runner import AnalysisFailed, plan, run_analyses
from livingreview.validate import Problem, read_rows, validate_project

RELEASES = "releases"
SEMVER = re.compile(r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)$")
RELEASE_NAME = re.compile(r"^v?((?:0|[1-9]\d*)\.(?:0|[1-9]\d*)\.(?:0|[1-9]\d*))$")
GLUE_MIME = "application/papermill.record/text/plain"
CHANGELOG_HEADER = """# Changelog

Every released version of this living review, newest first. The format follows
[Keep a Changelog](https://keepachangelog.com/en/1.1.0/) and version numbers follow
[Semantic Versioning](https://semver.org/spec/v2.0.0.html). Each version is also a row of
`data/releases.csv`, shown on the book's What's new page, and a snapshot of its data and
glued values in `releases/<version>.json`. Create a version with `livingreview release`.
"""


# ---------------------------------------------------------------------------------------------
# Adding a row


class RowRejected(ValueError):
    """The row breaks the table's rules; ``problems`` says how. No file was changed."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        lines = "\n".join(str(p) for p in problems)
        super().__init__(f"row rejected: {len(problems)} problem(s); no file was changed\n{lines}")


def find_resource(project: Project, table: str) -> Resource | None:
    """A table by resource name (``preclinical_studies``) or file name (``….csv``)."""
    found = resources(project)
    name = Path(table).name
    if name in found:
        return found[name]
    return next((r for r in found.values() if r.path == name), None)


def _newline(data: bytes) -> bytes:
    return b"\r\n" if b"\r\n" in data else b"\n"


def _encode_row(cells: list[str], newline: bytes) -> bytes:
    out = io.StringIO()
    csv.writer(out, lineterminator="").writerow(cells)
    return out.getvalue().encode("utf-8") + newline


def _appended(data: bytes, row: bytes) -> bytes:
    """``data`` with ``row`` as its last line, keeping whether the file ends with a newline."""
    newline = _newline(data)
    if not data or data.endswith(b"\n"):
        return data + row
    return data + newline + row[: -len(newline)]


def _write_atomically(path: Path, data: bytes) -> None:
    handle = tempfile.NamedTemporaryFile(
        dir=path.parent, prefix=f".{path.name}.", suffix=".tmp", delete=False
    )
    try:
        with handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        if path.exists():
            shutil.copymode(path, handle.name)
        else:  # a new file gets the usual permissions, not the temporary file's 0600
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(handle.name, 0o666 & ~umask)
        os.replace(handle.name, path)
    except BaseException:
        Path(handle.name).unlink(missing_ok=True)
        raise


def _scratch_copy(project: Project, dest: Path) -> Project:
    """What validation reads (data, chapters, analyses) copied under ``dest``."""
    ignore = shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__")
    for folder in (project.data_dir, project.chapters_dir, project.analyses_dir):
        if folder.is_dir():
            shutil.copytree(folder, dest / folder.name, ignore=ignore)
    return Project(dest)


def _candidate(
    project: Project, table: str, values: dict[str, str]
) -> tuple[list[Problem], Path | None, bytes, int]:
    """Problems, the table's path, its new bytes with the row appended, the row's line."""
    resource = find_resource(project, table)
    if resource is None:
        known = ", ".join(resources(project))
        problem = Problem(
            f"data/{table}", None, None, table, "unknown-table", "is not a data table",
            f"tables: {known}",
        )  # fmt: skip
        return [problem], None, b"", 0
    file = f"data/{resource.path}"
    path = project.data_dir / resource.path
    if not path.is_file():
        return [Problem(file, None, None, None, "missing-file", "does not exist")], path, b"", 0
    header, rows, problems = read_rows(path, file)
    if header is None:
        return problems, path, b"", 0
    line = len(rows) + 2  # the header is line 1
    columns = [f.name for f in resource.fields]
    for column, value in values.items():
        if column not in columns:
            problems.append(
                Problem(
                    file, line, column, value, "unknown-column", "is not a column of this table",
                    f"columns: {', '.join(columns)}",
                )
            )  # fmt: skip
        elif "\n" in value or "\r" in value:
            problems.append(
                Problem(
                    file, line, column, value, "line-break", "contains a line break",
                    "a new row is one line; put long text in the chapter prose",
                )
            )  # fmt: skip
    data = path.read_bytes()
    cells = [values.get(c, "") for c in columns]
    return problems, path, _appended(data, _encode_row(cells, _newline(data))), line


def check_row(project: Project, table: str, values: dict[str, str]) -> list[Problem]:
    """Every problem the row would bring into the data (empty list: it may be added)."""
    problems, path, _, _ = _candidate(project, table, values)
    # validate the rest of the row even if a cell holds a line break: all problems at once
    flat = {k: v.replace("\r", " ").replace("\n", " ") for k, v in values.items()}
    _, _, contents, _ = _candidate(project, table, flat)
    if path is None or not contents:
        return problems
    before = set(validate_project(project))
    with tempfile.TemporaryDirectory(prefix="livingreview-add-") as tmp:
        scratch = _scratch_copy(project, Path(tmp))
        (scratch.root / project.rel(path)).write_bytes(contents)
        after = validate_project(scratch)
    return problems + [p for p in after if p not in before]


def add_row(project: Project, table: str, values: dict[str, str]) -> int:
    """Append one row to ``table`` after validating it; return its line number in the file.

    The row is checked with every rule ``livingreview validate`` applies (cell types,
    required values, allowed values, uniqueness, reference keys, cross-column rules) on a
    scratch copy of the data. Only if it passes is the file replaced, atomically, by itself
    plus the new line. Raises ``RowRejected`` with the problems otherwise.
    """
    problems = check_row(project, table, values)
    if problems:
        raise RowRejected(problems)
    _, path, contents, line = _candidate(project, table, values)
    assert path is not None and contents
    _write_atomically(path, contents)
    return line


# ---------------------------------------------------------------------------------------------
# What changed


class ChangesFailed(RuntimeError):
    pass


def _git(project: Project, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    try:
        proc = subprocess.run(
            ["git", *args], cwd=project.root, capture_output=True, text=True, encoding="utf-8"
        )
    except OSError as exc:  # git not installed
        proc = subprocess.CompletedProcess(["git", *args], 127, "", f"cannot run git: {exc}")
    if check and proc.returncode != 0:
        raise ChangesFailed(f"git {' '.join(args)} failed: {proc.stderr.strip()}")
    return proc


def _git_file(project: Project, ref: str, path: str) -> str | None:
    """The text of ``path`` at ``ref``, or None when the file did not exist there."""
    proc = _git(project, "show", f"{ref}:{path}", check=False)
    return proc.stdout if proc.returncode == 0 else None


def _commit(project: Project, ref: str) -> str | None:
    proc = _git(project, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}", check=False)
    return proc.stdout.strip() if proc.returncode == 0 else None


def version_key(version: str) -> tuple[int, int, int]:
    major, minor, patch = (int(p) for p in version.split("."))
    return major, minor, patch


def release_tags(project: Project) -> list[str]:
    """Tags ``vX.Y.Z``, oldest version first."""
    proc = _git(project, "tag", "--list", "v*", check=False)
    names = [t.strip() for t in proc.stdout.splitlines() if RELEASE_NAME.match(t.strip())]
    return sorted(names, key=lambda t: version_key(t[1:]))


def release_ref(project: Project, version: str) -> str | None:
    """The commit holding release ``version``: its tag, else the commit that recorded it."""
    commit = _commit(project, f"refs/tags/v{version}")
    if commit:
        return commit
    for args in (
        ("--diff-filter=A", "--", f"releases/{version}.json"),
        ("-G", f"^{re.escape(version)},", "--", "data/releases.csv"),
    ):
        proc = _git(project, "log", "--format=%H", "--reverse", *args, check=False)
        found = proc.stdout.split()
        if proc.returncode == 0 and found:
            return found[0]
    return None


def default_since(project: Project) -> str:
    """The latest release tag, or HEAD when no version has been tagged."""
    tags = release_tags(project)
    return tags[-1] if tags else "HEAD"


@dataclass(frozen=True)
class RowChange:
    key: tuple[str, ...]
    cells: dict[str, tuple[str, str]]  # column: (old, new)


@dataclass
class TableChanges:
    table: str
    file: str
    key_columns: list[str]
    added: list[tuple[str, ...]] = field(default_factory=list)
    removed: list[tuple[str, ...]] = field(default_factory=list)
    changed: list[RowChange] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.added or self.removed or self.changed)

    def counts(self) -> str:
        return f"{len(self.added)} added, {len(self.removed)} removed, {len(self.changed)} changed"


@dataclass(frozen=True)
class GlueChange:
    run: str
    name: str
    old: str | None  # None: not glued in the release
    new: str | None  # None: no longer glued


@dataclass
class EvidenceChanges:
    since: str  # as the author named it
    commit: str
    tables: list[TableChanges]
    release: str | None = None  # the release ``since`` names, if any
    snapshot: str | None = None  # the snapshot the glued values were compared with
    glued: list[GlueChange] = field(default_factory=list)
    stale_runs: list[str] = field(default_factory=list)

    @property
    def changed_tables(self) -> list[TableChanges]:
        return [t for t in self.tables if t]


def _keyed(text: str | None, key: list[str]) -> tuple[list[str], dict[tuple[str, ...], dict]]:
    if text is None:
        return [], {}
    if text.startswith("\ufeff"):
        text = text[1:]
    reader = csv.DictReader(io.StringIO(text, newline=""))
    columns = list(reader.fieldnames or [])
    rows: dict[tuple[str, ...], dict] = {}
    for number, row in enumerate(reader, start=2):
        ident = tuple(row.get(k) or "" for k in key) if key else (str(number),)
        rows[ident] = row
    return columns, rows


def compare_table(
    table: str, file: str, key: list[str], old_text: str | None, new_text: str | None
) -> TableChanges:
    """Rows added, removed and changed between two versions of one CSV, by primary key."""
    old_columns, old = _keyed(old_text, key)
    new_columns, new = _keyed(new_text, key)
    columns = [*new_columns, *[c for c in old_columns if c not in new_columns]]
    result = TableChanges(table, file, key)
    result.added = [k for k in new if k not in old]
    result.removed = [k for k in old if k not in new]
    for ident in (k for k in new if k in old):
        cells = {
            c: (old[ident].get(c) or "", new[ident].get(c) or "")
            for c in columns
            if (old[ident].get(c) or "") != (new[ident].get(c) or "")
        }
        if cells:
            result.changed.append(RowChange(ident, cells))
    return result


def _tables(descriptor: dict | None) -> dict[str, Resource]:
    return {
        r["name"]: Resource(r["name"], r["path"], r)
        for r in (descriptor or {}).get("resources", [])
    }


def compare_data(project: Project, commit: str) -> list[TableChanges]:
    """Every data table at ``commit`` against the working tree."""
    old_descriptor = _git_file(project, commit, "data/datapackage.json")
    old_tables = _tables(json.loads(old_descriptor) if old_descriptor else None)
    new_tables = _tables(read_descriptor(project))
    out = []
    for name in [*new_tables, *[n for n in old_tables if n not in new_tables]]:
        new_res, old_res = new_tables.get(name), old_tables.get(name)
        key = (new_res or old_res).primary_key
        new_path = project.data_dir / new_res.path if new_res else None
        new_text = new_path.read_text(encoding="utf-8") if new_path and new_path.is_file() else None
        old_text = _git_file(project, commit, f"data/{old_res.path}") if old_res else None
        file = f"data/{(new_res or old_res).path}"
        out.append(compare_table(name, file, key, old_text, new_text))
    return out


def glued_values(project: Project, run_names: list[str] | None = None) -> dict[str, dict]:
    """Every glued text/plain value of the executed notebooks: {run: {name: text}}."""
    if run_names is None:
        run_names = [r.name for r in load_manifest(project)]
    values: dict[str, dict] = {}
    for name in run_names:
        path = project.executed_dir / f"{name}.ipynb"
        if not path.is_file():
            continue
        nb = json.loads(path.read_text(encoding="utf-8"))
        found = values.setdefault(name, {})
        for cell in nb.get("cells", []):
            for output in cell.get("outputs", []):
                key = output.get("metadata", {}).get("scrapbook", {}).get("name")
                text = output.get("data", {}).get(GLUE_MIME)
                if key and text is not None:
                    found[key] = "".join(text) if isinstance(text, list) else text
    return values


def compare_glued(old: dict[str, dict], new: dict[str, dict]) -> list[GlueChange]:
    out = []
    for run in [*new, *[r for r in old if r not in new]]:
        before, after = old.get(run, {}), new.get(run, {})
        for name in [*after, *[n for n in before if n not in after]]:
            if before.get(name) != after.get(name):
                out.append(GlueChange(run, name, before.get(name), after.get(name)))
    return out


def snapshot_path(project: Project, version: str) -> Path:
    return project.root / "releases" / f"{version}.json"


def read_snapshot(project: Project, version: str, commit: str | None = None) -> dict | None:
    path = snapshot_path(project, version)
    if path.is_file():
        return json.loads(path.read_text(encoding="utf-8"))
    text = _git_file(project, commit, f"releases/{version}.json") if commit else None
    return json.loads(text) if text else None


def changed_evidence(project: Project, since: str | None = None) -> EvidenceChanges:
    """What changed in the data (and, since a release, in the glued values) since ``since``.

    ``since`` is a git revision, a release tag ``vX.Y.Z`` or a release version ``X.Y.Z``
    (default: the latest release tag, else HEAD). Data tables are compared row by row on
    their primary key; glued values are compared with the release's snapshot.
    """
    since = since or default_since(project)
    release = None
    match = RELEASE_NAME.match(since)
    if match and (_commit(project, f"refs/tags/v{match.group(1)}") or not _commit(project, since)):
        release = match.group(1)
        commit = release_ref(project, release)
        if commit is None:
            raise ChangesFailed(
                f"no release {release}: no tag v{release} and no commit recording "
                f"releases/{release}.json or its row in data/releases.csv"
            )
    else:
        commit = _commit(project, since)
        if commit is None:
            raise ChangesFailed(f"'{since}' is not a git revision or a release of this book")
    changes = EvidenceChanges(since, commit, compare_data(project, commit), release)
    snapshot = read_snapshot(project, release, commit) if release else None
    if snapshot is not None:
        runs = load_manifest(project)
        current = glued_values(project, [r.name for r in runs])
        # a run never executed here is reported as out of date, not as all values gone
        names = {r.name for r in runs}
        old = {r: v for r, v in snapshot.get("glued", {}).items() if r in current or r not in names}
        changes.snapshot = f"releases/{release}.json"
        changes.glued = compare_glued(old, current)
        changes.stale_runs = [d.run.name for d in plan(project, runs) if d.execute]
    return changes


def _show(value: str | None, width: int = 60) -> str:
    if value is None:
        return "(none)"
    if "\n" in value:
        return f"<{len(value.splitlines())} lines>"
    return repr(value if len(value) <= width else value[: width - 1] + "…")


def format_changes(changes: EvidenceChanges) -> str:
    """The changes as an author reads them in the terminal."""
    lines = [f"changes since {changes.since} ({changes.commit[:10]}), working tree:"]
    tables = changes.changed_tables
    if not tables:
        lines.append("  data: no row added, removed or changed")
    for table in tables:
        lines.append(f"  {table.file}: {table.counts()} (key: {', '.join(table.key_columns)})")
        for key in table.added:
            lines.append(f"    + {'|'.join(key)}")
        for key in table.removed:
            lines.append(f"    - {'|'.join(key)}")
        for row in table.changed:
            lines.append(f"    ~ {'|'.join(row.key)}")
            for column, (old, new) in row.cells.items():
                lines.append(f"        {column}: {_show(old)} -> {_show(new)}")
    if changes.release and changes.snapshot is None:
        lines.append(f"  glued values: release {changes.release} has no snapshot to compare with")
    elif changes.snapshot:
        if changes.glued:
            lines.append(f"  glued values that differ from {changes.snapshot}:")
            for glue in changes.glued:
                lines.append(f"    {glue.run}::{glue.name}: {_show(glue.old)} -> {_show(glue.new)}")
        else:
            lines.append(f"  glued values: all as in {changes.snapshot}")
        if changes.stale_runs:
            lines.append(
                "  note: executed notebooks are out of date for "
                f"{', '.join(changes.stale_runs)}; run `livingreview run` to compare current values"
            )
    return "\n".join(lines)


def summarize(tables: list[TableChanges]) -> str:
    """One line for data/releases.csv: rows added, removed and changed per table."""
    parts = [f"{t.table}: {t.counts()}" for t in tables if t and t.table != RELEASES]
    return "; ".join(parts) + "." if parts else "No change to the evidence tables."


# ---------------------------------------------------------------------------------------------
# Releasing a version


class ReleaseRefused(RuntimeError):
    pass


def releases_file(project: Project) -> Path:
    resource = find_resource(project, RELEASES)
    if resource is None:
        raise ReleaseRefused("data/datapackage.json has no 'releases' table")
    return project.data_dir / resource.path


def past_releases(project: Project) -> list[dict[str, str]]:
    """The rows of data/releases.csv, oldest version first."""
    path = releases_file(project)
    if not path.is_file():
        return []
    rows = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"), newline="")))
    valid = [r for r in rows if SEMVER.match(r.get("version") or "")]
    return sorted(valid, key=lambda r: version_key(r["version"]))


def data_digests(project: Project) -> dict[str, str]:
    return {
        project.rel(p): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(project.data_dir.rglob("*"))
        if p.is_file()
    }


def write_snapshot(project: Project, record: dict[str, str], run_names: list[str]) -> Path:
    """``releases/<version>.json``: the release record, data file digests, every glued value."""
    snapshot = {
        **record,
        "data": data_digests(project),
        "glued": glued_values(project, run_names),
    }
    path = snapshot_path(project, record["version"])
    path.parent.mkdir(exist_ok=True)
    text = json.dumps(snapshot, indent=1, sort_keys=True, ensure_ascii=False) + "\n"
    _write_atomically(path, text.encode("utf-8"))
    return path


def set_package_version(project: Project, version: str) -> None:
    descriptor = read_descriptor(project)
    descriptor["version"] = version
    text = json.dumps(descriptor, indent=2, ensure_ascii=False) + "\n"
    _write_atomically(project.datapackage, text.encode("utf-8"))


def citation_cff(version: str, released: str) -> str:
    return f"""cff-version: 1.2.0
message: >-
  If you use this living review, please cite it as below, giving the version you read,
  together with the source review it is based on (listed under references).
title: "Stem cell therapy for sepsis: a living review"
version: "{version}"
date-released: "{released}"
authors:
  - name: "The living review team"
license: CC-BY-4.0
abstract: >-
  An executable living review of stem cell therapy for sepsis, rewritten in English from a
  2025 review by Niu, Sun, Xie and Li, with its evidence held in versioned data tables.
keywords:
  - sepsis
  - mesenchymal stromal cells
  - living review
references:
  - type: article
    title: "Advances in clinical research on stem cell therapy for sepsis"
    authors:
      - family-names: Niu
        given-names: X.
      - family-names: Sun
        given-names: Z.
      - family-names: Xie
        given-names: M.
      - family-names: Li
        given-names: S.
    journal: "Basic & Clinical Medicine"
    year: 2025
    doi: 10.16352/j.issn.1001-6325.2025.09.1234
"""


def update_citation(project: Project, version: str, released: str) -> None:
    path = project.root / "CITATION.cff"
    if not path.is_file():
        text = citation_cff(version, released)
    else:
        text = path.read_text(encoding="utf-8")
        for key, value in (("version", version), ("date-released", released)):
            line = f'{key}: "{value}"'
            pattern = re.compile(rf"^{key}:.*$", re.MULTILINE)
            text = pattern.sub(line, text, count=1) if pattern.search(text) else text + line + "\n"
    _write_atomically(path, text.encode("utf-8"))


def _rows_line(file: str, keys: list[tuple[str, ...]], shown: int = 10) -> str:
    names = ", ".join("|".join(k) for k in keys[:shown])
    more = f" and {len(keys) - shown} more" if len(keys) > shown else ""
    return f"{len(keys)} row{'s' if len(keys) != 1 else ''} in `{file}`: {names}{more}"


def changelog_entry(
    version: str,
    released: str,
    current_to: str,
    tables: list[TableChanges],
    conclusions: str,
    note: str,
) -> str:
    lines = [f"## [{version}] - {released}", ""]
    lines.append(
        f"Evidence current to {current_to}. Conclusions changed: {conclusions}."
        + (f" {note.strip()}" if note.strip() else "")
    )
    evidence = [t for t in tables if t and t.table != RELEASES]
    sections = {
        "Added": [_rows_line(t.file, t.added) for t in evidence if t.added],
        "Changed": [_rows_line(t.file, [c.key for c in t.changed]) for t in evidence if t.changed],
        "Removed": [_rows_line(t.file, t.removed) for t in evidence if t.removed],
    }
    for heading, items in sections.items():
        if items:
            lines += ["", f"### {heading}", "", *[f"- {item}" for item in items]]
    if not evidence:
        lines += ["", "No change to the evidence tables."]
    return "\n".join(lines) + "\n"


def prepend_changelog(project: Project, entry: str) -> None:
    path = project.root / "CHANGELOG.md"
    text = path.read_text(encoding="utf-8") if path.is_file() else CHANGELOG_HEADER
    match = re.search(r"^## \[", text, flags=re.MULTILINE)
    if match:
        text = text[: match.start()] + entry + "\n" + text[match.start() :]
    else:
        text = text.rstrip("\n") + "\n\n" + entry
    _write_atomically(path, text.encode("utf-8"))


def git_commands(version: str) -> list[str]:
    """What the author runs to record a release (release() itself never commits or tags)."""
    return [
        f"git add data/ releases/{version}.json CITATION.cff CHANGELOG.md",
        f'git commit -m "Release {version}"',
        f'git tag -a v{version} -m "Version {version}"',
    ]


def _is_date(text: str) -> bool:
    try:
        return bool(re.fullmatch(r"\d{4}-\d{2}-\d{2}", text)) and bool(Date.fromisoformat(text))
    except ValueError:
        return False


def release(
    project: Project,
    version: str,
    date: str | None = None,
    conclusions: str = "none",
    note: str = "",
    report: Callable[[str], None] = print,
) -> Path:
    """Record version ``version`` of the book; return the path of its snapshot.

    Refuses (``ReleaseRefused``) on an uncommitted tree, invalid data, a version that is not
    X.Y.Z or not above the last release. ``conclusions`` is ``yes`` or ``no`` (``none``:
    no conclusion changed); ``yes`` needs a ``note`` saying which. On any failure every file
    the release wrote is restored.
    """
    released = date or Date.today().isoformat()
    if not SEMVER.match(version):
        raise ReleaseRefused(f"version '{version}' is not semantic: expected X.Y.Z, e.g. 0.2.0")
    if not _is_date(released):
        raise ReleaseRefused(f"date '{released}' is not a date YYYY-MM-DD")
    conclusions = "no" if conclusions == "none" else conclusions
    if conclusions not in ("yes", "no"):
        raise ReleaseRefused(f"conclusions must be yes or no, got '{conclusions}'")
    if conclusions == "yes" and not note.strip():
        raise ReleaseRefused("conclusions changed: say which in a note (--note)")
    previous = past_releases(project)
    if previous:
        last = previous[-1]
        if version_key(version) <= version_key(last["version"]):
            raise ReleaseRefused(
                f"version {version} is not greater than the last release {last['version']}"
            )
        if released < last["date"]:
            raise ReleaseRefused(f"date {released} is before the last release ({last['date']})")
    if snapshot_path(project, version).exists():
        raise ReleaseRefused(f"releases/{version}.json already exists")
    status = _git(project, "status", "--porcelain", check=False)
    if status.returncode != 0:
        raise ReleaseRefused(f"cannot read the git status: {status.stderr.strip()}")
    if status.stdout.strip():
        dirty = "\n".join(f"  {line}" for line in status.stdout.splitlines()[:20])
        raise ReleaseRefused(
            f"the working tree has uncommitted changes; commit or stash them first:\n{dirty}"
        )
    problems = validate_project(project)
    if problems:
        listed = "\n".join(str(p) for p in problems[:20])
        raise ReleaseRefused(
            f"validation failed: {len(problems)} problem(s); fix them first:\n{listed}"
        )
    try:
        runs = load_manifest(project)
    except ManifestInvalid as exc:
        raise ReleaseRefused(f"manifest invalid:\n{exc}") from exc

    base = release_ref(project, previous[-1]["version"]) if previous else None
    tables = compare_data(project, base) if base else []
    summary = summarize(tables) if previous else "First version."
    if previous and base is None:
        summary = f"Changes since {previous[-1]['version']} not computed (no tag or record)."
    current_to = read_descriptor(project)["x-evidence-current-to"]

    touched = [
        releases_file(project),
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
        add_row(project, RELEASES, record)
        set_package_version(project, version)
        run_analyses(project, runs, report=report)
        path = write_snapshot(project, record, [r.name for r in runs])
        update_citation(project, version, released)
        entry = changelog_entry(version, released, current_to, tables, conclusions, note)
        prepend_changelog(project, entry)
    except BaseException as exc:
        for file, data in saved.items():
            if data is None:
                file.unlink(missing_ok=True)
            else:
                _write_atomically(file, data)
        if isinstance(exc, RowRejected):
            raise ReleaseRefused(f"the release record is invalid:\n{exc}") from exc
        if isinstance(exc, AnalysisFailed):
            raise ReleaseRefused(f"the analyses failed; nothing was released:\n{exc}") from exc
        raise
    return path
