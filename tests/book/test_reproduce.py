"""The "Reproduce this" commands, copied from a built page, work in a fresh clone; they are
pinned to the release the page was built from; ``livingreview reproduce`` says where its output
is and whether it matches the book.

The fast tests use the two-analysis ``mini_project``; the acceptance test reads a built book.

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
import json
import os
import re
import shlex
import shutil
import subprocess
from pathlib import Path

from conftest import CLONE_MAKE, cli, commit_all, git

from livingreview.book.reproduce import BuiltFrom, built_from, reproduce_commands
from livingreview.data.project import Project
from livingreview.data.releases import read_glue


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
    built = built_from(Project(built_book))  # a copy without git: no release tag to name
    assert (
        built.tag is None
        and boxes[name] == reproduce_commands(*_clone_of(built_book), name, built).splitlines()
    )
    clone_cmd, cd_cmd, make_cmd, run_cmd = boxes[name]
    clone_args = shlex.split(clone_cmd)
    assert clone_args[:2] == ["git", "clone"] and len(clone_args) == 3
    folder = shlex.split(cd_cmd)[1]
    assert folder == clone_args[2].rstrip("/").rsplit("/", 1)[-1] == cloned_book.name
    assert make_cmd == CLONE_MAKE  # what cloned_book ran
    made = (cloned_book / "_build" / "make-book.log").read_text(encoding="utf-8")
    assert "book written to _build/html" in made
    assert (cloned_book / "_build" / "html" / "index.html").is_file()
    # the page says it was built from unreleased sources, after the latest release
    page = _page_with_box(built_book, name)
    assert f"Built from sources not yet released (after version {built.version})" in page

    # the box's own command, exactly as printed, in a copy (the determinism check reads the
    # clone's first build): it must recompute, not reuse, and leave the book's run alone
    clone = shutil.copytree(cloned_book, tmp_path / cloned_book.name, symlinks=True)
    book_run = clone / "_build" / "executed" / f"{name}.ipynb"
    before = book_run.read_bytes()
    ran = _run(run_cmd, clone)
    assert ran.returncode == 0, ran.stdout + ran.stderr
    assert f"run   {name}-reproduced: forced" in ran.stdout
    executed = clone / "_build" / "executed" / f"{name}-reproduced.ipynb"
    assert f"executed notebook: _build/executed/{name}-reproduced.ipynb" in ran.stdout
    assert f"HTML page: _build/executed/{name}-reproduced.html" in ran.stdout
    # the documented output: the executed notebook, with the numbers the page shows
    shown = read_glue(built_book / "_build" / "executed" / f"{name}.ipynb")
    assert read_glue(executed) == shown
    last = ran.stdout.strip().splitlines()[-1]
    assert last == (
        f"matches the book built here (_build/executed/{name}.ipynb): {len(shown)} glued values"
    )
    assert book_run.read_bytes() == before
    # the clone is still clean: everything written is ignored output (_build, .venv)
    status = subprocess.run(
        ["git", "status", "--porcelain"], cwd=clone, capture_output=True, text=True
    ).stdout
    assert status == ""


def _clone_of(book: Path) -> tuple[str, str]:
    from livingreview.data.identity import identity

    me = identity(Project(book))
    return me.repository_url, me.clone_folder


def _page_with_box(book: Path, name: str) -> str:
    for page in sorted((book / "_build" / "html").glob("chapters/*.html")):
        text = htmllib.unescape(re.sub(r"<[^>]+>", "", page.read_text(encoding="utf-8")))
        if f"livingreview reproduce {name}" in text:
            return " ".join(text.split())
    raise AssertionError(f"no page reproduces {name}")


def _run(command: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("LIVINGREVIEW_ROOT", "VIRTUAL_ENV")}
    return subprocess.run(shlex.split(command), cwd=cwd, env=env, capture_output=True, text=True)


# --- the release a page was built from, and `livingreview reproduce` (mini project) ---


def _release(root: Path, version: str, glued: dict) -> None:
    releases = root / "releases"
    releases.mkdir(exist_ok=True)
    record = {"version": version, "date": "2026-01-01", "data": {}, "glued": glued}
    (releases / f"{version}.json").write_text(json.dumps(record), encoding="utf-8")


def test_the_commands_check_out_the_tag_only_of_a_tagged_release(mini_project):
    project = Project(mini_project)
    assert built_from(project) == BuiltFrom(None, None)  # no release yet
    _release(mini_project, "0.1.0", {})
    assert built_from(project) == BuiltFrom("0.1.0", None)  # no git
    git(mini_project, "init", "-q", "-b", "main")
    commit_all(mini_project, "First")
    assert built_from(project) == BuiltFrom("0.1.0", None)  # released, not tagged yet
    git(mini_project, "tag", "v0.1.0")
    assert built_from(project) == BuiltFrom("0.1.0", "v0.1.0")
    (mini_project / "data" / "a.csv").write_text("x\n1\n2\n3\n")
    assert built_from(project) == BuiltFrom("0.1.0", None)  # unreleased edits
    commit_all(mini_project, "Unreleased row")
    assert built_from(project) == BuiltFrom("0.1.0", None)  # a commit after the tag
    git(mini_project, "checkout", "-q", "v0.1.0")
    assert built_from(project) == BuiltFrom("0.1.0", "v0.1.0")  # a clone checked out at it

    tagged = reproduce_commands("https://example.org/b.git", "b", "counts", built_from(project))
    assert tagged.splitlines() == [
        "git clone https://example.org/b.git", "cd b", "git checkout v0.1.0", "make book",
        ".venv/bin/livingreview reproduce counts",
    ]  # fmt: skip
    untagged = reproduce_commands("https://example.org/b.git", "b", "counts", BuiltFrom("1", None))
    assert "git checkout" not in untagged


def _book_run(root: Path) -> None:
    """The book's own run of ``counts`` (English: the mini notebooks take no language)."""
    from livingreview.book.manifest import select_runs
    from livingreview.book.runner import run_analyses

    project = Project(root)
    run_analyses(project, select_runs(project, ["counts"]), report=lambda line: None)


def test_reproduce_compares_with_the_book_built_here(mini_project):
    _book_run(mini_project)
    book = read_glue(mini_project / "_build" / "executed" / "counts.ipynb")
    done = cli(mini_project, "reproduce", "counts")
    assert done.returncode == 0, done.stderr
    assert "executed notebook: _build/executed/counts-reproduced.ipynb" in done.stdout
    assert "glued values (CSV): _build/executed/counts-reproduced.glue.csv" in done.stdout
    assert done.stdout.splitlines()[-1] == (
        f"matches the book built here (_build/executed/counts.ipynb): {len(book)} glued values"
    )
    # data edited since the book was built: the run no longer gives the book's numbers
    (mini_project / "data" / "a.csv").write_text("x\n1\n2\n3\n")
    differs = cli(mini_project, "reproduce", "counts")
    assert differs.returncode == 1
    assert differs.stderr.strip() == (
        "differs from the book built here (_build/executed/counts.ipynb) in 1 of 1 glued "
        "values: total"
    )


def test_reproduce_compares_a_tagged_release_with_its_snapshot(mini_project):
    _book_run(mini_project)
    book = read_glue(mini_project / "_build" / "executed" / "counts.ipynb")
    _release(mini_project, "0.1.0", {"counts": book})
    git(mini_project, "init", "-q", "-b", "main")
    commit_all(mini_project, "Release 0.1.0")
    git(mini_project, "tag", "v0.1.0")
    done = cli(mini_project, "reproduce", "counts")
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[-1] == (
        f"matches the book of version 0.1.0 (releases/0.1.0.json): {len(book)} glued values"
    )
    # a snapshot that recorded another number: named, and the command fails
    _release(mini_project, "0.1.0", {"counts": {**book, "total": "-1"}})
    commit_all(mini_project, "A snapshot that does not match")
    git(mini_project, "tag", "-f", "v0.1.0")
    differs = cli(mini_project, "reproduce", "counts")
    assert differs.returncode == 1 and differs.stderr.strip().endswith(
        "in 1 of 1 glued values: total"
    ), differs.stderr
