"""The release record and the chapter stamp, on a tiny hand-made project."""

import json

import pytest

from livingreview.data import releases
from livingreview.data.project import Project

LOG = "search_id,date,source,query,hits,new_records,notes,kind,run_id,retrieved\n"
STRATEGIES = (
    "api:\n  - {name: pubmed, source: PubMed}\n  - {name: ctgov, source: ClinicalTrials.gov}\n"
)
RUN = "scheduled search,{run},0"  # the last three cells of a row of a run of the strategies


def write_descriptor(project: Project, **fields) -> None:
    descriptor = {"name": "tiny", "resources": []} | fields
    project.datapackage.write_text(json.dumps(descriptor))


@pytest.fixture
def project(tmp_path) -> Project:
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "a.csv").write_text("x\n1\n")
    (tmp_path / "data" / "b.csv").write_text("y\n2\n")
    project = Project(tmp_path)
    write_descriptor(project, **{"x-evidence-current-to": "2026-05-31"})
    return project


def with_log(project: Project, rows: str) -> None:
    """Declare a surveillance log in the Data Package and write its rows."""
    descriptor = json.loads(project.datapackage.read_text())
    descriptor["resources"].append({"name": "surveillance_log", "path": "log.csv"})
    project.datapackage.write_text(json.dumps(descriptor))
    (project.data_dir / "log.csv").write_text(LOG + rows)


def snapshot(project: Project, version: str, date: str) -> None:
    record = {"version": version, "date": date, "data": releases.data_digests(project)}
    path = releases.snapshot_path(project, version)
    path.parent.mkdir(exist_ok=True)
    path.write_text(json.dumps(record))


def test_versions_sort_as_numbers_not_text():
    ordered = sorted(["0.10.0", "0.2.0", "v1.0.0", "0.9.1"], key=releases.version_key)
    assert ordered == ["0.2.0", "0.9.1", "0.10.0", "v1.0.0"]


def test_stamp_names_the_release_since_which_a_page_s_data_is_unchanged(project):
    snapshot(project, "0.1.0", "2026-01-01")
    (project.data_dir / "b.csv").write_text("y\n3\n")
    snapshot(project, "0.2.0", "2026-06-01")
    stamp = releases.chapter_stamp(project, ["data/a.csv"])
    assert stamp == (
        "*Evidence current to 2026-05-31; last search not recorded. Book version 0.2.0; data "
        "behind this page last changed in version 0.1.0 (2026-01-01).*"
    )
    assert "last changed in version 0.2.0" in releases.chapter_stamp(project, ["data/b.csv"])


def test_stamp_says_when_the_data_changed_after_the_latest_release(project):
    snapshot(project, "0.1.0", "2026-01-01")
    (project.data_dir / "a.csv").write_text("x\n9\n")
    stamp = releases.chapter_stamp(project, ["data/a.csv"])
    assert "changed after the latest release" in stamp


def test_stamp_says_when_the_evidence_was_last_searched_and_the_next_update_is_due(project):
    write_descriptor(
        project, **{"x-evidence-current-to": "2026-08-31", "x-update-interval-months": 6}
    )
    (project.data_dir / "search_strategies.yml").write_text(STRATEGIES)
    one, two = RUN.format(run="20260902T080000Z"), RUN.format(run="20261015T080000Z")
    with_log(
        project,
        f"S001,2026-09-02,PubMed,q,0,0,,{one}\nS002,2026-09-02,ClinicalTrials.gov,q,0,0,,{one}\n"
        f"S003,2026-10-15,PubMed,q,0,0,,{two}\nS004,2026-10-15,ClinicalTrials.gov,q,0,0,,{two}\n",
    )
    snapshot(project, "0.1.0", "2026-09-01")
    assert releases.chapter_stamp(project, ["data/a.csv"]) == (
        "*Evidence current to 2026-08-31; last searched 2026-10-15; next update due 2027-02-28. "
        "Book version 0.1.0; data behind this page last changed in version 0.1.0 (2026-09-01).*"
    )
    # every file the stamp reads is a dependency of the page
    assert releases.stamp_sources(project) == [
        project.datapackage,
        releases.snapshot_path(project, "0.1.0"),
        project.data_dir / "log.csv",
        project.data_dir / "search_strategies.yml",
    ]


def test_last_searched_is_the_latest_complete_run_of_every_saved_strategy(project):
    assert releases.last_searched(project) is None  # no log declared
    (project.data_dir / "search_strategies.yml").write_text(STRATEGIES)
    late, early, cut = (RUN.format(run=r) for r in ("20261015T0Z", "20260201T0Z", "20261120T0Z"))
    with_log(
        project,
        f"S002,2026-10-15,PubMed,q,,,,{late}\nS003,2026-02-01,PubMed,q,,,,{early}\n"
        f"S004,2026-02-01,ClinicalTrials.gov,q,,,,{early}\n"
        f"S005,2026-10-15,ClinicalTrials.gov,q,,,,{late}\n"
        f"S006,2026-11-20,PubMed,q,,,,{cut}\n"  # a run without ClinicalTrials.gov: incomplete
        "S007,2026-11-25,web pages (stored copies),NCT01234567,8,0,,look-up of a known record,,\n",
    )
    assert releases.last_searched(project) == "2026-10-15"
    (project.data_dir / "log.csv").unlink()
    assert releases.last_searched(project) is None  # declared but absent
    assert "last search not recorded" in releases.chapter_stamp(project, [])


@pytest.mark.parametrize(
    ("months", "interval"), [(6, 6), (12, 12), (0, None), (-1, None), ("6", None), (True, None)]
)
def test_update_interval_is_a_positive_whole_number_of_months_or_none(project, months, interval):
    write_descriptor(project, **{"x-update-interval-months": months})
    assert releases.update_interval_months(project) == interval


def test_update_interval_is_none_when_the_data_package_sets_none(project):
    assert releases.update_interval_months(project) is None


@pytest.mark.parametrize(
    ("months", "due"),
    [(12, "2027-05-31"), (6, "2026-11-30"), (1, "2026-06-30"), (0, None), ("6", None)],
)
def test_next_update_is_due_the_interval_after_the_evidence_date(project, months, due):
    write_descriptor(
        project, **{"x-evidence-current-to": "2026-05-31", "x-update-interval-months": months}
    )
    assert releases.next_update_due(project, "2026-05-31") == due
    assert (f"next update due {due}" in releases.chapter_stamp(project, [])) == (due is not None)
    assert ("next update due" in releases.chapter_stamp(project, [])) == (due is not None)


def test_past_releases_come_oldest_first(project):
    (project.data_dir / "releases.csv").write_text(
        "version,date\n0.10.0,2026-03-01\n0.9.0,2026-02-01\nnot-a-version,x\n"
    )
    assert [r["version"] for r in releases.past_releases(project)] == ["0.9.0", "0.10.0"]


def test_before_a_complete_run_the_stamp_says_it_is_pending_and_when_records_were_verified(
    project,
):
    (project.data_dir / "search_strategies.yml").write_text(STRATEGIES)
    with_log(
        project,
        "S000,2025-07-09,source review,baseline,,,,source review baseline,,\n"
        "S001,2026-11-26,web pages (stored copies),NCT01234567,8,0,,look-up of a known record,,\n"
        f"S002,2026-11-27,PubMed,q,3,0,,{RUN.format(run='20261127T0Z')}\n",  # PubMed only
    )
    assert releases.last_searched(project) is None
    stamp = releases.chapter_stamp(project, [])
    assert "last searched" not in stamp
    # no date is called a search or an evidence date: only the verification date is given
    assert stamp.startswith(
        "*Known records verified up to 2026-11-26; systematic search strategies defined, "
        "first scheduled run pending"
    )
    assert "Evidence current to" not in stamp


def test_a_releases_evidence_date_is_called_a_search_date_only_when_a_complete_run_made_it():
    sources = ["PubMed", "ClinicalTrials.gov"]
    header = LOG.strip().split(",")

    def rows(text: str) -> list[dict[str, str]]:
        return [dict(zip(header, line.split(","), strict=True)) for line in text.splitlines()]

    look_up = (
        "S001,2026-11-26,web pages (stored copies),NCT01234567,8,0,,look-up of a known record,,"
    )
    partial = f"S002,2026-11-27,PubMed,q,0,0,,{RUN.format(run='r1')}"  # PubMed only
    words = releases.release_evidence_words
    baseline = "S000,2025-07-09,source review,baseline,,,,source review baseline,,"
    assert words("2025-07-09", "2026-11-25", rows(f"{baseline}\n{look_up}"), sources) == (
        "2025-07-09 (the source review's baseline; no search run)"
    )
    assert words("2026-11-26", "2026-11-30", rows(look_up), sources) == (
        "2026-11-26 (known records verified; no search run)"
    )
    assert "search run" in words("2026-11-27", "2026-11-30", rows(f"{look_up}\n{partial}"), sources)
    run = f"{partial}\nS003,2026-11-28,ClinicalTrials.gov,q,0,0,,{RUN.format(run='r1')}"
    assert words("2026-11-28", "2026-11-30", rows(run), sources) == "2026-11-28 (searched)"
    # a run logged after the release did not make that release's date a search date
    assert "no search run" in words("2026-11-28", "2026-11-27", rows(run), sources)
    later = f"{run}\nS004,2026-12-02,web pages (stored copies),x,1,0,,look-up of a known record,,"
    assert words("2026-12-02", "2026-12-05", rows(later), sources) == (
        "2026-12-02 (known records verified; last searched 2026-11-28)"
    )
