"""Shared fixtures: temporary copies of the book and a small stand-alone project."""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import subprocess
import sys
import sysconfig
import textwrap
from datetime import date
from pathlib import Path

import pytest

# The book the tests check: this checkout, or (for the update-path test) an updated copy.
REPO = Path(os.environ.get("LIVINGREVIEW_TEST_REPO") or Path(__file__).resolve().parents[1])
IGNORE = shutil.ignore_patterns(
    ".venv", "_build", ".git", "__pycache__", ".pytest_cache", ".ruff_cache", "node_modules"
)


def copy_repo(dest: Path) -> Path:
    shutil.copytree(REPO, dest, ignore=IGNORE)
    return dest


def cli(root: Path, *args: str, check: bool = False) -> subprocess.CompletedProcess:
    """Run the livingreview CLI in ``root`` as an author would."""
    proc = subprocess.run(
        [sys.executable, "-m", "livingreview", *args],
        cwd=root,
        capture_output=True,
        text=True,
    )
    if check and proc.returncode != 0:
        raise AssertionError(f"livingreview {' '.join(args)} failed:\n{proc.stdout}\n{proc.stderr}")
    return proc


def shared_once(tmp_path_factory, name: str, make) -> Path:
    """``make(folder)`` once per test run, even with pytest-xdist: the first worker to get here
    makes it under a lock, the others wait and use it (a failure is re-raised by each)."""
    base = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        base = base.parent  # the run's folder, shared by its workers
    folder = base / f"shared-{name}"
    failed = base / f"shared-{name}.failed"
    with open(base / f"shared-{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            if failed.is_file():
                raise AssertionError(f"{name} failed in another worker:\n{failed.read_text()}")
            if not (folder / ".made").is_file():
                shutil.rmtree(folder, ignore_errors=True)
                folder.mkdir()
                try:
                    make(folder)
                except BaseException as exc:
                    failed.write_text(str(exc)[-4000:], encoding="utf-8")
                    raise
                (folder / ".made").touch()
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
    return folder


@pytest.fixture(scope="session")
def built_book(tmp_path_factory) -> Path:
    """One clean build of a copy of the book, shared by read-only tests (never change it: copy
    it with ``seeded_copy``)."""

    def make(folder: Path) -> None:
        cli(copy_repo(folder / "repo"), "book", check=True)

    return shared_once(tmp_path_factory, "built-book", make) / "repo"


def seeded_copy(book: Path, dest: Path) -> Path:
    """A copy of a built book, its build outputs included: its first ``book`` executes only the
    analyses whose inputs differ (run stamps fingerprint content, not paths). Sphinx re-reads
    every page at its first build in the new folder (its environment records the folder)."""
    shutil.copytree(book, dest, symlinks=True)
    return dest


def git(root: Path, *args: str) -> str:
    run = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, check=True)
    return run.stdout


def commit_all(root: Path, message: str) -> None:
    git(root, "add", "-A")
    git(root, "-c", "user.name=Author", "-c", "user.email=a@example.org", "commit", "-qm", message)


UPDATE_KEY = "updatetest2099"


@pytest.fixture(scope="session")
def updated_book(built_book, tmp_path_factory) -> Path:
    """The book after a full author update, built: on a git copy seeded from the session
    build, add a reference, add an animal study citing it, check it, move a pooled estimate,
    see the changes, commit, release the next version, commit and tag, ``book``. What each
    step printed is in ``_build/update-journal.json`` (see ``journal``). Nothing here names
    today's evidence."""
    return shared_once(tmp_path_factory, "updated-book", lambda f: update(built_book, f)) / "repo"


UPDATE_NOTE = "Test update."


def update(built_book: Path, folder: Path) -> None:
    from livingreview.authoring.release import default_current_to
    from livingreview.data.project import Project
    from livingreview.data.releases import past_releases

    root = seeded_copy(built_book, folder / "repo")
    git(root, "init", "-q", "-b", "main")
    commit_all(root, "The book as it stands")
    last = past_releases(Project(root))[-1]
    steps: dict[str, object] = {"previous": last}
    steps["studies_before"] = len(table_rows(root, "preclinical_studies"))
    key = UPDATE_KEY
    reference = [
        "add", "reference", "--key", key, "--doi", f"10.5555/{key}",
        "--title", "A test study of stromal cells in caecal ligation and puncture",
        "--author", "Update, Test", "--author", "Author, Second",
        "--journal", "J Test Res", "--year", "2099", "--volume", "1", "--pages", "1--9",
    ]  # fmt: skip
    steps["add reference"] = cli(root, *reference, check=True).stdout
    study = {**table_rows(root, "preclinical_studies")[0], "study_id": key, "ref_key": key}
    study |= {"year": "2099", "main_finding": "lower mortality in the test model"}
    study |= {"in_source_table1": "false", "verification": "confirmed", "notes": "Test row."}
    steps["study"] = study
    # the study's screening decision, from the look-up that met it (README, "Adding a study")
    logged = cli(
        root, "search", "log-lookup", "--source", "publisher site", "--query", f"doi:10.5555/{key}",
        "--notes", "The test study, read on its publisher page.", check=True,
    ).stdout  # fmt: skip
    search_id = logged.split()[1].rstrip(":")
    edit_cell(root, "surveillance_log", search_id, "new_records", "1")
    steps["log look-up"] = logged
    screened = {
        "record_id": key, "title": "A test study of stromal cells", "year": "2099",
        "design": "animal study", "decision": "included", "search_id": search_id,
        "checked": date.today().isoformat(), "study_id": key, "record_type": "main report",
    }  # fmt: skip
    steps["add screening"] = cli(
        root, "add", "screening", *[f"--set={k}={v}" for k, v in screened.items()], check=True
    ).stdout
    steps["add study"] = cli(
        root, "add", "preclinical_studies", *[f"--set={k}={v}" for k, v in study.items()],
        check=True,
    ).stdout  # fmt: skip
    steps["validate"] = cli(root, "validate", check=True).stdout
    first = table_rows(root, "pooled_effects")[0]
    step = 0.01 if float(first["estimate"]) + 0.01 <= float(first["ci_high"]) else -0.01
    edit_cell(root, "pooled_effects", first["effect_id"], "estimate",
              f"{float(first['estimate']) + step:.2f}")  # fmt: skip
    steps["changes"] = cli(root, "changes", check=True).stdout
    commit_all(root, "One study, one reference, one estimate")
    major, minor, _ = last["version"].split(".")
    version = f"{major}.{int(minor) + 1}.0"
    today = max(date.today().isoformat(), last["date"])
    steps |= {"version": version, "date": today}
    steps["current_to"] = default_current_to(Project(root))
    # rows the journey checked today came in: say explicitly that the evidence date stays
    steps["release"] = cli(
        root, "release", version, "--date", today, "--note", UPDATE_NOTE,
        "--evidence-date", steps["current_to"], check=True,
    ).stdout  # fmt: skip
    steps["status after release"] = git(root, "status", "--porcelain")
    steps["tags after release"] = git(root, "tag")
    commit_all(root, f"Release {version}")
    git(root, "tag", "-a", f"v{version}", "-m", f"Version {version}")
    steps["book"] = cli(root, "book", check=True).stdout
    text = json.dumps(steps, indent=1)
    root.joinpath("_build", "update-journal.json").write_text(text, encoding="utf-8")


def journal(updated: Path) -> dict:
    """What each step of the author update printed (``updated_book``), and its inputs."""
    return json.loads((updated / "_build" / "update-journal.json").read_text(encoding="utf-8"))


CLONE_MAKE = "make book"


@pytest.fixture(scope="session")
def cloned_book(tmp_path_factory) -> Path:
    """A second clean build, made as a reader makes it: the sources committed to a repository,
    cloned into the folder the reproduce box names, ``make book`` there (see test_reproduce)."""
    from livingreview.data.identity import identity
    from livingreview.data.project import Project

    folder_name = identity(Project(REPO)).clone_folder

    def make(folder: Path) -> None:
        source = copy_repo(folder / "source")
        git(source, "init", "-q", "-b", "main")
        commit_all(source, "The book as it stands")
        git(folder, "clone", "-q", str(source), folder_name)
        clone = folder / folder_name
        shared_venv(clone)
        env = {k: v for k, v in os.environ.items() if k not in ("LIVINGREVIEW_ROOT", "VIRTUAL_ENV")}
        made = subprocess.run(
            CLONE_MAKE.split(), cwd=clone, env=env, capture_output=True, text=True
        )
        if made.returncode != 0:
            raise AssertionError(
                f"{CLONE_MAKE} failed:\n{made.stdout[-3000:]}\n{made.stderr[-3000:]}"
            )
        (clone / "_build" / "make-book.log").write_text(made.stdout, encoding="utf-8")

    return shared_once(tmp_path_factory, "cloned-book", make) / folder_name


def shared_venv(clone: Path) -> None:
    """A .venv in the clone: the tests' installed dependencies, the clone's own package."""
    venv = clone / ".venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    purelib = subprocess.run(
        [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    # the clone first, so `import livingreview` is the clone's code, then the pinned packages
    ours = sysconfig.get_paths()["purelib"]
    (Path(purelib) / "shared_dependencies.pth").write_text(f"{clone}\n{ours}\n")
    script = venv / "bin" / "livingreview"
    script.write_text(
        f"#!{python}\nimport sys\nfrom livingreview.cli import app\nsys.exit(app())\n"
    )
    script.chmod(0o755)
    (venv / ".installed").touch()  # newer than requirements.lock: make skips pip install


# The read-only checks of the built book run on the book as committed and on the book after
# an author's update: an update must never turn them red.
BOOKS = ["committed", "updated"]


@pytest.fixture(scope="session", params=BOOKS)
def checked_book(request) -> Path:
    return request.getfixturevalue("built_book" if request.param == "committed" else "updated_book")


@pytest.fixture(scope="session", params=BOOKS)
def book_source(request) -> Path:
    """The sources (chapters, data) the source-level checks read: this checkout, or the
    updated copy (which builds it)."""
    return REPO if request.param == "committed" else request.getfixturevalue("updated_book")


# Fixtures that build a whole book: a test using one is `slow` (left out of `make check`).
BOOK_FIXTURES = {"built_book", "updated_book", "checked_book", "cloned_book"}


def pytest_collection_modifyitems(items):
    for item in items:
        builds = BOOK_FIXTURES & set(item.fixturenames)
        callspec = getattr(item, "callspec", None)
        if builds == set() and callspec and callspec.params.get("book_source") == "updated":
            builds = {"updated_book"}
        if builds:
            item.add_marker(pytest.mark.slow)


def make_notebook(path: Path, parameters: str, body: str) -> None:
    cells = [
        {"cell_type": "code", "id": "p", "metadata": {"tags": ["parameters"]},
         "source": textwrap.dedent(parameters), "outputs": [], "execution_count": None},
        {"cell_type": "code", "id": "b", "metadata": {},
         "source": textwrap.dedent(body), "outputs": [], "execution_count": None},
    ]  # fmt: skip
    nb = {
        "cells": cells,
        "metadata": {
            "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}
        },
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    path.write_text(json.dumps(nb, indent=1))


@pytest.fixture
def mini_project(tmp_path) -> Path:
    """A two-analysis project: `counts` reads a.csv, `other` reads b.csv."""
    root = tmp_path / "mini"
    (root / "data").mkdir(parents=True)
    (root / "analyses").mkdir()
    (root / "_config.yml").write_text("title: mini\n")
    (root / "data" / "a.csv").write_text("x\n1\n2\n")
    (root / "data" / "b.csv").write_text("y\n5\n")
    (root / "data" / "secret.csv").write_text("z\n9\n")
    body = """
        import livingreview, pandas as pd
        from myst_nb import glue
        frame = pd.read_csv(f"data/{source}")
        glue("total", int(frame.iloc[:, 0].sum()) * factor, display=False)
    """
    make_notebook(root / "analyses" / "counts.ipynb", 'source = "a.csv"\nfactor = 1\n', body)
    make_notebook(root / "analyses" / "other.ipynb", 'source = "b.csv"\nfactor = 1\n', body)
    write_manifest(root)
    return root


def write_manifest(root: Path, counts_params: str = "{}", extra: str = "") -> None:
    (root / "analyses" / "manifest.yml").write_text(
        textwrap.dedent(
            f"""\
            runs:
              - name: counts
                notebook: analyses/counts.ipynb
                parameters: {counts_params}
                inputs: [data/a.csv]
              - name: other
                notebook: analyses/other.ipynb
                parameters: {{}}
                inputs: [data/b.csv]
            """
        )
        + extra
    )


def screen_new_study(root: Path, study_id: str, day: str = "2026-12-03") -> str:
    """Log a look-up that met a new study and screen it included (README, "Adding a study"),
    so that its evidence row may be added; returns the look-up's search id."""
    from livingreview.data import csvio

    data = root / "data"
    log = data / "surveillance_log.csv"
    header, rows = csvio.dict_rows(log.read_text(encoding="utf-8"))
    search_id = f"S{max(int(r['search_id'][1:]) for r in rows) + 1:03d}"
    entry = {"search_id": search_id, "date": day, "source": "publisher site",
             "query": study_id, "hits": "1", "new_records": "1",
             "notes": "test look-up", "kind": "look-up of a known record"}  # fmt: skip
    log.write_bytes(csvio.appended(log.read_bytes(), [entry.get(c, "") for c in header]))
    screening = data / "screening.csv"
    header = csvio.dict_rows(screening.read_text(encoding="utf-8"))[0]
    row = {"record_id": study_id, "title": "Stromal cells in a test model",
           "design": "animal study", "decision": "included", "search_id": search_id, "checked": day,
           "study_id": study_id, "record_type": "main report"}  # fmt: skip
    screening.write_bytes(csvio.appended(screening.read_bytes(), [row.get(c, "") for c in header]))
    return search_id


def table_rows(root: Path, name: str) -> list[dict[str, str]]:
    """The rows of one data table of a copy, as text (what the tests derive expectations from)."""
    from livingreview.data import csvio
    from livingreview.data.package import resources
    from livingreview.data.project import Project

    path = root / "data" / resources(Project(root))[name].path
    return csvio.dict_rows(path.read_text(encoding="utf-8"))[1]


def edit_cell(root: Path, name: str, key: str, column: str, value: str) -> None:
    """Change one cell of one row (found by its primary key) and nothing else in the file."""
    from livingreview.data import csvio
    from livingreview.data.package import resources
    from livingreview.data.project import Project

    resource = resources(Project(root))[name]
    path = root / "data" / resource.path
    records = csvio.read_records(path)
    id_column = records.header.index(resource.primary_key[0])
    row = next(i for i, cells in enumerate(records.rows) if cells[id_column] == key)
    path.write_text(records.splice({row: {records.header.index(column): value}}), "utf-8")


def pooled_summary(row: dict[str, str]) -> str:
    """The text the book shows for a pooled estimate, e.g. 'OR 0.29 (95% CI 0.22 to 0.38)'."""
    from livingreview.analysis.pooled import summary

    return summary({**row, **{k: float(row[k]) for k in ("estimate", "ci_low", "ci_high")}})


def ongoing_trials(root: Path) -> set[str]:
    """The registrations of ongoing studies, recounted from the data files (not the analysis):
    trials meeting the eligibility rule, with no final status, no posted results and no main
    report or results posting among the screened records of their study."""
    trials = table_rows(root, "registered_trials")
    screening = table_rows(root, "screening")
    study_of = {r["record_id"]: r["study_id"] or r["record_id"] for r in screening}
    reported = {
        r["study_id"] for r in screening if r["record_type"] in ("main report", "results posting")
    }
    out = set()
    for t in trials:
        registry = t["value_used"] == "registry" and t["status_registry"]
        status = t["status_registry"] if registry else t["status_source"]
        if (
            t["eligibility"] == "meets the rule"
            and status not in {"completed", "terminated", "withdrawn"}
            and t["results_posted"] != "yes"
            and study_of.get(t["registry_id"], t["registry_id"]) not in reported
        ):
            out.add(t["registry_id"])
    return out
