"""Reproduce a page's analysis: the "Reproduce this" commands and ``livingreview reproduce``.

The commands are pinned to the release the page was built from. The build records which
(``built_from``, staged as ``BUILT_FROM`` for the Sphinx extension): the book's version is the
latest release snapshot (``releases/X.json``, the version the chapter stamps show), and the
page was built from that release only when the checkout is its tag ``vX.Y.Z``: HEAD is the
tag's commit and no tracked file differs. Then the box says ``git checkout vX.Y.Z`` after the
clone. Otherwise (unreleased edits, a copy without git, a tag not made yet) the box says the
page was built from unreleased sources after version X and leaves the checkout out: a clone
gets the newest sources, which is all that can be promised.

``livingreview reproduce NAME`` re-executes the analysis with the book's parameters into its
own files (the book's run stays as it was), then compares every glued value with the book's:
the release snapshot's when the checkout is that tagged release, else the book built in this
checkout (``_build/executed/NAME.ipynb``, what ``_build/html`` shows). It prints where its
output is and "matches the book ...: N glued values", or names the values that differ and
exits non-zero.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from livingreview.data.project import Project
from livingreview.data.releases import read_glue, snapshot_path, snapshots
from livingreview.errors import LivingReviewError

BUILT_FROM = ".livingreview-built-from.json"  # in the staged sources, read by the extension


class ReproductionDiffers(LivingReviewError):
    pass


@dataclass(frozen=True)
class BuiltFrom:
    version: str | None  # the book's version: the latest release snapshot (None before one)
    tag: str | None  # "vX.Y.Z" when the checkout is exactly that tagged release

    def as_json(self) -> str:
        return json.dumps({"version": self.version, "tag": self.tag}, sort_keys=True) + "\n"

    @classmethod
    def read(cls, path: Path) -> BuiltFrom:
        if not path.is_file():
            return cls(None, None)
        raw = json.loads(path.read_text(encoding="utf-8"))
        return cls(raw.get("version"), raw.get("tag"))


def _git(root: Path, *args: str) -> str | None:
    try:
        proc = subprocess.run(
            ["git", *args], cwd=root, capture_output=True, text=True, encoding="utf-8"
        )
    except OSError:  # no git: not a release checkout
        return None
    return proc.stdout.strip() if proc.returncode == 0 else None


def built_from(project: Project) -> BuiltFrom:
    """The book's version, and its tag when the checkout is exactly that release."""
    releases = snapshots(project)
    if not releases:
        return BuiltFrom(None, None)
    version = releases[-1]["version"]
    tag = f"v{version}"
    root = project.root.resolve()
    top = _git(root, "rev-parse", "--show-toplevel")
    if top is None or Path(top).resolve() != root:  # a copy inside another repository
        return BuiltFrom(version, None)
    head = _git(root, "rev-parse", "--verify", "--quiet", "HEAD^{commit}")
    tagged = _git(root, "rev-parse", "--verify", "--quiet", f"refs/tags/{tag}^{{commit}}")
    dirty = _git(root, "status", "--porcelain", "--untracked-files=no")
    if head and head == tagged and dirty == "":
        return BuiltFrom(version, tag)
    return BuiltFrom(version, None)


def reproduce_commands(repository_url: str, folder: str, run_name: str, built: BuiltFrom) -> str:
    """Commands that work as written: clone, check out the page's release when it is one, the
    README's set-up, then reproduce this run and compare it with the book."""
    lines = [f"git clone {repository_url}", f"cd {folder}"]
    if built.tag:
        lines.append(f"git checkout {built.tag}")
    lines += ["make book", f".venv/bin/livingreview reproduce {run_name}"]
    return "\n".join(lines)


def reproduce(
    project: Project, name: str, report: Callable[[str], None] = print
) -> tuple[Path, int]:
    """Re-execute ``name`` into ``NAME-reproduced`` files and compare its glued values with the
    book's; returns the executed notebook and how many values matched. Raises
    ReproductionDiffers naming the values that differ."""
    from livingreview.book.export import export_run
    from livingreview.book.manifest import select_runs
    from livingreview.book.runner import output_path, run_analyses

    base = select_runs(project, [name])[0]
    expected, against = _book_values(project, base, output_path(project, base))
    run = replace(base, name=f"{base.name}-reproduced")
    run_analyses(project, [run], force=True, report=report)
    notebook = output_path(project, run)
    # as `run -p` prints its files
    report(f"executed notebook: {project.rel(notebook)}")
    for what, path in export_run(notebook, run.title or run.name).items():
        report(f"{what}: {project.rel(path)}")
    found = read_glue(notebook)
    differ = sorted(k for k in expected.keys() | found.keys() if expected.get(k) != found.get(k))
    if differ:
        raise ReproductionDiffers(
            f"differs from {against} in {len(differ)} of {len(expected)} glued values: "
            + ", ".join(differ)
        )
    report(f"matches {against}: {len(expected)} glued values")
    return notebook, len(expected)


def _book_values(project: Project, run, book_run: Path) -> tuple[dict[str, str], str]:
    """The glued values the book shows for ``run``, and where they come from."""
    built = built_from(project)
    if built.tag:
        snapshot = json.loads(snapshot_path(project, built.version).read_text(encoding="utf-8"))
        if run.name in snapshot.get("glued", {}):
            where = project.rel(snapshot_path(project, built.version))
            return snapshot["glued"][run.name], f"the book of version {built.version} ({where})"
    if book_run.is_file():
        return read_glue(book_run), f"the book built here ({project.rel(book_run)})"
    raise ReproductionDiffers(
        f"nothing to compare with: {project.rel(book_run)} does not exist and this checkout is "
        "not a tagged release; run `make book` first"
    )
