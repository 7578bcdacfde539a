"""The book end to end, on temporary copies: glued values, reuse, edits, failures, offline."""

from __future__ import annotations

import csv
import hashlib
import re
import shutil
from pathlib import Path

from conftest import (
    cli,
    copy_repo,
    edit_cell,
    pooled_summary,
    screen_new_study,
    seeded_copy,
    table_rows,
)

EXTERNAL_ASSET = re.compile(
    r"<(?:script|link|img|iframe|source|video|audio)\b[^>]*\b(?:src|href)\s*=\s*[\"']((?:https?:)?//[^\"']+)",
    re.IGNORECASE,
)


def page(root: Path, name: str) -> str:
    return (root / "_build" / "html" / name).read_text(encoding="utf-8")


def tree_digest(folder: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            digest.update(path.relative_to(folder).as_posix().encode() + path.read_bytes())
    return digest.hexdigest()


GLUED_SUMMARY = re.compile(r"pooled_effects\.ipynb::(\w+)_summary")


def test_chapter_shows_glued_values_table_and_chart(checked_book):
    html = page(checked_book, "chapters/preclinical.html")
    quoted = set(GLUED_SUMMARY.findall((checked_book / "chapters" / "preclinical.md").read_text()))
    rows = {r["effect_id"]: r for r in table_rows(checked_book, "pooled_effects")}
    assert quoted & set(rows)
    for effect in quoted & set(rows):
        assert pooled_summary(rows[effect]) in html, effect  # prose, glued from the data
    assert html.count("evidence-table") >= 2  # pooled table and animal-study table
    assert 'class="vega-chart"' in html


def test_no_page_loads_anything_from_another_host(checked_book):
    offenders = {}
    for path in (checked_book / "_build" / "html").rglob("*.html"):
        found = EXTERNAL_ASSET.findall(path.read_text(encoding="utf-8"))
        if found:
            offenders[path.name] = found
    assert offenders == {}
    assert (
        checked_book / "_build" / "html" / "_static" / "vega-bundle.js"
    ).stat().st_size > 100_000


def test_every_analysis_is_rendered_in_the_book(checked_book):
    for name in ("pooled_effects", "evidence_tables", "trial_surveillance", "evidence_map"):
        html = page(checked_book, f"analyses/{name}.html")
        assert "cell_output" in html, name


def test_noop_rebuild_executes_nothing_and_edit_reruns_only_its_readers(built_book, tmp_path):
    root = seeded_copy(built_book, tmp_path / "repo")
    again = cli(root, "book", check=True)
    assert "all analyses up to date: no notebook executed" in again.stdout
    assert "run  " not in again.stdout

    # move the first pooled estimate by 0.01 inside its interval
    before = table_rows(root, "pooled_effects")[0]
    step = 0.01 if float(before["estimate"]) + 0.01 <= float(before["ci_high"]) else -0.01
    after = {**before, "estimate": f"{float(before['estimate']) + step:.2f}"}
    edit_cell(root, "pooled_effects", before["effect_id"], "estimate", after["estimate"])

    edited = cli(root, "book", check=True)
    assert "run   pooled_effects: data/pooled_effects.csv changed" in edited.stdout
    for other in ("evidence_tables", "trial_surveillance", "evidence_map"):
        assert f"reuse {other}: unchanged" in edited.stdout
    chapter = page(root, "chapters/preclinical.html")
    assert pooled_summary(after) in chapter  # prose and table
    assert pooled_summary(before) not in chapter
    assert f'"estimate": {float(after["estimate"])}' in chapter  # the chart's data
    # the Chinese edition is rebuilt from its own run of the same analysis, same number
    assert "run   pooled_effects [zh_CN]: data/pooled_effects.csv changed" in edited.stdout
    zh_chapter = page(root, "zh/chapters/preclinical.html")
    assert f'"estimate": {float(after["estimate"])}' in zh_chapter

    # adding a study changes the count in the prose and the table, and nothing else re-runs
    count = len(table_rows(root, "preclinical_studies"))
    assert f'<span class="pasted-text">{count}</span> entries the source' in chapter
    studies = root / "data" / "preclinical_studies.csv"
    first = table_rows(root, "preclinical_studies")[0]
    new = {**first, "study_id": "newstudy2026", "main_finding": "lower creatinine"}
    new |= {"verification": "confirmed", "notes": "Test row."}
    screen_new_study(root, "newstudy2026")  # its screening decision comes first
    with open(studies, "a", encoding="utf-8", newline="") as handle:
        csv.DictWriter(handle, fieldnames=list(first), lineterminator="\n").writerow(new)
    added = cli(root, "book", check=True)
    assert "run   evidence_tables: data/preclinical_studies.csv changed" in added.stdout
    assert "reuse pooled_effects: unchanged" in added.stdout
    chapter = page(root, "chapters/preclinical.html")
    assert f'<span class="pasted-text">{count + 1}</span> entries the source' in chapter
    assert "newstudy2026" not in chapter and "lower creatinine" in chapter


def test_failures_leave_the_last_good_book_and_the_data_untouched(built_book, tmp_path):
    root = seeded_copy(built_book, tmp_path / "repo")
    good = tree_digest(root / "_build" / "html")

    # an analysis that raises: the build stops, naming the notebook and the traceback
    notebook = root / "analyses" / "evidence_map.ipynb"
    original = notebook.read_text(encoding="utf-8")
    notebook.write_text(
        original.replace("studies = evidence", "1 / 0\\nstudies = evidence"), "utf-8"
    )
    failed = cli(root, "book")
    assert failed.returncode == 1
    assert "analysis 'evidence_map' failed" in failed.stderr
    assert "ZeroDivisionError" in failed.stderr
    assert tree_digest(root / "_build" / "html") == good
    notebook.write_text(original, "utf-8")

    # a chapter with a broken glue key: Sphinx warns, the build fails, the old book stays
    chapter = root / "chapters" / "clinical.md"
    chapter.write_text(
        chapter.read_text(encoding="utf-8")
        + "\n{glue:text}`../analyses/evidence_tables.ipynb::no_such_key:s`\n"
    )
    broken = cli(root, "book")
    assert broken.returncode == 1
    assert "no_such_key" in broken.stderr
    assert tree_digest(root / "_build" / "html") == good


def test_invalid_data_stops_before_anything_runs(tmp_path):
    root = copy_repo(tmp_path / "repo")
    first = table_rows(root, "pooled_effects")[0]
    too_high = f"{float(first['estimate']) + 0.5:.2f}"  # lower bound above the estimate
    edit_cell(root, "pooled_effects", first["effect_id"], "ci_low", too_high)
    before = {p: p.read_bytes() for p in (root / "data").rglob("*") if p.is_file()}
    result = cli(root, "book")
    assert result.returncode == 1
    assert "data/pooled_effects.csv, row 2, column 'ci_low,estimate,ci_high'" in result.stderr
    assert not (root / "_build" / "executed").exists()
    assert {p: p.read_bytes() for p in (root / "data").rglob("*") if p.is_file()} == before


def html_pages(root: Path) -> dict[str, bytes]:
    html = root / "_build" / "html"
    return {p.relative_to(html).as_posix(): p.read_bytes() for p in html.rglob("*.html")}


def test_rebuild_over_a_previous_build_gives_the_same_pages_as_a_clean_build(built_book, tmp_path):
    # Over the previous output, Sphinx finds every stylesheet already in _static; a clean build
    # once linked the extensions' stylesheets without their ?v= checksum.
    root = copy_repo(tmp_path / "repo")
    for folder in ("_build/html", "_build/sphinx", "_build/stage", "_build/executed"):
        if (built_book / folder).is_dir():
            shutil.copytree(built_book / folder, root / folder)
    cli(root, "build", "--full", check=True)
    clean, rebuilt = html_pages(built_book), html_pages(root)
    assert clean.keys() == rebuilt.keys()
    differ = sorted(name for name in clean if clean[name] != rebuilt[name])
    assert differ == []
    assert any(b"mystnb." in page and b".css?v=" in page for page in clean.values())
