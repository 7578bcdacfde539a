"""The book end to end, on temporary copies: glued values, reuse, edits, failures, offline."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from conftest import cli, copy_repo

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


def test_chapter_shows_glued_values_table_and_chart(built_book):
    html = page(built_book, "chapters/preclinical.html")
    assert "OR 0.29 (95% CI 0.22 to 0.38)" in html  # prose, glued
    assert html.count("evidence-table") >= 2  # pooled table and animal-study table
    assert 'class="vega-chart"' in html
    assert "OR 0.14 (95% CI 0.06 to 0.32)" in html


def test_no_page_loads_anything_from_another_host(built_book):
    offenders = {}
    for path in (built_book / "_build" / "html").rglob("*.html"):
        found = EXTERNAL_ASSET.findall(path.read_text(encoding="utf-8"))
        if found:
            offenders[path.name] = found
    assert offenders == {}
    assert (built_book / "_build" / "html" / "_static" / "vega-bundle.js").stat().st_size > 100_000


def test_every_analysis_is_rendered_in_the_book(built_book):
    for name in ("pooled_effects", "evidence_tables", "trial_surveillance", "evidence_map"):
        html = page(built_book, f"analyses/{name}.html")
        assert "cell_output" in html, name


def test_noop_rebuild_executes_nothing_and_edit_reruns_only_its_readers(tmp_path):
    root = copy_repo(tmp_path / "repo")
    cli(root, "book", check=True)
    again = cli(root, "book", check=True)
    assert "all analyses up to date: no notebook executed" in again.stdout
    assert "run  " not in again.stdout

    data = root / "data" / "pooled_effects.csv"
    text = data.read_text(encoding="utf-8")
    row = next(line for line in text.splitlines() if line.startswith("sun2020_mortality_overall,"))
    assert ",0.29,0.22,0.38," in row
    data.write_text(text.replace(row, row.replace(",0.29,0.22,0.38,", ",0.31,0.22,0.38,")), "utf-8")

    edited = cli(root, "book", check=True)
    assert "run   pooled_effects: data/pooled_effects.csv changed" in edited.stdout
    for other in ("evidence_tables", "trial_surveillance", "evidence_map"):
        assert f"reuse {other}: unchanged" in edited.stdout
    chapter = page(root, "chapters/preclinical.html")
    assert "OR 0.31 (95% CI 0.22 to 0.38)" in chapter  # prose and table
    assert "OR 0.29 (95% CI 0.22 to 0.38)" not in chapter
    assert '"estimate": 0.31' in chapter  # the chart's data

    # adding a study changes the count in the prose and the table, and nothing else re-runs
    assert 'currently lists <span class="pasted-text">11</span> animal studies' in chapter
    studies = root / "data" / "preclinical_studies.csv"
    new_row = (
        "newstudy2026,ou2022,2026,rat,caecal ligation and puncture (CLP),kidney,adipose MSCs,"
        "cells,intravenous,1 h after surgery,not reported in source,lower creatinine,false,"
        "unverified,Test row.\n"
    )
    studies.write_text(studies.read_text(encoding="utf-8") + new_row, "utf-8")
    added = cli(root, "book", check=True)
    assert "run   evidence_tables: data/preclinical_studies.csv changed" in added.stdout
    assert "reuse pooled_effects: unchanged" in added.stdout
    chapter = page(root, "chapters/preclinical.html")
    assert 'currently lists <span class="pasted-text">12</span> animal studies' in chapter
    assert "newstudy2026" not in chapter and "lower creatinine" in chapter


def test_failures_leave_the_last_good_book_and_the_data_untouched(tmp_path):
    root = copy_repo(tmp_path / "repo")
    cli(root, "book", check=True)
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
    data = root / "data" / "pooled_effects.csv"
    text = data.read_text(encoding="utf-8")
    bad = text.replace(",0.29,0.22,0.38,", ",0.29,0.42,0.38,", 1)
    data.write_text(bad, "utf-8")
    before = {p: p.read_bytes() for p in (root / "data").rglob("*") if p.is_file()}
    result = cli(root, "book")
    assert result.returncode == 1
    assert "data/pooled_effects.csv, row 2, column 'ci_low,estimate,ci_high'" in result.stderr
    assert not (root / "_build" / "executed").exists()
    assert {p: p.read_bytes() for p in (root / "data").rglob("*") if p.is_file()} == before
