"""Shared fixtures: temporary copies of the book and a small stand-alone project."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
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


@pytest.fixture(scope="session")
def built_book(tmp_path_factory) -> Path:
    """One clean build of a copy of the book, shared by read-only tests."""
    root = copy_repo(tmp_path_factory.mktemp("book") / "repo")
    cli(root, "book", check=True)
    return root


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
