"""Message catalogs of the translated editions (``livingreview catalogs`` / ``make catalogs``).

After the English text changes, a translator runs this: Sphinx's gettext builder extracts the
messages of every page (chapters and the analyses' Markdown cells) from the English stage,
the analysis catalog collects what the analyses showed readers (recorded by their English
runs) and the controlled vocabularies of the data package, the data catalog every reader-facing
cell of the data (``livingreview.analysis.data_catalog``), and ``sphinx-intl update`` merges
them into ``locales/<lang>/LC_MESSAGES``: new messages empty, changed ones fuzzy, existing
translations kept. One ``.po`` per page, so translators can work in parallel.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

from livingreview.analysis import data_catalog, i18n
from livingreview.analysis.i18n import CATALOG
from livingreview.book.build import BuildFailed, run_jupyter_book, stage
from livingreview.book.manifest import Run
from livingreview.book.runner import msgids_path, output_path
from livingreview.data.editions import LOCALES, TRANSLATIONS
from livingreview.data.project import Project


def analysis_messages(project: Project, runs: list[Run]) -> list[str]:
    """Every string the English runs passed through the translator, plus the data package's
    controlled vocabularies (categorical values tables and charts show) that the data catalog
    does not hold (a column declared ``x-translate`` is translated in ``data.po``)."""
    from livingreview.analysis import charts, evidence, summary  # noqa: F401 - they declare messages

    found: set[str] = i18n.declared()
    for run in runs:
        path = msgids_path(project, run)
        if path.is_file():
            lines = path.read_text(encoding="utf-8").splitlines()
            found.update(json.loads(line) for line in lines if line.strip())
    descriptor = json.loads(project.datapackage.read_text(encoding="utf-8"))
    for resource in descriptor.get("resources", []):
        for field in resource.get("schema", {}).get("fields", []):
            if field.get("x-translate"):
                continue
            for value in field.get("constraints", {}).get("enum", []) or []:
                if isinstance(value, str) and value:
                    found.add(value)
    return sorted(found)


def write_analysis_pot(messages: list[str], path: Path) -> None:
    from babel.messages.catalog import Catalog
    from babel.messages.pofile import write_po

    catalog = Catalog(project="livingreview analyses", charset="utf-8")
    for text in messages:
        catalog.add(text)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as handle:
        write_po(handle, catalog, width=76, omit_header=False, sort_output=True)


def update_catalogs(
    project: Project, runs: list[Run], report: Callable[[str], None] = print
) -> dict[str, int]:
    import sphinx_intl.basic

    missing = [r.name for r in runs if not output_path(project, r).is_file()]
    if missing:
        raise BuildFailed(f"no executed notebook for {', '.join(missing)}; run `make book` first")
    stage_dir, _ = stage(project, runs)
    out = project.build_dir / "gettext"
    report("catalogs: extracting messages (Sphinx gettext builder)")
    code, output = run_jupyter_book(
        ["build", str(stage_dir), "--path-output", str(out), "--builder", "custom",
         "--custom-builder", "gettext", "--all", "-q"],
        cwd=project.root,
    )  # fmt: skip
    pot_dir = out / "_build" / "gettext"
    if code != 0 or not pot_dir.is_dir():
        raise BuildFailed(f"gettext build failed\n{output}")
    # The gettext builder adds a catalog for the whole book when compact; not here.
    for stray in pot_dir.glob("*.pot"):
        stray.unlink()
    write_analysis_pot(analysis_messages(project, runs), pot_dir / f"{CATALOG}.pot")
    data_catalog.write_pot(
        data_catalog.data_messages(project), pot_dir / f"{data_catalog.CATALOG}.pot"
    )
    locale_dir = project.root / LOCALES
    status = sphinx_intl.basic.update(
        str(locale_dir), str(pot_dir), [e.language for e in TRANSLATIONS], jobs=1
    )
    report(
        f"catalogs: {status['create']} created, {status['update']} updated, "
        f"{status['notchanged']} unchanged in {project.rel(locale_dir)}"
    )
    shutil.rmtree(out / "_build" / "gettext" / ".doctrees", ignore_errors=True)
    return status
