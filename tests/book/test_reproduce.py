"""Acceptance: the "Reproduce this" commands, copied from a built page, work in a fresh clone.

The commands are taken from the page as a reader would copy them and run one by one, with two
substitutions that keep the test offline and affordable, both outside the commands' meaning:

- ``git clone URL`` clones this checkout's committed HEAD (or $LIVINGREVIEW_TEST_REPO) instead
  of the public repository (no network); the folder name is the one the page's ``cd`` expects.
- before ``make book`` the clone gets a ``.venv`` that shares the installed, pinned
  dependencies of the environment running the tests (a ``.pth`` file) but imports the clone's
  own ``livingreview``; ``make book`` then skips only ``pip install`` (which, offline, would
  reinstall the same pinned wheels) and does everything else itself: validate, run what is not
  current, build the HTML. The clone starts with the session build's ``_build`` (a clean build
  of the same sources), so only what the clone lacks is redone; the box's own ``run`` command
  is forced and recomputes its analysis.

Uncommitted changes are not in the clone: the test checks what a reader would get.
"""

from __future__ import annotations

import html as htmllib
import os
import re
import shlex
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest
from conftest import REPO

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


def test_reproduce_commands_from_a_built_page_work_in_a_fresh_clone(built_book, tmp_path):
    if not (REPO / ".git").exists():
        pytest.skip(f"{REPO} is not a git checkout to clone")
    boxes = reproduce_boxes(built_book)
    name = "pooled_effects" if "pooled_effects" in boxes else sorted(boxes)[0]
    clone_cmd, cd_cmd, make_cmd, run_cmd = boxes[name]

    clone_args = shlex.split(clone_cmd)
    assert clone_args[:2] == ["git", "clone"] and len(clone_args) == 3
    folder = shlex.split(cd_cmd)[1]
    assert folder == clone_args[2].rstrip("/").rsplit("/", 1)[-1]
    subprocess.run(["git", "clone", "-q", str(REPO), folder], cwd=tmp_path, check=True)
    clone = tmp_path / folder

    env = {k: v for k, v in os.environ.items() if k not in ("LIVINGREVIEW_ROOT", "VIRTUAL_ENV")}
    shared_venv(clone)
    # The session's clean build of these same sources stands in for the clone's first build
    # (CI's checkout is itself a fresh clone); `make book` must then find everything current.
    shutil.copytree(built_book / "_build", clone / "_build")
    assert make_cmd == "make book"
    made = subprocess.run(shlex.split(make_cmd), cwd=clone, env=env, capture_output=True, text=True)
    assert made.returncode == 0, made.stdout[-3000:] + made.stderr[-3000:]
    assert (clone / "_build" / "html" / "index.html").is_file()

    # the box's own command, exactly as printed: it must recompute, not reuse
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
