"""`jupyter-book build .` on the bare sources stops with a pointer to `make book`."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import copy_repo

from livingreview.book.sphinx.guard import PLAIN_BUILD_ENV

JUPYTER_BOOK = Path(sys.executable).parent / "jupyter-book"


def plain_build(root: Path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != PLAIN_BUILD_ENV}
    return subprocess.run(
        [str(JUPYTER_BOOK), "build", "."], cwd=root, capture_output=True, text=True, env=env
    )


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


@pytest.fixture
def clone(tmp_path) -> Path:
    return copy_repo(tmp_path / "repo")


def test_plain_jupyter_book_build_stops_and_leaves_the_last_book_as_it_was(clone):
    html = clone / "_build" / "html"
    html.mkdir(parents=True)
    (html / "index.html").write_text("<p>the last good book</p>")
    (html / "_static").mkdir()
    (html / "_static" / "x.css").write_text("p {}")
    before = snapshot(html)
    proc = plain_build(clone)
    assert proc.returncode != 0
    assert "make book" in proc.stdout + proc.stderr
    assert snapshot(html) == before
    assert sorted(p.name for p in (clone / "_build").iterdir()) == ["html"]


def test_plain_jupyter_book_build_in_a_clean_clone_writes_nothing(clone):
    proc = plain_build(clone)
    assert proc.returncode != 0
    assert "make book" in proc.stdout + proc.stderr
    assert not (clone / "_build").exists()
