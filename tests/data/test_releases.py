"""The release record and the chapter stamp, on a tiny hand-made project."""

import json

import pytest

from livingreview.data import releases
from livingreview.data.project import Project


@pytest.fixture
def project(tmp_path) -> Project:
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "a.csv").write_text("x\n1\n")
    (tmp_path / "data" / "b.csv").write_text("y\n2\n")
    return Project(tmp_path)


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
    stamp = releases.chapter_stamp(project, ["data/a.csv"], "2026-05-31")
    assert stamp == (
        "*Evidence current to 2026-05-31; book version 0.2.0; data behind this page last "
        "changed in version 0.1.0 (2026-01-01).*"
    )
    assert "last changed in version 0.2.0" in releases.chapter_stamp(project, ["data/b.csv"], "x")


def test_stamp_says_when_the_data_changed_after_the_latest_release(project):
    snapshot(project, "0.1.0", "2026-01-01")
    (project.data_dir / "a.csv").write_text("x\n9\n")
    stamp = releases.chapter_stamp(project, ["data/a.csv"], "2026-01-01")
    assert "changed after the latest release" in stamp


def test_past_releases_come_oldest_first(project):
    (project.data_dir / "releases.csv").write_text(
        "version,date\n0.10.0,2026-03-01\n0.9.0,2026-02-01\nnot-a-version,x\n"
    )
    assert [r["version"] for r in releases.past_releases(project)] == ["0.9.0", "0.10.0"]
