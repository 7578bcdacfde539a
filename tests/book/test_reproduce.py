"""Acceptance: the "Reproduce this" commands, copied from a built page, work in a fresh clone.

The commands are taken from the page as a reader would copy them. The clone and its
``make book`` are the session's ``cloned_book`` (conftest), with two substitutions that keep the
test offline and affordable, both outside the commands' meaning:

- ``git clone URL`` clones a commit of this checkout's sources instead of the public repository
  (no network); the folder name is the one the page's ``cd`` expects.
- before ``make book`` the clone gets a ``.venv`` that shares the installed, pinned
  dependencies of the environment running the tests (a ``.pth`` file) but imports the clone's
  own ``livingreview``; ``make book`` then skips only ``pip install`` (which, offline, would
  reinstall the same pinned wheels) and does everything else itself: validate, run every
  analysis, build the HTML. That clean build is also the second build the determinism check
  compares with the session's.
"""

from __future__ import annotations

import html as htmllib
import os
import re
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import CLONE_MAKE

from livingreview.data.releases import read_glue

pytestmark = pytest.mark.slow


def reproduce_boxes(built: Path) -> dict[str, list[str]]:
    """{run name: the box's command lines} over every chapter page of a built book."""
    found = {}
    for page in sorted((built / "_build" / "html").rglob("chapters/*.html")):
        for box in re.findall(r"reproduce-box.*?</pre>", page.read_text(encoding="utf-8"), re.S):
            text = htmllib.unescape(re.sub(r"<[^>]+>", "", box.split("<pre>", 1)[1]))
            lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
            found.setdefault(shlex.split(lines[-1])[2], lines)
    return found


def test_reproduce_commands_from_a_built_page_work_in_a_fresh_clone(
    built_book, cloned_book, tmp_path
):
    boxes = reproduce_boxes(built_book)
    name = "pooled_effects" if "pooled_effects" in boxes else sorted(boxes)[0]
    clone_cmd, cd_cmd, make_cmd, run_cmd = boxes[name]
    clone_args = shlex.split(clone_cmd)
    assert clone_args[:2] == ["git", "clone"] and len(clone_args) == 3
    folder = shlex.split(cd_cmd)[1]
    assert folder == clone_args[2].rstrip("/").rsplit("/", 1)[-1] == cloned_book.name
    assert make_cmd == CLONE_MAKE  # what cloned_book ran
    made = (cloned_book / "_build" / "make-book.log").read_text(encoding="utf-8")
    assert "book written to _build/html" in made
    assert (cloned_book / "_build" / "html" / "index.html").is_file()

    # the box's own command, exactly as printed, in a copy (the determinism check reads the
    # clone's first build): it must recompute, not reuse
    clone = shutil.copytree(cloned_book, tmp_path / cloned_book.name, symlinks=True)
    env = {k: v for k, v in os.environ.items() if k not in ("LIVINGREVIEW_ROOT", "VIRTUAL_ENV")}
    ran = subprocess.run(shlex.split(run_cmd), cwd=clone, env=env, capture_output=True, text=True)
    assert ran.returncode == 0, ran.stdout + ran.stderr
    assert f"run   {name}: forced" in ran.stdout and f"done  {name}" in ran.stdout
    executed = clone / "_build" / "executed" / f"{name}.ipynb"
    # the documented output: the executed notebook, with the numbers the page shows
    assert read_glue(executed) == read_glue(built_book / "_build" / "executed" / f"{name}.ipynb")
    # the clone is still clean: everything written is ignored output (_build, .venv)
    status = subprocess.run(
        ["git", "status", "--porcelain"], cwd=clone, capture_output=True, text=True
    ).stdout
    assert status == ""
