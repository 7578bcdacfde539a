"""Build the HTML book from the chapters and the executed analyses.

Sphinx reads a staging copy of the book (``_build/stage``) in which the analyses are the
executed notebooks. Files are copied only when their bytes change, so Sphinx's incremental
build re-reads only what changed. The result replaces ``_build/html`` only after a clean
build: a failed build leaves the last good book in place.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib
import io
import os
import re
import shutil
import string
from collections.abc import Callable
from pathlib import Path

from livingreview.book.editions import MESSAGES_FILE
from livingreview.book.manifest import Run
from livingreview.book.reproduce import BUILT_FROM, built_from
from livingreview.book.runner import code_fingerprint, output_path
from livingreview.book.sphinx.guard import STAGE_MARKER
from livingreview.book.sphinx.offline import VEGA_BUNDLE
from livingreview.data.editions import LOCALES, SOURCE, TRANSLATIONS, edition
from livingreview.data.files import sync_file
from livingreview.data.project import Project
from livingreview.errors import LivingReviewError

BOOK_FILES = ("_config.yml", "_toc.yml")
SEARCH_DICTIONARY = "search-dictionary.txt"  # jieba user dictionary of the book's terms
BOOK_DIRS = ("chapters", "_static", "_templates")
BUNDLE_FORMAT = 1  # bump when _make_vega_bundle changes what it writes
# What the pages depend on besides their sources: the Sphinx extension and what it imports.
# A change here re-renders every page and re-runs no notebook.
SPHINX_CODE = (
    "__init__.py",
    "errors.py",
    "data",
    "book/sphinx",
    "book/editions.py",
    "book/reproduce.py",
)


class BuildFailed(LivingReviewError):
    pass


def vega_bundle(project: Project) -> Path:
    """Vega, Vega-Lite and vega-embed in one script, made once per vl-convert version."""
    import vl_convert

    cached = (
        project.build_dir / "cache" / f"vega-bundle-{vl_convert.__version__}-{BUNDLE_FORMAT}.js"
    )
    if not cached.is_file():
        sync_file(_make_vega_bundle(), cached)
    return cached


def _make_vega_bundle() -> bytes:
    import vl_convert

    # The bundle declares top-level constants (such as `_`) that clash with Sphinx's own
    # globals; a function scope keeps them private. It publishes vegaEmbed on window.
    bundle = vl_convert.javascript_bundle()
    return f"(function () {{\n{bundle}\n}})();\n".encode()


def stage_dir_for(project: Project, language: str) -> Path:
    if not edition(language).translated:
        return project.stage_dir
    return project.build_dir / f"stage-{language}"


def sphinx_dir_for(project: Project, language: str) -> Path:
    if not edition(language).translated:
        return project.sphinx_dir
    return project.build_dir / f"sphinx-{language}"


def _edition_config(project: Project, language: str) -> bytes:
    """_config.yml with the edition's language; Sphinx translates pages from ``locales``."""
    import yaml

    config = yaml.safe_load((project.root / "_config.yml").read_text(encoding="utf-8"))
    sphinx = config.setdefault("sphinx", {}).setdefault("config", {})
    sphinx["language"] = language
    # Chinese search segments words with jieba; the book's terms (血管生成素, 间充质…) are
    # in its dictionary so a reader's query matches them whole.
    words = stage_dir_for(project, language) / LOCALES / language / SEARCH_DICTIONARY
    if (project.root / LOCALES / language / SEARCH_DICTIONARY).is_file():
        # relative to the project root, where Sphinx runs: an absolute path would enter the
        # config hash in .buildinfo, so the same book built in two folders would differ
        sphinx["html_search_options"] = {"dict": words.relative_to(project.root).as_posix()}
    return yaml.safe_dump(config, allow_unicode=True, sort_keys=False).encode()


def stage(project: Project, runs: list[Run], language: str = SOURCE.language) -> tuple[Path, bool]:
    """Mirror the book's sources into the edition's staging folder; remove what no longer exists.

    Returns the folder and whether any file in it changed. ``runs`` are the edition's runs.
    """
    stage_dir = stage_dir_for(project, language)
    wanted: dict[Path, Path | bytes] = {}
    for name in BOOK_FILES:
        wanted[stage_dir / name] = project.root / name
    if edition(language).translated:
        wanted[stage_dir / "_config.yml"] = _edition_config(project, language)
        # the English pages' messages: translation coverage is counted against them
        english = sphinx_dir_for(project, SOURCE.language) / "_build" / MESSAGES_FILE
        if english.is_file():
            wanted[stage_dir / MESSAGES_FILE] = english
        # only the compiled-on-read .po of this edition; Sphinx writes .mo beside them
        for path in sorted((project.root / LOCALES / language).rglob("*")):
            if path.suffix == ".po" or path.name == SEARCH_DICTIONARY:
                wanted[stage_dir / path.relative_to(project.root)] = path
    for folder in BOOK_DIRS:
        src_dir = project.root / folder
        if src_dir.is_dir():
            for path in sorted(src_dir.rglob("*")):
                if path.is_file():
                    wanted[stage_dir / path.relative_to(project.root)] = path
    # The data and the manifest ride along: pages offer the CSVs behind each figure for download.
    for path in sorted(project.data_dir.rglob("*")):
        if path.is_file():
            wanted[stage_dir / path.relative_to(project.root)] = path
    wanted[stage_dir / "analyses" / "manifest.yml"] = project.manifest
    for path in sorted((project.root / "releases").glob("*.json")):
        wanted[stage_dir / "releases" / path.name] = path
    for run in runs:
        executed = output_path(project, run)
        if not executed.is_file():
            raise BuildFailed(
                f"analysis '{run.name}' has no executed notebook; run the analyses first"
            )
        wanted[stage_dir / "analyses" / f"{run.name}.ipynb"] = executed
    bundle = stage_dir / "_static" / VEGA_BUNDLE
    # The release the pages are built from: their reproduce commands check out its tag.
    wanted[stage_dir / BUILT_FROM] = built_from(project).as_json().encode()
    # Tells the Sphinx extension it reads staged sources, not the bare repository.
    wanted[stage_dir / STAGE_MARKER] = b"sources staged by livingreview book\n"
    wanted[bundle] = vega_bundle(project)
    changed = False
    for dest, src in wanted.items():
        changed |= sync_file(src, dest)
    for path in sorted(stage_dir.rglob("*"), reverse=True):
        if path.suffix == ".mo" and path.with_suffix(".po") in wanted:
            continue  # Sphinx's compiled catalog, rebuilt when its .po changes
        if path.is_file() and path not in wanted:
            path.unlink()
            changed = True
        elif path.is_dir() and not any(path.iterdir()):
            path.rmdir()
    return stage_dir, changed


def _publish(built: Path, target: Path, editions: dict[str, Path] | None = None) -> None:
    """Replace ``target`` by a copy of ``built`` (and each translated edition in its subfolder,
    e.g. ``zh/``) with two renames, never leaving it half-written."""
    fresh = target.with_name(target.name + ".new")
    old = target.with_name(target.name + ".old")
    for leftover in (fresh, old):
        if leftover.exists():
            shutil.rmtree(leftover)
    shutil.copytree(built, fresh)
    for folder, html in (editions or {}).items():
        shutil.copytree(html, fresh / folder)
    if target.exists():
        os.replace(target, old)
    os.replace(fresh, target)
    if old.exists():
        shutil.rmtree(old)


SPHINX_MODULES = (
    "jupyter_book.cli.main", "sphinx.application", "myst_nb", "myst_parser",
    "sphinx_book_theme", "sphinxcontrib.bibtex", "sphinx_exercise", "sphinx_design",
    "sphinx_togglebutton", "sphinx_copybutton", "sphinx_thebe", "sphinx_comments",
    "sphinx_external_toc", "livingreview.book.sphinx",
)  # fmt: skip


def warm_up_sphinx() -> None:
    """Import Jupyter Book, Sphinx and the extensions ahead of the build.

    `livingreview book` calls this in a thread while the kernels run, so a rebuild after an
    edit does not wait for these imports after its analysis finishes.
    """
    for name in SPHINX_MODULES:
        importlib.import_module(name)


def run_jupyter_book(args: list[str], cwd: Path) -> tuple[int, str]:
    """`jupyter-book ARGS` in this process (its imports may be warm), output captured."""
    from jupyter_book.cli.main import main as jupyter_book
    from myst_nb.ext.glue.crossref import read_glue_cache

    read_glue_cache.cache_clear()  # glue read by an earlier build in this process is stale
    _forget_translations()
    buffer = io.StringIO()
    previous = Path.cwd()
    try:
        os.chdir(cwd)
        with contextlib.redirect_stdout(buffer), contextlib.redirect_stderr(buffer):
            jupyter_book.main(args=args, prog_name="jupyter-book", standalone_mode=False)
        return 0, buffer.getvalue()
    except (Exception, SystemExit) as exc:  # Sphinx and click report failures as exceptions
        return 1, f"{buffer.getvalue()}\n{exc}"
    finally:
        os.chdir(previous)


def _forget_translations() -> None:
    """Drop the message catalogs an earlier build in this process loaded: gettext and Sphinx
    keep each by its path, so ``serve --watch`` would render a translator's edit with the old
    catalog (a new process, as ``livingreview book``, reads it afresh)."""
    import gettext

    from sphinx import locale

    locale.translators.clear()
    gettext._translations.clear()  # gettext's own cache of compiled catalogs, by path


# Jupyter Book's index.html when the root page is elsewhere: a bare refresh, not an HTML page.
ROOT_REDIRECT = re.compile(r'\s*<meta http-equiv="Refresh" content="0; url=([^"<>]+)" />\s*')


def _complete_root_redirect(project: Project, html: Path) -> None:
    """Make the root redirect a valid page (doctype, title, a link), as the moved pages are."""
    index = html / "index.html"
    match = ROOT_REDIRECT.fullmatch(index.read_text(encoding="utf-8")) if index.is_file() else None
    if match:
        template = (project.root / "_templates" / "redirect.html").read_text(encoding="utf-8")
        index.write_text(string.Template(template).substitute(to_uri=match[1]), encoding="utf-8")


def _build_edition(
    project: Project, runs: list[Run], language: str, code: str, full: bool, report
) -> tuple[Path, bool]:
    """Build one edition with Sphinx if anything changed; returns its html folder and whether
    it was rebuilt. Raises BuildFailed (nothing published) when Sphinx fails."""
    stage_dir, changed = stage(project, runs, language)
    out = sphinx_dir_for(project, language)
    html = out / "_build" / "html"
    # Written after a good build with the extension's fingerprint and the staged sources' state;
    # removed when a build starts. `catalogs` stages the same sources, so "nothing staged this
    # time" alone would skip a page it staged after the last HTML build.
    good = out / "last-good-build.sha256"
    last = good.read_text() if good.is_file() else None
    recorded = f"{code}\n{_staged_state(stage_dir)}"
    if not (full or changed) and last == recorded and (html / "index.html").is_file():
        return html, False
    code_changed = last is None or last.split("\n")[0] != code
    good.unlink(missing_ok=True)
    cmd = [
        "jupyter-book", "build", str(stage_dir),
        "--path-output", str(out), "--builder", "html", "-W", "-n", "--keep-going", "-q",
    ]  # fmt: skip
    # Our Sphinx extension lives in the package: new code means every page is rewritten.
    if full or code_changed:
        cmd.append("--all")
    report(f"build html ({language}): jupyter-book build (warnings are errors)")
    returncode, output = run_jupyter_book(cmd[1:], cwd=project.root)
    if returncode != 0:
        # Sphinx records the failed pages as read: forget them so the next build re-reads all.
        env_pickle = out / "_build" / ".doctrees" / "environment.pickle"
        env_pickle.unlink(missing_ok=True)
        raise BuildFailed(
            f"jupyter-book build ({language}) failed; "
            f"{project.rel(project.html_dir)} left as it was\n{output}"
        )
    _complete_root_redirect(project, html)
    good.write_text(recorded)
    return html, True


def _staged_state(stage_dir: Path) -> str:
    """A digest of the staged files (name, size, modification time), Sphinx's output left out."""
    digest = hashlib.sha256()
    for path in sorted(stage_dir.rglob("*")):
        if path.is_file() and "_build" not in path.relative_to(stage_dir).parts:
            info = path.stat()
            digest.update(
                f"{path.relative_to(stage_dir)}\0{info.st_size}\0{info.st_mtime_ns}\n".encode()
            )
    return digest.hexdigest()


def build_html(
    project: Project,
    runs: list[Run],
    full: bool = False,
    report: Callable[[str], None] = print,
) -> Path:
    """Build the English book and every translated edition; publish them together, only when
    all built (a failed edition leaves the last good site, both editions, in place)."""
    from livingreview.analysis import data_catalog
    from livingreview.book.editions import (
        COVERAGE_FILE,
        EXTENSION_LOCALE_DIR,
        catalog_problems,
        report_coverage,
    )
    from livingreview.book.manifest import edition_runs

    languages = [e.language for e in TRANSLATIONS]
    problems = [
        problem
        for language in languages
        for problem in [
            *catalog_problems(project, language),
            *data_catalog.catalog_problems(project.root, language),
        ]
    ]
    if problems:
        raise BuildFailed(
            "a translation must keep the English roles and numbers; "
            f"{project.rel(project.html_dir)} left as it was\n" + "\n".join(problems)
        )
    english = [run for run in runs if run.language == SOURCE.language]
    code = code_fingerprint(project, SPHINX_CODE)
    built: dict[str, tuple[Path, bool]] = {
        SOURCE.language: _build_edition(project, english, SOURCE.language, code, full, report)
    }
    for language in languages:
        translated = edition_runs(project, english, language)
        # a new search dictionary re-indexes every page, and the extension's translated words
        # re-render them, as new extension code does
        digest = hashlib.sha256(code.encode())
        words = project.root / LOCALES / language / SEARCH_DICTIONARY
        for path in [words, *sorted((EXTENSION_LOCALE_DIR / language).rglob("*.po"))]:
            digest.update(path.read_bytes() if path.is_file() else b"")
        edition_code = digest.hexdigest()
        built[language] = _build_edition(project, translated, language, edition_code, full, report)
    for language in languages:
        counted = sphinx_dir_for(project, language) / "_build" / COVERAGE_FILE
        report_coverage(project, language, report, counted)
        data_catalog.report_coverage(project, language, report)
    published = all(
        (project.html_dir / edition(lang).folder / "index.html").is_file() for lang in built
    )
    if published and not any(rebuilt for _, rebuilt in built.values()):
        report("build html: up to date (no source changed since the last good build)")
        return project.html_dir
    _publish(
        built[SOURCE.language][0],
        project.html_dir,
        {e.folder: built[e.language][0] for e in TRANSLATIONS},
    )
    where = ", ".join(f"{e.name} edition in {e.folder}/" for e in TRANSLATIONS)
    report(f"book written to {project.rel(project.html_dir)} ({where})")
    return project.html_dir


def make_book(
    project: Project, jobs: int | None = None, report: Callable[[str], None] = print
) -> Path:
    """Run what changed, then build the HTML (validate first: the CLI does)."""
    import threading

    from livingreview.book.manifest import all_editions, load_manifest
    from livingreview.book.runner import AnalysisFailed, plan, run_analyses

    runs = all_editions(project, load_manifest(project))
    # The offline Vega bundle is made once per vl-convert version, alongside the kernels.
    # Sphinx's imports also load meanwhile, so the build starts warm when the analyses end.
    helpers = [threading.Thread(target=vega_bundle, args=(project,), daemon=True)]
    if any(decision.execute for decision in plan(project, runs)):
        helpers.append(threading.Thread(target=warm_up_sphinx, daemon=True))
    for helper in helpers:
        helper.start()
    try:
        run_analyses(project, runs, jobs=jobs, report=report)
    except AnalysisFailed as exc:
        raise AnalysisFailed(
            exc.failures, f"the last good book in {project.rel(project.html_dir)} was not changed"
        ) from None
    for helper in helpers:
        helper.join()
    return build_html(project, runs, report=report)
