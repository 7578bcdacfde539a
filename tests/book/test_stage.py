"""Staging the book's sources and publishing a build, without running Sphinx."""

import pytest

from livingreview.book import build
from livingreview.book.manifest import Run
from livingreview.data.project import Project


@pytest.fixture
def project(tmp_path, monkeypatch) -> Project:
    root = tmp_path / "book"
    for name in ("_config.yml", "_toc.yml"):
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(f"# {name}\n")
    (root / "chapters").mkdir()
    (root / "chapters" / "a.md").write_text("# A\n")
    (root / "data").mkdir()
    (root / "data" / "t.csv").write_text("x\n1\n")
    (root / "analyses").mkdir()
    (root / "analyses" / "manifest.yml").write_text("runs: []\n")
    project = Project(root)
    project.executed_dir.mkdir(parents=True)
    (project.executed_dir / "n.ipynb").write_text("{}")
    monkeypatch.setattr(build, "vega_bundle", lambda p: b"bundle")
    return project


RUNS = [Run("n", None)]


def test_staging_copies_sources_and_reports_changes_only_once(project):
    stage_dir, changed = build.stage(project, RUNS)
    assert changed
    assert (stage_dir / "chapters" / "a.md").read_text() == "# A\n"
    assert (stage_dir / "analyses" / "n.ipynb").read_text() == "{}"  # the executed notebook
    assert (stage_dir / "data" / "t.csv").is_file()
    mtime = (stage_dir / "chapters" / "a.md").stat().st_mtime_ns
    assert build.stage(project, RUNS)[1] is False  # nothing new: Sphinx can skip
    assert (stage_dir / "chapters" / "a.md").stat().st_mtime_ns == mtime


def test_staging_removes_what_the_sources_no_longer_have(project):
    build.stage(project, RUNS)
    (project.chapters_dir / "a.md").unlink()
    stage_dir, changed = build.stage(project, RUNS)
    assert changed and not (stage_dir / "chapters").exists()


def test_staging_refuses_a_run_that_never_executed(project):
    with pytest.raises(build.BuildFailed, match="no executed notebook"):
        build.stage(project, [*RUNS, Run("missing", None)])


def test_publishing_replaces_the_book_whole(tmp_path):
    built, target = tmp_path / "built", tmp_path / "html"
    built.mkdir()
    (built / "index.html").write_text("new")
    target.mkdir()
    (target / "index.html").write_text("old")
    (target / "stale.html").write_text("gone after publishing")
    build._publish(built, target)
    assert sorted(p.name for p in target.iterdir()) == ["index.html"]
    assert (target / "index.html").read_text() == "new"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["built", "html"]
