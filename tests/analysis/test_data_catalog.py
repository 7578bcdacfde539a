"""The data's words in the translated editions: what reaches data.po, how cells are shown,
the number check and the coverage the build reports.

Expectations derive from the data (a copy of data/ in a temporary folder when a test edits it).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import write_po

from livingreview.analysis import data_catalog, i18n
from livingreview.analysis.confirmation import MARKER
from livingreview.data.package import load_table
from livingreview.data.project import Project

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def data_copy(tmp_path) -> Project:
    shutil.copytree(REPO / "data", tmp_path / "data")
    data_catalog.read_catalog.cache_clear()
    yield Project(tmp_path)
    data_catalog.read_catalog.cache_clear()
    i18n.use("en")


def write_data_po(root: Path, messages: dict[tuple[str, str], str], fuzzy=()) -> Path:
    catalog = Catalog(locale="zh_CN")
    for (context, msgid), msgstr in messages.items():
        flags = ("fuzzy",) if (context, msgid) in fuzzy else ()
        catalog.add(msgid, msgstr, context=context, flags=flags)
    path = data_catalog.catalog_path(root, "zh_CN")
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as handle:
        write_po(handle, catalog)
    data_catalog.read_catalog.cache_clear()
    return path


def test_every_cell_of_a_declared_column_is_a_message_in_its_context():
    project = Project(REPO)
    messages = {(m.context, m.msgid): m for m in data_catalog.data_messages(project)}
    declared = data_catalog.declared(project)
    assert declared and all(set(c.values()) <= set(data_catalog.KINDS) for c in declared.values())
    checked = 0
    for table, columns in declared.items():
        frame = load_table(table, project)
        for column, kind in columns.items():
            context = data_catalog.context(table, column, kind)
            for value in frame[column].dropna().unique():
                # the marker at the end of a cell is not part of the message
                message = messages[(context, data_catalog.unmarked(str(value).strip())[0])]
                assert f"{table}/{column}" in message.tables
                checked += 1
    assert checked > 100
    # a vocabulary is one message per value, whichever tables use it
    shared = [m for m in messages.values() if m.context == data_catalog.VOCABULARY]
    assert any(len({t.split("/")[0] for t in m.tables}) > 1 for m in shared)


def test_new_and_changed_cells_arrive_as_new_messages(data_copy):
    before = {(m.context, m.msgid) for m in data_catalog.data_messages(data_copy)}
    path = data_copy.data_dir / "clinical_studies.csv"
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    old = frame.loc[0, "safety_finding"]
    frame.loc[0, "safety_finding"] = old + " (edited)"
    frame.to_csv(path, index=False)
    after = {(m.context, m.msgid) for m in data_catalog.data_messages(data_copy)}
    assert after - before == {("clinical_studies/safety_finding", old + " (edited)")}


def test_a_column_with_an_unknown_kind_is_refused(data_copy):
    descriptor = data_copy.datapackage
    text = descriptor.read_text(encoding="utf-8")
    descriptor.write_text(text.replace('"x-translate": "text"', '"x-translate": "prose"', 1))
    with pytest.raises(data_catalog.TranslateDeclarationInvalid, match="x-translate.*prose"):
        data_catalog.declared(data_copy)


def test_cells_translate_by_column_and_a_marked_category_is_the_same_category(
    data_copy, monkeypatch
):
    trials = load_table("registered_trials", data_copy)
    status = str(trials["status_source"].dropna().iloc[0])
    title = str(trials["title"].dropna().iloc[0])
    untranslated = str(trials["intervention"].dropna().iloc[0])
    write_data_po(
        data_copy.root,
        {(data_catalog.VOCABULARY, status): "状态甲", ("registered_trials/title", title): "题目甲"},
    )
    monkeypatch.setenv("LIVINGREVIEW_ROOT", str(data_copy.root))
    tr = i18n.use("zh_CN")
    frame = pd.DataFrame(
        {
            "status_source": [status, f"{status} [{MARKER}]"],
            "title": [title, title],
            "intervention": [untranslated, ""],
            "registry_id": ["NCT00000001", "NCT00000002"],
        }
    )
    out = i18n.translate_cells(frame, "registered_trials", project=data_copy)
    assert list(out["status_source"]) == ["状态甲", f"状态甲 [{MARKER}]"]
    assert list(out["title"]) == ["题目甲", "题目甲"]
    assert list(out["intervention"]) == [untranslated, ""]  # English, and remembered
    assert tr.untranslated == {untranslated}
    assert list(out["registry_id"]) == list(frame["registry_id"])  # not a declared column
    # a category is one category in a chart or count table too, marked or not
    assert tr.lookup(f"{status} [{MARKER}]") == f"状态甲 [{MARKER}]"
    # the text context does not leak: the same words in another column stay untranslated
    assert tr.cell(title, "registered_trials/intervention") == title
    i18n.use("en")
    assert i18n.translate_cells(frame, "registered_trials", project=data_copy).equals(frame)


@pytest.mark.parametrize(
    ("english", "translation", "problem"),
    [
        ("28-day mortality 30% with MSCs", "28 d 病死率 MSC 组 30%", None),
        ("phase II randomised trial (CISS2)", "Ⅱ期随机试验（CISS2）", None),
        ("1/2a", "Ⅰ/Ⅱa 期", None),
        ("160 million cells", "160×10⁶ 个细胞", None),
        ("n = 1,266", "1266 只", None),
        ("one patient died within 24 h", "1 例患者在 24 h 内死亡", "it has 1"),
        ("mortality 30% and 15%", "病死率 30% 和 5%", "lacks 15; it has 5"),
    ],
)
def test_numbers_in_a_cell_must_match(english, translation, problem):
    found = data_catalog.number_problem(english, translation)
    assert (found is None) if problem is None else (problem in found)


def test_the_build_refuses_a_data_translation_whose_numbers_differ(data_copy):
    from livingreview.book.build import BuildFailed, build_html

    msgid = "28-day mortality 30% with MSCs"
    write_data_po(
        data_copy.root,
        {
            ("clinical_studies/efficacy_finding", msgid): "28 d 病死率 MSC 组 35%",
            ("vocabulary", "recruiting"): "招募中",
            ("clinical_studies/design", "phase 2 trial"): "Ⅲ期试验",
        },
        fuzzy={("clinical_studies/design", "phase 2 trial")},  # fuzzy: not used, not checked
    )
    problems = data_catalog.catalog_problems(data_copy.root, "zh_CN")
    assert len(problems) == 1
    assert problems[0].startswith("locales/zh_CN/LC_MESSAGES/data.po, line ")
    assert "clinical_studies/efficacy_finding" in problems[0] and msgid in problems[0]
    assert "lacks 30" in problems[0] and "35" in problems[0]
    with pytest.raises(BuildFailed, match="data.po, line"):
        build_html(data_copy, [], report=lambda _: None)


def test_coverage_per_table_counts_the_messages_the_current_cells_need(data_copy):
    messages = data_catalog.data_messages(data_copy)
    first = next(m for m in messages if m.context.startswith("clinical_studies/"))
    write_data_po(data_copy.root, {(m.context, m.msgid): "译" for m in messages if m is not first})
    lines: list[str] = []
    table = data_catalog.report_coverage(data_copy, "zh_CN", lines.append)
    tables = {t.split("/")[0] for m in messages for t in m.tables}
    assert set(table) == tables
    clinical = table["clinical_studies"]
    assert clinical.total - clinical.translated == 1 and clinical.percent < 100
    assert all(table[t].percent == 100 for t in tables - {"clinical_studies"})
    done, total = sum(c.translated for c in table.values()), sum(c.total for c in table.values())
    assert done == total - 1 and lines[0].startswith(f"data translation zh_CN: {done}/{total} ")
    assert any(line.startswith("  data/clinical_studies: ") for line in lines)
    assert any(first.msgid[:60] in line for line in lines)  # the merger sees what to translate


def test_the_books_data_is_translated_with_its_numbers():
    """The Chinese edition's data coverage is 100% (after new data, `livingreview catalogs`
    brings the cells in and a translator fills them) and no translation changes a number."""
    project = Project(REPO)
    data_catalog.read_catalog.cache_clear()
    coverage = data_catalog.coverage(project, "zh_CN")
    missing = {t: c.missing for t, c in coverage.items() if c.missing}
    assert missing == {}
    assert data_catalog.catalog_problems(REPO, "zh_CN") == []


def test_a_translated_run_declares_the_data_catalog(mini_project):
    from livingreview.book.manifest import edition_runs, load_manifest

    project = Project(mini_project)
    path = write_data_po(mini_project, {("vocabulary", "x"): "叉"})
    runs = edition_runs(project, load_manifest(project), "zh_CN")
    assert runs and all(path in run.inputs for run in runs)


def test_lookup_outside_a_table_translates_categories_only(data_copy, monkeypatch):
    write_data_po(data_copy.root, {("vocabulary", "kidney"): "肾", ("errata/reason", "a"): "甲"})
    monkeypatch.setenv("LIVINGREVIEW_ROOT", str(data_copy.root))
    tr = i18n.use("zh_CN")
    assert tr.lookup("kidney") == "肾" and tr.lookup("a") == "a"
    assert tr.untranslated == set()  # a lookup never counts a cell as English


def test_catalogs_bring_a_changed_cell_in_fuzzy_and_a_new_one_empty(tmp_path):
    """What ``livingreview catalogs`` does with data.pot: sphinx-intl keeps the translation of
    a changed cell, marked fuzzy (not used until revised), and adds a new cell empty."""
    import sphinx_intl.basic

    from livingreview.data.editions import read_po

    pot_dir, locale_dir = tmp_path / "pot", tmp_path / "locales"
    context = "clinical_studies/safety_finding"
    old = data_catalog.Message(context, "no adverse reactions to intravenous MSCs", ("t/c",))
    data_catalog.write_pot([old], pot_dir / "data.pot")
    sphinx_intl.basic.update(str(locale_dir), str(pot_dir), ["zh_CN"], jobs=1)
    po = locale_dir / "zh_CN" / "LC_MESSAGES" / "data.po"
    catalog = read_po(po)
    catalog.get(old.msgid, context=context).string = "静脉输注 MSC 未见不良反应"
    with po.open("wb") as handle:
        write_po(handle, catalog)
    changed = data_catalog.Message(context, "no adverse reactions to intravenous MSC", ("t/c",))
    new = data_catalog.Message("vocabulary", "withdrawn", ("t/c",))
    data_catalog.write_pot([changed, new], pot_dir / "data.pot")
    sphinx_intl.basic.update(str(locale_dir), str(pot_dir), ["zh_CN"], jobs=1)
    catalog = read_po(po)
    revised = catalog.get(changed.msgid, context=context)
    assert revised.fuzzy and revised.string == "静脉输注 MSC 未见不良反应"
    assert catalog.get("withdrawn", context="vocabulary").string == ""
    data_catalog.read_catalog.cache_clear()
    assert data_catalog.read_catalog(po) == {}  # neither is shown until translated
