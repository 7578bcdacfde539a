"""Where things live in a checkout of the book."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import yaml

from livingreview.errors import LivingReviewError

ROOT_ENV = "LIVINGREVIEW_ROOT"


class ProjectNotFound(LivingReviewError):
    exit_code = 2


@dataclass(frozen=True)
class Project:
    root: Path

    @property
    def data_dir(self) -> Path:
        return self.root / "data"

    @property
    def datapackage(self) -> Path:
        return self.data_dir / "datapackage.json"

    @property
    def bibliography(self) -> Path:
        return self.data_dir / "references.bib"

    @property
    def analyses_dir(self) -> Path:
        return self.root / "analyses"

    @property
    def manifest(self) -> Path:
        return self.analyses_dir / "manifest.yml"

    @property
    def chapters_dir(self) -> Path:
        return self.root / "chapters"

    @property
    def build_dir(self) -> Path:
        return self.root / "_build"

    @property
    def executed_dir(self) -> Path:
        """Executed notebooks and their run stamps, kept between builds."""
        return self.build_dir / "executed"

    @property
    def stage_dir(self) -> Path:
        """The book source as Sphinx sees it: chapters plus executed notebooks."""
        return self.build_dir / "stage"

    @property
    def sphinx_dir(self) -> Path:
        """Sphinx's own output tree (doctrees + html), reused for incremental builds."""
        return self.build_dir / "sphinx"

    @property
    def html_dir(self) -> Path:
        """The last good book; replaced only after a successful build."""
        return self.build_dir / "html"

    @property
    def releases_dir(self) -> Path:
        """A snapshot of the data digests and glued values of every release."""
        return self.root / "releases"

    def _toc(self) -> dict:
        return yaml.safe_load((self.root / "_toc.yml").read_text(encoding="utf-8"))

    def toc_documents(self) -> list[str]:
        """Every document of the book in table-of-contents order, the root page first."""
        toc = self._toc()
        parts = toc.get("parts") or [{"chapters": toc.get("chapters", [])}]
        return [toc["root"], *(e["file"] for part in parts for e in part.get("chapters", []))]

    def review_chapters(self) -> list[str]:
        """The review's chapters: those of the first part of ``_toc.yml``, in order."""
        toc = self._toc()
        parts = toc.get("parts") or [{"chapters": toc.get("chapters", [])}]
        return [entry["file"] for entry in parts[0].get("chapters", [])]

    def rel(self, path: Path) -> str:
        return Path(path).resolve().relative_to(self.root.resolve()).as_posix()


def find_project(start: Path | None = None) -> Project:
    """The checkout containing ``start`` (default: $LIVINGREVIEW_ROOT or the cwd)."""
    if start is None:
        start = Path(os.environ.get(ROOT_ENV) or Path.cwd())
    start = Path(start).resolve()
    for candidate in (start, *start.parents):
        if (candidate / "_config.yml").is_file() and (candidate / "data").is_dir():
            return Project(candidate)
    raise ProjectNotFound(
        f"no book checkout (a folder with _config.yml and data/) at or above {start}"
    )
