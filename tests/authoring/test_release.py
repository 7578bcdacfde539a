"""The author's workflow on temporary git copies: add a row, see what changed, release."""

from __future__ import annotations

import csv
import io
import json
import re
import subprocess
from datetime import date, timedelta
from pathlib import Path

import pytest
import yaml
from conftest import UPDATE_NOTE, cli, copy_repo, journal, screen_new_study, seeded_copy

from livingreview.authoring import release as release_module
from livingreview.authoring.add import RowRejected, add_row
from livingreview.authoring.changes import (
    EvidenceChanges,
    GlueChange,
    book_sentence,
    changed_evidence,
    default_since,
    format_changes,
    summarize,
)
from livingreview.authoring.release import ReleaseRefused, default_current_to, release
from livingreview.data import csvio
from livingreview.data.bib import citation_labels
from livingreview.data.identity import identity
from livingreview.data.package import evidence_current_to, read_descriptor
from livingreview.data.project import Project
from livingreview.data.releases import last_searched, past_releases
from livingreview.data.searches import api_sources
from livingreview.data.validate import validate_project

STUDIES = Path("data") / "preclinical_studies.csv"
NEW_STUDY = {
    "study_id": "newstudy2026",
    "ref_key": "ou2022",
    "year": "2026",
    "species": "rat",
    "sepsis_model": "caecal ligation and puncture (CLP)",
    "organ": "kidney",
    "cell_source": "adipose MSCs",
    "product": "cells",
    "route": "intravenous",
    "cell_source_group": "adipose tissue",
    "organ_group": "kidney",
    "route_group": "intravenous",
    "species_group": "rat",
    "model_group": "caecal ligation and puncture",
    "timing": "1 h after surgery",
    "mechanism": "not reported in source",
    "main_finding": "lower creatinine, less tubular injury",
    "risk_of_bias": "not assessed",
    "in_source_table1": "false",
    "verification": "unverified",
    "notes": "Test row.",
    "eligibility": "meets the rule",
}


def git(root: Path, *args: str) -> str:
    proc = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, check=True)
    return proc.stdout


def commit_all(root: Path, message: str) -> None:
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", message)


@pytest.fixture
def repo(tmp_path) -> Path:
    """A copy of the book as its own git repository, everything committed."""
    root = copy_repo(tmp_path / "repo")
    screen_new_study(root, NEW_STUDY["study_id"])  # its screening decision comes first
    git(root, "init", "-q", "-b", "main")
    git(root, "config", "user.name", "Test Author")
    git(root, "config", "user.email", "author@example.org")
    commit_all(root, "Version 0.1.0")
    return root


def set_args(values: dict[str, str]) -> list[str]:
    return [arg for column, value in values.items() for arg in ("--set", f"{column}={value}")]


def data_rows(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"), newline="")))


def page(root: Path, name: str) -> str:
    return (root / "_build" / "html" / name).read_text(encoding="utf-8")


def replace_cell(path: Path, key: str, column: str, value: str) -> str:
    """Change one cell of the row whose first cell is ``key``; return the old value."""
    text = path.read_text(encoding="utf-8")
    rows = list(csv.reader(io.StringIO(text, newline="")))
    index = rows[0].index(column)
    row = next(r for r in rows if r[0] == key)
    old, row[index] = row[index], value
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    path.write_text(out.getvalue(), encoding="utf-8")
    return old


# ---------------------------------------------------------------------------------------------
# add


def test_add_appends_exactly_one_line_and_the_data_stays_valid(repo):
    path = repo / STUDIES
    before = path.read_bytes()
    line = add_row(Project(repo), "preclinical_studies", NEW_STUDY)
    after = path.read_bytes()
    assert after.startswith(before)
    assert after[len(before) :].decode().startswith("newstudy2026,ou2022,2026,rat,")
    assert after[len(before) :].count(b"\n") == 1 and after.endswith(b"\n")
    assert line == len(data_rows(path)) + 1
    assert git(repo, "diff", "--numstat") == f"1\t0\t{STUDIES.as_posix()}\n"
    changed = [
        d
        for d in git(repo, "diff", "-U0").splitlines()
        if d[:1] in "+-" and not d.startswith(("+++", "---"))
    ]
    header = next(csv.reader(io.StringIO(before.decode())))
    expected = csvio.encode_row([NEW_STUDY.get(c, "") for c in header], b"").decode()
    assert changed == ["+" + expected]  # the new row alone, as CSV writes it
    assert validate_project(Project(repo)) == []
    assert sorted(p.name for p in path.parent.iterdir() if p.name.startswith(".")) == []


def test_add_keeps_a_file_without_final_newline_that_way(repo):
    path = repo / "data" / "errata.csv"
    path.write_bytes(path.read_bytes().rstrip(b"\n"))
    before = path.read_bytes()
    row = data_rows(path)[0] | {"erratum_id": "new_erratum", "printed": "x", "corrected": "y"}
    add_row(Project(repo), "errata.csv", row)
    after = path.read_bytes()
    assert after.startswith(before + b"\n") and not after.endswith(b"\n")
    assert after.count(b"\n") == before.count(b"\n") + 1


def test_add_rejects_a_bad_row_with_structured_problems_and_changes_nothing(repo):
    path = repo / STUDIES
    before = path.read_bytes()
    listing = sorted(p.name for p in path.parent.iterdir())
    bad = NEW_STUDY | {
        "study_id": "ou2022",  # already in the table
        "year": "20x6",
        "product": "pills",
        "ref_key": "nosuchkey2026",
        "species": "",
        "dose": "1e6 cells",
    }
    with pytest.raises(RowRejected) as info:
        add_row(Project(repo), "preclinical_studies", bad)
    problems = info.value.problems
    assert {(p.column, p.rule) for p in problems} == {
        ("study_id", "unique"),
        ("year", "type"),
        ("product", "enum"),
        ("ref_key", "reference"),
        ("species", "required"),
        ("dose", "unknown-column"),
    }
    new_line = len(data_rows(path)) + 2
    assert all(p.file == "data/preclinical_studies.csv" and p.row == new_line for p in problems)
    assert next(p for p in problems if p.rule == "unique").message == "duplicates row 2"
    assert path.read_bytes() == before
    assert sorted(p.name for p in path.parent.iterdir()) == listing

    result = cli(repo, "add", "preclinical_studies", *set_args(bad))
    assert result.returncode == 1
    assert "column 'year': expected a year (YYYY)" in result.stderr
    assert "row rejected: 6 problem(s); data/preclinical_studies.csv was not changed" in (
        result.stderr
    )
    assert path.read_bytes() == before

    unknown = cli(repo, "add", "no_such_table", "--set", "a=b")
    assert unknown.returncode == 1 and "unknown table 'no_such_table'" in unknown.stderr


def test_add_rejects_a_line_break_in_a_cell(repo):
    with pytest.raises(RowRejected) as info:
        add_row(Project(repo), "preclinical_studies", NEW_STUDY | {"notes": "two\nlines"})
    assert [(p.column, p.rule) for p in info.value.problems] == [("notes", "line-break")]


# ---------------------------------------------------------------------------------------------
# changes


def test_changes_reports_an_added_and_a_changed_row(repo):
    cli(repo, "add", "preclinical_studies", *set_args(NEW_STUDY), check=True)
    old = replace_cell(repo / STUDIES, "dossantos2022", "organ", "lung and kidney")
    assert old == "lung"

    changes = changed_evidence(Project(repo))  # no tag: the commit that recorded the release
    assert changes.since == changes.release == past_releases(Project(repo))[-1]["version"]
    assert changes.commit == git(repo, "rev-parse", "HEAD").strip()
    (table,) = changes.changed_tables
    assert table.file == "data/preclinical_studies.csv"
    assert table.added == [("newstudy2026",)]
    assert table.removed == []
    assert [(c.key, c.cells) for c in table.changed] == [
        (("dossantos2022",), {"organ": ("lung", "lung and kidney")})
    ]
    text = format_changes(changes)
    assert "data/preclinical_studies.csv: 1 added, 0 removed, 1 changed" in text

    shown = cli(repo, "changes", check=True).stdout
    assert shown.startswith(f"changes since release {changes.release} ")
    assert f"+ newstudy2026 [{NEW_STUDY['ref_key']}]" in shown  # id and reference key
    assert "~ dossantos2022" in shown and "organ: 'lung' -> 'lung and kidney'" in shown

    # an untagged release is found by the commit that recorded it
    latest = past_releases(Project(repo))[-1]["version"]
    since_release = changed_evidence(Project(repo), latest)
    assert since_release.release == latest
    assert since_release.commit == git(repo, "rev-parse", "HEAD").strip()
    assert since_release.snapshot == f"releases/{latest}.json"
    assert since_release.glued == []  # nothing executed in this copy: nothing to compare
    assert "whats_new" in since_release.stale_runs

    # one sentence: what the last run knows, and that `make book` brings the values up to date
    assert (
        f"Glued values are unchanged since release {latest} as far as the last run knows; " in shown
    )
    assert "out of date with the data" in shown and "`make book` re-runs them" in shown
    assert "livingreview run" not in shown

    bad = cli(repo, "changes", "--since", "no-such-ref")
    assert bad.returncode == 1 and "not a git revision" in bad.stderr


def test_changes_are_worded_for_readers_by_row_label_and_cell(repo):
    effects = data_rows(repo / "data" / "pooled_effects.csv")
    effect = effects[0]
    estimate = f"{float(effect['estimate']) + 0.02:.2f}"
    replace_cell(repo / "data" / "pooled_effects.csv", effect["effect_id"], "estimate", estimate)
    clinical = repo / "data" / "clinical_studies.csv"
    lines = clinical.read_text(encoding="utf-8").splitlines(keepends=True)
    clinical.write_text("".join(lines[:-1]), encoding="utf-8")  # the last study removed
    removed = list(csv.DictReader(io.StringIO("".join([lines[0], lines[-1]]))))[0]
    label = removed["study_id"] + (
        f" [{removed['ref_key']}]" if removed["ref_key"] != removed["study_id"] else ""
    )

    changes = changed_evidence(Project(repo))  # default: the latest release
    labels = citation_labels(Project(repo))
    summary = summarize(changes.tables, "Estimate corrected", labels=changes.labels)
    # readers know a study by its citation, never by its key
    assert summary.startswith(f"Changed pooled estimate {labels[effect['ref_key']]} (")
    assert f"): estimate {effect['estimate']} → {estimate}. " in summary
    assert f" Removed 1 clinical study ({labels[removed['ref_key']]}: " in summary
    assert summary.endswith("). Estimate corrected.")
    for key in (effect["effect_id"], removed["study_id"], removed["ref_key"]):
        assert key not in summary
    # an author's list (no labels) keeps the ids
    assert f"Removed 1 clinical study ({label}: " in summarize(changes.tables)
    shown = format_changes(changes)
    assert f"    ~ {effect['effect_id']}" in shown
    assert f"estimate: {effect['estimate']!r} -> {estimate!r}" in shown
    assert f"    - {label}" in shown


def test_the_book_sentence_says_what_moved_and_what_still_needs_make_book():
    changes = EvidenceChanges("0.2.2", "c0ffee", [], release="0.2.2", snapshot="x")
    assert book_sentence(changes) == (
        "Glued values are unchanged since release 0.2.2 as far as the last run knows; "
        "every analysis is up to date with the data."
    )
    changes.glued = [GlueChange("pooled_effects", "n", "1", "2")]
    changes.stale_runs = ["whats_new"]
    assert book_sentence(changes) == (
        "1 glued value differs from release 0.2.2 as of the last run (listed below); "
        "1 analysis is out of date with the data (whats_new), so the values may change: "
        "`make book` re-runs it and rebuilds the pages."
    )


def test_changes_compare_with_the_latest_release_git_can_find(repo):
    project = Project(repo)
    recorded = past_releases(project)[-1]["version"]
    assert default_since(project) == recorded
    major, minor, _ = recorded.split(".")
    newer = f"{major}.{int(minor) + 5}.0"
    path = repo / "data" / "releases.csv"
    last = data_rows(path)[-1]
    add_row(project, "releases", last | {"version": newer, "summary": "Test."})
    assert default_since(project) == recorded  # the new row is not committed yet
    commit_all(repo, f"Release {newer}")
    assert default_since(project) == newer
    assert changed_evidence(project).commit == git(repo, "rev-parse", "HEAD").strip()
    path.write_text(path.read_text(encoding="utf-8").splitlines(keepends=True)[0])
    assert default_since(project) == "HEAD"  # no release recorded


# ---------------------------------------------------------------------------------------------
# release


def release_files(root: Path) -> dict[str, bytes | None]:
    names = ["data/releases.csv", "data/datapackage.json", "CITATION.cff", "CHANGELOG.md"]
    out = {n: (root / n).read_bytes() for n in names}
    out["releases"] = b"".join(p.read_bytes() for p in sorted((root / "releases").glob("*")))
    return out


def release_date(root: Path) -> str:
    """A date a new release may carry: after the last release and the latest search."""
    project = Project(root)
    return day(max(past_releases(project)[-1]["date"], last_searched(project) or ""), 5)


def test_release_refuses_bad_versions_a_dirty_tree_and_invalid_data(repo):
    project = Project(repo)
    before = release_files(repo)
    last, new, when = past_releases(project)[-1]["version"], next_version(repo), release_date(repo)
    major, minor, patch = (int(p) for p in last.split("."))
    older = f"{major}.{minor}.{patch - 1}" if patch else f"{major}.{max(minor - 1, 0)}.9"
    for version, reason in [
        (new.rsplit(".", 1)[0], "not semantic"),
        (f"v{new}", "not semantic"),
        (last, f"not greater than the last release {last}"),
        (older, f"not greater than the last release {last}"),
    ]:
        with pytest.raises(ReleaseRefused, match=reason):
            release(project, version, when)

    replace_cell(repo / STUDIES, "dossantos2022", "organ", "lung and kidney")
    with pytest.raises(ReleaseRefused, match="uncommitted changes") as info:
        release(project, new, when)
    assert "data/preclinical_studies.csv" in str(info.value)
    refused = cli(repo, "release", new, "--date", when)
    assert refused.returncode == 1
    assert "release refused: the working tree has uncommitted changes" in refused.stderr

    replace_cell(repo / STUDIES, "dossantos2022", "year", "20x2")
    commit_all(repo, "An invalid edit")
    with pytest.raises(ReleaseRefused, match="validation failed: 1 problem") as info:
        release(project, new, when)
    assert "data/preclinical_studies.csv, row 3, column 'year'" in str(info.value)

    assert release_files(repo) == before
    assert git(repo, "status", "--porcelain") == ""
    assert git(repo, "tag") == ""


def test_an_author_update_adds_checks_releases_and_rebuilds(updated_book):
    """The session's author update (conftest ``updated_book``): add, validate, changes,
    release, book, each as the author saw it, and the files the release wrote."""
    repo, steps = updated_book, journal(updated_book)
    previous, version, when = steps["previous"], steps["version"], steps["date"]
    study, count = steps["study"], steps["studies_before"]
    assert f"added data/preclinical_studies.csv line {count + 2}" in steps["add study"]
    assert "data valid" in steps["validate"]
    assert "data/preclinical_studies.csv: 1 added, 0 removed, 0 changed" in steps["changes"]
    assert f"+ {study['study_id']}" in steps["changes"]
    assert f"git tag -a v{version}" in steps["release"]
    assert steps["tags after release"] == ""  # release never tags or commits
    cite = citation_labels(Project(repo))[study["ref_key"]]  # readers know it by its citation
    added = (
        f"1 animal study ({cite}: {study['species']}, {study['sepsis_model']}, {study['organ']})"
    )
    record = data_rows(repo / "data" / "releases.csv")[-1]
    assert record["version"] == version and record["date"] == when
    assert record["evidence_current_to"] == steps["current_to"]
    assert f"Added {added}." in record["summary"]
    assert record["summary"].endswith(f" {UPDATE_NOTE}")
    assert (record["conclusions_changed"], record["conclusion_note"]) == ("no", UPDATE_NOTE)
    one_line = git(repo, "diff", "--numstat", f"v{version}~1", f"v{version}", "data/releases.csv")
    assert one_line == "1\t0\tdata/releases.csv\n"
    assert json.loads((repo / "data" / "datapackage.json").read_text())["version"] == version
    citation = yaml.safe_load((repo / "CITATION.cff").read_text())
    assert citation["version"] == version and str(citation["date-released"]) == when
    assert citation["preferred-citation"]["version"] == version
    assert citation["references"][0]["doi"] == identity(Project(repo)).source.doi
    changelog = (repo / "CHANGELOG.md").read_text()
    newest = changelog.index(f"## [{version}] - {when}")
    assert newest < changelog.index(f"## [{previous['version']}] - {previous['date']}")
    assert f"### Added\n\n- {added}\n" in changelog  # as in the summary
    snapshot = json.loads((repo / "releases" / f"{version}.json").read_text())
    assert snapshot["version"] == version and snapshot["evidence_current_to"] == steps["current_to"]
    assert snapshot["glued"]["evidence_tables"]["n_preclinical_studies"] == str(count + 1)
    assert snapshot["glued"]["whats_new"]["latest_version"] == version
    assert set(snapshot["data"]) >= {"data/preclinical_studies.csv", "data/releases.csv"}
    assert (repo / "releases" / f"{version}.json").stat().st_mode & 0o044 == 0o044  # not 0600

    # the book after the release: nothing to execute, What's new lists the new release first
    assert "all analyses up to date: no notebook executed" in steps["book"]
    whats_new = page(repo, "chapters/whats_new.html")
    assert f'version <span class="pasted-text">{version}</span>' in whats_new
    assert re.search(rf"<td>{re.escape(version)}</td>\s*<td>{when}</td>", whats_new)
    assert whats_new.index(f"<td>{version}</td>") < whats_new.index(
        f"<td>{previous['version']}</td>"
    )
    assert UPDATE_NOTE in whats_new
    assert f'<span class="pasted-text">{version}</span>' in page(repo, "chapters/about.html")


def test_after_a_release_changes_compare_with_it_and_an_older_version_is_refused(
    updated_book, tmp_path
):
    repo = seeded_copy(updated_book, tmp_path / "repo")
    steps = journal(repo)
    version, count = steps["version"], steps["studies_before"] + 1
    second = NEW_STUDY | {"study_id": "secondstudy2026", "organ": "lung"}
    screen_new_study(repo, second["study_id"])
    cli(repo, "add", "preclinical_studies", *set_args(second), check=True)
    cli(repo, "run", "evidence_tables", check=True)  # the analysis whose count the check reads
    shown = cli(repo, "changes", check=True).stdout
    assert shown.startswith(f"changes since release {version}")
    assert "+ secondstudy2026" in shown
    assert f"evidence_tables::n_preclinical_studies: '{count}' -> '{count + 1}'" in shown

    # the next version must be greater than the one just released
    git(repo, "-c", "user.name=A", "-c", "user.email=a@example.org", "commit", "-qam", "Add")
    refused = cli(repo, "release", steps["previous"]["version"])
    assert refused.returncode == 1
    assert f"not greater than the last release {version}" in refused.stderr


# ---------------------------------------------------------------------------------------------
# the date the evidence is current to


def day(text: str, plus: int = 0) -> str:
    return (date.fromisoformat(text) + timedelta(days=plus)).isoformat()


def next_version(root: Path) -> str:
    major, minor, _ = past_releases(Project(root))[-1]["version"].split(".")
    return f"{major}.{int(minor) + 1}.0"


LOG_FIELDS = [
    "search_id",
    "date",
    "source",
    "query",
    "hits",
    "new_records",
    "notes",
    "kind",
    "run_id",
]


def log_searches(root: Path, days: list[str]) -> None:
    """Append searches on ``days`` to the surveillance log, declaring the log if it is not."""
    descriptor = json.loads((root / "data" / "datapackage.json").read_text(encoding="utf-8"))
    resource = next((r for r in descriptor["resources"] if r["name"] == "surveillance_log"), None)
    if resource is None:
        fields = [{"name": n, "type": "string", "description": n} for n in LOG_FIELDS]
        resource = {"name": "surveillance_log", "path": "surveillance_log.csv"}
        resource["schema"] = {"fields": fields, "primaryKey": ["search_id"]}
        descriptor["resources"].append(resource)
        (root / "data" / "datapackage.json").write_text(json.dumps(descriptor, indent=2) + "\n")
        (root / "data" / resource["path"]).write_text(",".join(LOG_FIELDS) + "\n")
    path = root / "data" / resource["path"]
    taken = {r["search_id"] for r in data_rows(path)}
    ids = (f"S{n:03d}" for n in range(1000) if f"S{n:03d}" not in taken)
    sources = api_sources(Project(root)) or ["PubMed"]
    for searched in days:  # a complete run of every saved strategy on each day
        run = searched.replace("-", "") + "T090000Z"
        for source in sources:
            row = {"search_id": next(ids), "date": searched, "source": source, "query": "q"}
            row |= {"hits": "0", "new_records": "0", "kind": "scheduled search", "run_id": run}
            add_row(Project(root), "surveillance_log", row)


@pytest.fixture
def quick_release(monkeypatch):
    """Releases that skip executing the analyses (the end-to-end test above runs them)."""
    monkeypatch.setattr(release_module, "run_analyses", lambda *args, **kwargs: None)


def test_release_records_the_latest_search_as_the_evidence_date(repo, quick_release):
    project = Project(repo)
    last = past_releases(project)[-1]
    latest = max(last["evidence_current_to"], last_searched(project) or "")
    searches = [day(latest, 40), day(latest, 10)]
    released = max(last["date"], searches[0])
    log_searches(repo, searches)
    commit_all(repo, "Two searches")
    assert default_current_to(project) == searches[0]

    release(project, next_version(repo), released, report=lambda _: None)
    assert evidence_current_to(project) == searches[0]
    assert data_rows(repo / "data" / "releases.csv")[-1]["evidence_current_to"] == searches[0]
    assert f"Evidence current to {searches[0]}." in (repo / "CHANGELOG.md").read_text()


def test_release_records_the_evidence_date_given(repo, quick_release):
    project = Project(repo)
    last = past_releases(project)[-1]
    current_to = day(last["evidence_current_to"], 1)
    released = day(max(last["date"], current_to), 1)
    descriptor, version = read_descriptor(project), next_version(repo)
    release(project, version, released, report=lambda _: None, current_to=current_to)
    assert data_rows(repo / "data" / "releases.csv")[-1]["evidence_current_to"] == current_to
    # only the version and the evidence date of the Data Package change
    expected = descriptor | {"version": version, "x-evidence-current-to": current_to}
    assert read_descriptor(project) == expected


def test_release_refuses_an_evidence_date_after_it_or_before_the_last_release_s(repo):
    project = Project(repo)
    before = release_files(repo)
    last = past_releases(project)[-1]
    released = day(last["date"], 7)
    version = next_version(repo)
    for current_to, reason in [
        (day(released, 1), f"is after the release date {released}"),
        (day(last["evidence_current_to"], -1), "is before that of the last release"),
        ("2026-02-30", "is not a date YYYY-MM-DD"),
    ]:
        with pytest.raises(ReleaseRefused, match=reason):
            release(project, version, released, current_to=current_to)
    refused = cli(
        repo, "release", version, "--date", released, "--evidence-current-to", day(released, 1)
    )
    assert refused.returncode == 1
    assert f"release refused: evidence current to {day(released, 1)} is after" in refused.stderr
    assert release_files(repo) == before
    assert git(repo, "status", "--porcelain") == ""


# ---------------------------------------------------------------------------------------------
# what a release re-runs


def test_a_release_reruns_only_changed_inputs_and_readers_of_the_version_or_evidence_date(repo):
    """Releasing a version after a data change re-runs only the analyses whose inputs changed,
    plus those that read the version or evidence date (both editions of each)."""
    from conftest import edit_cell, table_rows

    from livingreview.book.manifest import all_editions, load_manifest

    project = Project(repo)
    cli(repo, "run", check=True)  # every run of every edition, stamped
    effect = table_rows(repo, "pooled_effects")[0]
    note = f"{effect['notes']} Rechecked.".strip()
    edit_cell(repo, "pooled_effects", effect["effect_id"], "notes", note)
    commit_all(repo, "A pooled effect's note")
    before = read_descriptor(project)
    released = release_date(repo)
    version = next_version(repo)
    args = ["--date", released, "--evidence-current-to", released, "--note", "Note."]
    result = cli(repo, "release", version, *args)
    assert result.returncode == 0, result.stderr

    after = read_descriptor(project)
    stamped = {key for key in after if key != "resources" and after[key] != before.get(key)}
    assert stamped == {"version", "x-evidence-current-to"}
    changed = set(git(repo, "diff", "--name-only", "HEAD~1").split())  # the edit and the release
    changed.discard("data/datapackage.json")  # its parts: the stamped keys above
    assert {"data/pooled_effects.csv", "data/releases.csv"} <= changed
    runs = all_editions(project, load_manifest(project))
    expected = {
        run.label
        for run in runs
        if changed & {project.rel(path) for path in run.inputs} or stamped & set(run.package)
    }
    executed = set(re.findall(r"^run   (.+?): ", result.stdout, flags=re.M))
    assert executed == expected
    # said before it runs them: how many and why
    assert f"re-running {len(executed)} of {len(runs)} analysis runs" in result.stdout
    if any("version" in r.package for r in runs):  # a reader of the version says it is this one
        assert "the version in data/datapackage.json changed (this release)" in result.stdout
    readers = {r.label for r in runs if stamped & set(r.package)}
    assert readers and readers <= executed  # a reader of the version is never left stale
    assert len(executed) < len(runs)  # and a release no longer re-runs everything


# ---------------------------------------------------------------------------------------------
# what readers read: studies by citation; the evidence date when newer checks came in


def test_a_released_study_is_named_by_its_citation_never_by_its_key(repo, quick_release):
    key = "zedyoung2026"
    reference = [
        "add", "reference", "--key", key, "--doi", f"10.5555/{key}",
        "--title", "Stromal cells in a test model", "--author", "Zed, Anna",
        "--author", "Young, Bo", "--journal", "J Test", "--year", "2026", "--pages", "1--9",
    ]  # fmt: skip
    cli(repo, *reference, check=True)
    study = NEW_STUDY | {"study_id": key, "ref_key": key, "year": "2026"}
    screen_new_study(repo, key)
    cli(repo, "add", "preclinical_studies", *set_args(study), check=True)
    commit_all(repo, "A study")
    project = Project(repo)
    cite = citation_labels(project)[key]
    assert cite == "Zed and Young 2026"
    released = release_date(repo)
    release(project, next_version(repo), released, report=lambda _: None)
    summary = data_rows(repo / "data" / "releases.csv")[-1]["summary"]
    assert f"Added 1 animal study ({cite}: {study['species']}, " in summary
    assert key not in summary
    changelog = (repo / "CHANGELOG.md").read_text(encoding="utf-8")
    assert f"- 1 animal study ({cite}: " in changelog and f"({key}" not in changelog


def test_release_asks_for_the_evidence_date_when_rows_checked_after_it_came_in(repo, quick_release):
    project = Project(repo)
    old = default_current_to(project)
    trial = data_rows(repo / "data" / "registered_trials.csv")[0]
    checked = day(max(old, trial["checked"]), 3)
    replace_cell(repo / "data" / "registered_trials.csv", trial["registry_id"], "checked", checked)
    commit_all(repo, "A trial checked again")
    released, version = day(checked, 1), next_version(repo)
    before = release_files(repo)

    # not interactive, no date given: refused, naming the row; nothing written
    with pytest.raises(ReleaseRefused, match=f"evidence date {old}") as info:
        release(project, version, released, report=lambda _: None)
    assert f"{trial['registry_id']} checked {checked}" in str(info.value)
    assert f"--evidence-date {checked}" in str(info.value)
    refused = cli(repo, "release", version, "--date", released)
    assert refused.returncode == 1 and "--evidence-date" in refused.stderr
    assert release_files(repo) == before

    # interactive: asked, with the newest check as the default
    asked, told = [], []

    def ask(question, default):
        asked.append(default)
        return default

    release(project, version, released, report=told.append, ask=ask)
    assert asked == [checked]
    assert any(f"checked after the evidence date {old}" in m for m in told)
    assert evidence_current_to(project) == checked
    assert data_rows(repo / "data" / "releases.csv")[-1]["evidence_current_to"] == checked


def test_a_changed_cell_is_named_in_words_with_where_its_value_comes_from(repo):
    """What's new reads 'status (registry record) … → …', never a field name."""
    trials = data_rows(repo / "data" / "registered_trials.csv")
    trial = next(t for t in trials if t["status_registry"] not in ("", "completed"))
    path = repo / "data" / "registered_trials.csv"
    replace_cell(path, trial["registry_id"], "status_registry", "completed")
    changes = changed_evidence(Project(repo))
    summary = summarize(changes.tables, "Status updated", labels=changes.labels)
    assert f"status (registry record) {trial['status_registry']} → completed" in summary
    assert "status_registry" not in summary


def test_a_summary_of_findings_row_is_named_by_its_outcome_never_by_its_key(repo):
    path = repo / "data" / "summary_of_findings.csv"
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"), newline="")))
    outcome, time_point = rows[0].index("outcome"), rows[0].index("time_point")
    row = {"outcome": rows[1][outcome]}
    rows[1][time_point] = "day 7"
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    path.write_text(out.getvalue(), encoding="utf-8")
    changes = changed_evidence(Project(repo))
    summary = summarize(changes.tables, "Time point corrected", labels=changes.labels)
    assert f"summary-of-findings row ({row['outcome']}, day 7)" in summary
    assert "|" not in summary and "summary_of_findings" not in summary


def test_a_new_log_entry_is_never_called_a_search(repo):
    """A look-up verifies a known record; What's new names any log entry as such."""
    log = repo / "data" / "surveillance_log.csv"
    rows = list(csv.reader(io.StringIO(log.read_text(encoding="utf-8"), newline="")))
    header, last = rows[0], rows[-1]
    new = dict(zip(header, last, strict=True))
    new.update(search_id="S999", date=last[header.index("date")], kind="look-up of a known record")
    rows.append([new[c] for c in header])
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    log.write_text(out.getvalue(), encoding="utf-8")
    changes = changed_evidence(Project(repo))
    summary = summarize(changes.tables, "Look-up logged", labels=changes.labels)
    assert "Added 1 log entry (S999: " in summary and "look-up of a known record" in summary
    assert "search (" not in summary
